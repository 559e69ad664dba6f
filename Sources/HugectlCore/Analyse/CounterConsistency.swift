/// `counter-inconsistent`: pool counters that contradict the kernel's own invariants.
///
/// The kernel keeps `free_hugepages >= resv_hugepages` (reserved pages are counted inside free,
/// `hugetlb_acct_memory`), `nr_hugepages >= free_hugepages` and `>= surplus_hugepages`, per-node
/// counts that add up to the global ones (`nr_huge_pages_node[]` in `struct hstate`), and
/// meminfo's `HugePages_*` lines are the default size's sysfs counters (`hugetlb_report_meminfo`).
/// A breach means a racing change the stable re-read did not settle, or a corrupt capture.
public enum CounterConsistency {
    public static let id = "counter-inconsistent"

    public static func findings(in input: AnalysisInput) -> [Finding] {
        let snapshot = input.snapshot
        var findings: [Finding] = []
        for pool in snapshot.pools {
            findings += invariantBreaches(pool)
            findings += nodeSumMismatches(pool)
        }
        if let size = snapshot.defaultPageSizeKB, let pool = snapshot.pool(kB: size) {
            findings += meminfoMismatches(snapshot.meminfo, pool)
        }
        return findings
    }

    private static func finding(_ pool: HugePagePool, _ message: String) -> Finding {
        Finding(id: id, severity: .warning, pageSizeKB: pool.pageSizeKB, message: message,
                hint: "read again; if it persists, capture it with 'hugectl snapshot' for a bug report")
    }

    private static func invariantBreaches(_ pool: HugePagePool) -> [Finding] {
        let size = PageSize.format(kB: pool.pageSizeKB)
        var out: [Finding] = []
        if let free = pool.free, let reserved = pool.reserved, reserved > free {
            out.append(finding(pool, "\(size) pool: \(reserved) pages reserved but only \(free) free; reserved pages must be free"))
        }
        if let total = pool.total, let free = pool.free, free > total {
            out.append(finding(pool, "\(size) pool: \(free) pages free out of a total of \(total)"))
        }
        if let total = pool.total, let surplus = pool.surplus, surplus > total {
            out.append(finding(pool, "\(size) pool: \(surplus) surplus pages out of a total of \(total)"))
        }
        return out
    }

    private static func nodeSumMismatches(_ pool: HugePagePool) -> [Finding] {
        guard !pool.nodes.isEmpty else { return [] }
        let size = PageSize.format(kB: pool.pageSizeKB)
        var out: [Finding] = []
        let fields: [(String, Int?, (NodePool) -> Int?)] = [
            ("total", pool.total, { $0.total }),
            ("free", pool.free, { $0.free }),
            ("surplus", pool.surplus, { $0.surplus }),
        ]
        for (name, global, perNode) in fields {
            guard let global, let sum = sumIfKnown(pool.nodes.map(perNode)), sum != global else { continue }
            out.append(finding(pool, "\(size) pool: per-node \(name) adds up to \(sum) but the global \(name) is \(global)"))
        }
        return out
    }

    private static func meminfoMismatches(_ meminfo: MeminfoHugePages, _ pool: HugePagePool) -> [Finding] {
        let size = PageSize.format(kB: pool.pageSizeKB)
        let pairs: [(String, Int?, Int?)] = [
            ("HugePages_Total", meminfo.total, pool.total),
            ("HugePages_Free", meminfo.free, pool.free),
            ("HugePages_Rsvd", meminfo.reserved, pool.reserved),
            ("HugePages_Surp", meminfo.surplus, pool.surplus),
        ]
        return pairs.compactMap { name, fromMeminfo, fromSysfs in
            guard let fromMeminfo, let fromSysfs, fromMeminfo != fromSysfs else { return nil }
            return finding(pool, "\(KernelPath.meminfo) \(name) is \(fromMeminfo) but the \(size) pool in sysfs says \(fromSysfs)")
        }
    }

    /// The sum, or nil if any value is unknown or the sum overflows.
    static func sumIfKnown(_ values: [Int?]) -> Int? {
        var sum = 0
        for value in values {
            guard let value else { return nil }
            let (next, overflow) = sum.addingReportingOverflow(value)
            if overflow { return nil }
            sum = next
        }
        return sum
    }
}
