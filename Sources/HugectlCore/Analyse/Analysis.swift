/// One snapshot, solved once: what every check, the hints (`PoolFix`), `hugectl plan` and
/// the shrink check of `hugectl pool` read.
///
/// - the snapshot and its consumers with their reservations attributed
///   (`ReservationAttribution`) and the ledgers;
/// - the node facts (`NodeFacts`), the free pages per node and size (`supply`);
/// - the fault demands: the pages owed to reservations (`reserved`), and those faulted with
///   none (`noreserve`, `inherited`), each worked out once (`FaultDemands`);
/// - per page size, the owed pages grouped by node set and the solution of the flow problem
///   that serves them (`solution(kB:)`, `Feasibility.solve`).
///
/// A hypothetical pool change is `Analysis.whatIf(context, delta)`: the same consumers over
/// other pools, without attributing them again nor working out the actors of every mapping
/// again.
public struct AnalysisContext: Sendable {
    public private(set) var snapshot: SystemSnapshot
    public private(set) var consumers: ConsumerSnapshot
    public private(set) var ledgers: [ReservationLedger]
    public let facts: NodeFacts
    /// Free pages per node, by page size (`FaultDemands.freePagesByNode`).
    public private(set) var supply: [Int: [Int: Int]] = [:]
    /// Pages still owed to mappings (`FaultDemands.reserved`).
    public private(set) var reserved: [FaultDemand] = []
    /// Pages of MAP_NORESERVE mappings not faulted yet (`FaultDemands.unreserved`).
    public private(set) var noreserve: [FaultDemand] = []
    /// Fork children's copies of private mappings (`FaultDemands.unreserved`).
    public private(set) var inherited: [FaultDemand] = []
    /// Per page size, the files nobody maps or holds open that `rm` frees
    /// (`FreeableFiles.bySize`); they depend on the consumers and mounts, not on the pools.
    public private(set) var freeable: [Int: FreeableFiles] = [:]
    /// The owed pages of one page size as the solver sees them.
    public struct Solution: Sendable {
        /// The size's demands, in the order of `reserved`.
        public var demands: [FaultDemand]
        /// The demands grouped by allowed node set, and the indexes of each group's demands.
        public var groups: [Feasibility.Group]
        public var members: [[Int]]
        /// Every demand free to use all its allowed nodes, without overcommit.
        public var plain: Feasibility.Result
    }
    private var solutions: [Int: Solution] = [:]
    /// The actors' node sets, kept across what-ifs (they do not depend on the pools).
    private var memo = FaultDemands.Memo()

    public init(snapshot: SystemSnapshot) {
        self.snapshot = snapshot
        var consumers = snapshot.consumers
        ledgers = ReservationAttribution.attribute(&consumers, pools: snapshot.pools, mounts: snapshot.mounts,
                                                   defaultPageSizeKB: snapshot.defaultPageSizeKB)
        self.consumers = consumers
        facts = NodeFacts(snapshot)
        freeable = FreeableFiles.bySize(ledgers, scan: consumers.scan)
        derive()
    }

    /// The same consumers over the pools of `other`: the attribution depends on the mappings,
    /// objects and mounts only, so it is not made again; the ledgers take the other pools'
    /// `resv_hugepages`, and the demands and solutions follow the other pools' free pages. A
    /// snapshot whose consumers, mounts, nodes or page sizes differ is analysed afresh.
    /// The node sets of each actor (cpuset, CPUs, policy) do not depend on the pools and are
    /// kept unless `reuseActors` is false (to time the demands from scratch).
    public init(_ context: AnalysisContext, pools other: SystemSnapshot, reuseActors: Bool = true) {
        guard other.pools.map(\.pageSizeKB) == context.snapshot.pools.map(\.pageSizeKB),
              other.mounts == context.snapshot.mounts, other.nodes == context.snapshot.nodes,
              other.kernelRelease == context.snapshot.kernelRelease, other.consumers == context.snapshot.consumers else {
            self.init(snapshot: other)
            return
        }
        self = context
        snapshot = other
        for index in ledgers.indices {
            let pool = other.pool(kB: ledgers[index].pageSizeKB)
            ledgers[index].kernelReserved = pool?.reserved
            ledgers[index].inUse.kernelInUse = pool?.inUse
            ledgers[index].inUse.surplus = pool?.surplus
        }
        // Demands that no actor set made depend on the free pages only through their
        // solution: they are kept as they are, and only solved again.
        let keepDemands = reuseActors && !memo.dependsOnSupply
        if reuseActors { memo.forgetSupply() } else { memo = FaultDemands.Memo() }
        derive(demands: !keepDemands)
    }

