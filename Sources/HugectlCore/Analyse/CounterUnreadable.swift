/// `counter-unreadable`: a pool counter the verdict depends on could not be read.
///
/// A value hugectl could not read is unknown, never 0. Every check that says whether owed
/// pages can be served works from `nr_hugepages`, `free_hugepages`, `resv_hugepages`,
/// `surplus_hugepages` and `nr_overcommit_hugepages` of the size (the counters of
/// `struct hstate` that `hugetlb_acct_memory` and `dequeue_hugetlb_folio_vma` decide on), and
/// from each node's `nr_hugepages`, `free_hugepages` and `surplus_hugepages` (the per-node
/// arrays of `struct hstate`). When one of them is unknown, no verdict about the pool can be
/// OK: this finding is an error, so that `check` fails closed. The read errors themselves are
/// the snapshot's warnings (stderr, `warnings` in the JSON).
public enum CounterUnreadable {
    public static let id = "counter-unreadable"

    /// The names of the pool's counters that the verdict needs and that are unknown, as
    /// `nr_hugepages` or `node1/free_hugepages`.
    public static func unknownCounters(_ pool: HugePagePool) -> [String] {
        var names: [String] = []
        let global: [(String, Int?)] = [
            ("nr_hugepages", pool.total), ("free_hugepages", pool.free), ("resv_hugepages", pool.reserved),
            ("surplus_hugepages", pool.surplus), ("nr_overcommit_hugepages", pool.overcommit),
        ]
        names += global.filter { $0.1 == nil }.map(\.0)
        for share in pool.nodes {
            let perNode: [(String, Int?)] = [
                ("nr_hugepages", share.total), ("free_hugepages", share.free), ("surplus_hugepages", share.surplus),
            ]
            names += perNode.filter { $0.1 == nil }.map { "node\(share.node)/\($0.0)" }
        }
        return names
    }

    /// Every counter the verdict needs was read, in every pool (and there is a pool).
    public static func allKnown(_ snapshot: SystemSnapshot) -> Bool {
        !snapshot.pools.isEmpty && snapshot.pools.allSatisfy { unknownCounters($0).isEmpty }
    }

    public static func findings(in input: AnalysisInput) -> [Finding] {
        let snapshot = input.snapshot
        if snapshot.pools.isEmpty {
            return [Finding(
                id: id, severity: .error,
                message: "no huge page pool could be read under \(KernelPath.hugepages); nothing about the pools is known",
                hint: "see the read errors hugectl printed; a snapshot tree must hold \(KernelPath.hugepages)/hugepages-*kB/")]
        }
        return poolFindings(snapshot) + processFindings(input.consumers.scan)
    }

    /// A process file that was read but could not be understood (`ScanReport.Unreadable.malformed`):
    /// the process's mappings, their policies or its cpuset are unknown, so no verdict about
    /// the pages it is owed can be OK. (A file closed to hugectl is `scan-incomplete` instead.)
    static func processFindings(_ scan: ScanReport) -> [Finding] {
        let malformed = scan.unreadable.filter(\.malformed)
        let pids = Array(Set(malformed.map(\.pid))).sorted()
        return pids.map { pid in
            let files = malformed.filter { $0.pid == pid }
            return Finding(
                id: id, severity: .error, pids: [pid],
                message: "process \(pid): " + files.map { "\($0.path) \($0.reason)" }.joined(separator: "; ")
                    + ": its hugetlb mappings, their policies or its cpuset are not fully known; findings about it are what could be proved",
                hint: "on a live system read again (the process may have changed while read); for a snapshot, capture it again with 'hugectl snapshot'")
        }
    }

    static func poolFindings(_ snapshot: SystemSnapshot) -> [Finding] {
        snapshot.pools.compactMap { pool in
            let unknown = unknownCounters(pool)
            guard !unknown.isEmpty else { return nil }
            let size = PageSize.format(kB: pool.pageSizeKB)
            let nodes = Array(Set(pool.nodes.filter { share in
                share.total == nil || share.free == nil || share.surplus == nil
            }.map(\.node))).sorted()
            return Finding(
                id: id, severity: .error, pageSizeKB: pool.pageSizeKB, nodes: nodes,
                message: "the \(size) pool's \(unknown.joined(separator: ", ")) could not be read: "
                    + "no verdict about the \(size) pool is possible (unknown, not 0)",
                hint: "see the read errors hugectl printed (or 'warnings' in the JSON); on a live system read again, "
                    + "and if it persists capture it with 'hugectl snapshot' for a bug report")
        }
    }
}
