import Foundation
import Testing

/// Issue 14, item 7, through the command line: `--lock-timeout` bounds the wait for a lock
/// another process holds, and the wait says for whom. The lock is a temporary file
/// (HUGECTL_LOCK_PATH): /run/hugectl.lock and the pools are never touched — the run gives up
/// at the lock, before it reads or writes a pool.
@Suite("Pool lock timeout")
struct LockTimeoutTests {
    @Test func badValuesAreUsageErrors() throws {
        for bad in ["abc", "-1", "nan", "1e9"] {
            let r = try hugectl(["pool", "set", "2M", "+0", "--lock-timeout", bad])
            #expect(r.status == 2, "\(bad): \(r)")
            #expect(r.stderr.hasPrefix("hugectl: bad --lock-timeout '\(bad)'"), "\(r.stderr)")
        }
        #expect(try hugectl(["plan", "--lock-timeout", "x"]).status == 2)
        #expect(try hugectl(["help", "pool"]).stdout.contains("--lock-timeout SECONDS"))
    }

    @Test(.enabled(if: geteuid() == 0 && FileManager.default.fileExists(atPath: "/sys/kernel/mm/hugepages/hugepages-2048kB"),
                   "the pool change must get as far as the lock: root and a 2M pool"))
    func aHeldLockIsWaitedForThenGivenUp() throws {
        try withTemporaryDirectory { dir in
            let lock = dir + "/hugectl.lock"
            #expect(FileManager.default.createFile(atPath: lock, contents: nil))
            #expect(chmod(lock, 0o644) == 0)
            let holder = try ChildProcess("/usr/bin/flock", ["--exclusive", lock, "sleep", "60"], stderr: .inherit)
            defer { holder.terminate(); holder.wait() }
            // Only once the lock is held: hugectl must stop there.
            var held = false
            for _ in 0..<200 where !held {
                let fd = open(lock, O_RDONLY | O_CLOEXEC)
                if fd >= 0 {
                    if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN) } else { held = true }
                    close(fd)
                }
                if !held { usleep(20_000) }
            }
            try #require(held, "flock never took the lock")
            let start = Date()
            let r = try hugectl(["pool", "set", "2M", "+0", "--lock-timeout", "0.5"], environment: ["HUGECTL_LOCK_PATH": lock])
            let waited = Date().timeIntervalSince(start)
            #expect(r.status == 3, "\(r)")
            #expect(waited >= 0.5 && waited < 10)
            let pid = holder.pid
            #expect(r.stderr.contains("hugectl: waiting for the pool lock \(lock) (held by PID \(pid) (flock), uid 0), up to 0.5 s\n"),
                    "\(r.stderr)")
            #expect(r.stderr.contains("hugectl: \(lock): still held by PID \(pid) (flock), uid 0 after 0.5 s; gave up"), "\(r.stderr)")
            #expect(r.stdout.isEmpty, "nothing planned or written")
        }
    }
}
