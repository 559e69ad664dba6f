/// `reserve-policy-shortfall`, `overcommit-rescue`, `reserve-policy-at-risk`: owed pages that
/// the free pages on the nodes their faults may use cannot cover.
///
/// The kernel reserves globally (`hugetlb_acct_memory`: `resv + delta <= free`), and its
/// mmap-time node check (`allowed_mems_nr`) looks only at the calling task's bind nodes and
/// the free pages of that instant, never at what other reservations already count on. At
/// fault time the page must come from an allowed node (`dequeue_hugetlb_folio_vma`), else from
/// a new surplus page while `surplus < nr_overcommit_hugepages` (`alloc_surplus_hugetlb_folio`;
/// never for gigantic sizes), else the fault fails with SIGBUS and the reservation stays.
///
/// - certain: pages that fail whatever the fault order — the owed pages minus the maximum
///   that can be served (`Feasibility`), with every demand free to use all its allowed nodes.
///   Errors, one per page size and bottleneck node set.
/// - overcommit rescue: certain pages that only new surplus pages can serve (limited by
///   `nr_overcommit_hugepages - surplus` and each node's free buddy memory), and in the
///   possible order below, the further pages only surplus pages serve. Warnings.
/// - possible: further pages that fail if the faults that may fall back come first and take
///   their first-choice nodes' pages (the local node of their CPUs, or their preferred nodes;
///   an interleaved page the node of its interleave index, `InterleavePlacement`, falling back
///   from there), and shared objects are faulted by their most restrictive mapper.
///   Warnings, one per node set; their pages never repeat the certain ones.
public enum ReservationShortfall {
    public static let certainID = "reserve-policy-shortfall"
    public static let rescueID = "overcommit-rescue"
    public static let possibleID = "reserve-policy-at-risk"
    /// No pool change helps pages that may use no node.
    static let noNodeHint = "bind the mappings to nodes in the cpuset's mems, or widen cpuset.mems to their bind nodes "
        + "(kernels from 6.7 ignore such a bind mask)"

    public static func findings(in input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        for pool in input.snapshot.pools {
            guard let solution = input.solution(kB: pool.pageSizeKB) else { continue }
            findings += evaluate(pool, solution, supply: input.supply(kB: pool.pageSizeKB), snapshot: input.snapshot)
        }
        return findings
    }

    /// Surplus pages that overcommit could still add, and how many each node's free memory
    /// could hold.
    static func overcommitRoom(_ pool: HugePagePool, _ snapshot: SystemSnapshot) -> (pages: Int, perNode: [Int: Int]) {
        guard !pool.isGigantic, let overcommit = pool.overcommit, let surplus = pool.surplus, overcommit > surplus else {
            return (0, [:])
        }
        var perNode: [Int: Int] = [:]
        for node in snapshot.nodes where node.hasMemory {
            perNode[node.node] = (node.memFreeKB ?? 0) / max(1, pool.pageSizeKB)
        }
        if snapshot.nodes.isEmpty { perNode[0] = overcommit - surplus }
        return (overcommit - surplus, perNode)
    }

