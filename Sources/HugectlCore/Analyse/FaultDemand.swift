/// Pages that will be faulted later, and the NUMA nodes those faults may take them from.
///
/// At fault time `dequeue_hugetlb_folio_vma` asks `huge_node()` for the policy's first node
/// and node mask: `MPOL_BIND` gives a mask the allocation cannot leave; preferred,
/// preferred-many, interleave, weighted interleave, local and default give a first node and
/// fall back to every other node (observed in the 2-node guest: docs/vm-scenarios.md). The
/// cpuset's `mems_allowed` is a hard wall for hugetlb (`htlb_alloc_mask` includes
/// `__GFP_HARDWALL`, checked by `cpuset_zone_allowed`), and only nodes with memory hold pages.
public struct FaultDemand: Equatable, Sendable {
    public var pageSizeKB: Int
    public var pages: Int
    /// The nodes the faults may use, for the most permissive mapper (for a shared object, any
    /// mapper may fault a page first).
    public var allowed: Set<Int>
    /// The nodes of the most restrictive mapper, which may be the one to fault every page.
    public var worstAllowed: Set<Int>
    /// Where faults that may fall back take pages first: the policy's nodes, or for local and
    /// default policies the nodes of the CPUs the task may run on.
    public var firstChoice: Set<Int>
    /// Faults cannot leave `allowed` (a bind policy or a cpuset narrower than the system).
    public var strict: Bool
    public var pids: [Int]
    /// The mappings behind the demand (every mapper of a shared object).
    public var vmas: [Finding.VMA]
    /// Interleaved demands whose owed pages are known (every page of the mapping): how many
    /// of them start at each node (`InterleavePlacement`); each falls back from its own node.
    /// Nil when every fault starts at `firstChoice` as a whole.
    public var firstChoicePages: [Int: Int]? = nil
}

/// The node facts the demand rules need.
public struct NodeFacts: Sendable {
    /// Nodes with memory (they may hold huge pages).
    public var withMemory: Set<Int>
    /// Node of each CPU, from the nodes' cpulists.
    public var nodeOfCPU: [Int: Int]
    /// Weighted interleave weights of the nodes whose weight could be read.
    public var interleaveWeights: [Int: Int]
    /// The kernel drops a bind mask outside the faulting task's mems (6.7 on); nil: unknown.
    public var bindIgnoredOutsideMems: Bool?

    public init(_ snapshot: SystemSnapshot) {
        var memory = Set(snapshot.nodes.filter(\.hasMemory).map(\.node))
        if memory.isEmpty { memory = [0] }  // no NUMA in sysfs: one node
        withMemory = memory
        var cpus: [Int: Int] = [:]
        var weights: [Int: Int] = [:]
        for node in snapshot.nodes {
            for cpu in node.cpus ?? [] { cpus[cpu] = node.node }
            weights[node.node] = node.interleaveWeight
        }
        nodeOfCPU = cpus
        interleaveWeights = weights
        bindIgnoredOutsideMems = InterleavePlacement.ignoresBindOutsideMems(release: snapshot.kernelRelease)
    }

    /// The nodes a fault of `process` under `policy` may take pages from, whether the faults
    /// are confined to them, and the nodes of the least lenient reading (`worst`: they differ
    /// only where the kernel's rule is not known).
    func allowed(_ process: HugetlbProcess, _ policy: MemoryPolicy?) -> (nodes: Set<Int>, strict: Bool, worst: Set<Int>) {
        var base = withMemory
        if let mems = process.memsAllowed { base.formIntersection(mems) }
        let cpusetNarrower = base != withMemory
        if let policy, policy.mode == .bind {
            let bound = base.intersection(policy.nodes)
            // A bind mask that misses the task's mems (`policy_nodemask` from 6.7).
            if let mems = process.memsAllowed, Set(mems).isDisjoint(with: policy.nodes) {
                switch bindIgnoredOutsideMems {
                case true?: return (base, cpusetNarrower, base)
                case false?: return (bound, true, bound)
                case nil: return (base, false, bound)
                }
            }
            return (bound, true, bound)
        }
        return (base, cpusetNarrower, base)
    }

