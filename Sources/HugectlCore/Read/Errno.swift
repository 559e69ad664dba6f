#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A C `errno` value with the names an operator knows (`ENOENT`) and the C library's message.
/// A thin typed wrapper in the manner of swift-system's `Errno`.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The current thread's `errno`.
    public static var current: Errno { Errno(errno) }

    public static let noSuchFile = Errno(ENOENT)
    public static let permissionDenied = Errno(EACCES)
    public static let noSuchProcess = Errno(ESRCH)
    public static let isDirectory = Errno(EISDIR)
    public static let tooManyLinks = Errno(ELOOP)
    public static let interrupted = Errno(EINTR)
    public static let fileTooLarge = Errno(EFBIG)
    public static let invalid = Errno(EINVAL)

    /// The C library's message, e.g. "No such file or directory".
    public var description: String {
        guard let message = strerror(rawValue) else { return "error \(rawValue)" }
        return String(cString: message)
    }

    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO",
        ENXIO: "ENXIO", EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES",
        EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST", ENOTDIR: "ENOTDIR",
        EISDIR: "EISDIR", EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE",
        EFBIG: "EFBIG", ENOSPC: "ENOSPC", EROFS: "EROFS", ENAMETOOLONG: "ENAMETOOLONG",
        ELOOP: "ELOOP", EOVERFLOW: "EOVERFLOW", ENODEV: "ENODEV", EOPNOTSUPP: "EOPNOTSUPP",
    ]

    /// The symbolic name (`EACCES`), or `E<number>` for one this table does not know.
    public var name: String { Errno.names[rawValue] ?? "E\(rawValue)" }

    /// The errno for a symbolic name written by `name`, used to replay a snapshot's errors.
    public init?(name: String) {
        if let hit = Errno.names.first(where: { $0.value == name }) {
            self.init(hit.key)
        } else if name.hasPrefix("E"), let number = Int32(name.dropFirst()), number > 0 {
            self.init(number)
        } else {
            return nil
        }
    }
}
