import HugectlCore

/// A shrink checked against what the mappings are owed, node by node.
///
/// The kernel keeps reserved pages only globally: shrinking frees free pages down to
/// `reserved + in use` (`set_max_huge_pages`), whichever nodes they are on. A per-node write
/// frees that node's free pages, and a global one frees them round-robin over the nodes
/// (`remove_pool_hugetlb_folio`, `for_each_node_mask_to_free`). So a shrink the global counters
/// allow can take from a node the very pages that mappings bound to it are owed, and their
/// faults then fail with SIGBUS. This works out the pools as the kernel would leave them,
/// runs the analysis on them, and names every reservation shortfall the change creates or
/// worsens.
public enum OwedPagesCheck {
    /// The findings a shrink can make worse.
    public static let ids: [String] = [
        ReservationShortfall.certainID, ReservationShortfall.possibleID, ReservationShortfall.rescueID,
    ]

    /// A reservation shortfall finding the change creates or worsens.
    public struct Loss: Equatable, Sendable {
        public var id: String
        public var pageSizeKB: Int
        public var nodes: [Int]
        /// The finding's pages now (0 when there is none) and after the change.
        public var before: Int
        public var after: Int
        public var pids: [Int]

        public var description: String {
            let size = PageSize.format(kB: pageSizeKB)
            let node = "node\(nodes.count == 1 ? "" : "s") \(NodeList.format(nodes))"
            let more = before == 0 ? "none now" : "\(after - before) more than now"
            let who = pids.isEmpty ? "" : ", PID\(pids.count == 1 ? "" : "s") \(pids.map(String.init).joined(separator: ","))"
            switch id {
            case ReservationShortfall.certainID:
                return "\(node): " + Finding.pages(after, "owed \(size)") + " could not be served (\(more)\(who)): "
                    + "their faults would fail with SIGBUS (\(id))"
            case ReservationShortfall.possibleID:
                return "\(node): up to " + Finding.pages(after, "owed \(size)")
                    + " could fail, depending on which task faults first (\(more)\(who)) (\(id))"
            default:
                return "\(node): " + Finding.pages(after, "owed \(size)")
                    + " could be served only by new surplus pages (\(more)\(who)) (\(id))"
            }
        }
    }

    /// The losses of `change` applied to `snapshot`. For a global change on several nodes
    /// the kernel's round-robin may start on any node: the worst start counts.
    public static func losses(_ change: PoolChange, in snapshot: SystemSnapshot) -> [Loss] {
        guard change.shrinks, let pool = snapshot.pool(kB: change.pageSizeKB) else { return [] }
        let now = shortfalls(in: snapshot, kB: change.pageSizeKB)
        let global = change.targets.contains { $0.scope == .global }
        let starts = global ? Array(pool.nodes.indices) : [0]
        var worst: [Loss] = []
        for start in starts.isEmpty ? [0] : starts {
            let after = shortfalls(in: applied(change, to: snapshot, startingAt: start), kB: change.pageSizeKB)
            var losses: [Loss] = []
            for (key, finding) in after.sorted(by: { $0.key.precedes($1.key) }) {
                let old = now[key]?.pages ?? 0
                guard finding.pages > old else { continue }
                losses.append(Loss(id: key.id, pageSizeKB: change.pageSizeKB, nodes: key.nodes, before: old,
                                   after: finding.pages, pids: finding.pids))
            }
            let total = { (list: [Loss]) in list.reduce(0) { $0.addingClamped($1.after - $1.before) } }
            if total(losses) > total(worst) { worst = losses }
        }
        return worst
    }

    struct Key: Hashable {
        var id: String
        var nodes: [Int]

        /// The order of `ids`, then by nodes.
        func precedes(_ other: Key) -> Bool {
            let mine = OwedPagesCheck.ids.firstIndex(of: id) ?? 0, theirs = OwedPagesCheck.ids.firstIndex(of: other.id) ?? 0
            if mine != theirs { return mine < theirs }
            return nodes.lexicographicallyPrecedes(other.nodes)
        }
    }

    static func shortfalls(in snapshot: SystemSnapshot, kB: Int) -> [Key: Finding] {
        var result: [Key: Finding] = [:]
        for finding in Analysis.findingsWithoutFixHints(for: snapshot) where finding.pageSizeKB == kB && ids.contains(finding.id) {
            let key = Key(id: finding.id, nodes: finding.nodes)
            if var known = result[key] {
                known.pages = known.pages.addingClamped(finding.pages)
                known.pids = Array(Set(known.pids + finding.pids)).sorted()
                result[key] = known
            } else {
                result[key] = finding
            }
        }
        return result
    }

    /// `snapshot` as the kernel would leave it after the writes of `change`, assuming every
    /// growth is allocated in full. Shrinking frees only free pages, and no more than
    /// `free - reserved - surplus` of them: the rest of the cut becomes surplus, which changes
    /// no free count. A global change frees (or allocates) round-robin from the
    /// `start`-th node (over the `--interleave` nodes with `--policy-aware`).
    public static func applied(_ change: PoolChange, to snapshot: SystemSnapshot, startingAt start: Int = 0) -> SystemSnapshot {
        var result = snapshot
        guard let index = result.pools.firstIndex(where: { $0.pageSizeKB == change.pageSizeKB }) else { return result }
        var pool = result.pools[index]
        for target in change.targets {
            var order: [Int]
            switch target.scope {
            case .node(let n):
                order = [n]
            case .global:
                order = pool.nodes.map(\.node)
                if let interleave = change.interleave { order = order.filter(interleave.contains) }
                if !order.isEmpty {
                    let first = start % order.count
                    order = Array(order[first...] + order[..<first])
                }
            }
            let before = target.scope == .global ? (pool.total ?? 0) : (pool.nodes.first { $0.node == order.first }?.total ?? 0)
            if target.asked >= before {
                spread(target.asked - before, over: order, in: &pool, sign: 1)
            } else {
                let freeable = max(0, (pool.free ?? 0) - (pool.reserved ?? 0) - (pool.surplus ?? 0))
                spread(min(before - target.asked, freeable), over: order, in: &pool, sign: -1)
            }
        }
        result.pools[index] = pool
        if result.defaultPageSizeKB == change.pageSizeKB {
            result.meminfo.total = pool.total
            result.meminfo.free = pool.free
        }
        return result
    }

