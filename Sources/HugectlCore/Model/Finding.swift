/// One thing the analysis has to tell an operator. The `id` values are a contract with
/// scripts (documented in the man page and docs/json.md): add new ones, never rename.
public struct Finding: Equatable, Sendable {
    public enum Severity: String, Comparable, Sendable, CaseIterable {
        case info, warning, error

        private var rank: Int {
            switch self {
            case .info: return 0
            case .warning: return 1
            case .error: return 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var id: String
    public var severity: Severity
    /// nil when the finding is not about one page size.
    public var pageSizeKB: Int?
    /// The node set involved, or empty.
    public var nodes: [Int]
    /// Pages the finding is about (0 when it is not about a number of pages).
    public var pages: Int
    public var pids: [Int]
    /// The mappings involved, by process and start address (the identification of
    /// `processes[].vmas[]` in the status document), sorted; empty when none in particular.
    public var vmas: [VMA]
    /// One sentence an operator understands.
    public var message: String
    /// What to do about it.
    public var hint: String
    /// The pool change that would remove the finding, if one would (not part of the JSON: the
    /// hint says it).
    public var remedy: Remedy?

    public init(id: String, severity: Severity, pageSizeKB: Int? = nil, nodes: [Int] = [],
                pages: Int = 0, pids: [Int] = [], vmas: [VMA] = [], message: String, hint: String, remedy: Remedy? = nil) {
        self.id = id
        self.severity = severity
        self.pageSizeKB = pageSizeKB
        self.nodes = nodes
        self.pages = pages
        self.pids = pids
        self.vmas = Array(Set(vmas)).sorted()
        self.message = message
        self.hint = hint
        self.remedy = remedy
    }

    /// `pages` more pages of the finding's size on one of `nodes` (spread over the pool's nodes
    /// when empty) would remove it. Its hint is `lead`, the command that adds them, `tail`
    /// (`PoolFix`).
    public struct Remedy: Equatable, Sendable {
        public var pages: Int
        public var nodes: [Int]
        public var lead: String
        public var tail: String
        /// The start of `lead` before the pages it names ("to be safe whatever the order, "),
        /// and the end of `tail` after the write that adds them ("or map without ..."): a hint
        /// that asks for fewer pages (`PoolFix`: after files that `rm` frees) keeps them.
        public var reason: String
        public var aside: String

        public init(pages: Int, nodes: [Int], lead: String, tail: String, reason: String = "", aside: String = "") {
            self.pages = pages
            self.nodes = nodes
            self.lead = lead
            self.tail = tail
            self.reason = reason
            self.aside = aside
        }
    }

    /// One mapping of one process: its PID and first address.
    public struct VMA: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var pid: Int
        public var start: UInt64

        public init(pid: Int, start: UInt64) {
            self.pid = pid
            self.start = start
        }

        public static func < (lhs: VMA, rhs: VMA) -> Bool { (lhs.pid, lhs.start) < (rhs.pid, rhs.start) }

        /// The start address as `/proc/PID/maps` and the JSON write it: lowercase hex, no `0x`.
        public var startText: String { String(start, radix: 16) }

        /// `PID:START`.
        public var description: String { "\(pid):\(startText)" }
    }

    /// "1 reserved 2M page", "3 reserved 2M pages".
    public static func pages(_ count: Int, _ words: String) -> String {
        "\(count) \(words) page\(count == 1 ? "" : "s")"
    }
}
