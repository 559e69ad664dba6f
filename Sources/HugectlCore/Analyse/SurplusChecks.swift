/// `surplus-stranded`, `surplus-outside-policy`: surplus pages that help nobody.
public enum SurplusChecks {
    public static let strandedID = "surplus-stranded"
    public static let outsideID = "surplus-outside-policy"

    public static func findings(in input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        guard input.snapshot.pools.contains(where: { ($0.surplus ?? 0) > 0 }) else { return [] }
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
                        + "echo \((pool.total ?? 0)) > \(KernelPath.pool(kB: pool.pageSizeKB))/nr_hugepages makes them persistent"))
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
}
