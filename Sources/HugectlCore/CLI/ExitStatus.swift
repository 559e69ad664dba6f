/// The exit statuses hugectl documents (README, man page, --help): a contract with scripts.
public enum ExitStatus: Int32, Sendable {
    /// Success; for `check`, nothing at or above the threshold.
    case success = 0
    /// A check or a tuning step fell short.
    case shortfall = 1
    /// The command line was wrong.
    case usage = 2
    /// The system could not be read (missing `--root`, no hugetlb support, permission), or a
    /// snapshot or the report on standard output could not be written.
    case systemUnreadable = 3
}
