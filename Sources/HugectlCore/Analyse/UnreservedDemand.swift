/// `noreserve-exceeds-headroom`, `private-mapping-inherited`: faults with no reservation.
///
/// They can take only pages nobody has reserved: `dequeue_hugetlb_folio_vma` refuses a fault
/// without a reservation when `free − resv` is 0 (`vma_has_reserves`, `avoid_reserve`), and
/// otherwise takes a free page of the nodes its policy and cpuset allow, like any fault.
/// Failing that, a new surplus page under overcommit (`alloc_surplus_hugetlb_folio`), else
/// SIGBUS.
/// - MAP_NORESERVE mappings: every page not yet faulted.
/// - A fork child's copy of a private mapping (`hugetlb_dup_vma_private` gives it no
///   reservation): each page it writes needs a new page, and when the parent's own
///   copy-on-write of a page they share finds no page, the kernel unmaps it from the child
///   (`unmap_ref_private`), whose next touch is a SIGBUS ("killed due to inadequate hugepage
///   pool").
///
/// A fault on a hugetlbfs mount with a subpool asks it first (`SubpoolLimits`): beyond a
/// `size=` limit it fails, and a `min_size=` mount's own reserve serves it without headroom.
///
/// Both compete for one budget, `free − reserved` of the pool, on the nodes each may use,
/// after the owed pages of the reservations (`Feasibility.unreserved`): NORESERVE pages
/// first, then the children's copies, which get what is left. What they cannot get fails:
/// an error when overcommit cannot add a page, a warning for the pages only new surplus pages
/// can serve. One finding per ID, severity and node set.
public enum UnreservedDemand {
    public static let noreserveID = "noreserve-exceeds-headroom"
    public static let inheritedID = "private-mapping-inherited"

    public static func findings(in input: AnalysisInput) -> [Finding] {
        let (noreserve0, inherited0) = FaultDemands.unreserved(input)
        guard !noreserve0.isEmpty || !inherited0.isEmpty else { return [] }
        // The mounts' subpools first: size= refuses, min_size= serves from its own reserve.
        let subpools = SubpoolLimits.apply(input, classes: [noreserve0, inherited0], reserved: FaultDemands.reserved(input))
        let (noreserve, inherited, reserved) = (subpools.classes[0], subpools.classes[1], subpools.reserved)
        var findings: [Finding] = subpools.findings
        for pool in input.snapshot.pools {
            let kB = pool.pageSizeKB
            let classes = [noreserve.filter { $0.pageSizeKB == kB }, inherited.filter { $0.pageSizeKB == kB }]
            guard classes.contains(where: { !$0.isEmpty }) else { continue }
            findings += evaluate(pool, reserved: reserved.filter { $0.pageSizeKB == kB }, classes: classes,
                                 supply: input.supply(kB: kB), snapshot: input.snapshot)
        }
        return findings
    }

    static func evaluate(_ pool: HugePagePool, reserved: [FaultDemand], classes: [[FaultDemand]],
                         supply: [Int: Int], snapshot: SystemSnapshot) -> [Finding] {
        let budget = max(0, (pool.free ?? 0) - (pool.reserved ?? 0))
        let owed = FaultDemands.grouped(reserved).groups
        let grouped = classes.map(FaultDemands.grouped)
        let (unmet, shortages) = Feasibility.unreserved(supply: supply, reserved: owed,
                                                        classes: grouped.map(\.groups), budget: budget)
        // Surplus pages the owed pages do not need, for the rest, class by class.
        let room = ReservationShortfall.overcommitRoom(pool, snapshot)
        var roomLeft = room.pages
        if roomLeft > 0 {
            let plain = Feasibility.solve(supply: supply, groups: owed)
            let rescued = Feasibility.solve(supply: supply, groups: owed, pooled: roomLeft, poolPerNode: room.perNode)
            roomLeft -= plain.shortfall - rescued.shortfall
        }
        var failing = unmet
        for c in grouped.indices where roomLeft > 0 {
            let rest = zip(grouped[c].groups, unmet[c]).map { Feasibility.Group(nodes: $0.nodes, demand: $1) }
            let rescued = Feasibility.solve(supply: [:], groups: rest, pooled: roomLeft, poolPerNode: room.perNode)
            failing[c] = rescued.unmet
            roomLeft -= rescued.served
        }

        var findings: [Finding] = []
        for shortage in shortages {
            let c = shortage.kind
            let demands = shortage.groups.flatMap { grouped[c].members[$0] }.map { classes[c][$0] }
            let wanted = shortage.groups.reduce(0) { $0 + grouped[c].groups[$1].demand }
            let fail = shortage.groups.reduce(0) { $0 + failing[c][$1] }
            let context = Context(pool: pool, nodes: shortage.nodes, wanted: wanted,
                                  served: wanted - shortage.unmet, demands: demands, snapshot: snapshot)
            if fail > 0 { findings.append(finding(c, .error, pages: fail, context)) }
            if shortage.unmet > fail { findings.append(finding(c, .warning, pages: shortage.unmet - fail, context)) }
        }
        return findings
    }

    struct Context {
        var pool: HugePagePool
        var nodes: [Int]
        /// Pages the class's faults in this node set may need, and how many of them the
        /// unreserved free pages serve.
        var wanted: Int
        var served: Int
        var demands: [FaultDemand]
        var snapshot: SystemSnapshot
    }

    /// Class 0: MAP_NORESERVE pages; class 1: fork children's copies. An error for pages that
    /// fail whatever happens, a warning for those only new surplus pages can serve.
    static func finding(_ kind: Int, _ severity: Finding.Severity, pages: Int, _ c: Context) -> Finding {
        let size = PageSize.format(kB: c.pool.pageSizeKB)
        let on = c.nodes.isEmpty ? "" : " on node\(c.nodes.count == 1 ? "" : "s") \(NodeList.format(c.nodes))"
        let outcome = severity == .error
            ? "\(pages) would fail with SIGBUS"
            : "\(pages) more only new surplus pages can serve (nr_overcommit_hugepages)"
        let lead = severity == .error ? "" : "to depend on no allocation at fault time, "
        if kind == 0 {
            let fix = PoolFix.addPages(c.pool, nodes: c.nodes, pages: pages, c.snapshot, lead: lead,
                                       tail: ", or map without MAP_NORESERVE so mmap fails instead")
            return Finding(
                id: noreserveID, severity: severity, pageSizeKB: c.pool.pageSizeKB, nodes: c.nodes, pages: pages,
                pids: ReservationShortfall.pids(c.demands), vmas: ReservationShortfall.vmas(c.demands),
                message: "MAP_NORESERVE mappings may still fault \(c.wanted) \(size) pages with no reservation\(on), "
                    + "where only " + Finding.pages(c.served, "unreserved") + " can be had: \(outcome)",
                hint: fix.hint, remedy: fix.remedy)
        }
        // `hugectl plan` does not grow pools for these: the hint names the write alone.
        let need = PoolFix.needed(c.pool, nodes: c.nodes, pages: pages, c.snapshot)
        return Finding(
            id: inheritedID, severity: severity, pageSizeKB: c.pool.pageSizeKB, nodes: c.nodes, pages: pages,
            pids: ReservationShortfall.pids(c.demands), vmas: ReservationShortfall.vmas(c.demands),
            message: "fork children's copies of MAP_PRIVATE mappings may need \(c.wanted) \(size) copy-on-write pages\(on), "
                + "where only " + Finding.pages(c.served, "unreserved") + " can be had: \(outcome)",
            hint: "use MAP_SHARED for memory shared with children, or " + need.what + (need.write.map { ": \($0)" } ?? ""))
    }
}
