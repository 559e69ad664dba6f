import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlTune

/// Issue 14, item 7: the pool lock is a file only its user (root) controls, and a wait for it
/// is said and bounded. Every test uses a lock in a temporary directory, never
/// /run/hugectl.lock.
@Suite("The pool lock")
struct PoolLockTests {
    func status(_ path: String) -> stat? {
        var s = stat()
        return lstat(path, &s) == 0 ? s : nil
    }

    /// Starts `flock PATH sleep 60` (util-linux) and waits until it holds the lock.
    func holdWithFlock(_ path: String) throws -> ChildProcess {
        let process = try ChildProcess("/usr/bin/flock", ["--exclusive", path, "sleep", "60"])
        for _ in 0..<200 {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                defer { close(fd) }
                if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN) } else { return process }
            }
            usleep(20_000)
        }
        process.terminate()
        throw CocoaError(.fileLocking)
    }

    @Test func createdMode0644AndOwned() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/hugectl.lock"
            let old = umask(0o077)
            defer { umask(old) }
            do {
                let lock = try PoolLock(path: path, timeout: 0)
                withExtendedLifetime(lock) {}
            }
            let s = try #require(status(path))
            #expect(s.st_mode & 0o7777 == 0o644)
            #expect(s.st_uid == geteuid())
            #expect(s.st_mode & S_IFMT == S_IFREG)
        }
    }

    /// Another user's file (what a test run as nobody left in /run), a symbolic link, a file
    /// others may write: each is replaced by a file of this user's, and the lock is taken at
    /// once even while the old file is flock'ed.
    @Test(.enabled(if: geteuid() == 0, "needs root to give a file away"))
    func foreignFilesAreReplaced() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/hugectl.lock"
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            #expect(chown(path, 65534, 65534) == 0 && chmod(path, 0o600) == 0)
            let oldInode = try #require(status(path)).st_ino
            let holder = try holdWithFlock(path)
            defer { holder.terminate(); holder.wait() }
            let start = Date()
            do {
                let lock = try PoolLock(path: path, timeout: 5)
                withExtendedLifetime(lock) {}
            }
            #expect(Date().timeIntervalSince(start) < 2, "not stalled by the foreign holder")
            let s = try #require(status(path))
            #expect(s.st_ino != oldInode && s.st_uid == 0 && s.st_mode & 0o7777 == 0o644)
        }
    }

    @Test func linksAndWritableFilesAreReplaced() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/hugectl.lock"
            let target = dir + "/target"
            #expect(FileManager.default.createFile(atPath: target, contents: Data("keep".utf8)))
            #expect(symlink(target, path) == 0)
            do { withExtendedLifetime(try PoolLock(path: path, timeout: 0)) {} }
            #expect(try #require(status(path)).st_mode & S_IFMT == S_IFREG)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep", "the link's target untouched")
            #expect(chmod(path, 0o666) == 0)
            do { withExtendedLifetime(try PoolLock(path: path, timeout: 0)) {} }
            #expect(try #require(status(path)).st_mode & 0o7777 == 0o644)
        }
    }

    /// A directory in the way cannot be replaced: refused, with why.
    @Test func whatCannotBeReplacedIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/hugectl.lock"
            try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
            #expect {
                _ = try PoolLock(path: path, timeout: 0)
            } throws: { error in
                guard let failure = error as? PoolLock.Failure, case .notOwned = failure else { return false }
                return failure.description.contains("not a regular file")
            }
        }
    }

    /// A lock held by another process: the wait is announced once with the holder's PID and
    /// name, and ends after the timeout with the holder named.
    @Test func aWaitIsSaidAndBounded() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/hugectl.lock"
            do { withExtendedLifetime(try PoolLock(path: path, timeout: 0)) {} }
            let holder = try holdWithFlock(path)
            defer { holder.terminate(); holder.wait() }
            var announced: [PoolLock.Holder?] = []
            let start = Date()
            #expect {
                _ = try PoolLock(path: path, timeout: 0.3) { announced.append($0) }
            } throws: { error in
                guard let failure = error as? PoolLock.Failure,
                      case .timedOut(_, let seconds, let who) = failure else { return false }
                return seconds == 0.3 && who?.pid == Int(holder.pid)
                    && failure.description.contains("still held by PID \(holder.pid) (flock)")
            }
            let waited = Date().timeIntervalSince(start)
            #expect(waited >= 0.3 && waited < 3)
            #expect(announced.count == 1)
            #expect(announced.first??.pid == Int(holder.pid))
            #expect(announced.first??.name == "flock")
            #expect(announced.first??.uid == Int(geteuid()))
        }
    }

    /// A holder's name with control characters is escaped once, by `OutputSink`, on the
    /// way to the terminal (`Terminal.error`), not already in the description.
    @Test func holderNameIsEscapedByTheSink() {
        let holder = PoolLock.Holder(pid: 42, name: "x\u{1B}]0;owned\u{7}\ny", uid: 0)
        #expect(holder.description == "PID 42 (x\u{1B}]0;owned\u{7}\ny), uid 0")
        let shown = OutputSink.render("hugectl: \(holder.description)\n", color: false)
        #expect(shown == "hugectl: PID 42 (x\\x1b]0;owned\\x07\\x0ay), uid 0\n")
    }

    @Test func holderFromProcLocks() {
        let text = """
        1: FLOCK  ADVISORY  WRITE 4242 00:1a:977 0 EOF
        1: -> FLOCK  ADVISORY  WRITE 4343 00:1a:977 0 EOF
        2: POSIX  ADVISORY  WRITE 99 00:1a:977 0 EOF
        3: FLOCK  ADVISORY  WRITE 77 00:1b:977 0 EOF
        """
        let device = DeviceNumber(major: 0, minor: 0x1a)
        #expect(PoolLock.holder(in: Array(text.utf8), device: device, inode: 977, own: 1)?.pid == 4242)
        #expect(PoolLock.holder(in: Array(text.utf8), device: device, inode: 978, own: 1) == nil)
        #expect(PoolLock.holder(in: Array(text.utf8), device: device, inode: 977, own: 4242) == nil, "not ourselves")
    }

    @Test func pathFromTheEnvironment() {
        #expect(PoolLock.defaultPath == "/run/hugectl.lock")
        #expect(PoolLock.pathVariable == "HUGECTL_LOCK_PATH")
    }
}
