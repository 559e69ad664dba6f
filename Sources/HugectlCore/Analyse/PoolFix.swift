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
    /// the `hugectl pool set` and the write that add them: the hint and its remedy.
    static func addPages(_ pool: HugePagePool, nodes: [Int], pages: Int, _ snapshot: SystemSnapshot,
                         lead: String = "", tail: String = "") -> (hint: String, remedy: Finding.Remedy) {
        let need = needed(pool, nodes: nodes, pages: pages, snapshot)
        let remedy = Finding.Remedy(pages: pages, nodes: nodes, lead: lead + need.what + ": ",
                                    tail: (need.write.map { " (or \($0))" } ?? "") + tail)
        return (hint(remedy, command: command(pool, pages: pages, nodes: nodes, snapshot)), remedy)
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
            if others > 1 {
                out[index].hint = hint(remedy, command: "hugectl plan (for all \(others) \(size) findings at once)")
                continue
            }
            let grown = Analysis.whatIf(context, .growth(remedy.pages, kB: kB, onOneOf: remedy.nodes, in: snapshot))
            let left = Analysis.findingsWithoutFixHints(in: grown)
                .contains { ids.contains($0.id) && $0.pages > 0 && $0.pageSizeKB == kB }
            out[index].hint = hint(remedy, command: left
                ? "hugectl plan (one change is not enough: other faults may take the pages first)"
                : command(pool, pages: remedy.pages, nodes: remedy.nodes, snapshot))
        }
        return out
    }
}