    /// Adds (`sign` 1) or frees (`sign` -1) `pages` one node at a time in `order`, as the
    /// kernel's round-robin does; freeing skips nodes without free pages. In bulk: a hostile
    /// or huge count takes a few rounds, not one step per page.
    static func spread(_ pages: Int, over order: [Int], in pool: inout HugePagePool, sign: Int) {
        var left = pages
        func position(_ node: Int) -> Int? { pool.nodes.firstIndex { $0.node == node } }
        func change(_ node: Int, by count: Int) {
            guard let at = position(node) else { return }
            let delta = sign > 0 ? count : -count
            pool.nodes[at].total = (pool.nodes[at].total ?? 0).addingClamped(delta)
            pool.nodes[at].free = (pool.nodes[at].free ?? 0).addingClamped(delta)
            pool.total = (pool.total ?? 0).addingClamped(delta)
            pool.free = (pool.free ?? 0).addingClamped(delta)
        }
        if order.isEmpty || pool.nodes.isEmpty {
            // No node files: the pool alone.
            let delta = sign > 0 ? left : -min(left, pool.free ?? 0)
            pool.total = (pool.total ?? 0).addingClamped(delta)
            pool.free = (pool.free ?? 0).addingClamped(delta)
            return
        }
        while left > 0 {
            let active = sign > 0 ? order.filter { position($0) != nil }
                : order.filter { node in position(node).map { (pool.nodes[$0].free ?? 0) > 0 } ?? false }
            guard !active.isEmpty else { return }
            let fullest = sign > 0 ? Int.max : active.compactMap { position($0).map { pool.nodes[$0].free ?? 0 } }.min() ?? 0
            let rounds = min(fullest, left / active.count)
            if rounds > 0 {
                for node in active { change(node, by: rounds) }
                left -= rounds * active.count
            } else {
                for node in active.prefix(left) { change(node, by: 1) }
                left = 0
            }
        }
    }
}

extension PoolChange {
    /// Plans `request` against the pool of `snapshot`, as `plan(_:pool:nodesWithMemory:force:)`
    /// does; when the change shrinks a scope and `snapshot` has the process scan, it is also
    /// refused (without `force`) if the pools it leaves could not serve pages mappings are
    /// owed that the pools now can (`OwedPagesCheck`). With `force` it goes on, and says so in
    /// `warnings`.
    public static func plan(_ request: PoolRequest, snapshot: SystemSnapshot, force: Bool) throws(Refusal) -> PoolChange {
        let size = PageSize.format(kB: request.pageSizeKB)
        guard let pool = snapshot.pool(kB: request.pageSizeKB) else {
            throw Refusal(message: "this system has no \(size) pool")
        }
        let withMemory = snapshot.nodes.filter(\.hasMemory).map(\.node)
        var change = try plan(request, pool: pool, nodesWithMemory: withMemory.isEmpty ? [0] : withMemory, force: force)
        change.envelope = DocumentEnvelope(snapshot)
        guard change.shrinks, snapshot.consumers.scan.attempted else { return change }
        let losses = OwedPagesCheck.losses(change, in: snapshot)
        if !losses.isEmpty {
            var what = change.targets.filter { $0.asked < $0.before }.map { target in
                target.scope == .global ? "the \(size) pool to \(target.asked)" : "node \(target.scope.label)'s \(size) pool to \(target.asked)"
            }.joined(separator: " and ")
            if change.targets.contains(where: { $0.scope == .global }) && pool.nodes.count > 1 {
                what += " (the kernel chooses the nodes it frees pages on; this is the worst of its choices)"
            }
            let text = "shrinking \(what) takes pages that mappings are owed: " + losses.map(\.description).joined(separator: "; ")
            guard force else { throw Refusal(message: text + ". Use --force to do it anyway") }
            change.warnings.append("--force: going on although " + text)
        }
        // Processes the scan could not read matter only if they may hold reservations: when
        // every reserved page of the size is attributed to what was read, they owe nothing.
        let scan = snapshot.consumers.scan
        let ledger = AnalysisInput(snapshot: snapshot).ledgers.first { $0.pageSizeKB == request.pageSizeKB }
        let unexplained = ledger?.unattributed
        if let first = scan.unreadable.first, (unexplained ?? 1) > 0 {
            let pids = Set(scan.unreadable.map(\.pid)).count
            change.warnings.append("\(pids) process\(pids == 1 ? "" : "es") could not be read (e.g. \(first.path): \(first.reason)) "
                + "and " + (unexplained.map { Finding.pages($0, "reserved \(size)") } ?? "reserved \(size) pages")
                + " may be held by them: the nodes those are owed on were not checked against this shrink")
        }
        return change
    }
}
