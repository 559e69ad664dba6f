/// The listings whose columns `-o` and `--sort` choose: the pools table of `status` and the
/// tables of `procs` (per process and page size, or per mapping with `-v`).
public enum Listings {
    /// One pool, as a row of the pools table.
    public struct PoolRow: Sendable {
        public var pool: HugePagePool
        /// The kernel's default huge page size (`Hugepagesize:`).
        public var isDefault: Bool

        public init(pool: HugePagePool, isDefault: Bool) {
            self.pool = pool
            self.isDefault = isDefault
        }

        public static func rows(_ snapshot: SystemSnapshot) -> [PoolRow] {
            snapshot.pools.map { PoolRow(pool: $0, isDefault: $0.pageSizeKB == snapshot.defaultPageSizeKB) }
        }

        /// The pool's size in memory, unknown when its page count is (or overflows).
        var memoryKB: Int? {
            pool.total.flatMap { total in
                let (kB, overflow) = total.multipliedReportingOverflow(by: pool.pageSizeKB)
                return overflow ? nil : kB
            }
        }
    }

    /// One hugetlb mapping (VMA) of a process, as a row of `procs -v`.
    public struct MappingRow: Sendable {
        public var process: HugetlbProcess
        public var mapping: HugetlbMapping

        /// A row per mapping, in address order within each process.
        public static func rows(_ processes: [HugetlbProcess]) -> [MappingRow] {
            processes.flatMap { process in
                process.mappings.sorted { $0.start < $1.start }.map { MappingRow(process: process, mapping: $0) }
            }
        }
    }

    static func count(_ value: Int?) -> String { value.map(String.init) ?? "?" }
    static func size(_ kB: Int) -> SortValue { .number(Double(kB)) }

    public static let pools = Listing<PoolRow>("status", [
        .init("SIZE", "huge page size", json: "page_size_kb", cell: { PageSize.format(kB: $0.pool.pageSizeKB) },
              sort: { size($0.pool.pageSizeKB) }),
        .init("TOTAL", "pages in the pool (nr_hugepages plus surplus)", rightAligned: true, json: "total",
              cell: { count($0.pool.total) }, sort: { .count($0.pool.total) }),
        .init("FREE", "pages not faulted in by anyone", rightAligned: true, json: "free",
              cell: { count($0.pool.free) }, sort: { .count($0.pool.free) }),
        .init("RSVD", "free pages promised to mappings (reserved)", rightAligned: true, json: "reserved",
              cell: { count($0.pool.reserved) }, sort: { .count($0.pool.reserved) }),
        .init("SURP", "surplus pages (beyond nr_hugepages)", rightAligned: true, json: "surplus",
              cell: { count($0.pool.surplus) }, sort: { .count($0.pool.surplus) }),
        .init("OVERCOMMIT", "nr_overcommit_hugepages: the surplus allowed", rightAligned: true, json: "overcommit",
              cell: { count($0.pool.overcommit) }, sort: { .count($0.pool.overcommit) }),
        .init("INUSE", "pages faulted in (total minus free)", rightAligned: true, json: "in_use",
              cell: { count($0.pool.inUse) }, sort: { .count($0.pool.inUse) }),
        .init("MEMPOLICY", "nr_hugepages_mempolicy", rightAligned: true, json: "mempolicy_total",
              cell: { count($0.pool.mempolicyTotal) }, sort: { .count($0.pool.mempolicyTotal) }),
        .init("MEMORY", "the pool's memory (TOTAL pages of SIZE)", rightAligned: true,
              cell: { $0.memoryKB.map { HumanSize.format(kB: $0) } ?? "?" }, sort: { .count($0.memoryKB) }),
        .init("DEFAULT", "* for the kernel's default huge page size", json: "default",
              cell: { $0.isDefault ? "*" : "" }),
    ])

    static func policies(_ row: ConsumersText.ProcessRow) -> String {
        row.policies.isEmpty ? "-" : row.policies.joined(separator: ",")
    }

    public static let processes = Listing<ConsumersText.ProcessRow>("procs", [
        .init("PID", "process ID", rightAligned: true, json: "pid", cell: { String($0.pid) }, sort: { .count($0.pid) }),
        .init("NAME", "command name", json: "name", cell: { $0.name }),
        .init("SIZE", "huge page size", json: "page_size_kb", cell: { PageSize.format(kB: $0.pageSizeKB) },
              sort: { size($0.pageSizeKB) }),
        .init("MAPPED", "pages mapped", rightAligned: true, json: "pages",
              cell: { String($0.mapped) }, sort: { .count($0.mapped) }),
        .init("FAULTED", "pages faulted in", rightAligned: true, json: "faulted_pages",
              cell: { String($0.faulted) }, sort: { .count($0.faulted) }),
        .init("OWED", "reserved pages not yet faulted in", rightAligned: true, json: "reserved_pending",
              cell: { String($0.owed) }, sort: { .count($0.owed) }),
        .init("NODES", "faulted pages per node (N0=2 N1=1)", json: "node_pages",
              cell: { ConsumersText.nodeText($0.nodePages) }),
        .init("POLICY", "memory policies of the mappings", json: "policy", cell: { policies($0) }),
    ])

    static func flags(_ m: HugetlbMapping) -> String {
        var flags: [String] = []
        if m.noreserve { flags.append("noreserve") }
        if m.inherited { flags.append("inherited") }
        return flags.isEmpty ? "-" : flags.joined(separator: ",")
    }

    public static let mappings = Listing<MappingRow>("procs -v", [
        .init("PID", "process ID", rightAligned: true, json: "pid", cell: { String($0.process.pid) },
              sort: { .count($0.process.pid) }),
        .init("NAME", "command name", json: "name", cell: { $0.process.name ?? "?" }),
        .init("ADDRESS", "the mapping's address range", json: "start",
              cell: { String($0.mapping.start, radix: 16) + "-" + String($0.mapping.end, radix: 16) },
              sort: { .number(Double($0.mapping.start)) }),
        .init("KIND", "what is mapped (shm, hugetlbfs, anonymous, ...)", json: "kind", cell: { $0.mapping.kind.rawValue }),
        .init("SIZE", "huge page size", json: "page_size_kb", cell: { PageSize.format(kB: $0.mapping.pageSizeKB) },
              sort: { size($0.mapping.pageSizeKB) }),
        .init("PAGES", "pages mapped", rightAligned: true, json: "pages", cell: { String($0.mapping.pages) },
              sort: { .count($0.mapping.pages) }),
        .init("FAULTED", "pages faulted in", rightAligned: true, json: "faulted_pages",
              cell: { String($0.mapping.faultedPages) }, sort: { .count($0.mapping.faultedPages) }),
        .init("OWED", "reserved pages not yet faulted in", rightAligned: true, json: "reserved_pending",
              cell: { String($0.mapping.reservedPending) }, sort: { .count($0.mapping.reservedPending) }),
        .init("FLAGS", "noreserve, inherited", json: "noreserve", cell: { flags($0.mapping) }),
        .init("NODES", "faulted pages per node (N0=2 N1=1)", json: "node_pages",
              cell: { ConsumersText.nodeText($0.mapping.nodePages) }),
        .init("POLICY", "the mapping's memory policy", json: "policy", cell: { $0.mapping.policy?.text ?? "-" }),
        .init("PATH", "the mapped file", json: "path", cell: { row in
            let m = row.mapping
            return m.path.map { m.deleted && (m.kind == .fileShared || m.kind == .filePrivate) ? $0 + " (deleted)" : $0 } ?? "-"
        }),
    ])
}