    /// The demands (unless kept) and solutions of the current pools.
    private mutating func derive(demands: Bool = true) {
        supply = FaultDemands.freePagesByNode(snapshot)
        let kept = solutions
        if demands {
            reserved = FaultDemands.reserved(consumers, facts: facts, supply: supply, memo: &memo)
            (noreserve, inherited) = FaultDemands.unreserved(consumers, facts: facts, supply: supply, memo: &memo)
        }
        solutions = [:]
        for pool in snapshot.pools {
            let kB = pool.pageSizeKB
            var solution: Solution
            if !demands, let known = kept[kB] {
                solution = known
            } else {
                let mine = reserved.allSatisfy { $0.pageSizeKB == kB } ? reserved : reserved.filter { $0.pageSizeKB == kB }
                guard !mine.isEmpty else { continue }
                let (groups, members) = FaultDemands.grouped(mine)
                solution = Solution(demands: mine, groups: groups, members: members, plain: Feasibility.Result(demand: 0, served: 0, unmet: [], bottlenecks: []))
            }
            solution.plain = Feasibility.solve(supply: supply[kB] ?? [:], groups: solution.groups)
            solutions[kB] = solution
        }
    }

    /// The owed pages of size `kB` and their solution; nil when none are owed.
    public func solution(kB: Int) -> Solution? { solutions[kB] }

    /// Free pages per node of size `kB`.
    public func supply(kB: Int) -> [Int: Int] { supply[kB] ?? [:] }
}

/// The name the checks were written with.
public typealias AnalysisInput = AnalysisContext

/// Every check, run over one snapshot. Each check is a pure function in its own file with its
/// own finding IDs; adding one means adding it to this list.
public enum Analysis {
    public static var checks: [(AnalysisInput) -> [Finding]] { [
        ReservationShortfall.findings(in:),
        UnreservedDemand.findings(in:),
        CgroupLimitShortfall.findings(in:),
        SurplusChecks.findings(in:),
        CounterConsistency.findings(in:),
        LedgerChecks.findings(in:),
        UnmappedFiles.findings(in:),
        CounterUnreadable.findings(in:),
    ] }

    /// All findings, most severe first, then by page size, then in check order; the hints of
    /// those a pool change would remove name the `hugectl` command that does it (`PoolFix`).
    public static func findings(for input: AnalysisInput) -> [Finding] {
        PoolFix.settle(unsettled(input), input)
    }

    static func unsettled(_ input: AnalysisInput) -> [Finding] {
        ordered(checks.flatMap { $0(input) })
    }

    /// The findings without the re-analysis that names each one's fixing command in its
    /// hint (`PoolFix.settle`): for callers that read only ids, pages and nodes, such as the
    /// planner and the shrink check, which analyse many hypothetical pools.
    public static func findingsWithoutFixHints(for snapshot: SystemSnapshot) -> [Finding] {
        unsettled(AnalysisContext(snapshot: snapshot))
    }

    /// `findingsWithoutFixHints` of a context (a what-if, say).
    public static func findingsWithoutFixHints(in context: AnalysisContext) -> [Finding] {
        unsettled(context)
    }

    /// The analysis as it would be after `delta` (`SystemSnapshot.applying(_:)`): the one
    /// what-if of hugectl. The hints check their command with it, `hugectl plan` grows the
    /// pools with it, the shrink check of `hugectl pool` and `hugectl admit` ask it about
    /// the pools a change would leave. The consumers and their attribution are the
    /// context's; the free pages, the ledgers' kernel counts, the demands' most confining
    /// actors and the solutions follow the changed pool. Read the findings with
    /// `findings(for:)` or `findingsWithoutFixHints(in:)`. A delta that changes nothing (no
    /// pages, a size without a pool) returns `context` as it is.
    public static func whatIf(_ context: AnalysisContext, _ delta: PoolDelta) -> AnalysisContext {
        whatIf(context, [delta])
    }

    /// `whatIf` of several changes made one after the other (the writes of one `hugectl
    /// pool set`, the growths of one step of `hugectl plan`), analysed once.
    public static func whatIf(_ context: AnalysisContext, _ deltas: [PoolDelta]) -> AnalysisContext {
        let changed = deltas.reduce(context.snapshot) { $0.applying($1) }
        guard changed.pools != context.snapshot.pools || changed.meminfo != context.snapshot.meminfo else { return context }
        return AnalysisContext(context, pools: changed)
    }

    /// Most severe first, then by page size, then as given.
    public static func ordered(_ all: [Finding]) -> [Finding] {
        all.enumerated().sorted { lhs, rhs in
            if lhs.element.severity != rhs.element.severity { return lhs.element.severity > rhs.element.severity }
            let lsize = lhs.element.pageSizeKB ?? 0, rsize = rhs.element.pageSizeKB ?? 0
            if lsize != rsize { return lsize < rsize }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    public static func findings(for snapshot: SystemSnapshot) -> [Finding] {
        findings(for: AnalysisInput(snapshot: snapshot))
    }
}
