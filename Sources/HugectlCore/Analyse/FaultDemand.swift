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

public enum FaultDemands {
    /// A mapper of a shared object: the indexes of a process in the consumers' processes and
    /// of the mapping in its mappings. The demands are worked out over these, never over
    /// copies of a process and a mapping (each copy retains their arrays and strings: for an
    /// object cut by 60,000 mappers that was a third of the analysis).
    typealias Mapper = (process: Int, mapping: Int)

    /// Pages still owed to mappings (`reserved_pending`), by page size. A shared object's
    /// owed pages are demanded once whatever the number of its mappers, per page range of the
    /// object that one set of mappers' VMAs covers (`segmentedDemands`).
    /// The context's, worked out once per snapshot (`AnalysisContext.reserved`).
    public static func reserved(_ context: AnalysisContext) -> [FaultDemand] { context.reserved }

    /// The owed pages of `consumers`, for `AnalysisContext`.
    static func reserved(_ consumers: ConsumerSnapshot, facts: NodeFacts, supply: [Int: [Int: Int]],
                         memo: inout Memo) -> [FaultDemand] {
        // The mappers of the shared objects still owed pages only (most objects owe none:
        // thousands of faulted one-page files must not each get a list).
        var owing: Set<ObjectID> = []
        for process in consumers.processes {
            for m in process.mappings.indices where process.mappings[m].kind.isShared && process.mappings[m].reservedPending > 0 {
                owing.insert(process.mappings[m].object)
            }
        }
        // Each one's mappers as (process, mapping) indexes.
        var mappersOf: [ObjectID: [Mapper]] = [:]
        if !owing.isEmpty {
            for (p, process) in consumers.processes.enumerated() {
                for m in process.mappings.indices where process.mappings[m].kind.isShared
                    && owing.contains(process.mappings[m].object) {
                    mappersOf[process.mappings[m].object, default: []].append((p, m))
                }
            }
        }
        var demands: [FaultDemand] = []
        // One answer per (cpuset, CPUs, policy): up to one per mapping, inserted without regrowing.
        if memo.answers.isEmpty {
            memo.answers.reserveCapacity(min(1 << 16, consumers.processes.reduce(0) { $0 + $1.mappings.count }))
        }
        let processes = consumers.processes
        for p in processes.indices {
            for m in processes[p].mappings.indices where processes[p].mappings[m].reservedPending > 0 {
                let mapping = processes[p].mappings[m]
                let sizeSupply = supply[mapping.pageSizeKB] ?? [:]
                if mapping.kind.isShared {
                    let mappers = mappersOf[mapping.object] ?? [(p, m)]
                    let noreserve = { (mapper: Mapper) in processes[mapper.process].mappings[mapper.mapping].noreserve }
                    let reserving = mappers.contains(where: noreserve) ? mappers.filter { !noreserve($0) } : mappers
                    // An estimate is a proved part (certain-capable) and a part that may be owed.
                    let proved = mapping.reservedPendingEstimated ? mapping.reservedPendingMinimum : mapping.reservedPending
                    for (pages, estimated) in [(proved, false), (mapping.reservedPending - proved, true)] where pages > 0 {
                        let first = demands.count
                        segmentedDemands(mappers, of: processes, reserving: reserving, object: consumers.objects[mapping.object],
                                         pages: pages, facts: facts, supply: sizeSupply, memo: &memo, into: &demands)
                        for index in first..<demands.count { demands[index].estimated = estimated }
                    }
                } else {
                    demands.append(demand(of: (p, m), in: processes, pages: mapping.reservedPending, facts: facts,
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
    /// The context's, worked out once per snapshot (`AnalysisContext.noreserve`, `inherited`).
    public static func unreserved(_ context: AnalysisContext) -> (noreserve: [FaultDemand], inherited: [FaultDemand]) {
        (context.noreserve, context.inherited)
    }

    /// The unreserved faults of `consumers`, for `AnalysisContext`.
    static func unreserved(_ consumers: ConsumerSnapshot, facts: NodeFacts, supply: [Int: [Int: Int]],
                           memo: inout Memo) -> (noreserve: [FaultDemand], inherited: [FaultDemand]) {
        var noreserve: [FaultDemand] = []
        var inherited: [FaultDemand] = []
        var sharedMappers: [ObjectID: [Mapper]] = [:]
        var sharedOrder: [ObjectID] = []
        let processes = consumers.processes
        for p in processes.indices {
            for m in processes[p].mappings.indices {
                let mapping = processes[p].mappings[m]
                let sizeSupply = supply[mapping.pageSizeKB] ?? [:]
                if mapping.inherited {
                    inherited.append(demand(of: (p, m), in: processes, pages: mapping.pages, facts: facts,
                                            supply: sizeSupply, memo: &memo))
                } else if mapping.noreserve && mapping.kind != .sysvShm {
                    if mapping.kind.isShared {
                        if sharedMappers[mapping.object] == nil { sharedOrder.append(mapping.object) }
                        sharedMappers[mapping.object, default: []].append((p, m))
                    } else {
                        noreserve.append(demand(of: (p, m), in: processes, pages: max(0, mapping.pages - mapping.faultedPages),
                                                facts: facts, supply: sizeSupply, memo: &memo))
                    }
                }
            }
        }
        for object in sharedOrder {
            guard let mappers = sharedMappers[object], let first = mappers.first else { continue }
            var (mostFaulted, mostPages) = (Int.min, Int.min)
            for (p, m) in mappers {
                mostFaulted = max(mostFaulted, processes[p].mappings[m].faultedPages)
                mostPages = max(mostPages, processes[p].mappings[m].pages)
            }
            let instantiated = consumers.objects[object]?.instantiated ?? mostFaulted
            let pages = max(0, mostPages - max(0, instantiated))
            let pageSizeKB = processes[first.process].mappings[first.mapping].pageSizeKB
            segmentedDemands(mappers, of: processes, reserving: mappers, object: consumers.objects[object], pages: pages,
                             facts: facts, supply: supply[pageSizeKB] ?? [:], memo: &memo, into: &noreserve)
        }
        return (noreserve.filter { $0.pages > 0 }, inherited.filter { $0.pages > 0 })
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
    ///
    /// The demands are appended to `demands` (not returned: appending a returned array copies
    /// each of its demands, 60,000 of them for an object mapped page by page).
    static func segmentedDemands(_ mappers: [Mapper], of processes: [HugetlbProcess],
                                 reserving: [Mapper], object: HugetlbObject?, pages: Int,
                                 facts: NodeFacts, supply: [Int: Int], memo: inout Memo,
                                 into demands: inout [FaultDemand]) {
        guard pages > 0, !mappers.isEmpty else { return }
        let range = { (mapper: Mapper) in objectRange(processes[mapper.process].mappings[mapper.mapping]) }
        let ranges = mappers.map(range)
        let limit = object.flatMap { $0.kind == .anon ? nil : $0.sizePages }
        // The pages that may be owed: the reserving mappers' ranges (every mapper's when none
        // reserved, as for a SysV segment), below the object's size.
        var owedRanges = (reserving.isEmpty ? mappers : reserving).compactMap(range)
        if reserving.isEmpty, let limit { owedRanges = [0..<limit] }
        if let limit { owedRanges = owedRanges.compactMap { $0.clamped(to: 0..<max(0, limit)) }.filter { !$0.isEmpty } }
        let cuts = cutPoints(ranges.compactMap { $0 } + owedRanges, limit: limit)
        let pieces = Self.pieces(cuts, ranges: ranges, owedRanges: owedRanges)
        // No piece known (ranges unreadable, or a mapper outside the object's size): one
        // demand of every mapper, as before page ranges were known.
        let uncovered = pieces.isEmpty || pieces.contains { $0.covering.isEmpty }
        if uncovered || pieces.count == 1 {
            var one = demand(for: mappers, in: processes, pages: pages, facts: facts, supply: supply, memo: &memo)
            if !uncovered, let only = pieces.first { one.objectPages = only.range }
            demands.append(consume one)
            return
        }
        // Pages known to be faulted in each piece, and so what each piece may still owe.
        let most = pieces.map { piece -> Int in
            let length = piece.range.count
            var faulted = 0
            for mapper in piece.covering {
                let (p, m) = mappers[mapper]
                faulted = max(faulted, processes[p].mappings[m].faultedPages - (processes[p].mappings[m].pages - length))
            }
            return max(0, length - min(length, faulted))
        }
        let unplaced = max(0, most.reduce(0, +) - pages)
        let least = most.map { max(0, $0 - unplaced) }
        for (index, piece) in pieces.enumerated() where least[index] > 0 {
            // One covering mapper (an object mapped page by page: 60,000 pieces) is
            // `demand(for:)` of that one, without an array of it.
            var one = piece.covering.count == 1
                ? demand(of: mappers[piece.covering[0]], in: processes, pages: least[index], facts: facts,
                         supply: supply, memo: &memo)
                : demand(for: piece.covering.map { mappers[$0] }, in: processes, pages: least[index], facts: facts,
                         supply: supply, memo: &memo)
            one.objectPages = piece.range
            demands.append(consume one)
        }
        let rest = pages - least.reduce(0, +)
        if rest > 0 {
            let open = pieces.indices.filter { most[$0] > least[$0] || unplaced == 0 }
            var covering: [Int] = []
            var seen: Set<Int> = []
            for index in open { for mapper in pieces[index].covering where seen.insert(mapper).inserted { covering.append(mapper) } }
            if covering.isEmpty { covering = Array(mappers.indices) }
            demands.append(demand(for: covering.sorted().map { mappers[$0] }, in: processes, pages: rest, facts: facts,
                                  supply: supply, memo: &memo))
        }
    }

    /// Demands grouped by node set for the solver (thousands of mappings share a handful of
    /// sets), with the indexes of each group's demands.
    static func grouped(_ demands: [FaultDemand]) -> (groups: [Feasibility.Group], members: [[Int]]) {
        var grouping = DemandGrouping()
        for index in demands.indices { grouping.add(index, nodes: demands[index].allowed, pages: demands[index].pages) }
        return (grouping.groups, grouping.members)
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

/// Demands gathered into the solver's groups by node set, with the indexes of each group's
/// demands, in the order their sets first come. Consecutive demands mostly share their set
/// (one memo gave it to them): it is compared with the last demand's before it is hashed.
struct DemandGrouping {
    private(set) var groups: [Feasibility.Group] = []
    private(set) var members: [[Int]] = []
    private var index: [NodeSetKey: Int] = [:]
    private var last: (nodes: Set<Int>, at: Int)?

    /// Demand `member` for `pages` pages on `nodes`, added to its set's group.
    mutating func add(_ member: Int, nodes: Set<Int>, pages: Int) {
        let at: Int
        if let known = last, known.nodes == nodes {
            at = known.at
        } else {
            let key = NodeSetKey(nodes)
            if let found = index[key] {
                at = found
            } else {
                at = groups.count
                index[key] = at
                groups.append(Feasibility.Group(nodes: nodes, demand: 0))
                members.append([])
            }
            last = (key.nodes, at)
        }
        groups[at].demand = groups[at].demand.addingClamped(pages)
        members[at].append(member)
    }
}

/// A node set as a dictionary key, hashed by a fingerprint of its nodes worked out once:
/// hashing a `Set<Int>` of 64 nodes hashes every node, and for 10,000 demands grouped by node
/// set that was a quarter of the verdict's time. Equal sets that share storage (the demands'
/// sets come from one memo) compare at once.
struct NodeSetKey: Hashable {
    let nodes: Set<Int>
    private let fingerprint: UInt64

    init(_ nodes: Set<Int>) {
        self.nodes = nodes
        var sum = UInt64(nodes.count)
        for node in nodes {
            var x = UInt64(truncatingIfNeeded: node) &+ 0x9E37_79B9_7F4A_7C15
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            sum &+= x ^ (x >> 31)
        }
        fingerprint = sum
    }

    func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }

    static func == (lhs: NodeSetKey, rhs: NodeSetKey) -> Bool {
        lhs.fingerprint == rhs.fingerprint && lhs.nodes == rhs.nodes
    }
}
