/// Pages that will be faulted later, and the NUMA nodes those faults may take them from.
///
/// At fault time `dequeue_hugetlb_folio_vma` asks `huge_node()` for the policy's first node
/// and node mask: `MPOL_BIND` gives a mask the allocation cannot leave; preferred,
/// preferred-many, interleave, weighted interleave, local and default give a first node and
/// fall back to every other node (observed in the 2-node guest: docs/vm-scenarios.md). The
/// cpuset's `mems_allowed` is a hard wall for hugetlb (`htlb_alloc_mask` includes
/// `__GFP_HARDWALL`, checked by `cpuset_zone_allowed`), and only nodes with memory hold pages.
///
/// Who faults: the policy is the faulting thread's (`get_vma_policy` falls back to
/// `get_task_policy(current)` when the VMA has none), and so is the cpuset, so each thread of a
/// mapper whose task policy or cpuset differs is one more actor (`HugetlbProcess.threads`).
/// Which page: a VMA split by `mbind` faults each page under the VMA that covers it
/// (`vma_policy` per VMA, `huge_node`), so a shared object's pages are demanded per page range
/// of the object, each range with the actors whose VMAs cover it.
public struct FaultDemand: Equatable, Sendable {
    public var pageSizeKB: Int
    public var pages: Int
    /// The object's page indexes the demand is for (shared objects), when known.
    public var objectPages: Range<Int>? = nil
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
    /// The owed pages are an estimate (`OwedEstimate`): they may fail, never certainly.
    public var estimated = false
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

