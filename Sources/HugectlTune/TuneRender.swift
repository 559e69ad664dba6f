import HugectlCore

/// Tables and JSON for `pool` and `plan`.
public enum TuneRender {
    public static func poolTable(_ result: PoolResult) -> Table {
        var table = Table([
            .init("NODE"), .init("BEFORE", rightAligned: true), .init("ASKED", rightAligned: true),
            .init("GOT", rightAligned: true),
        ])
        for row in result.rows {
            table.add([row.scope.label, row.before.map(String.init) ?? "?", row.asked.map(String.init) ?? "-",
                       row.got.map(String.init) ?? "?"])
        }
        return table
    }

    /// The writes as shell commands; one made under an interleave policy as numactl(8) would
    /// make it, so that it can be run by hand with the same effect.
    public static func writesText(_ change: PoolChange) -> StyledText {
        change.writes.map { write -> StyledText in
            let echo: StyledText = "echo \(write.value) > \(write.path)"
            guard let nodes = write.interleave else { return echo }
            return "numactl --interleave=\(trusted: NodeList.format(nodes)) sh -c '\(echo)'"
        }.joined(separator: "\n") + (change.writes.isEmpty ? "" : "\n")
    }

    public static func poolJSON(_ change: PoolChange, result: PoolResult?, dryRun: Bool, before: HugePagePool?) -> JSON {
        func state(_ pool: HugePagePool?) -> JSON {
            guard let pool else { return .null }
            return .object([
                ("total", .int(pool.total)),
                ("overcommit", .int(pool.overcommit)),
                ("nodes", .object(pool.nodes.map { (String($0.node), .int($0.total)) })),
            ])
        }
        var after: JSON = .null
        if let result {
            after = .object([
                ("total", .int(result.rows.first { $0.scope == .global }?.got)),
                ("overcommit", .int(result.overcommitAfter)),
                ("nodes", .object(result.rows.compactMap { row in
                    if case .node(let n) = row.scope { return (String(n), .int(row.got)) } else { return nil }
                })),
            ])
        }
        var envelope = change.envelope ?? DocumentEnvelope(root: "/", kernelRelease: nil, generatedAt: nil, hostname: nil,
                                                           warnings: [])
        envelope.warnings += change.warnings
        return Vocabulary.addingNewNames(.object(envelope.completing([
            ("schema_version", .int(StatusJSON.schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("page_size_kb", .int(change.pageSizeKB)),
            ("dry_run", .bool(dryRun)),
            ("before", state(before)),
            ("requested", .object([
                ("targets", .array(change.targets.map { target in
                    .object([("scope", .string(target.scope == .global ? "global" : "node")),
                             ("node", { if case .node(let n) = target.scope { return .int(n) } else { return .null } }()),
                             ("pages", .int(target.asked))])
                })),
                ("overcommit", .int(change.overcommit?.asked)),
            ])),
            ("writes", .array(change.writes.map { .object([("path", .string($0.path)), ("value", .int($0.value))]) })),
            ("after", after),
            ("undo", .string(change.undo)),
            ("succeeded", result.map { .bool($0.succeeded) } ?? .null),
            ("shortfall", .array((result?.shortfalls ?? []).map { row in
                .object([
                    ("scope", .string(row.scope == .global ? "global" : "node")),
                    ("node", { if case .node(let n) = row.scope { return .int(n) } else { return .null } }()),
                    ("asked", .int(row.asked)), ("got", .int(row.got)),
                ])
            })),
            ("error", .string(result?.failedWrite?.description)),
        ])), .pool)
    }

    public static func planText(_ plan: PoolPlan, headers: Bool, width: Int?) -> StyledText {
        var out = StyledText()
        for size in plan.sizes {
            let name = PageSize.format(kB: size.pageSizeKB)
            var table = Table([
                .init("SIZE"), .init("NODE", rightAligned: true), .init("NOW", rightAligned: true),
                .init("PLAN", rightAligned: true), .init("ADD", rightAligned: true),
            ])
            for node in size.nodes {
                let add = node.planned - node.now
                // A figure that could not be read is '-', never 0.
                table.add([name, String(node.node), node.nowKnown ? String(node.now) : "-",
                           size.plannable ? String(node.planned) : "-",
                           size.plannable && node.nowKnown ? (add > 0 ? "+\(add)" : String(add)) : "-"])
            }
            out += table.render(headers: headers, width: width)
            if size.surplus > 0 {
                out += "\(size.surplus) of the \(size.nowTotal) \(trusted: name) pages are surplus: they leave the pool when freed "
                    + "(it falls to \(max(0, size.nowTotal - size.surplus))); the planned counts make them persistent\n"
            }
            for id in Set(size.unresolved).sorted() { out += unresolvedLine(id) }
            out += "\n"
        }
        for id in plan.unresolvedElsewhere { out += unresolvedLine(id) }
        if !plan.unresolvedElsewhere.isEmpty { out += "\n" }
        let anyUnresolved = plan.sizes.contains { !$0.unresolved.isEmpty } || !plan.unresolvedElsewhere.isEmpty
        // Once, plainly: a plan covers only the mappings the scan could read.
        let note = ScanNote.text(plan.scan)
        if let note { out += note + "\n" }
        let commands = plan.commands()
        if commands.isEmpty {
            if anyUnresolved {
                out += "No pool change can make it safe: what is unresolved above a pool change cannot resolve.\n"
            } else {
                out += note == nil ? "No pool needs to grow: every owed page can be served.\n"
                    : "No pool needs to grow for the mappings that could be read.\n"
            }
            return out
        }
        out += "hugectl:\n" + commands.map { "  \($0)\n" as StyledText }.joined()
        out += "sysfs:\n" + plan.sysfsLines().map { "  \($0)\n" as StyledText }.joined()
        out += "boot (Linux 5.16 and later for the per-node form):\n  \(plan.bootParameters())\n"
        return out
    }

    static func unresolvedLine(_ id: String) -> StyledText {
        .trusted("unresolved", paint: .error) + ": \(id) remains after planning\(trusted: unresolvedReason(id)); see 'hugectl check'\n"
    }

    /// Why a finding left after planning is not the plan's to remove.
    static func unresolvedReason(_ id: String) -> String {
        switch id {
        case UnreservedDemand.inheritedID:
            return " (a pool change cannot resolve it: a fork child's copy-on-write pages have no reservation; use MAP_SHARED)"
        case CounterUnreadable.id:
            return " (a pool change cannot resolve it: a counter or process file could not be read, so the need is unknown)"
        case LedgerChecks.unattributedID, CounterConsistency.id:
            return " (a pool change cannot resolve it)"
        default:
            return PoolPlan.resolves.contains(id) ? "" : " (a pool change cannot resolve it)"
        }
    }

    /// The plan document; with `applied` (from `plan --apply`) it also carries the pool
    /// document of each change made, in page-size order.
    public static func planJSON(_ plan: PoolPlan, applied: [JSON]? = nil) -> JSON {
        var keys: [(String, JSON)] = [
            ("schema_version", .int(StatusJSON.schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("sizes", .array(plan.sizes.map { size in
                .object([
                    ("page_size_kb", .int(size.pageSizeKB)),
                    // A value that could not be read is null, never 0; so is a plan made
                    // without it.
                    ("total_now", size.nowTotalKnown ? .int(size.nowTotal) : .null),
                    ("total_planned", size.plannable ? .int(size.plannedTotal) : .null),
                    ("surplus_now", .int(size.surplus)),
                    ("nodes", .array(size.nodes.map { node in
                        .object([("node", .int(node.node)), ("now", node.nowKnown ? .int(node.now) : .null),
                                 ("planned", size.plannable ? .int(node.planned) : .null),
                                 ("surplus_now", .int(node.surplus))])
                    })),
                    ("unresolved", .array(Array(Set(size.unresolved)).sorted().map { .string($0) })),
                ])
            })),
            ("commands", .array(plan.commands().map { .string($0) })),
            ("sysfs", .array(plan.sysfsLines().map { .string($0) })),
            ("boot_parameters", .string(plan.bootParameters())),
            ("scan", StatusJSON.scan(plan.scan)),
            ("warnings", .array(plan.warnings.map { .string($0) })),
            ("unresolved", .array(plan.unresolvedElsewhere.map { .string($0) })),
        ]
        keys = (plan.envelope ?? DocumentEnvelope(root: "/", kernelRelease: nil, generatedAt: nil, hostname: nil,
                                                  warnings: plan.warnings)).completing(keys)
        if let applied { keys.append(("applied", .array(applied))) }
        return Vocabulary.addingNewNames(.object(keys), .plan)
    }
}