    func firstChoice(_ process: HugetlbProcess, _ policy: MemoryPolicy?, allowed: Set<Int>) -> Set<Int> {
        var first: Set<Int>
        switch policy?.mode {
        case .bind where !allowed.isDisjoint(with: policy?.nodes ?? []): first = allowed
        case .bind: first = Set((process.cpusAllowed ?? []).compactMap { nodeOfCPU[$0] })
        case .preferred, .preferredMany, .interleave, .weightedInterleave:
            first = Set(policy?.nodes ?? [])
        case .default, .local, .none:
            first = Set((process.cpusAllowed ?? []).compactMap { nodeOfCPU[$0] })
        }
        first.formIntersection(allowed)
        return first.isEmpty ? allowed : first
    }
}

public enum FaultDemands {
    /// Pages still owed to mappings (`reserved_pending`), by page size. A shared object's
    /// owed pages are one demand whatever the number of its mappers.
    public static func reserved(_ input: AnalysisInput) -> [FaultDemand] {
        let facts = NodeFacts(input.snapshot)
        var mappersOf: [ObjectID: [(HugetlbProcess, HugetlbMapping)]] = [:]
        for process in input.consumers.processes {
            for mapping in process.mappings where mapping.kind.isShared {
                mappersOf[mapping.object, default: []].append((process, mapping))
            }
        }
        let supply = freePagesByNode(input.snapshot)
        var demands: [FaultDemand] = []
        var memo = Memo()
        for process in input.consumers.processes {
            for mapping in process.mappings where mapping.reservedPending > 0 {
                let mappers = mapping.kind.isShared ? (mappersOf[mapping.object] ?? [(process, mapping)]) : [(process, mapping)]
                demands.append(demand(for: mappers, pages: mapping.reservedPending, facts: facts,
                                      supply: supply[mapping.pageSizeKB] ?? [:], memo: &memo))
            }
        }
        return demands
    }

    /// Pages that will be faulted with no reservation behind them, by page size:
    /// - `noreserve`: the pages of MAP_NORESERVE mappings not faulted yet, a shared object's
    ///   once for all its NORESERVE mappers (its pages not in its page cache), any of which may
    ///   fault them; SysV segments are left out;
    /// - `inherited`: a fork child's copy of its parent's private mapping, its whole length:
    ///   each page the child writes needs a copy of its own, and each page parent and child
    ///   share needs one when the parent writes it (the parent's copy-on-write of a page a child
    ///   still maps takes an unreserved page too: `hugetlb_wp`, `outside_reserve`).
    public static func unreserved(_ input: AnalysisInput) -> (noreserve: [FaultDemand], inherited: [FaultDemand]) {
        let facts = NodeFacts(input.snapshot)
        let supply = freePagesByNode(input.snapshot)
        var memo = Memo()
        var noreserve: [FaultDemand] = []
        var inherited: [FaultDemand] = []
        var sharedMappers: [ObjectID: [(HugetlbProcess, HugetlbMapping)]] = [:]
        var sharedOrder: [ObjectID] = []
        for process in input.consumers.processes {
            for mapping in process.mappings {
                let sizeSupply = supply[mapping.pageSizeKB] ?? [:]
                if mapping.inherited {
                    inherited.append(demand(for: [(process, mapping)], pages: mapping.pages, facts: facts,
                                            supply: sizeSupply, memo: &memo))
                } else if mapping.noreserve && mapping.kind != .sysvShm {
                    if mapping.kind.isShared {
                        if sharedMappers[mapping.object] == nil { sharedOrder.append(mapping.object) }
                        sharedMappers[mapping.object, default: []].append((process, mapping))
                    } else {
                        noreserve.append(demand(for: [(process, mapping)], pages: max(0, mapping.pages - mapping.faultedPages),
                                                facts: facts, supply: sizeSupply, memo: &memo))
                    }
                }
            }
        }
        for object in sharedOrder {
            guard let mappers = sharedMappers[object], let first = mappers.first?.1 else { continue }
            let instantiated = input.consumers.objects[object]?.instantiated ?? mappers.map(\.1.faultedPages).max() ?? 0
            let pages = max(0, (mappers.map(\.1.pages).max() ?? 0) - max(0, instantiated))
            noreserve.append(demand(for: mappers, pages: pages, facts: facts,
                                    supply: supply[first.pageSizeKB] ?? [:], memo: &memo))
        }
        return (noreserve.filter { $0.pages > 0 }, inherited.filter { $0.pages > 0 })
    }

