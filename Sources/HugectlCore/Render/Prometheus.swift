/// `--format prometheus`: the text exposition format, for node_exporter's textfile collector
/// (contrib/hugectl-textfile.service). Labels: `size` (2M, 1G), `node`, `state`, `source`,
/// `id`, `severity`. Every family has HELP and TYPE lines; all are gauges.
public enum Prometheus {
    struct Family {
        var name: String
        var help: String
        var samples: [(labels: [(String, String)], value: Int)] = []
    }

    public static func render(_ report: StatusReport) -> String {
        let snapshot = report.snapshot
        var families: [Family] = []

        var pool = Family(name: "hugectl_pool_pages", help: "Huge pages in the pool of each size, by state (reserved pages are counted in free).")
        var overcommit = Family(name: "hugectl_pool_overcommit_pages", help: "nr_overcommit_hugepages: how many surplus pages may exist.")
        var perNode = Family(name: "hugectl_node_pool_pages", help: "Huge pages on each NUMA node, by state.")
        for p in snapshot.pools {
            let size = PageSize.format(kB: p.pageSizeKB)
            for (state, value) in [("total", p.total), ("free", p.free), ("reserved", p.reserved),
                                   ("surplus", p.surplus), ("in_use", p.inUse)] {
                if let value { pool.samples.append(([("size", size), ("state", state)], value)) }
            }
            if let value = p.overcommit { overcommit.samples.append(([("size", size)], value)) }
            for share in p.nodes {
                for (state, value) in [("total", share.total), ("free", share.free), ("surplus", share.surplus)] {
                    if let value { perNode.samples.append(([("size", size), ("node", String(share.node)), ("state", state)], value)) }
                }
            }
        }
        families += [pool, overcommit, perNode]

        var reserved = Family(name: "hugectl_reserved_pages", help: "Reserved huge pages by who holds them; source=\"unattributed\" is what nothing seen explains (negative: over-attributed).")
        for ledger in report.ledgers {
            let size = PageSize.format(kB: ledger.pageSizeKB)
            for (source, value) in [("shared_objects", ledger.sharedObjects), ("private_owners", ledger.privateOwners),
                                    ("min_size", ledger.minSize), ("orphans", ledger.orphanPages)] {
                reserved.samples.append(([("size", size), ("source", source)], value))
            }
            if let unattributed = ledger.unattributed {
                reserved.samples.append(([("size", size), ("source", "unattributed")], unattributed))
            }
        }
        families.append(reserved)

        var shortfall = Family(name: "hugectl_shortfall_pages", help: "Reserved pages predicted to fail at fault time: kind=\"certain\" whatever the order, \"possible\" depending on it, \"overcommit\" only surplus pages can serve.")
        var findingCount = Family(name: "hugectl_findings", help: "Findings by ID and severity (0 for IDs with none).")
        var findingPages = Family(name: "hugectl_finding_pages", help: "Pages the findings of each ID are about.")
        let kinds = [(ReservationShortfall.certainID, "certain"), (ReservationShortfall.possibleID, "possible"),
                     (ReservationShortfall.rescueID, "overcommit")]
        for p in snapshot.pools {
            let size = PageSize.format(kB: p.pageSizeKB)
            for (id, kind) in kinds {
                let pages = report.findings.filter { $0.id == id && $0.pageSizeKB == p.pageSizeKB }.reduce(0) { $0 + $1.pages }
                shortfall.samples.append(([("size", size), ("kind", kind)], pages))
            }
        }
        for (id, _) in FindingCatalog.all {
            for severity in Finding.Severity.allCases {
                let matching = report.findings.filter { $0.id == id && $0.severity == severity }
                if matching.isEmpty && severity != defaultSeverity(id) { continue }
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
            holders.samples.append(([("size", PageSize.format(kB: p.pageSizeKB))], count))
        }
        var consistent = Family(name: "hugectl_counters_consistent", help: "1 when two consecutive reads of the pool counters agreed and every counter could be read.")
        consistent.samples.append(([], snapshot.consistent && CounterUnreadable.allKnown(snapshot) ? 1 : 0))
        var readErrors = Family(name: "hugectl_read_errors", help: "Files or values that could not be read or understood (the warnings); a value that could not be read has no sample, never 0.")
        readErrors.samples.append(([], snapshot.warnings.count))
        families += [scan, holders, consistent, readErrors]

        var out = ""
        for family in families where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) gauge\n"
            for sample in family.samples {
                out += family.name
                if !sample.labels.isEmpty {
                    out += "{" + sample.labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                }
                out += " \(sample.value)\n"
            }
        }
        return out
    }

    /// The severity an ID is reported with when it fires; used to give every ID a zero sample.
    static func defaultSeverity(_ id: String) -> Finding.Severity {
        switch id {
        case ReservationShortfall.certainID, Expectations.id, CounterUnreadable.id: return .error
        case SurplusChecks.outsideID, LedgerChecks.scanID: return .info
        default: return .warning
        }
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingBackslashes().replacingNewlines()
    }

    static func escapeLabel(_ text: String) -> String {
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