    static func evaluate(_ pool: HugePagePool, _ solution: AnalysisContext.Solution, supply: [Int: Int],
                         snapshot: SystemSnapshot) -> [Finding] {
        let size = PageSize.format(kB: pool.pageSizeKB)
        let room = overcommitRoom(pool, snapshot)
        // Certain and rescued pages count only demands whose owed pages were read; the
        // estimated ones join the possible order below (`OwedEstimate`).
        let demands = solution.demands
        let allExact = !demands.contains { $0.estimated }
        let exact = allExact ? demands : demands.filter { !$0.estimated }
        let (groups, members) = allExact ? (solution.groups, solution.members) : FaultDemands.grouped(exact)
        let plain = allExact ? solution.plain : Feasibility.solve(supply: supply, groups: groups)
        let rescued = room.pages > 0
            ? Feasibility.solve(supply: supply, groups: groups, pooled: room.pages, poolPerNode: room.perNode)
            : plain
        var findings: [Finding] = []

        for bottleneck in rescued.bottlenecks {
            let involved = bottleneck.groups.flatMap { members[$0] }
            let nodeText = NodeList.format(bottleneck.nodes)
            let free = bottleneck.nodes.reduce(0) { $0 + (supply[$1] ?? 0) }
            let owed = involved.reduce(0) { $0 + exact[$1].pages }
            if bottleneck.nodes.isEmpty {
                // No node is both allowed by the policy and the cpuset (a bind mask outside the
                // task's mems before 6.7): no pool change helps.
                findings.append(Finding(
                    id: certainID, severity: .error, pageSizeKB: pool.pageSizeKB, nodes: [],
                    pages: bottleneck.shortfall, pids: pids(involved, of: exact), vmas: vmas(involved, of: exact),
                    message: Finding.pages(bottleneck.shortfall, "reserved \(size)") + " will fail at fault time (SIGBUS): "
                        + "\(owed) are owed to mappings that may use no node: their bind policy and cpuset mems share no node with memory",
                    hint: Self.noNodeHint))
                continue
            }
            let fix = PoolFix.addPages(pool, nodes: bottleneck.nodes, pages: bottleneck.shortfall, snapshot)
            findings.append(Finding(
                id: certainID, severity: .error, pageSizeKB: pool.pageSizeKB, nodes: bottleneck.nodes,
                pages: bottleneck.shortfall, pids: pids(involved, of: exact), vmas: vmas(involved, of: exact),
                message: Finding.pages(bottleneck.shortfall, "reserved \(size)") + " will fail at fault time (SIGBUS): "
                    + "\(owed) are owed to mappings that may only use node\(bottleneck.nodes.count == 1 ? "" : "s") \(nodeText), "
                    + "which \(bottleneck.nodes.count == 1 ? "has" : "have") \(free) free",
                hint: fix.hint, remedy: fix.remedy))
        }

        let rescue = plain.shortfall - rescued.shortfall
        if rescue > 0 {
            let nodes = Set(plain.bottlenecks.flatMap(\.nodes)).sorted()
            let involved = Set(plain.bottlenecks.flatMap(\.groups)).sorted().flatMap { members[$0] }
            let fix = PoolFix.addPages(pool, nodes: nodes, pages: rescue, snapshot, lead: "to depend on no allocation at fault time, ")
            findings.append(Finding(
                id: rescueID, severity: .warning, pageSizeKB: pool.pageSizeKB, nodes: nodes, pages: rescue,
                pids: pids(involved, of: exact), vmas: vmas(involved, of: exact),
                message: Finding.pages(rescue, "reserved \(size)") + " can be served only by new surplus pages on node \(NodeList.format(nodes)) "
                    + "(nr_overcommit_hugepages), which needs that much free memory there at fault time",
                hint: fix.hint, remedy: fix.remedy))
        }

        // Possible: faults that may fall back come first and take their first-choice pages;
        // what they leave, and every strict demand, must then fit in the rest.
        var later = DemandGrouping()
        var orders = FallbackOrders(snapshot, supply: supply)
        let order = demands.indices.sorted { (demands[$0].pids.first ?? 0, $0) < (demands[$1].pids.first ?? 0, $1) }
        for index in order {
            // Read in place: a copy of each of 60,000 demands retains its sets and arrays.
            // Strict faults, and shared objects whose most restrictive mapper may fault every
            // page, wait for what the others leave.
            if demands[index].strict || demands[index].worstAllowed != demands[index].allowed {
                later.add(index, nodes: demands[index].worstAllowed, pages: demands[index].pages)
                continue
            }
            var left = 0
            if let starts = demands[index].firstChoicePages {
                // Interleaved pages: each first takes its own node, then the ones whose node
                // is empty fall back along that node's zonelist.
                let nodes = starts.keys.sorted()
                var unplaced: [Int: Int] = [:]
                for node in nodes {
                    let first = demands[index].allowed.contains(node) ? [orders.slot(node)] : []
                    unplaced[node] = orders.take(starts[node] ?? 0, along: first, for: index)
                }
                for node in nodes where (unplaced[node] ?? 0) > 0 {
                    left += orders.take(unplaced[node] ?? 0, along: orders.order(from: node, allowed: demands[index].allowed),
                                        for: index)
                }
            } else {
                left = orders.take(demands[index].pages, along: orders.order(demands[index]), for: index)
            }
            if left > 0 { later.add(index, nodes: demands[index].worstAllowed, pages: left) }
        }
        let (remaining, tookFrom) = (orders.remaining, orders.tookFrom)
        let worst = Feasibility.solve(supply: remaining, groups: later.groups, pooled: room.pages, poolPerNode: room.perNode)
        let extra = worst.shortfall - rescued.shortfall
        if extra > 0 {
            var left = extra
            for bottleneck in worst.bottlenecks where left > 0 {
                let certainHere = rescued.bottlenecks.filter { Set($0.nodes).isSubset(of: Set(bottleneck.nodes)) }
                    .reduce(0) { $0 + $1.shortfall }
                let pages = min(left, max(0, bottleneck.shortfall - certainHere))
                guard pages > 0 else { continue }
                left -= pages
                let involved = bottleneck.groups.flatMap { later.members[$0] }
                let takers = bottleneck.nodes.flatMap { tookFrom[$0] ?? [] }
                if bottleneck.nodes.isEmpty {
                    // A bind mask outside the task's mems, on a kernel of unknown release.
                    findings.append(Finding(
                        id: possibleID, severity: .warning, pageSizeKB: pool.pageSizeKB, nodes: [],
                        pages: pages, pids: pids(involved, of: demands), vmas: vmas(involved, of: demands),
                        message: "up to " + Finding.pages(pages, "reserved \(size)") + " may fail at fault time: their bind "
                            + "policy and cpuset mems share no node, which kernels before 6.7 refuse (the kernel release is unknown)",
                        hint: Self.noNodeHint))
                    continue
                }
                let nodeText = NodeList.format(bottleneck.nodes)
                let fix = PoolFix.addPages(pool, nodes: bottleneck.nodes, pages: pages, snapshot, lead: "to be safe whatever the order, ")
                findings.append(Finding(
                    id: possibleID, severity: .warning, pageSizeKB: pool.pageSizeKB, nodes: bottleneck.nodes,
                    pages: pages, pids: pids(involved + takers, of: demands), vmas: vmas(involved + takers, of: demands),
                    message: "up to " + Finding.pages(pages, "reserved \(size)") + " may fail at fault time on node \(nodeText), "
                        + "depending on which task faults first and where",
                    hint: fix.hint, remedy: fix.remedy))
            }
        }

        // In that order, strict faults may find their nodes empty and be served only by new
        // surplus pages (a fresh allocation from the nodes' free memory, seen in the VM:
        // docs/vm-scenarios.md, scenario 10): beyond the certain rescue, that is a possible one.
        if room.pages > 0 {
            let worstPlain = Feasibility.solve(supply: remaining, groups: later.groups)
            var left = worstPlain.shortfall - worst.shortfall - rescue
            for bottleneck in worstPlain.bottlenecks where left > 0 {
                let rescuedHere = bottleneck.shortfall - bottleneck.groups.reduce(0) { $0 + worst.unmet[$1] }
                let certainHere = plain.bottlenecks.filter { Set($0.nodes).isSubset(of: Set(bottleneck.nodes)) }
                    .reduce(0) { $0 + $1.shortfall - $1.groups.reduce(0) { $0 + rescued.unmet[$1] } }
                let pages = min(left, max(0, rescuedHere - certainHere))
                guard pages > 0 else { continue }
                left -= pages
                let involved = bottleneck.groups.flatMap { later.members[$0] }
                let takers = bottleneck.nodes.flatMap { tookFrom[$0] ?? [] }
                let fix = PoolFix.addPages(pool, nodes: bottleneck.nodes, pages: pages, snapshot,
                                           lead: "to depend on no allocation at fault time, ")
                findings.append(Finding(
                    id: rescueID, severity: .warning, pageSizeKB: pool.pageSizeKB, nodes: bottleneck.nodes,
                    pages: pages, pids: pids(involved + takers, of: demands), vmas: vmas(involved + takers, of: demands),
                    message: "up to " + Finding.pages(pages, "reserved \(size)") + " may be served only by new surplus pages "
                        + "on node \(NodeList.format(bottleneck.nodes)), depending on which task faults first and where "
                        + "(nr_overcommit_hugepages): that needs free memory there at fault time",
                    hint: fix.hint, remedy: fix.remedy))
            }
        }
        return findings
    }

    static func pids(_ demands: [FaultDemand]) -> [Int] {
        Array(Set(demands.flatMap(\.pids))).sorted()
    }

    /// `pids` of the demands at `indexes`, read in place (no copy of each of 60,000 demands).
    static func pids(_ indexes: [Int], of demands: [FaultDemand]) -> [Int] {
        var seen: Set<Int> = []
        for index in indexes { for pid in demands[index].pids { seen.insert(pid) } }
        return seen.sorted()
    }

    /// `vmas` of the demands at `indexes`, in that order, read in place.
    static func vmas(_ indexes: [Int], of demands: [FaultDemand]) -> [Finding.VMA] {
        var result: [Finding.VMA] = []
        for index in indexes { result += demands[index].vmas }
        return result
    }

    static func vmas(_ demands: [FaultDemand]) -> [Finding.VMA] {
        demands.flatMap(\.vmas)
    }
}
