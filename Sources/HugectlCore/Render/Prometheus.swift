/// `--format prometheus`: the text exposition format, for node_exporter's textfile collector
/// (contrib/hugectl-textfile.service). One gauge per meaning, units in the name (Prometheus'
/// naming guidelines); labels `size` (2M, 1G) with `page_size_bytes` beside it, `node`,
/// `source`, `kind`, `id`, `severity`. Every family has HELP and TYPE lines. The names are a
/// contract like the JSON keys (man page, METRICS): added, never renamed within schema_version
/// 1; `hugectl_pool_pages{state}` and `hugectl_node_pool_pages{state}` are deprecated aliases
/// of the per-state gauges, dropped with schema_version 2.
public enum Prometheus {
    struct Family {
        var name: String
        var help: String
        var samples: [(labels: [(String, String)], value: Int)] = []
    }

    /// The page size labels: the human `size` and `page_size_bytes` to compute with.
    static func sizeLabels(_ kB: Int) -> [(String, String)] {
        [("size", PageSize.format(kB: kB)), ("page_size_bytes", String(kB.multipliedReportingOverflow(by: 1024).partialValue))]
    }

    public static func render(_ report: StatusReport) -> String {
        let snapshot = report.snapshot
        var families: [Family] = []

        var build = Family(name: "hugectl_build_info", help: "Always 1: the hugectl that wrote these metrics, and its JSON schema_version.")
        build.samples.append(([("version", HugectlVersion.current), ("schema_version", String(StatusJSON.schemaVersion))], 1))
        var lastRun = Family(name: "hugectl_last_run_timestamp_seconds", help: "When the system was read, in seconds since the epoch: alert when it grows old (the collection stopped).")
        if let at = snapshot.collectedAt { lastRun.samples.append(([], at)) }
        families += [build, lastRun]

        let states: [(name: String, help: String, value: (HugePagePool) -> Int?)] = [
            ("total", "Huge pages in the pool of each size (nr_hugepages: persistent and surplus).", \.total),
            ("free", "Free huge pages of each size (free_hugepages; the reserved ones are among them).", \.free),
            ("reserved", "Reserved huge pages of each size (resv_hugepages): promised to mappings, not faulted yet.", \.reserved),
            ("surplus", "Surplus huge pages of each size (surplus_hugepages), made by overcommit.", \.surplus),
            ("in_use", "Huge pages in use of each size (total - free).", \.inUse),
        ]
        for state in states {
            var family = Family(name: "hugectl_pool_\(state.name)_pages", help: state.help)
            for p in snapshot.pools {
                if let value = state.value(p) { family.samples.append((sizeLabels(p.pageSizeKB), value)) }
            }
            families.append(family)
        }
        let nodeStates: [(name: String, help: String, value: (NodePool) -> Int?)] = [
            ("total", "Huge pages of each size on each NUMA node.", \.total),
            ("free", "Free huge pages of each size on each NUMA node.", \.free),
            ("surplus", "Surplus huge pages of each size on each NUMA node.", \.surplus),
        ]
        for state in nodeStates {
            var family = Family(name: "hugectl_node_pool_\(state.name)_pages", help: state.help)
            for p in snapshot.pools {
                for share in p.nodes {
                    if let value = state.value(share) {
                        family.samples.append((sizeLabels(p.pageSizeKB) + [("node", String(share.node))], value))
                    }
                }
            }
            families.append(family)
        }

        var pool = Family(name: "hugectl_pool_pages", help: "Deprecated (use hugectl_pool_<state>_pages; dropped with schema_version 2): huge pages by state.")
        var overcommit = Family(name: "hugectl_pool_overcommit_pages", help: "nr_overcommit_hugepages: how many surplus pages may exist.")
        var perNode = Family(name: "hugectl_node_pool_pages", help: "Deprecated (use hugectl_node_pool_<state>_pages; dropped with schema_version 2): huge pages on each NUMA node by state.")
        for p in snapshot.pools {
            let size = sizeLabels(p.pageSizeKB)
            for state in states {
                if let value = state.value(p) { pool.samples.append((size + [("state", state.name)], value)) }
            }
            if let value = p.overcommit { overcommit.samples.append((size, value)) }
            for share in p.nodes {
                for state in nodeStates {
                    if let value = state.value(share) {
                        perNode.samples.append((size + [("node", String(share.node)), ("state", state.name)], value))
                    }
                }
            }
        }
        families += [pool, overcommit, perNode]

        var reserved = Family(name: "hugectl_reserved_pages", help: "Reserved huge pages by who holds them; source=\"unattributed\" is what nothing seen explains (negative: over-attributed).")
        for ledger in report.ledgers {
            let size = sizeLabels(ledger.pageSizeKB)
            for (source, value) in [("shared_objects", ledger.sharedObjects), ("private_owners", ledger.privateOwners),
                                    ("min_size", ledger.minSize), ("orphans", ledger.orphanPages)] {
                reserved.samples.append((size + [("source", source)], value))
            }
            if let unattributed = ledger.unattributed {
                reserved.samples.append((size + [("source", "unattributed")], unattributed))
            }
        }
        families.append(reserved)

        var shortfall = Family(name: "hugectl_shortfall_pages", help: "Reserved pages predicted to fail at fault time: kind=\"certain\" whatever the order, \"possible\" depending on it, \"overcommit\" only surplus pages can serve.")
        var findingCount = Family(name: "hugectl_findings", help: "Findings by ID and severity (0 for every ID and severity with none: an alert can tell fine from not collected).")
        var findingPages = Family(name: "hugectl_finding_pages", help: "Pages the findings of each ID are about.")
        let kinds = [(ReservationShortfall.certainID, "certain"), (ReservationShortfall.possibleID, "possible"),
                     (ReservationShortfall.rescueID, "overcommit")]
        for p in snapshot.pools {
            for (id, kind) in kinds {
                let pages = report.findings.filter { $0.id == id && $0.pageSizeKB == p.pageSizeKB }.reduce(0) { $0 + $1.pages }
                shortfall.samples.append((sizeLabels(p.pageSizeKB) + [("kind", kind)], pages))
            }
        }
        let byID = Dictionary(grouping: report.findings, by: \.id)
        for (id, _) in FindingCatalog.all {
            for severity in Finding.Severity.allCases {
                let matching = (byID[id] ?? []).filter { $0.severity == severity }
                findingCount.samples.append(([("id", id), ("severity", severity.rawValue)], matching.count))
                findingPages.samples.append(([("id", id), ("severity", severity.rawValue)], matching.reduce(0) { $0 + $1.pages }))
            }
        }
        families += [shortfall, findingCount, findingPages]

        var scan = Family(name: "hugectl_scan_complete", help: "1 when every process could be read.")
        scan.samples.append(([], report.consumers.scan.complete ? 1 : 0))
        var holders = Family(name: "hugectl_processes", help: "Processes holding hugetlb memory of each size.")
        for p in snapshot.pools {
            let count = report.consumers.processes.filter { $0.mappings.contains { $0.pageSizeKB == p.pageSizeKB } }.count
            holders.samples.append((sizeLabels(p.pageSizeKB), count))
        }
        var consistent = Family(name: "hugectl_counters_consistent", help: "1 when two consecutive reads of the pool counters agreed and every counter could be read.")
        consistent.samples.append(([], snapshot.consistent && CounterUnreadable.allKnown(snapshot) ? 1 : 0))
        var readErrors = Family(name: "hugectl_read_errors", help: "Files or values that could not be read or understood (the warnings); a value that could not be read has no sample, never 0.")
        readErrors.samples.append(([], snapshot.warnings.count))
        families += [scan, holders, consistent, readErrors]

        // Written piece by piece as UTF-8 bytes: no string per label or per sample, and no
        // String append (its checks cost more than the copy) per piece.
        var out: [UInt8] = []
        out.reserveCapacity(1 << 14)
        for family in families where !family.samples.isEmpty {
            out.append(contentsOf: "# HELP ".utf8)
            out.append(contentsOf: family.name.utf8)
            out.append(0x20)
            out.append(contentsOf: escapeHelp(family.help).utf8)
            out.append(contentsOf: "\n# TYPE ".utf8)
            out.append(contentsOf: family.name.utf8)
            out.append(contentsOf: " gauge\n".utf8)
            for sample in family.samples {
                out.append(contentsOf: family.name.utf8)
                for (index, label) in sample.labels.enumerated() {
                    out.append(index == 0 ? 0x7B /* { */ : 0x2C /* , */)
                    out.append(contentsOf: label.0.utf8)
                    out.append(contentsOf: "=\"".utf8)
                    out.append(contentsOf: escapeLabel(label.1).utf8)
                    out.append(0x22)
                }
                out.append(contentsOf: (sample.labels.isEmpty ? " " : "} ").utf8)
                out.append(contentsOf: String(sample.value).utf8)
                out.append(0x0A)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func escapeHelp(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A }) else { return text }
        return text.replacingBackslashes().replacingNewlines()
    }

    static func escapeLabel(_ text: String) -> String {
        // Nearly every label (sizes, IDs, node numbers) has nothing to escape.
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return text }
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}

private extension String {
    func replacingBackslashes() -> String {
        var out = ""
        for character in self { out += character == "\\" ? "\\\\" : String(character) }
        return out
    }

    func replacingNewlines() -> String {
        var out = ""
        for character in self { out += character == "\n" ? "\\n" : String(character) }
        return out
    }
}
