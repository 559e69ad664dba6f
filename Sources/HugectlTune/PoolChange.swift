import HugectlCore

/// One sysfs write.
public struct SysfsWrite: Equatable, Sendable {
    public var path: String
    public var value: Int
    /// Made under an interleave memory policy over these nodes (`nr_hugepages_mempolicy`).
    public var interleave: [Int]?

    public init(path: String, value: Int, interleave: [Int]? = nil) {
        self.path = path
        self.value = value
        self.interleave = interleave
    }
}

/// A planned change of one pool: the writes, in order, what each scope had before and is
/// asked to have, and the one command that puts it all back.
public struct PoolChange: Equatable, Sendable {
    public enum Scope: Hashable, Sendable, Comparable {
        case global
        case node(Int)

        public var label: String {
            switch self {
            case .global: return "all"
            case .node(let n): return String(n)
            }
        }
    }

    public struct Target: Equatable, Sendable {
        public var scope: Scope
        public var before: Int
        public var asked: Int
    }

    public var pageSizeKB: Int
    public var targets: [Target]
    public var overcommit: (before: Int, asked: Int)?
    public var writes: [SysfsWrite]
    /// A `hugectl pool set` command restoring the state before the change.
    public var undo: String
    /// With `--policy-aware`: the nodes the kernel may allocate on or free from.
    public var interleave: [Int]?
    /// What the operator should know before the writes: a `--force` that goes on against a
    /// check, or a check that could not see everything. For standard error.
    public var warnings: [String] = []
    /// What the pool document says of the system read (docs/json.md, "The envelope"): set
    /// when planned against a snapshot.
    public var envelope: DocumentEnvelope?

    /// Some scope is asked for fewer pages than it has.
    public var shrinks: Bool { targets.contains { $0.asked < $0.before } }

    public static func == (lhs: PoolChange, rhs: PoolChange) -> Bool {
        lhs.pageSizeKB == rhs.pageSizeKB && lhs.targets == rhs.targets && lhs.writes == rhs.writes
            && lhs.undo == rhs.undo && lhs.overcommit?.before == rhs.overcommit?.before
            && lhs.overcommit?.asked == rhs.overcommit?.asked && lhs.interleave == rhs.interleave
            && lhs.warnings == rhs.warnings
    }

