#if canImport(Glibc)
import Glibc
#endif
import HugectlCore

/// `flock(2)` on /run/hugectl.lock: one pool change at a time. The kernel drops the lock when
/// the process ends however it ends, so a crash or SIGKILL never leaves it held.
///
/// The file is one only its user controls (root, for pool changes): created mode 0644,
/// opened with `O_NOFOLLOW`, and one that is anything else — another user's file (an
/// unprivileged user could otherwise stall every pool change by holding a `flock` on a file
/// of its own), a link, not a regular file — is removed and created again, or refused when it
/// cannot be removed. A wait for the lock says that it waits and for whom (the holder's PID
/// from /proc/locks, its name and user), and gives up after `timeout` seconds.
public final class PoolLock {
    public static let defaultPath = "/run/hugectl.lock"
    /// Replaces `defaultPath`, for tests only: they must never take the real lock.
    public static let pathVariable = "HUGECTL_LOCK_PATH"
    /// Seconds `pool` and `plan --apply` wait for the lock unless `--lock-timeout` says.
    public static let defaultTimeout = 10.0

    /// The lock file: `HUGECTL_LOCK_PATH` when set (tests), else /run/hugectl.lock.
    public static var path: String {
        if let value = getenv(pathVariable) {
            let text = String(cString: value)
            if !text.isEmpty { return text }
        }
        return defaultPath
    }

    /// Who holds the lock, as /proc/locks and /proc/PID tell. Its description quotes the
    /// process name as it is: it reaches the terminal through `Terminal.error`, whose
    /// `OutputSink` escapes it as untrusted text.
    public struct Holder: Equatable, Sendable, CustomStringConvertible {
        public var pid: Int
        public var name: String?
        public var uid: Int?

        public var description: String {
            var text = "PID \(pid)"
            if let name { text += " (\(name))" }
            if let uid { text += ", uid \(uid)" }
            return text
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The file could not be opened or created.
        case open(ReadError)
        /// The file is not one this user controls and could not be replaced.
        case notOwned(path: String, why: String, error: Errno?)
        /// Another process held the lock for the whole wait.
        case timedOut(path: String, seconds: Double, holder: Holder?)

        public var description: String {
            switch self {
            case .open(let error): return error.description
            case .notOwned(let path, let why, let error):
                return "\(path): \(why), and it could not be replaced" + (error.map { " (\($0))" } ?? "")
                    + "; refusing to use it as hugectl's lock"
            case .timedOut(let path, let seconds, let holder):
                let who = holder.map { "held by \($0)" } ?? "held by another process"
                return "\(path): still \(who) after \(PoolLock.format(seconds)) s; gave up (--lock-timeout SECONDS waits longer)"
            }
        }
    }

    private let fd: Int32

    /// Takes the lock at `path`, waiting up to `timeout` seconds; `waiting` is called once,
    /// with the holder when it can be found, when the lock is not free at once.
    public init(path: String = PoolLock.path, timeout: Double = PoolLock.defaultTimeout,
                waiting: (Holder?) -> Void = { _ in }) throws(Failure) {
        let fd = try Self.openOwned(path)
        var waited = 0.0
        var holder: Holder?
        var announced = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = Errno.current
            guard err.rawValue == EWOULDBLOCK || err.rawValue == EINTR else {
                close(fd)
                throw .open(ReadError(path: path, failure: .system(err)))
            }
            if let found = Self.holder(of: fd) { holder = found }
            if waited >= timeout {
                close(fd)
                throw .timedOut(path: path, seconds: timeout, holder: holder)
            }
            if !announced {
                waiting(holder)
                announced = true
            }
            usleep(50_000)
            waited += 0.05
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Opens the lock file, a regular file of this user's with one link, creating it (0644)
    /// or replacing whatever else is there.
    static func openOwned(_ path: String) throws(Failure) -> Int32 {
        let me = geteuid()
        for attempt in 0..<2 {
            var before = stat()
            if lstat(path, &before) == 0, let why = refusal(before, me) {
                // Not ours: remove it (root may, in /run) and create our own.
                guard attempt == 0, unlink(path) == 0 || errno == ENOENT else {
                    throw .notOwned(path: path, why: why, error: attempt == 0 ? Errno.current : nil)
                }
                continue
            }
            // O_NONBLOCK: a FIFO put there since the lstat must not hang the open.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
            if fd < 0 {
                let err = Errno.current
                if attempt == 0 && (err.rawValue == ELOOP || err.rawValue == ENXIO) { continue }
                throw .open(ReadError(path: path, failure: .system(err)))
            }
            var status = stat()
            if fstat(fd, &status) != 0 {
                let err = Errno.current
                close(fd)
                throw .open(ReadError(path: path, failure: .system(err)))
            }
            if let why = refusal(status, me) {
                close(fd)
                guard attempt == 0, unlink(path) == 0 else {
                    throw .notOwned(path: path, why: why, error: attempt == 0 ? Errno.current : nil)
                }
                continue
            }
            // A new file has the umask's mode; an older hugectl made it 0600.
            if status.st_mode & 0o7777 != 0o644 { fchmod(fd, 0o644) }
            return fd
        }
        throw .notOwned(path: path, why: "another file took its place while hugectl replaced it", error: nil)
    }

    /// Why a file found at the lock's path is not one to lock, if it is not.
    static func refusal(_ status: stat, _ me: uid_t) -> String? {
        if status.st_mode & S_IFMT != S_IFREG { return "it is not a regular file" }
        if status.st_uid != me { return "it belongs to uid \(status.st_uid), not \(me)" }
        if status.st_nlink != 1 { return "it has \(status.st_nlink) links" }
        if status.st_mode & 0o022 != 0 { return "others may write it (mode \(String(status.st_mode & 0o7777, radix: 8)))" }
        return nil
    }

    /// The holder of a `flock` on the open file, from /proc/locks (`lock_get_status`: `FLOCK
    /// ADVISORY WRITE PID MAJ:MIN:INODE ...`, waiters marked `->`), with its name and user.
    static func holder(of fd: Int32) -> Holder? {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return nil }
        let device = DeviceNumber(encoded: UInt64(status.st_dev))
        guard let text = try? readWholeFileForCommandLine(KernelPath.locks) else { return nil }
        return holder(in: text, device: device, inode: UInt64(status.st_ino), own: Int(getpid()))
    }

    /// The first `flock` holder of the file in a /proc/locks text, other than `own`.
    static func holder(in text: [UInt8], device: DeviceNumber, inode: UInt64, own: Int) -> Holder? {
        let key = device.mapsText + ":" + String(inode)
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, !fields.contains("->"), fields[1] == "FLOCK",
                  fields.contains(where: { $0 == key }), let pid = Int(fields[4]), pid > 0, pid != own else { continue }
            var holder = Holder(pid: pid)
            if let comm = try? readWholeFileForCommandLine(KernelPath.process(pid, "comm")) {
                let name = String(decoding: comm, as: UTF8.self).trimmingCharacters(in: "\n")
                if !name.isEmpty { holder.name = name }
            }
            if let statusText = try? readWholeFileForCommandLine(KernelPath.process(pid, "status")) {
                holder.uid = ProcStatus.parse(statusText[...]).uid
            }
            return holder
        }
        return nil
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e9 ? String(Int(seconds)) : String(seconds)
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
