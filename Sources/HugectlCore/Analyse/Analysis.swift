/// Every check, run over one snapshot. Each check is a pure function in its own file with its
/// own finding ID; adding one means adding it to this list.
public enum Analysis {
    public static var checks: [(SystemSnapshot) -> [Finding]] { [
        CounterConsistency.findings(in:),
    ] }

    /// All findings, most severe first, then by page size, then in check order.
    public static func findings(for snapshot: SystemSnapshot) -> [Finding] {
        let all = checks.flatMap { $0(snapshot) }
        return all.enumerated().sorted { lhs, rhs in
            if lhs.element.severity != rhs.element.severity { return lhs.element.severity > rhs.element.severity }
            let lsize = lhs.element.pageSizeKB ?? 0, rsize = rhs.element.pageSizeKB ?? 0
            if lsize != rsize { return lsize < rsize }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}
