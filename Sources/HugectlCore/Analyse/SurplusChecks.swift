/// `surplus-stranded`, `surplus-outside-policy`: surplus pages that help nobody;
/// `surplus-in-use`: surplus pages in use that leave the pool when freed.
public enum SurplusChecks {
    public static let strandedID = "surplus-stranded"
    public static let outsideID = "surplus-outside-policy"
    public static let inUseID = "surplus-in-use"

    public static func findings(in input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        guard input.snapshot.pools.contains(where: { ($0.surplus ?? 0) > 0 }) else { return [] }
        for pool in input.snapshot.pools {
            if let finding = inUse(pool) { findings.append(finding) }
        }
        let demands = FaultDemands.reserved(input)
        for pool in input.snapshot.pools {
            guard let surplus = pool.surplus, surplus > 0 else { continue }
            let size = PageSize.format(kB: pool.pageSizeKB)
            let nodesWithSurplus = pool.nodes.filter { ($0.surplus ?? 0) > 0 }.map(\.node)
            // Surplus pages are freed back to the buddy allocator once unused
            // (`free_huge_folio` while `surplus_huge_pages_node` > 0), so free, unreserved
            // surplus pages should not exist; seen on 6.12 after faults placed new surplus on
            // another node than the reservation's (docs/vm-scenarios.md).
            if let free = pool.free, let reserved = pool.reserved, free > reserved {
                let stranded = min(surplus, free - reserved)
                findings.append(Finding(
                    id: strandedID, severity: .warning, pageSizeKB: pool.pageSizeKB, nodes: nodesWithSurplus,
                    pages: stranded,
                    message: Finding.pages(stranded, "surplus \(size)") + " free and unreserved but not returned: "
                        + "they count against nr_overcommit_hugepages and hold memory",
                    hint: "growing the persistent pool converts surplus pages first: "
                        + "echo \((pool.total ?? 0)) > \(KernelPath.pool(kB: pool.pageSizeKB, .total)) makes them persistent"))
            }
            // Surplus on nodes where no mapping that is owed pages may fault.
            let sized = demands.filter { $0.pageSizeKB == pool.pageSizeKB }
            let wanted = Set(sized.flatMap(\.allowed))
            for node in nodesWithSurplus where !wanted.contains(node) && !sized.isEmpty {
                let pages = pool.nodes.first { $0.node == node }?.surplus ?? 0
                findings.append(Finding(
                    id: outsideID, severity: .info, pageSizeKB: pool.pageSizeKB, nodes: [node], pages: pages,
                    message: Finding.pages(pages, "surplus \(size)") + " on node \(node), where no mapping that is owed pages may fault",
                    hint: "surplus placement follows the reserving task's policy; bind the reserving task to the nodes it will use"))
            }
        }
        return findings
    }

    /// Surplus pages in use beyond `nr_overcommit_hugepages`: the pool was shrunk below what
    /// was in use (`pool set --force`; `set_max_huge_pages` turns the pages it cannot free
    /// into surplus, `adjust_pool_surplus`) or the overcommit limit lowered since. When their
    /// holders free them they go back to the page allocator (`free_huge_folio` while the
    /// node's `surplus_huge_pages_node` is non-zero), so the pool falls to its persistent
    /// size, and the holder started again cannot have them back from overcommit. Per node
    /// where the pool has per-node figures: a node's surplus pages in use are at most its
    /// pages in use (`total - free`); without them, the pool's pages in use or reserved.
    public static func inUse(_ pool: HugePagePool) -> Finding? {
        guard let surplus = pool.surplus, let total = pool.total, let free = pool.free, surplus > 0 else { return nil }
        let overcommit = pool.overcommit ?? 0
        let beyond = surplus - overcommit
        guard beyond > 0 else { return nil }
        var held = 0
        var nodes: [Int] = []
        if pool.nodes.isEmpty {
            held = min(surplus, max(0, (total - free).addingClamped(pool.reserved ?? 0)))
        } else {
            for share in pool.nodes {
                guard let nodeSurplus = share.surplus, nodeSurplus > 0, let nodeTotal = share.total,
                      let nodeFree = share.free else { continue }
                let here = min(nodeSurplus, max(0, nodeTotal - nodeFree))
                if here > 0 {
                    held = held.addingClamped(here)
                    nodes.append(share.node)
                }
            }
        }
        let pages = min(held, beyond)
        guard pages > 0 else { return nil }
        let size = PageSize.format(kB: pool.pageSizeKB)
        let persistent = max(0, total - surplus)
        // Writing the current count converts surplus pages to persistent ones first
        // (`set_max_huge_pages`: `adjust_pool_surplus(h, nodes_allowed, -1)` while the count
        // is above the persistent pages): nothing is allocated.
        let command: String
        let write: String
        if pool.nodes.isEmpty || pool.nodes.contains(where: { $0.total == nil }) {
            command = "hugectl pool set \(size) \(total)"
            write = "echo \(total) > \(KernelPath.pool(kB: pool.pageSizeKB, .total))"
        } else {
            command = "hugectl pool set \(size) " + pool.nodes.map { "\($0.node):\($0.total ?? 0)" }.joined(separator: ",")
            write = nodes.map { node in
                "echo \(pool.nodes.first { $0.node == node }?.total ?? 0) > \(KernelPath.nodePool(node, kB: pool.pageSizeKB, .total))"
            }.joined(separator: "; ")
        }
        return Finding(
            id: inUseID, severity: .warning, pageSizeKB: pool.pageSizeKB, nodes: nodes, pages: pages,
            message: Finding.pages(pages, "\(size)") + " in use are surplus beyond nr_overcommit_hugepages (\(overcommit)): "
                + "when their holders exit they leave the pool, which falls from \(total) to \(persistent) pages, "
                + "and a holder started again cannot get them back",
            hint: "keep them by making them persistent (writing the current count converts surplus pages, "
                + "allocating nothing): \(command) (or \(write))")
    }
}
