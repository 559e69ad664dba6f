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
    public static func writesText(_ change: PoolChange) -> String {
        change.writes.map { write in
            let echo = "echo \(write.value) > \(write.path)"
            guard let nodes = write.interleave else { return echo }
            return "numactl --interleave=\(NodeList.format(nodes)) sh -c '\(echo)'"
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
        return .object([
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
        ])
    }

    public static func planText(_ plan: PoolPlan, headers: Bool, style: Style) -> String {
        var out = ""
        for size in plan.sizes {
            let name = PageSize.format(kB: size.pageSizeKB)
            var table = Table([
                .init("SIZE"), .init("NODE", rightAligned: true), .init("NOW", rightAligned: true),
                .init("PLAN", rightAligned: true), .init("ADD", rightAligned: true),
            ])
            for node in size.nodes {
                let add = node.planned - node.now
                table.add([name, String(node.node), String(node.now), String(node.planned), add > 0 ? "+\(add)" : String(add)])
            }
            out += table.render(headers: headers, style: style)
            for id in Set(size.unresolved).sorted() {
                out += style.red("unresolved") + ": \(id) remains after planning; see 'hugectl check'\n"
            }
            out += "\n"
        }
        // Once, plainly: a plan covers only the mappings the scan could read.
        let note = ConsumersText.scanNote(plan.scan)
        if let note { out += note + "\n" }
        let commands = plan.commands()
        if commands.isEmpty {
            if plan.sizes.contains(where: { !$0.unresolved.isEmpty }) {
                out += "No pool change helps: what remains is not a matter of pages.\n"
                return out
            }
            out += note == nil ? "No pool needs to grow: every owed page can be served.\n"
                : "No pool needs to grow for the mappings that could be read.\n"
            return out
        }
        out += "hugectl:\n" + commands.map { "  \($0)\n" }.joined()
        out += "sysfs:\n" + plan.sysfsLines().map { "  \($0)\n" }.joined()
        out += "boot (Linux 5.16 and later for the per-node form):\n  \(plan.bootParameters())\n"
        return out
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
                    ("total_now", .int(size.nowTotal)),
                    ("total_planned", .int(size.plannedTotal)),
                    ("nodes", .array(size.nodes.map { node in
                        .object([("node", .int(node.node)), ("now", .int(node.now)), ("planned", .int(node.planned))])
                    })),
                    ("unresolved", .array(Array(Set(size.unresolved)).sorted().map { .string($0) })),
                ])
            })),
            ("commands", .array(plan.commands().map { .string($0) })),
            ("sysfs", .array(plan.sysfsLines().map { .string($0) })),
            ("boot_parameters", .string(plan.bootParameters())),
            ("scan", StatusJSON.scan(plan.scan)),
        ]
        if let applied { keys.append(("applied", .array(applied))) }
        return .object(keys)
    }
}
