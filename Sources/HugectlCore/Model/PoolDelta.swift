/// A hypothetical change of one pool: so many pages more or fewer, taken node by node in the
/// kernel's order. The one place where pages are spread over nodes: the hints (`PoolFix`),
/// `hugectl plan`, the shrink check of `hugectl pool` and every what-if of the analysis
/// (`Analysis.whatIf`) apply their changes with `SystemSnapshot.applying(_:)`.
///
/// - Growth (`pages > 0`) allocates round-robin over `nodes` from the first
///   (`alloc_pool_huge_folio` with `for_each_node_mask_to_alloc`): each node its share, the
///   first ones one more for the remainder. A node the pool has no figures for is added.
///   Every page is assumed allocated (the node's memory is not checked).
/// - Shrink (`pages < 0`) frees only free pages, and no more than
///   `free - reserved - surplus` of them (`set_max_huge_pages` stops at reserved and in-use
///   pages; the rest of the cut turns persistent pages into surplus, which changes no free
///   count), round-robin over those of `nodes` that still have a free page
///   (`remove_pool_hugetlb_folio`, `for_each_node_mask_to_free`).
///
/// The pool's total and free counters follow, and so do meminfo's `HugePages_Total`/`Free`
/// for the default size. A pool without per-node figures changes in its global counters
/// only.
public struct PoolDelta: Equatable, Sendable {
    public var pageSizeKB: Int
    /// Pages added (positive) or freed (negative).
    public var pages: Int
    /// The nodes in the kernel's order: one node for a per-node write
    /// (`nodeN/hugepages/.../nr_hugepages`), the nodes from the one the round-robin starts at
    /// for a global write. Empty: every node of the pool, in node order.
    public var nodes: [Int]

    public init(pageSizeKB: Int, pages: Int, nodes: [Int] = []) {
        self.pageSizeKB = pageSizeKB
        self.pages = pages
        self.nodes = nodes
    }

    /// `pages` more where `hugectl plan` and the hints put them: on the one of `nodes` with
    /// the most free memory (the lowest number among equals), or, when `nodes` is empty,
    /// spread over the pool's nodes as the kernel spreads a global pool.
    public static func growth(_ pages: Int, kB: Int, onOneOf nodes: [Int], in snapshot: SystemSnapshot) -> PoolDelta {
        PoolDelta(pageSizeKB: kB, pages: pages, nodes: mostFreeMemory(nodes, snapshot).map { [$0] } ?? [])
    }

    /// Of `nodes`, the one with the most free memory, then the lowest number; nil for none.
    public static func mostFreeMemory(_ nodes: [Int], _ snapshot: SystemSnapshot) -> Int? {
        let memFree = Dictionary(snapshot.nodes.map { ($0.node, $0.memFreeKB ?? 0) }, uniquingKeysWith: { a, _ in a })
        return nodes.max { (memFree[$0] ?? 0, -$0) < (memFree[$1] ?? 0, -$1) }
    }
}

extension SystemSnapshot {
    /// The snapshot as the kernel would leave it after `delta` (see `PoolDelta`); unchanged
    /// when it has no pool of the delta's size.
    public func applying(_ delta: PoolDelta) -> SystemSnapshot {
        var result = self
        guard delta.pages != 0, let index = result.pools.firstIndex(where: { $0.pageSizeKB == delta.pageSizeKB }) else {
            return result
        }
        var pool = result.pools[index]
        let order = delta.nodes.isEmpty ? pool.nodes.map(\.node) : delta.nodes
        if delta.pages > 0 {
            pool.grow(delta.pages, over: order)
        } else {
            let freeable = max(0, (pool.free ?? 0) - (pool.reserved ?? 0) - (pool.surplus ?? 0))
            pool.shrink(min(delta.pages == Int.min ? Int.max : -delta.pages, freeable), over: order)
        }
        result.pools[index] = pool
        if result.defaultPageSizeKB == delta.pageSizeKB {
            result.meminfo.total = pool.total
            result.meminfo.free = pool.free
        }
        return result
    }
}

extension HugePagePool {
    /// Adds `count` pages (negative: removes) to the share at `at` (nil: a new share of
    /// `node`) and to the pool's counters.
    fileprivate mutating func change(_ node: Int, at: Int?, by count: Int) {
        if let at {
            nodes[at].total = (nodes[at].total ?? 0).addingClamped(count)
            nodes[at].free = (nodes[at].free ?? 0).addingClamped(count)
        } else {
            nodes.append(NodePool(node: node, total: count, free: count, surplus: 0))
            nodes.sort { $0.node < $1.node }
        }
        total = (total ?? 0).addingClamped(count)
        free = (free ?? 0).addingClamped(count)
    }

    /// Where each node's share is (a pool of 2,000 nodes must not search them per page).
    fileprivate var positions: [Int: Int] {
        Dictionary(nodes.enumerated().map { ($1.node, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Round-robin over `order` in bulk (a hostile tree may name absurd page counts): each
    /// node its share, the first ones one more for the remainder.
    fileprivate mutating func grow(_ pages: Int, over order: [Int]) {
        guard !order.isEmpty else {
            total = (total ?? 0).addingClamped(pages)
            free = (free ?? 0).addingClamped(pages)
            return
        }
        var at = positions
        for (position, node) in order.enumerated() {
            let share = pages / order.count + (position < pages % order.count ? 1 : 0)
            guard share > 0 else { continue }
            let known = at[node]
            change(node, at: known, by: share)
            if known == nil { at = positions }
        }
    }

    /// Frees `pages` free pages round-robin over those of `order` that have one, in rounds:
    /// a huge count takes a few rounds, not one step per page.
    fileprivate mutating func shrink(_ pages: Int, over order: [Int]) {
        if order.isEmpty || nodes.isEmpty {
            let cut = min(pages, free ?? 0)
            total = (total ?? 0).addingClamped(-cut)
            free = (free ?? 0).addingClamped(-cut)
            return
        }
        let at = positions
        let present = order.compactMap { at[$0] }
        var left = pages
        while left > 0 {
            let active = present.filter { (nodes[$0].free ?? 0) > 0 }
            guard !active.isEmpty else { return }
            let rounds = min(active.map { nodes[$0].free ?? 0 }.min() ?? 0, left / active.count)
            if rounds > 0 {
                for index in active { change(nodes[index].node, at: index, by: -rounds) }
                left -= rounds * active.count
            } else {
                for index in active.prefix(left) { change(nodes[index].node, at: index, by: -1) }
                left = 0
            }
        }
    }
}
