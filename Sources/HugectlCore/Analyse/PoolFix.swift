/// The `hugectl` command that removes a finding by growing a pool, for its hint.
///
/// A finding that more pages would remove carries a `Finding.Remedy`: so many more pages on
/// one of its nodes (all the pool's nodes when it names none). The pages go where `hugectl
/// plan` puts them, by construction: both place them with `PoolDelta.growth` (on the named
/// node with the most free memory, the lowest number among equals, or spread over the pool's
/// nodes as the kernel spreads a global pool). The command
/// sets every node of the pool (`hugectl pool set 2M 0:8,1:6`), as `hugectl plan` prints it.
///
/// One command is named only when it is enough: it must be the only finding of its page size
/// that a pool change can remove, and the analysis run again on the pools it makes must find
/// none left (a task that falls back may take the added pages first). Otherwise the hint
/// names `hugectl plan`, which grows the pools step by step until nothing is left.
public enum PoolFix {
    /// The finding IDs a pool change removes (`hugectl plan` resolves the same ones).
    public static let ids: Set<String> = [
        ReservationShortfall.certainID, ReservationShortfall.possibleID, ReservationShortfall.rescueID,
        UnreservedDemand.noreserveID, LedgerChecks.mountID,
    ]

    /// Of `nodes`, the one that gets the pages: the most free memory, then the lowest number.
    /// nil when no node is named (the pages are spread).
    public static func node(_ nodes: [Int], _ snapshot: SystemSnapshot) -> Int? {
        PoolDelta.mostFreeMemory(nodes, snapshot)
    }

    /// `hugectl pool set 2M 0:8,1:6`: the pool with `pages` more, placed by `PoolDelta.growth`
    /// (every node of the pool named, as `hugectl plan` prints it; the total alone when the
    /// pool has no per-node figures).
    public static func command(_ pool: HugePagePool, pages: Int, nodes: [Int], _ snapshot: SystemSnapshot) -> String {
        let size = PageSize.format(kB: pool.pageSizeKB)
        let grown = snapshot.applying(.growth(pages, kB: pool.pageSizeKB, onOneOf: nodes, in: snapshot))
        guard let after = grown.pool(kB: pool.pageSizeKB), !after.nodes.isEmpty else {
            return "hugectl pool set \(size) \((pool.total ?? 0).addingClamped(pages))"
        }
        return "hugectl pool set \(size) " + after.nodes.map { "\($0.node):\($0.total ?? 0)" }.joined(separator: ",")
    }

    /// Which node needs how many more pages (of `nodes`, the one `hugectl plan` would grow),
    /// the `hugectl pool set` and the write that add them: the hint and its remedy. `lead`
    /// and `tail` are the remedy's reason and aside.
    static func addPages(_ pool: HugePagePool, nodes: [Int], pages: Int, _ snapshot: SystemSnapshot,
                         lead: String = "", tail: String = "") -> (hint: String, remedy: Finding.Remedy) {
        let remedy = remedy(pool, nodes: nodes, pages: pages, snapshot, reason: lead, aside: tail)
        return (hint(remedy, command: command(pool, pages: pages, nodes: nodes, snapshot)), remedy)
    }

    /// The remedy asking for `pages` more on one of `nodes`: `reason`, which node needs them
    /// (the command goes here), the write that adds them, `aside`. Every remedy is made here.
    static func remedy(_ pool: HugePagePool, nodes: [Int], pages: Int, _ snapshot: SystemSnapshot,
                       reason: String, aside: String) -> Finding.Remedy {
        let need = needed(pool, nodes: nodes, pages: pages, snapshot)
        return Finding.Remedy(pages: pages, nodes: nodes, lead: reason + need.what + ": ",
                              tail: (need.write.map { " (or \($0))" } ?? "") + aside, reason: reason, aside: aside)
    }

    /// `remedy` asking for `pages` instead, around `command`.
    static func hint(_ remedy: Finding.Remedy, pages: Int, _ pool: HugePagePool, _ snapshot: SystemSnapshot,
                     command: String) -> String {
        hint(Self.remedy(pool, nodes: remedy.nodes, pages: pages, snapshot, reason: remedy.reason, aside: remedy.aside),
             command: command)
    }

    /// "give node 1 2 more 2M pages" and the write to that node's `nr_hugepages` (none when no
    /// node is named: "grow the 2M pool by 2 pages").
    static func needed(_ pool: HugePagePool, nodes: [Int], pages: Int, _ snapshot: SystemSnapshot)
        -> (what: String, write: String?) {
        let size = PageSize.format(kB: pool.pageSizeKB)
        guard let node = node(nodes, snapshot) else { return ("grow the \(size) pool by \(pages) pages", nil) }
        let current = pool.nodes.first { $0.node == node }?.total ?? 0
        var what = "give node \(node) " + Finding.pages(pages, "more \(size)")
        if nodes.count > 1 { what += " (or spread them over nodes \(NodeList.format(nodes)))" }
        return (what, "echo \(current.addingClamped(pages)) > " + KernelPath.nodePool(node, kB: pool.pageSizeKB, .total))
    }