    /// Thousands of mappings share a few (cpuset, CPUs, policy) combinations: their node sets
    /// are worked out once.
    struct Memo {
        struct Key: Hashable {
            var mems: [Int]?
            var cpus: [Int]?
            var policy: String?
        }
        var answers: [Key: (allowed: Set<Int>, strict: Bool, first: Set<Int>, worst: Set<Int>)] = [:]
    }

    /// One demand from all the mappers that may fault its pages.
    static func demand(for mappers: [(HugetlbProcess, HugetlbMapping)], pages: Int, facts: NodeFacts,
                       supply: [Int: Int], memo: inout Memo) -> FaultDemand {
        func answer(_ process: HugetlbProcess, _ mapping: HugetlbMapping) -> (allowed: Set<Int>, strict: Bool, first: Set<Int>, worst: Set<Int>) {
            let key = Memo.Key(mems: process.memsAllowed, cpus: process.cpusAllowed, policy: mapping.policy?.text)
            if let known = memo.answers[key] { return known }
            let (nodes, isStrict, worst) = facts.allowed(process, mapping.policy)
            let answer = (nodes, isStrict, facts.firstChoice(process, mapping.policy, allowed: nodes), worst)
            memo.answers[key] = answer
            return answer
        }
        // Most demands have one mapper: its node sets as they are, without building unions
        // of 64-node sets for each of thousands of mappings.
        if mappers.count == 1, let (process, mapping) = mappers.first {
            let one = answer(process, mapping)
            return FaultDemand(pageSizeKB: mapping.pageSizeKB, pages: pages, allowed: one.allowed, worstAllowed: one.worst,
                               firstChoice: one.first, strict: one.strict, pids: [process.pid],
                               vmas: [Finding.VMA(pid: process.pid, start: mapping.start)],
                               firstChoicePages: facts.firstChoicePages(mapping, owed: pages))
        }
        var allowed = Set<Int>()
        var first = Set<Int>()
        var worst: Set<Int>?
        var strict = true
        var sets: Set<Set<Int>> = []
        for (process, mapping) in mappers {
            let answer = answer(process, mapping)
            allowed.formUnion(answer.allowed)
            sets.insert(answer.allowed)
            strict = strict && answer.strict
            first.formUnion(answer.first)
            let nodes = answer.worst
            let pagesThere = nodes.reduce(0) { $0 + (supply[$1] ?? 0) }
            if worst == nil || pagesThere < (worst ?? []).reduce(0, { $0 + (supply[$1] ?? 0) }) { worst = nodes }
        }
        // Strict only when every mapper is strict the same way; otherwise whoever faults first
        // decides, and the order is not known.
        strict = strict && sets.count == 1
        let first0 = mappers[0].1
        return FaultDemand(
            pageSizeKB: first0.pageSizeKB, pages: pages, allowed: allowed, worstAllowed: worst ?? allowed,
            firstChoice: first, strict: strict,
            pids: Array(Set(mappers.map { $0.0.pid })).sorted(),
            vmas: mappers.map { Finding.VMA(pid: $0.0.pid, start: $0.1.start) })
    }

    /// Demands grouped by node set for the solver (thousands of mappings share a handful of
    /// sets), with the indexes of each group's demands.
    static func grouped(_ demands: [FaultDemand]) -> (groups: [Feasibility.Group], members: [[Int]]) {
        var setIndex: [Set<Int>: Int] = [:]
        var groups: [Feasibility.Group] = []
        var members: [[Int]] = []
        for (index, demand) in demands.enumerated() {
            if let at = setIndex[demand.allowed] {
                groups[at].demand = groups[at].demand.addingClamped(demand.pages)
                members[at].append(index)
            } else {
                setIndex[demand.allowed] = groups.count
                groups.append(Feasibility.Group(nodes: demand.allowed, demand: demand.pages))
                members.append([index])
            }
        }
        return (groups, members)
    }

    /// Free pages per node, by page size (free includes reserved pages). Without per-node
    /// figures the whole pool counts as node 0.
    public static func freePagesByNode(_ snapshot: SystemSnapshot) -> [Int: [Int: Int]] {
        var result: [Int: [Int: Int]] = [:]
        for pool in snapshot.pools {
            var byNode: [Int: Int] = [:]
            for share in pool.nodes { byNode[share.node] = share.free ?? 0 }
            if pool.nodes.isEmpty { byNode[0] = pool.free ?? 0 }
            result[pool.pageSizeKB] = byNode
        }
        return result
    }
}
