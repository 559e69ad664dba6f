/// The `hugectl` command that removes a finding by growing a pool, for its hint.
///
/// A finding that more pages would remove carries a `Finding.Remedy`: so many more pages on
/// one of its nodes (all the pool's nodes when it names none). The pages go where `hugectl
/// plan` puts them: on the named node with the most free memory (the lowest number among
/// equals), or spread over the pool's nodes as the kernel spreads a global pool. The command
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
        let memFree = Dictionary(snapshot.nodes.map { ($0.node, $0.memFreeKB ?? 0) }, uniquingKeysWith: { a, _ in a })
        return nodes.max { (memFree[$0] ?? 0, -$0) < (memFree[$1] ?? 0, -$1) }
    }

    /// Each node's pool after adding `pages` (node order), or nil when the pool has no
    /// per-node figures (then only the global total can be set).
    static func targets(_ pool: HugePagePool, pages: Int, nodes: [Int], _ snapshot: SystemSnapshot) -> [(node: Int, total: Int)]? {
        var totals = pool.nodes.map { (node: $0.node, total: $0.total ?? 0) }
        if let node = node(nodes, snapshot) {
            if let at = totals.firstIndex(where: { $0.node == node }) {
                totals[at].total = totals[at].total.addingClamped(pages)
            } else {
                totals.append((node, pages))
                totals.sort { $0.node < $1.node }
            }
            return totals
        }
        guard !totals.isEmpty else { return nil }
        // Spread in bulk: each node its share, the first ones one more for the remainder.
        for index in totals.indices {
            let share = pages / totals.count + (index < pages % totals.count ? 1 : 0)
            totals[index].total = totals[index].total.addingClamped(share)
        }
        return totals
    }

    /// `hugectl pool set 2M 0:8,1:6`: the pool with `pages` more.
    public static func command(_ pool: HugePagePool, pages: Int, nodes: [Int], _ snapshot: SystemSnapshot) -> String {
        let size = PageSize.format(kB: pool.pageSizeKB)
        guard let totals = targets(pool, pages: pages, nodes: nodes, snapshot) else {
            return "hugectl pool set \(size) \((pool.total ?? 0).addingClamped(pages))"
        }
        return "hugectl pool set \(size) " + totals.map { "\($0.node):\($0.total)" }.joined(separator: ",")
    }

    /// The snapshot as it would be with the pages added (free pages, as a grown pool has).
    static func applying(_ pages: Int, nodes: [Int], kB: Int, to snapshot: SystemSnapshot) -> SystemSnapshot {
        var grown = snapshot
        guard let index = grown.pools.firstIndex(where: { $0.pageSizeKB == kB }) else { return grown }
        var pool = grown.pools[index]
        let before = Dictionary(pool.nodes.map { ($0.node, $0.total ?? 0) }, uniquingKeysWith: { a, _ in a })
        for (node, total) in targets(pool, pages: pages, nodes: nodes, snapshot) ?? [] {
            let added = total - (before[node] ?? 0)
            if let at = pool.nodes.firstIndex(where: { $0.node == node }) {
                pool.nodes[at].total = total
                pool.nodes[at].free = (pool.nodes[at].free ?? 0).addingClamped(added)
            } else {
                pool.nodes.append(NodePool(node: node, total: total, free: total, surplus: 0))
                pool.nodes.sort { $0.node < $1.node }
            }
        }
        pool.total = (pool.total ?? 0).addingClamped(pages)
        pool.free = (pool.free ?? 0).addingClamped(pages)
        grown.pools[index] = pool
        if grown.defaultPageSizeKB == kB {
            grown.meminfo.total = pool.total
            grown.meminfo.free = pool.free
        }
        return grown
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
    /// its page size a pool change can remove, and that its command removes (`analyse` run on
    /// the grown pools finds none of those IDs left), keeps its `hugectl pool set`; every other
    /// finding with a remedy names `hugectl plan` instead.
    static func settle(_ findings: [Finding], _ snapshot: SystemSnapshot,
                       analyse: (SystemSnapshot) -> [Finding]) -> [Finding] {
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
            let grown = applying(remedy.pages, nodes: remedy.nodes, kB: kB, to: snapshot)
            let left = analyse(grown).contains { ids.contains($0.id) && $0.pages > 0 && $0.pageSizeKB == kB }
            out[index].hint = hint(remedy, command: left
                ? "hugectl plan (one change is not enough: other faults may take the pages first)"
                : command(pool, pages: remedy.pages, nodes: remedy.nodes, snapshot))
        }
        return out
    }
}
