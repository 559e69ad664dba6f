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
