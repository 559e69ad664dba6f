/// Tables of hugetlb consumers for people: one row per process and page size, or one per VMA.
public enum ConsumersText {
    /// One process's hugetlb pages of one size.
    public struct ProcessRow: Sendable {
        public var pid: Int
        public var name: String
        public var pageSizeKB: Int
        public var mapped: Int
        public var faulted: Int
        public var owed: Int
        public var nodePages: [Int: Int]
        public var policies: [String]
        public var inherited: Bool
    }

    /// Rows per process and page size, in PID order.
    public static func processRows(_ processes: [HugetlbProcess]) -> [ProcessRow] {
        var rows: [ProcessRow] = []
        for process in processes.sorted(by: { $0.pid < $1.pid }) {
            // The mappings' indexes by page size, in one pass: read in place, not copied out
            // (a copy retains a mapping's path, policy and node table: 60,000 of them).
            var sizes: [Int] = []
            var indexesOf: [Int: [Int]] = [:]
            for m in process.mappings.indices {
                let size = process.mappings[m].pageSizeKB
                if indexesOf[size] == nil { sizes.append(size) }
                indexesOf[size, default: []].append(m)
            }
            for size in sizes.sorted() {
                let indexes = indexesOf[size] ?? []
                var nodes: [Int: Int] = [:]
                var (mapped, faulted, owed, inherited) = (0, 0, 0, false)
                for m in indexes {
                    for (node, pages) in process.mappings[m].nodePages { nodes[node, default: 0] += pages }
                    mapped += process.mappings[m].pages
                    faulted += process.mappings[m].faultedPages
                    owed += process.mappings[m].reservedPending
                    inherited = inherited || process.mappings[m].inherited
                }
                // In order of first use; each distinct policy written once, looked up in sets
                // (as many distinct policies as mappings stays linear).
                var policies: [String] = []
                var seenPolicies: Set<MemoryPolicy> = []
                var seenTexts: Set<String> = []
                var last: MemoryPolicy?
                for m in indexes {
                    guard process.mappings[m].policy != nil, process.mappings[m].policy != last,
                          let policy = process.mappings[m].policy else { continue }
                    last = policy
                    guard seenPolicies.insert(policy).inserted else { continue }
                    let text = policy.text
                    if seenTexts.insert(text).inserted { policies.append(text) }
                }
                rows.append(ProcessRow(
                    pid: process.pid, name: process.name ?? "?", pageSizeKB: size,
                    mapped: mapped, faulted: faulted, owed: owed, nodePages: nodes, policies: policies,
                    inherited: inherited))
            }
        }
        return rows
    }

    /// `N0=2 N1=1`, as numa_maps writes per-node pages.
    static func nodeText(_ nodePages: [Int: Int]) -> String {
        nodePages.isEmpty ? "-" : nodePages.sorted { $0.key < $1.key }.map { "N\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// The table of `procs` and of `status`'s top consumers.
    public static func processTable(_ rows: [ProcessRow]) -> Table {
        // The default columns: no selection to refuse.
        (try? Listings.processes.table(rows)) ?? Table([])
    }

    /// `RSVD 2M: 12 reserved = 8 shared objects + 2 private + 2 min_size + 0 orphaned`, or,
    /// when the parts do not add up, how many are attributed and what is left over.
    public static func ledgerLine(_ ledger: ReservationLedger) -> String {
        let size = PageSize.format(kB: ledger.pageSizeKB)
        let parts = "\(ledger.sharedObjects) shared objects + \(ledger.privateOwners) private"
            + " + \(ledger.minSize) min_size + \(ledger.orphanPages) orphaned"
        guard let kernel = ledger.kernelReserved, let unattributed = ledger.unattributed else {
            return "RSVD \(size): unknown; \(ledger.attributed) attributed (\(parts))"
        }
        let estimated = estimateText(ledger)
        if unattributed == 0 { return "RSVD \(size): \(kernel) reserved = \(parts)" + estimated }
        let rest = unattributed > 0 ? "\(unattributed) unattributed" : "\(-unattributed) over-attributed"
        return "RSVD \(size): \(kernel) reserved; \(ledger.attributed) attributed (\(parts)); \(rest)" + estimated
    }

    /// `; 12 estimated (page cache unreadable ...)`: which figures are estimates, and why.
    static func estimateText(_ ledger: ReservationLedger) -> String {
        let estimates = ledger.estimates.filter { $0.pages > 0 }
        guard !estimates.isEmpty else { return "" }
        let reasons = estimates.map { estimate in
            let proved = estimate.minimum >= estimate.pages ? ", proved by Rsvd"
                : estimate.minimum > 0 ? ", \(estimate.minimum) proved by Rsvd" : ""
            return "\(estimate.pages): \(estimate.reason.explanation)\(proved)"
        }.joined(separator: "; ")
        return "; \(ledger.estimatedPages) estimated (\(reasons))"
    }

    /// The in-use side: `INUSE 2M: 600 in use = 0 mapped + 600 in files no process maps + 0
    /// in unattached SysV segments`, then one line per mount with such files.
    public static func inUseLines(_ ledger: ReservationLedger) -> [StyledText] {
        let size = PageSize.format(kB: ledger.pageSizeKB)
        let use = ledger.inUse
        let fileCount = use.unmapped.reduce(0) { $0 + $1.files }
        var parts = "\(use.mapped)\(use.mappedEstimated ? " or more" : "") mapped by processes + \(use.unmappedPages) in "
            + "\(fileCount) file\(fileCount == 1 ? "" : "s") no process maps + \(use.sysvUnattachedPages) in SysV segments nobody attached"
        if use.sysvUnattachedSegments > 0 { parts += " (\(use.sysvUnattachedSegments) segments; /proc cannot tell hugetlb ones)" }
        var line: String
        if let kernel = use.kernelInUse, let unexplained = use.unexplained {
            line = "INUSE \(size): \(kernel) in use = \(parts)"
            if unexplained > 0 { line += "; \(unexplained) unexplained" }
            if unexplained < 0 { line += "; \(-unexplained) over-attributed" }
        } else {
            line = "INUSE \(size): unknown; \(use.attributed) attributed (\(parts))"
        }
        if let surplus = use.surplus, surplus > 0 { line += "; \(surplus) surplus (returned to the kernel when freed)" }
        var lines: [StyledText] = [.trusted(line)]
        for entry in use.unmapped {
            let place: StyledText = entry.mountPoint.map { "on \($0)" } ?? "memfds and unlinked files"
            var text: StyledText = "  \(place): \(entry.files) file\(entry.files == 1 ? "" : "s") no process maps: "
                + "\(entry.pagesInUse) in use, \(entry.pagesReserved) reserved"
            if entry.heldOpen > 0 { text += " (\(entry.heldOpen) held open)" }
            if !entry.freeable.isEmpty { text += "; 'rm' frees \(entry.freeablePages): \(UnmappedFiles.command(entry.freeable))" }
            lines.append(text)
        }
        return lines
    }
}