    /// The nodes a fault of a task with cpuset `mems` under `policy` may take pages from, and
    /// whether the faults are confined to them.
    /// `worst` is the nodes of the least lenient reading: they differ from `nodes` only where
    /// the kernel's rule is not known (a bind mask outside the mems on an unknown release).
    func allowed(mems: [Int]?, _ policy: MemoryPolicy?) -> (nodes: Set<Int>, strict: Bool, worst: Set<Int>) {
        var base = withMemory
        if let mems { base.formIntersection(mems) }
        let cpusetNarrower = base != withMemory
        if let policy, policy.mode == .bind {
            let bound = base.intersection(policy.nodes)
            // A bind mask that misses the task's mems (`policy_nodemask` from 6.7).
            if let mems, Set(mems).isDisjoint(with: policy.nodes) {
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

    func firstChoice(cpus: [Int]?, _ policy: MemoryPolicy?, allowed: Set<Int>) -> Set<Int> {
        var first: Set<Int>
        switch policy?.mode {
        case .bind where !allowed.isDisjoint(with: policy?.nodes ?? []): first = allowed
        case .bind: first = Set((cpus ?? []).compactMap { nodeOfCPU[$0] })
        case .preferred, .preferredMany, .interleave, .weightedInterleave:
            first = Set(policy?.nodes ?? [])
        case .default, .local, .none:
            first = Set((cpus ?? []).compactMap { nodeOfCPU[$0] })
        }
        first.formIntersection(allowed)
        return first.isEmpty ? allowed : first
    }
}

public enum FaultDemands {
    /// Pages still owed to mappings (`reserved_pending`), by page size. A shared object's
    /// owed pages are demanded once whatever the number of its mappers, per page range of the
    /// object that one set of mappers' VMAs covers (`segmentedDemands`).
    public static func reserved(_ input: AnalysisInput) -> [FaultDemand] {
        let facts = NodeFacts(input.snapshot)
        // The mappers of the shared objects still owed pages only (most objects owe none:
        // thousands of faulted one-page files must not each get a list).
        var owing: Set<ObjectID> = []
        for process in input.consumers.processes {
            for mapping in process.mappings where mapping.kind.isShared && mapping.reservedPending > 0 {
                owing.insert(mapping.object)
            }
        }
        var mappersOf: [ObjectID: [(HugetlbProcess, HugetlbMapping)]] = [:]
        if !owing.isEmpty {
            for process in input.consumers.processes {
                for mapping in process.mappings where mapping.kind.isShared && owing.contains(mapping.object) {
                    mappersOf[mapping.object, default: []].append((process, mapping))
                }
            }
        }
        let supply = freePagesByNode(input.snapshot)
        var demands: [FaultDemand] = []
        var memo = Memo()
        for process in input.consumers.processes {
            for mapping in process.mappings where mapping.reservedPending > 0 {
                let sizeSupply = supply[mapping.pageSizeKB] ?? [:]
                if mapping.kind.isShared {
                    let mappers = mappersOf[mapping.object] ?? [(process, mapping)]
                    // An estimate is a proved part (certain-capable) and a part that may be owed.
                    let proved = mapping.reservedPendingEstimated ? mapping.reservedPendingMinimum : mapping.reservedPending
                    for (pages, estimated) in [(proved, false), (mapping.reservedPending - proved, true)] where pages > 0 {
                        var made = segmentedDemands(mappers, reserving: mappers.filter { !$0.1.noreserve },
                                                    object: input.consumers.objects[mapping.object],
                                                    pages: pages, facts: facts, supply: sizeSupply, memo: &memo)
                        for index in made.indices { made[index].estimated = estimated }
                        demands += made
                    }
                } else {
                    demands.append(demand(for: [(process, mapping)], pages: mapping.reservedPending, facts: facts,
                                          supply: sizeSupply, memo: &memo))
                }
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
            noreserve += segmentedDemands(mappers, reserving: mappers, object: input.consumers.objects[object],
                                          pages: pages, facts: facts, supply: supply[first.pageSizeKB] ?? [:], memo: &memo)
        }
        return (noreserve.filter { $0.pages > 0 }, inherited.filter { $0.pages > 0 })
    }

    /// Thousands of mappings share a few (cpuset, CPUs, policy) combinations: their node sets
    /// are worked out once, and so is each set of such combinations that faults one demand.
    struct Memo {
        /// One actor: a thread's cpuset and CPUs, and the policy that governs the VMA for it.
        struct Key: Hashable {
            var mems: [Int]?
            var cpus: [Int]?
            var policy: String?
        }
        typealias Answer = (allowed: Set<Int>, strict: Bool, first: Set<Int>, worst: Set<Int>)
        var answers: [Key: Answer] = [:]
        typealias Combined = (allowed: Set<Int>, worst: Set<Int>, first: Set<Int>, strict: Bool)
        /// By page size too: the most confining actor is the one with the fewest free pages.
        struct Actors: Hashable {
            var pageSizeKB: Int
            var keys: [Key]
        }
        var combined: [Actors: Combined] = [:]
        /// One mapping of a process with threads: its actors depend only on the process, the
        /// mapping's policy and whether it follows the faulting thread's.
        struct OneMapping: Hashable {
            var pid: Int
            var pageSizeKB: Int
            var policy: String?
            var follows: Bool
        }
        var oneMapping: [OneMapping: Combined] = [:]
        /// Each process's distinct thread views (cpuset, CPUs, task policy) other than the
        /// main thread's, worked out once per process, not once per mapping.
        var views: [Int: [(mems: [Int]?, cpus: [Int]?, policy: MemoryPolicy?)]] = [:]
    }

    /// The actors that may fault `mapping`'s pages: its process's main thread, and each thread
    /// with another cpuset, other CPUs, or (for a VMA without a policy of its own) another
    /// task policy. Duplicates are dropped: threads sharing one view add nothing.
    static func actors(_ process: HugetlbProcess, _ mapping: HugetlbMapping, memo: inout Memo)
        -> [(key: Memo.Key, policy: MemoryPolicy?)] {
        let main = Memo.Key(mems: process.memsAllowed, cpus: process.cpusAllowed, policy: mapping.policy?.text)
        guard !process.threads.isEmpty else { return [(main, mapping.policy)] }
        let views: [(mems: [Int]?, cpus: [Int]?, policy: MemoryPolicy?)]
        if let known = memo.views[process.pid] {
            views = known
        } else {
            var seen: Set<Memo.Key> = []
            var distinct: [(mems: [Int]?, cpus: [Int]?, policy: MemoryPolicy?)] = []
            for thread in process.threads {
                let key = Memo.Key(mems: thread.memsAllowed, cpus: thread.cpusAllowed, policy: thread.taskPolicy?.text)
                if seen.insert(key).inserted { distinct.append((thread.memsAllowed, thread.cpusAllowed, thread.taskPolicy)) }
            }
            memo.views[process.pid] = distinct
            views = distinct
        }
        var result: [(key: Memo.Key, policy: MemoryPolicy?)] = [(main, mapping.policy)]
        var seen: Set<Memo.Key> = [main]
        for view in views {
            let policy = mapping.followsThreadPolicy ? (view.policy ?? mapping.policy) : mapping.policy
            let key = Memo.Key(mems: view.mems, cpus: view.cpus, policy: policy?.text)
            if seen.insert(key).inserted { result.append((key, policy)) }
        }
        return result
    }

    /// One demand from all the mappers that may fault its pages, each with its threads.
    ///
    /// Which thread faults which page cannot be seen, so the demand's `allowed` nodes are the
    /// union over every actor (certain failures assume the most lenient one faults), its
    /// `worstAllowed` those of the most confining one (what `reserve-policy-at-risk` assumes),
    /// and it is strict only when every actor is confined to the same nodes.
    static func demand(for mappers: [(HugetlbProcess, HugetlbMapping)], pages: Int, facts: NodeFacts,
                       supply: [Int: Int], memo: inout Memo) -> FaultDemand {
        func answer(_ key: Memo.Key, _ policy: MemoryPolicy?) -> Memo.Answer {
            if let known = memo.answers[key] { return known }
            let (nodes, isStrict, worst) = facts.allowed(mems: key.mems, policy)
            let answer = (nodes, isStrict, facts.firstChoice(cpus: key.cpus, policy, allowed: nodes), worst)
            memo.answers[key] = answer
            return answer
        }
        // Most demands have one mapper with one thread view: its node sets as they are, without
        // building unions of 64-node sets for each of thousands of mappings.
        if mappers.count == 1, let (process, mapping) = mappers.first, process.threads.isEmpty {
            let key = Memo.Key(mems: process.memsAllowed, cpus: process.cpusAllowed, policy: mapping.policy?.text)
            let one = answer(key, mapping.policy)
            return FaultDemand(pageSizeKB: mapping.pageSizeKB, pages: pages, allowed: one.allowed, worstAllowed: one.worst,
                               firstChoice: one.first, strict: one.strict, pids: [process.pid],
                               vmas: [Finding.VMA(pid: process.pid, start: mapping.start)],
                               firstChoicePages: facts.firstChoicePages(mapping, owed: pages))
        }
        // A process of a thousand threads has its actors worked out once per kind of mapping.
        var one: Memo.OneMapping?
        if mappers.count == 1, let (process, mapping) = mappers.first {
            one = Memo.OneMapping(pid: process.pid, pageSizeKB: mapping.pageSizeKB, policy: mapping.policy?.text,
                                  follows: mapping.followsThreadPolicy)
        }
        let combined: Memo.Combined
        if let one, let known = memo.oneMapping[one] {
            combined = known
        } else {
            var keys: [Memo.Key] = []
            var policies: [Memo.Key: MemoryPolicy?] = [:]
            for (process, mapping) in mappers {
                for actor in actors(process, mapping, memo: &memo) where policies[actor.key] == nil {
                    policies[actor.key] = actor.policy
                    keys.append(actor.key)
                }
            }
            let actors = Memo.Actors(pageSizeKB: mappers[0].1.pageSizeKB, keys: keys)
            combined = memo.combined[actors] ?? combine(keys, policies)
            memo.combined[actors] = combined
            if let one { memo.oneMapping[one] = combined }
        }
        let first0 = mappers[0].1
        var pids: [Int] = []
        var seenPIDs: Set<Int> = []
        for (process, _) in mappers where seenPIDs.insert(process.pid).inserted { pids.append(process.pid) }
        return FaultDemand(
            pageSizeKB: first0.pageSizeKB, pages: pages, allowed: combined.allowed, worstAllowed: combined.worst,
            firstChoice: combined.first, strict: combined.strict, pids: pids.sorted(),
            vmas: mappers.map { Finding.VMA(pid: $0.0.pid, start: $0.1.start) })

        /// The union, the most confining and the strictness of a set of actors.
        func combine(_ keys: [Memo.Key], _ policies: [Memo.Key: MemoryPolicy?]) -> Memo.Combined {
            var allowed = Set<Int>()
            var first = Set<Int>()
            var worst: Set<Int>?
            var worstPages = 0
            var strict = true
            var sets: Set<Set<Int>> = []
            for key in keys {
                let answer = answer(key, policies[key] ?? nil)
                allowed.formUnion(answer.allowed)
                sets.insert(answer.allowed)
                strict = strict && answer.strict
                first.formUnion(answer.first)
                let nodes = answer.worst
                let pagesThere = nodes.reduce(0) { $0 + (supply[$1] ?? 0) }
                if worst == nil || pagesThere < worstPages {
                    worst = nodes
                    worstPages = pagesThere
                }
            }
            // Strict only when every actor is strict the same way; otherwise whoever faults
            // first decides, and neither the order nor the faulting thread is known.
            strict = strict && sets.count == 1
            return (allowed, worst ?? allowed, first, strict)
        }
    }

    /// A mapping's page range in its object: `vm_pgoff` in huge pages, and its length.
    static func objectRange(_ mapping: HugetlbMapping) -> Range<Int>? {
        let bytesPerPage = UInt64(mapping.pageSizeKB) * 1024
        guard bytesPerPage > 0, mapping.pages >= 0 else { return nil }
        let first = Int(clamping: mapping.offset / bytesPerPage)
        let (last, overflow) = first.addingReportingOverflow(mapping.pages)
        return overflow ? nil : first..<last
    }

    /// A shared object's `pages` owed pages as demands per page range: the page index space of
    /// the object is cut at the start and end of every mapper's VMA (`offset`, length), and
    /// each piece within the pages that can be owed (the reserving mappers' ranges, below the
    /// object's size) is faulted by the actors whose VMAs cover it: a VMA split by `mbind`
    /// (`vma_policy` of the VMA covering the faulting address) or mappers of different ranges
    /// give pieces with their own node sets.
    ///
    /// A piece owes its length minus the pages known to be faulted in it (a covering VMA's
    /// faulted pages that cannot all lie outside the piece). When the object holds faulted
    /// pages that no VMA places (only counts are known), each piece owes at least its length
    /// minus all of those, and the rest is one demand of all those pieces' actors together
    /// (lenient for the certain count, the most confining actor for the possible one), never
    /// a guess of where the pages are.
    static func segmentedDemands(_ mappers: [(HugetlbProcess, HugetlbMapping)],
                                 reserving: [(HugetlbProcess, HugetlbMapping)], object: HugetlbObject?, pages: Int,
                                 facts: NodeFacts, supply: [Int: Int], memo: inout Memo) -> [FaultDemand] {
        guard pages > 0, !mappers.isEmpty else { return [] }
        let ranges = mappers.map { objectRange($0.1) }
        let limit = object.flatMap { $0.kind == .anon ? nil : $0.sizePages }
        // The pages that may be owed: the reserving mappers' ranges (every mapper's when none
        // reserved, as for a SysV segment), below the object's size.
        var owedRanges = (reserving.isEmpty ? mappers : reserving).compactMap { objectRange($0.1) }
        if reserving.isEmpty, let limit { owedRanges = [0..<limit] }
        if let limit { owedRanges = owedRanges.compactMap { $0.clamped(to: 0..<max(0, limit)) }.filter { !$0.isEmpty } }
        var cuts = Set<Int>()
        for range in ranges.compactMap({ $0 }) + owedRanges {
            cuts.insert(range.lowerBound)
            cuts.insert(range.upperBound)
        }
        if let limit { cuts.insert(limit) }
        let points = cuts.sorted()
        // The pieces, each with the indexes of the mappers covering it; neighbours with the
        // same mappers are one piece.
        var pieces: [(range: Range<Int>, covering: [Int])] = []
        for (low, high) in zip(points, points.dropFirst()) where high > low {
            guard owedRanges.contains(where: { $0.lowerBound <= low && high <= $0.upperBound }) else { continue }
            let covering = ranges.indices.filter { ranges[$0].map { $0.lowerBound <= low && high <= $0.upperBound } ?? false }
            if let last = pieces.last, last.range.upperBound == low, last.covering == covering {
                pieces[pieces.count - 1].range = last.range.lowerBound..<high
            } else {
                pieces.append((low..<high, covering))
            }
        }
        // No piece known (ranges unreadable, or a mapper outside the object's size): one
        // demand of every mapper, as before page ranges were known.
        let uncovered = pieces.isEmpty || pieces.contains { $0.covering.isEmpty }
        if uncovered || pieces.count == 1 {
            var one = demand(for: mappers, pages: pages, facts: facts, supply: supply, memo: &memo)
            if !uncovered, let only = pieces.first { one.objectPages = only.range }
            return [one]
        }
        // Pages known to be faulted in each piece, and so what each piece may still owe.
        let most = pieces.map { piece -> Int in
            let length = piece.range.count
            let faulted = piece.covering.map { max(0, mappers[$0].1.faultedPages - (mappers[$0].1.pages - length)) }.max() ?? 0
            return max(0, length - min(length, faulted))
        }
        let unplaced = max(0, most.reduce(0, +) - pages)
        let least = most.map { max(0, $0 - unplaced) }
        var demands: [FaultDemand] = []
        for (index, piece) in pieces.enumerated() where least[index] > 0 {
            var one = demand(for: piece.covering.map { mappers[$0] }, pages: least[index], facts: facts, supply: supply, memo: &memo)
            one.objectPages = piece.range
            demands.append(one)
        }
        let rest = pages - least.reduce(0, +)
        if rest > 0 {
            let open = pieces.indices.filter { most[$0] > least[$0] || unplaced == 0 }
            var covering: [Int] = []
            var seen: Set<Int> = []
            for index in open { for mapper in pieces[index].covering where seen.insert(mapper).inserted { covering.append(mapper) } }
            if covering.isEmpty { covering = Array(mappers.indices) }
            demands.append(demand(for: covering.sorted().map { mappers[$0] }, pages: rest, facts: facts, supply: supply, memo: &memo))
        }
        return demands
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
