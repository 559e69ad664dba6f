#if canImport(Glibc)
import Glibc
#endif
import HugectlCore

/// Writes kernel tunables. The live writer is the only code in hugectl that writes to /sys
/// or /proc; tests substitute one that fails on purpose.
public protocol SysfsWriter {
    func write(_ value: Int, to path: String) throws(ReadError)
}

public struct LiveSysfsWriter: SysfsWriter {
    public init() {}

    public func write(_ value: Int, to path: String) throws(ReadError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 { throw ReadError(path: path, failure: .system(.current)) }
        defer { close(fd) }
        let text = Array("\(value)\n".utf8)
        let written = text.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress, raw.count) }
        if written < 0 { throw ReadError(path: path, failure: .system(.current)) }
        if written != text.count { throw ReadError(path: path, failure: .system(Errno(EIO))) }
    }
}

/// `flock(2)` on /run/hugectl.lock: one pool change at a time. The kernel drops the lock when
/// the process ends however it ends, so a crash or SIGKILL never leaves it held.
public final class PoolLock {
    public static let path = "/run/hugectl.lock"
    private let fd: Int32

    /// Waits up to `timeout` seconds for the lock.
    public init(path: String = PoolLock.path, timeout: Double = 30) throws(ReadError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 { throw ReadError(path: path, failure: .system(.current)) }
        var waited = 0.0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = Errno.current
            guard err.rawValue == EWOULDBLOCK, waited < timeout else {
                close(fd)
                throw ReadError(path: path, failure: .system(err))
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
}
