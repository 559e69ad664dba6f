/// The JSON document, schema version 1 (docs/json.md, docs/hugectl.schema.json). Keys appear
/// in a fixed order; new keys are only ever added.
public enum StatusJSON {
    public static let schemaVersion = 1

    public static func document(_ report: StatusReport) -> JSON {
        let snapshot = report.snapshot
        return .object([
            ("schema_version", .int(schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("root", .string(snapshot.root)),
            ("kernel_release", .string(snapshot.kernelRelease)),
            ("default_page_size_kb", .int(snapshot.defaultPageSizeKB)),
            ("pools", .array(snapshot.pools.map { pool($0, defaultSize: snapshot.defaultPageSizeKB) })),
            ("nodes", .array(snapshot.nodes.map(node))),
            ("mounts", .array(snapshot.mounts.map(mount))),
            ("consistent", .bool(snapshot.consistent)),
            ("warnings", .array(snapshot.warnings.map { .string($0) })),
            ("possible_nodes", .ints(snapshot.possibleNodes)),
            ("meminfo", meminfo(snapshot.meminfo)),
            ("findings", .array(report.findings.map(finding))),
        ])
    }

    static func pool(_ pool: HugePagePool, defaultSize: Int?) -> JSON {
        .object([
            ("page_size_kb", .int(pool.pageSizeKB)),
            ("total", .int(pool.total)),
            ("free", .int(pool.free)),
            ("reserved", .int(pool.reserved)),
            ("surplus", .int(pool.surplus)),
            ("overcommit", .int(pool.overcommit)),
            ("mempolicy_total", .int(pool.mempolicyTotal)),
            ("in_use", .int(pool.inUse)),
            ("nodes", .array(pool.nodes.map { node in
                .object([
                    ("node", .int(node.node)),
                    ("total", .int(node.total)),
                    ("free", .int(node.free)),
                    ("surplus", .int(node.surplus)),
                ])
            })),
            ("default", .bool(pool.pageSizeKB == defaultSize)),
            ("gigantic", .bool(pool.isGigantic)),
            ("demote_size_kb", .int(pool.demoteSizeKB)),
        ])
    }

    static func node(_ node: NumaNode) -> JSON {
        .object([
            ("node", .int(node.node)),
            ("cpus", .ints(node.cpus)),
            ("mem_total_kb", .int(node.memTotalKB)),
            ("mem_free_kb", .int(node.memFreeKB)),
            ("numastat", node.numastat.map { counts in .object(counts.map { ($0.name, .int($0.value)) }) } ?? .null),
            ("has_memory", .bool(node.hasMemory)),
            ("distances", .ints(node.distances)),
        ])
    }

    static func mount(_ mount: HugetlbfsMount) -> JSON {
        .object([
            ("path", .string(mount.path)),
            ("page_size_kb", .int(mount.pageSizeKB)),
            ("size_limit_pages", .int(mount.sizeLimitPages)),
            ("min_size_pages", .int(mount.minSizePages)),
            ("used_pages", .int(mount.usedPages)),
            ("options", .string(mount.options)),
            ("source", .string(mount.source)),
        ])
    }

    static func meminfo(_ info: MeminfoHugePages) -> JSON {
        .object([
            ("huge_pages_total", .int(info.total)),
            ("huge_pages_free", .int(info.free)),
            ("huge_pages_rsvd", .int(info.reserved)),
            ("huge_pages_surp", .int(info.surplus)),
            ("hugepagesize_kb", .int(info.pageSizeKB)),
            ("hugetlb_kb", .int(info.hugetlbKB)),
        ])
    }

    public static func finding(_ finding: Finding) -> JSON {
        .object([
            ("id", .string(finding.id)),
            ("severity", .string(finding.severity.rawValue)),
            ("page_size_kb", .int(finding.pageSizeKB)),
            ("nodes", .ints(finding.nodes)),
            ("pages", .int(finding.pages)),
            ("pids", .ints(finding.pids)),
            ("message", .string(finding.message)),
            ("hint", .string(finding.hint)),
        ])
    }
}
