#if canImport(Glibc)
import Glibc
#endif
import HugectlCore

/// Whether this process may write the pool files, asked before the lock is taken and before
/// anything is read for a change.
public enum WriteAccess {
    /// What a pool write needs, as the privilege message says it.
    public static let needsRoot = "writing it needs root (write permission on this root-owned file: uid 0, or CAP_DAC_OVERRIDE)"

    /// Why this process may not write one of `paths`, or nil when it may write them all, as the
    /// kernel decides it for the effective user and capabilities (`faccessat` with
    /// `AT_EACCESS`): the sysfs pool files are root's, mode 0644, so uid 0 may write them and so
    /// may a process with `CAP_DAC_OVERRIDE`; `CAP_SYS_ADMIN` alone may not.
    public static func refusal(for paths: [String]) -> String? {
        for path in paths where faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0 {
            switch Errno.current.rawValue {
            case EACCES, EPERM:
                return "\(path): \(needsRoot); run as root, or add --dry-run"
            case EROFS:
                return "\(path): read-only file system (sysfs is mounted read-only here); nothing was written"
            default:
                // A file that is not there (a node without memory) is refused by the plan, by name.
                continue
            }
        }
        return nil
    }
}
