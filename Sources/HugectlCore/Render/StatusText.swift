/// `hugectl status` for people: pools, pools per node, hugetlbfs mounts, findings, verdict.
public enum StatusText {
    /// How many consumers `status` lists; `procs` lists them all.
    public static let topConsumers = 5

    /// - Parameter poolColumns: `-o/--output` for the pool table, checked by the caller with
    ///   `Listings.pools.select(_:)`.
    public static func render(_ report: StatusReport, headers: Bool = true, width: Int? = nil,
                              poolColumns: String? = nil) -> StyledText {
        let snapshot = report.snapshot
        var sections: [StyledText] = []
        let rows = Listings.PoolRow.rows(snapshot)
        let pools = (try? Listings.pools.table(rows, columns: poolColumns)) ?? (try? Listings.pools.table(rows)) ?? Table([])
        sections.append(pools.render(headers: headers, width: width))
        if !snapshot.nodes.isEmpty {
            sections.append(nodeTable(snapshot).render(headers: headers, width: width))
        }
        if !snapshot.mounts.isEmpty {
            sections.append(mountTable(snapshot).render(headers: headers, width: width))
        }
        let consumers = ConsumersText.processRows(report.consumers.processes)
        if !consumers.isEmpty {
            let top = consumers.sorted { ($0.mapped + $0.owed, -$0.pid) > ($1.mapped + $1.owed, -$1.pid) }.prefix(topConsumers)
            var text = ConsumersText.processTable(Array(top)).render(headers: headers, width: width)
            if consumers.count > topConsumers {
                text += "(\(consumers.count - topConsumers) more; see 'hugectl procs')\n"
            }
            sections.append(text)
        }
        var ledgerLines = report.ledgers.filter { ($0.kernelReserved ?? 0) > 0 || $0.attributed > 0 }
            .map { StyledText.trusted(ConsumersText.ledgerLine($0)) }
        ledgerLines += report.ledgers.filter { ($0.inUse.kernelInUse ?? 0) > 0 || $0.inUse.attributed > 0 || !$0.inUse.unmapped.isEmpty }
            .flatMap(ConsumersText.inUseLines)
        if !ledgerLines.isEmpty {
            sections.append(ledgerLines.joined(separator: "\n") + "\n")
        }
        // The note says it plainly, once: the scan-incomplete finding (kept in JSON and by
        // check) would only repeat it here.
        let (note, findings) = ScanNote.once(report.consumers.scan, findings: report.findings, preferNote: true)
        if let note { sections.append(note + "\n") }
        if !findings.isEmpty {
            sections.append(findingTable(findings).render(headers: headers, width: width))
        }
        return sections.joined(separator: "\n") + "\n" + verdict(report) + "\n"
    }

    static func count(_ value: Int?) -> String { value.map(String.init) ?? "?" }

    static func nodeTable(_ snapshot: SystemSnapshot) -> Table {
        var table = Table([
            .init("NODE", rightAligned: true), .init("CPUS"), .init("MEMFREE", rightAligned: true),
            .init("SIZE"), .init("TOTAL", rightAligned: true), .init("FREE", rightAligned: true),
            .init("SURP", rightAligned: true),
        ])
        for node in snapshot.nodes {
            for (index, pool) in snapshot.pools.enumerated() {
                let share = pool.nodes.first { $0.node == node.node }
                let first = index == 0
                // A node with no pool of this size (a CPU-only node) shows dashes, not "?".
                let missing = share == nil ? "-" : "?"
                func count(_ value: Int?) -> String { value.map(String.init) ?? missing }
                table.add([
                    first ? String(node.node) : "",
                    first ? (node.cpus.map { $0.isEmpty ? "-" : NodeList.format($0) } ?? "?") : "",
                    first ? (node.memFreeKB.map { HumanSize.format(kB: $0) } ?? "?") : "",
                    PageSize.format(kB: pool.pageSizeKB), count(share?.total), count(share?.free),
                    count(share?.surplus),
                ])
            }
        }
        return table
    }

    static func mountTable(_ snapshot: SystemSnapshot) -> Table {
        var table = Table([
            .init("MOUNT"), .init("SIZE"), .init("LIMIT", rightAligned: true),
            .init("MIN", rightAligned: true), .init("USED", rightAligned: true), .init("OPTIONS"),
        ])
        for mount in snapshot.mounts {
            table.add([
                mount.path, mount.pageSizeKB.map { PageSize.format(kB: $0) } ?? "?",
                mount.sizeLimitPages.map(String.init) ?? "-", mount.minSizePages.map(String.init) ?? "-",
                mount.usedPages.map(String.init) ?? "-", mount.options,
            ])
        }
        return table
    }

    static func findingTable(_ findings: [Finding]) -> Table {
        var table = Table([
            .init("SEVERITY"), .init("ID"), .init("SIZE"), .init("PAGES", rightAligned: true),
            .init("MESSAGE"),
        ])
        for finding in findings {
            table.add([
                .trusted(finding.severity.rawValue, paint: .severity(finding.severity)), .untrusted(finding.id),
                .trusted(finding.pageSizeKB.map { PageSize.format(kB: $0) } ?? "-"),
                .trusted(finding.pages > 0 ? String(finding.pages) : "-"), .untrusted(finding.message),
            ])
        }
        return table
    }

    /// One line: the worst severity found, or a short summary of the pools when all is well.
    static func verdict(_ report: StatusReport) -> StyledText {
        let errors = report.findings.filter { $0.severity == .error }.count
        let warnings = report.findings.filter { $0.severity == .warning }.count
        if errors > 0 || warnings > 0 {
            var parts: [String] = []
            if errors > 0 { parts.append(errors == 1 ? "1 error" : "\(errors) errors") }
            if warnings > 0 { parts.append(warnings == 1 ? "1 warning" : "\(warnings) warnings") }
            let text = "Verdict: " + parts.joined(separator: ", ") + " (see above)."
            return .trusted(text, paint: errors > 0 ? .error : .warning)
        }
        let pools = report.snapshot.pools.map { pool -> String in
            let size = PageSize.format(kB: pool.pageSizeKB)
            guard let total = pool.total, total > 0 else { return "\(size) empty" }
            return "\(size) \(count(pool.free)) of \(total) free, \(count(pool.reserved)) reserved"
        }
        let summary = pools.isEmpty ? "no huge page sizes" : pools.joined(separator: "; ")
        let seen = report.consumers.scan.complete ? "" : " for what could be read"
        return .trusted("Verdict: OK", paint: .ok) + "\(trusted: seen): \(summary)."
    }
}
