import HugectlCore

/// A shrink checked against what the mappings are owed, node by node.
///
/// The kernel keeps reserved pages only globally: shrinking frees free pages down to
/// `reserved + in use` (`set_max_huge_pages`), whichever nodes they are on. A per-node write
/// frees that node's free pages, and a global one frees them round-robin over the nodes
/// (`remove_pool_hugetlb_folio`, `for_each_node_mask_to_free`). So a shrink the global counters
/// allow can take from a node the very pages that mappings bound to it are owed, and their
/// faults then fail with SIGBUS. This works out the pools as the kernel would leave them
/// (`PoolDelta`), runs the analysis on them (`Analysis.whatIf`), and names every reservation
/// shortfall the change creates or worsens.
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
        losses(change, in: AnalysisContext(snapshot: snapshot))
    }

    /// `losses` over an analysed snapshot: each start is one `Analysis.whatIf`.
    public static func losses(_ change: PoolChange, in context: AnalysisContext) -> [Loss] {
        guard change.shrinks, let pool = context.snapshot.pool(kB: change.pageSizeKB) else { return [] }
        let now = shortfalls(in: context, kB: change.pageSizeKB)
        let global = change.targets.contains { $0.scope == .global }
        let starts = global ? Array(pool.nodes.indices) : [0]
        var worst: [Loss] = []
        for start in starts.isEmpty ? [0] : starts {
            let after = shortfalls(in: Analysis.whatIf(context, deltas(change, to: context.snapshot, startingAt: start)),
                                   kB: change.pageSizeKB)
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
        shortfalls(in: AnalysisContext(snapshot: snapshot), kB: kB)
    }

    static func shortfalls(in context: AnalysisContext, kB: Int) -> [Key: Finding] {
        var result: [Key: Finding] = [:]
        for finding in Analysis.findingsWithoutFixHints(in: context) where finding.pageSizeKB == kB && ids.contains(finding.id) {
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
    /// growth is allocated in full (`deltas`, `SystemSnapshot.applying(_:)`).
    public static func applied(_ change: PoolChange, to snapshot: SystemSnapshot, startingAt start: Int = 0) -> SystemSnapshot {
        deltas(change, to: snapshot, startingAt: start).reduce(snapshot) { $0.applying($1) }
    }

    /// The writes of `change` as pool deltas, in order, each against the pool the ones before
    /// it leave: a node write changes that node; a global one grows or frees round-robin
    /// from the `start`-th node (over the `--interleave` nodes with `--policy-aware`).
    /// Shrinking frees only free pages, no more than `free - reserved - surplus` of them
    /// (`PoolDelta`).
    static func deltas(_ change: PoolChange, to snapshot: SystemSnapshot, startingAt start: Int) -> [PoolDelta] {
        var result = snapshot
        var deltas: [PoolDelta] = []
        for target in change.targets {
            guard let pool = result.pool(kB: change.pageSizeKB) else { break }
            var order: [Int]
            switch target.scope {
            case .node(let n):
                // A node the pool has no figures for is not written.
                if !pool.nodes.isEmpty && !pool.nodes.contains(where: { $0.node == n }) { continue }
                order = [n]
            case .global:
                order = pool.nodes.map(\.node)
                if let interleave = change.interleave { order = order.filter(interleave.contains) }
                // An interleave over none of the pool's nodes changes no node.
                if order.isEmpty && !pool.nodes.isEmpty { continue }
                if !order.isEmpty {
                    let first = start % order.count
                    order = Array(order[first...] + order[..<first])
                }
            }
            let before = target.scope == .global ? (pool.total ?? 0) : (pool.nodes.first { $0.node == order.first }?.total ?? 0)
            // A pool without node figures changes in its global counters only.
            let delta = PoolDelta(pageSizeKB: change.pageSizeKB, pages: target.asked - before,
                                  nodes: pool.nodes.isEmpty ? [] : order)
            deltas.append(delta)
            result = result.applying(delta)
        }
        return deltas
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
        let context = AnalysisContext(snapshot: snapshot)
        let losses = OwedPagesCheck.losses(change, in: context)
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
        let ledger = context.ledgers.first { $0.pageSizeKB == request.pageSizeKB }
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