    /// Why a change is refused without `--force`.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Plans `request` against the pool as it is now.
    ///
    /// Shrinking below the pages in use or reserved frees nothing the kernel cannot free: such
    /// pages become surplus (`set_max_huge_pages` converts them, `adjust_pool_surplus`) and
    /// stay until released, so it is refused without `force`, with that explanation.
    public static func plan(_ request: PoolRequest, pool: HugePagePool, nodesWithMemory: [Int],
                            force: Bool) throws(Refusal) -> PoolChange {
        let size = PageSize.format(kB: request.pageSizeKB)
        var targets: [Target] = []
        var writes: [SysfsWrite] = []
        func nodeTotal(_ node: Int) -> Int { pool.nodes.first { $0.node == node }?.total ?? 0 }
        func asked(_ before: Int, _ count: PoolRequest.Count) -> Int {
            switch count {
            case .absolute(let pages): return pages
            case .relative(let delta): return max(0, before.addingClamped(delta))
            case .perNode: return before
            }
        }
        if let count = request.count {
            if case .perNode(let perNode) = count {
                for node in perNode.keys.sorted() {
                    guard nodesWithMemory.contains(node) else {
                        throw Refusal(message: "node \(node) has no memory for huge pages (nodes with memory: \(NodeList.format(nodesWithMemory)))")
                    }
                    targets.append(Target(scope: .node(node), before: nodeTotal(node), asked: perNode[node] ?? 0))
                }
            } else if request.nodes.isEmpty {
                targets.append(Target(scope: .global, before: pool.total ?? 0, asked: asked(pool.total ?? 0, count)))
            } else {
                for node in request.nodes {
                    guard nodesWithMemory.contains(node) else {
                        throw Refusal(message: "node \(node) has no memory for huge pages (nodes with memory: \(NodeList.format(nodesWithMemory)))")
                    }
                    targets.append(Target(scope: .node(node), before: nodeTotal(node), asked: asked(nodeTotal(node), count)))
                }
            }
        }
        for target in targets {
            let interleave = target.scope == .global ? request.interleave : nil
            writes.append(SysfsWrite(path: countPath(target.scope, request), value: target.asked, interleave: interleave))
        }
        var overcommit: (Int, Int)?
        if let asked = request.overcommit {
            guard !pool.isGigantic else {
                throw Refusal(message: "\(size) pages are gigantic: the kernel never overcommits them (nr_overcommit_hugepages is refused)")
            }
            overcommit = (pool.overcommit ?? 0, asked)
            writes.append(SysfsWrite(path: overcommitPath(request), value: asked))
        }

        if !force {
            let inUse = pool.inUse ?? 0
            let reserved = pool.reserved ?? 0
            var after = pool.total ?? 0
            for target in targets {
                switch target.scope {
                case .global: after = target.asked
                case .node: after = after.addingClamped(target.asked - target.before)
                }
                if case .node(let n) = target.scope, let share = pool.nodes.first(where: { $0.node == n }),
                   let total = share.total, let free = share.free, target.asked < total - free {
                    throw Refusal(message: "node \(n) has " + Finding.pages(total - free, size) + " in use; shrinking it to \(target.asked) "
                        + "would not free them: they would become surplus pages until released. Use --force to do it anyway")
                }
            }
            if after < inUse.addingClamped(reserved) {
                throw Refusal(message: Finding.pages(inUse, size) + " in use and \(reserved) reserved; a pool of \(after) cannot hold them: "
                    + "the kernel keeps them as surplus pages instead of freeing them. Use --force to do it anyway")
            }
        }

        // The undo command names every scope it changes with its old value: its persistent
        // pages. Surplus pages in use (a pool shrunk below its use) are not part of it: a
        // write of the count converts them to persistent pages, so undo writes the count
        // without them, with --force, and the kernel makes the pages in use surplus again.
        var undo = "hugectl pool set \(size)"
        var undoShrinks = false
        func persistent(_ total: Int, _ surplus: Int?, free: Int?) -> Int {
            let extra = min(max(0, surplus ?? 0), total)
            // Below the pages in use (more surplus than free pages): refused without --force.
            if extra > (free ?? 0) { undoShrinks = true }
            return total - extra
        }
        if targets.contains(where: { if case .node = $0.scope { return true } else { return false } }) {
            undo += " " + targets.map { target in
                var before = target.before
                if case .node(let n) = target.scope, let share = pool.nodes.first(where: { $0.node == n }) {
                    before = persistent(before, share.surplus, free: share.free)
                }
                return "\(target.scope.label):\(before)"
            }.joined(separator: ",")
        } else if let global = targets.first {
            // A global write spreads pages the kernel's way: undo puts back each node's count.
            let shares = pool.nodes.compactMap { share in
                share.total.map { "\(share.node):\(persistent($0, share.surplus, free: share.free))" }
            }
            undo += shares.isEmpty || shares.count != pool.nodes.count
                ? " \(persistent(global.before, pool.surplus, free: pool.free))" : " " + shares.joined(separator: ",")
        }
        if let overcommit { undo += " --overcommit \(overcommit.0)" }
        if undoShrinks { undo += " --force" }
        if targets.isEmpty && overcommit == nil { undo = "" }
        return PoolChange(pageSizeKB: request.pageSizeKB, targets: targets, overcommit: overcommit, writes: writes, undo: undo,
                          interleave: request.interleave)
    }

    /// The file a count for `scope` is written to: `nr_hugepages` of the pool or the node,
    /// or the pool's `nr_hugepages_mempolicy` with `--policy-aware`.
    static func countPath(_ scope: Scope, _ request: PoolRequest) -> String {
        switch scope {
        case .global:
            return KernelPath.pool(kB: request.pageSizeKB, request.interleave == nil ? .total : .mempolicyTotal)
        case .node(let n):
            return KernelPath.nodePool(n, kB: request.pageSizeKB, .total)
        }
    }

    static func overcommitPath(_ request: PoolRequest) -> String {
        KernelPath.pool(kB: request.pageSizeKB, .overcommit)
    }

    /// Every file `request` may write, in the order the writes are made; known before the
    /// pool is read (for the privilege check, made before the lock is taken).
    public static func paths(of request: PoolRequest) -> [String] {
        var scopes: [Scope] = []
        switch request.count {
        case .perNode(let perNode)?: scopes = perNode.keys.sorted().map(Scope.node)
        case .some where !request.nodes.isEmpty: scopes = request.nodes.map(Scope.node)
        case .some: scopes = [.global]
        case nil: break
        }
        return scopes.map { countPath($0, request) } + (request.overcommit == nil ? [] : [overcommitPath(request)])
    }
}