    /// A finding's hint: its remedy's text around the command that carries it out.
    public static func hint(_ remedy: Finding.Remedy, command: String) -> String {
        remedy.lead + command + remedy.tail
    }

    /// The hints of `findings` settled against each other: a finding that is the only one of
    /// its page size a pool change can remove, and that its command removes (the analysis of
    /// `Analysis.whatIf` on the grown pools finds none of those IDs left), keeps its
    /// `hugectl pool set`; every other finding with a remedy names `hugectl plan` instead.
    /// Where files nobody maps or holds open hold pages of the size, the hint names them and
    /// their `rm` first (`filesFirst`).
    static func settle(_ findings: [Finding], _ context: AnalysisContext) -> [Finding] {
        let snapshot = context.snapshot
        let fixable = findings.filter { ids.contains($0.id) && $0.pages > 0 && $0.pageSizeKB != nil }
        let bySize = Dictionary(grouping: fixable, by: { $0.pageSizeKB ?? 0 })
        var out = findings
        for index in out.indices {
            guard ids.contains(out[index].id), let remedy = out[index].remedy, let kB = out[index].pageSizeKB,
                  let pool = snapshot.pool(kB: kB) else { continue }
            let size = PageSize.format(kB: kB)
            let others = bySize[kB]?.count ?? 0
            var plan: String?
            if others > 1 {
                plan = "hugectl plan (for all \(others) \(size) findings at once)"
            } else {
                let grown = Analysis.whatIf(context, .growth(remedy.pages, kB: kB, onOneOf: remedy.nodes, in: snapshot))
                let left = Analysis.findingsWithoutFixHints(in: grown)
                    .contains { ids.contains($0.id) && $0.pages > 0 && $0.pageSizeKB == kB }
                if left { plan = "hugectl plan (one change is not enough: other faults may take the pages first)" }
            }
            out[index].hint = hint(remedy, command: plan ?? command(pool, pages: remedy.pages, nodes: remedy.nodes, snapshot))
            if let freeable = context.freeable[kB], let text = filesFirst(out[index].id, remedy, freeable, pool, snapshot, plan: plan) {
                out[index].hint = text
            }
        }
        return out
    }

    /// The findings whose pages files nobody maps may hold: faults that need free pages. (The
    /// pool's capacity, `mount-limit-unmet`, does not change with `rm`.)
    static let filesFirstIDs: Set<String> = [
        ReservationShortfall.certainID, ReservationShortfall.possibleID, ReservationShortfall.rescueID,
        UnreservedDemand.noreserveID,
    ]

    /// The hint of a finding that more free pages remove, when files nobody maps or holds
    /// open hold pages of its size: their `rm` first, then the pool growth for what it
    /// leaves. `rm` returns their pages in use to the free pages of the nodes they are on
    /// (`FreeableFiles.freed(on:_:)`: at least those that cannot be elsewhere, at most those
    /// in use there), so the growth asks for the finding's pages less the least, said as "at
    /// most" when more may be freed there. A reservation returned by `rm` helps only faults
    /// without one (MAP_NORESERVE), through free − reserved. nil when `rm` cannot help: no
    /// page of the files can be on the finding's nodes (and, for MAP_NORESERVE, none is
    /// reserved). `plan`: the `hugectl plan` text `settle` chose instead of one `hugectl pool set`.
    static func filesFirst(_ id: String, _ remedy: Finding.Remedy, _ files: FreeableFiles, _ pool: HugePagePool,
                           _ snapshot: SystemSnapshot, plan: String?) -> String? {
        guard filesFirstIDs.contains(id) else { return nil }
        let returned = id == UnreservedDemand.noreserveID ? files.reserved : 0
        let freed = files.freed(on: remedy.nodes, pool)
        guard freed.most > 0 || returned > 0 else { return nil }
        let missing = remedy.pages
        let on = remedy.nodes.isEmpty || pool.nodes.count < 2
            ? "" : " on node\(remedy.nodes.count == 1 ? "" : "s") \(NodeList.format(remedy.nodes))"
        var text = files.removal
        if freed.least >= missing {
            text += "; that frees at least the " + FreeableFiles.missing(missing) + on
            return text + (plan == nil ? ", with no pool change" : "; then, if findings remain: hugectl plan")
        }
        text += freed.least > 0 ? "; that frees at least \(freed.least) of the " + FreeableFiles.missing(missing) + on
            : "; hugectl cannot tell how many of the " + FreeableFiles.missing(missing) + on + " that frees"
        let rest = missing - freed.least
        // Exact when no more pages can be freed there, and no returned reservation may help.
        let exact = freed.least == freed.most && returned == 0
        return text + "; then " + (exact ? "" : "for the pages still missing (at most \(rest)), ")
            + hint(remedy, pages: rest, pool, snapshot, command: plan ?? command(pool, pages: rest, nodes: remedy.nodes, snapshot))
    }
}
