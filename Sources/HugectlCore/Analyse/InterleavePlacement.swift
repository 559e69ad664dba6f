/// Where an interleaved mapping's pages go first, and when a bind mask stops confining faults.
///
/// Interleave (`interleave_nid`, 6.1: `offset_il_node`) and weighted interleave
/// (`weighted_interleave_nid`, since 6.9) place page `i` of a VMA on a fixed node: the
/// interleave index is `(vm_pgoff >> order) + i` (`get_vma_policy`, 6.1: `interleave_nid`
/// with the VMA), the VMA's offset in huge pages plus the page's index, for the VMA's own
/// policy and for a task policy alike. Plain interleave takes the policy's nodes in order,
/// `index mod n`; weighted interleave gives each node as many consecutive indexes of a period
/// of `sum(weights)` as its weight (`/sys/kernel/mm/mempolicy/weighted_interleave/node<N>`;
/// the kernel counts a weight of 0 as 1). That node is only where the fault starts: `huge_node`
/// gives no node mask for interleave, so `dequeue_hugetlb_folio_vma` walks that node's zonelist
/// over every node the cpuset allows (docs/vm-scenarios.md, scenario 04).
public enum InterleavePlacement {
    /// How many of the pages `firstIndex ..< firstIndex + pages` of an interleave index have
    /// each node as their first choice; nil for other modes, and for weighted interleave when
    /// a weight of one of its nodes is unknown (it is never guessed).
    public static func firstChoicePages(_ policy: MemoryPolicy, firstIndex: Int, pages: Int,
                                        weights: [Int: Int]) -> [Int: Int]? {
        let nodes = Array(Set(policy.nodes)).sorted()
        guard !nodes.isEmpty, pages > 0, firstIndex >= 0 else { return nil }
        var slots: [Int]  // the node of each index of one period
        switch policy.mode {
        case .interleave:
            slots = nodes
        case .weightedInterleave:
            slots = []
            for node in nodes {
                guard let weight = weights[node], weight >= 0 else { return nil }
                slots += Array(repeating: node, count: max(1, min(weight, 255)))
            }
        default:
            return nil
        }
        let period = slots.count
        var result: [Int: Int] = [:]
        let rounds = pages / period
        if rounds > 0 { for node in slots { result[node, default: 0] += rounds } }
        let start = firstIndex % period
        for step in 0..<(pages % period) { result[slots[(start + step) % period], default: 0] += 1 }
        return result
    }

    /// The interleave index of a mapping's first page: `vm_pgoff >> order`, which is the
    /// mapping's file offset (maps prints `vm_pgoff << PAGE_SHIFT`) in huge pages.
    public static func firstIndex(_ mapping: HugetlbMapping) -> Int {
        let pageBytes = UInt64(max(1, mapping.pageSizeKB)) * 1024
        return Int(clamping: mapping.offset / pageBytes)
    }

    /// From 6.7 (commit ddc1a5cbc05d, "mempolicy: alloc_pages_mpol() for NUMA policy without
    /// vma") `huge_node` takes the node mask from `policy_nodemask`, which drops a bind mask
    /// that does not intersect the faulting task's `mems_allowed`
    /// (`cpuset_nodemask_valid_mems_allowed`): the fault then falls back over the cpuset's
    /// nodes, starting at the local node. Before, `huge_node` used the bind mask as it was,
    /// and such a fault could use no node at all.
    public static let bindIgnoredOutsideMemsSince = KernelVersion(6, 7)

    /// Whether the kernel of `release` ignores a bind mask outside the task's mems; nil when
    /// the release is unknown or does not parse.
    public static func ignoresBindOutsideMems(release: String?) -> Bool? {
        guard let version = release.flatMap(KernelVersion.init(release:)) else { return nil }
        return version >= bindIgnoredOutsideMemsSince
    }
}

extension NodeFacts {
    /// The first-choice nodes of an interleaved mapping's owed pages, when they are known:
    /// when every page of the mapping is owed (none faulted yet), page `i` is owed and starts
    /// at the node of index `firstIndex + i`. When some pages were faulted, which ones is not
    /// in /proc (numa_maps counts pages per node, not per index): nil.
    func firstChoicePages(_ mapping: HugetlbMapping, owed: Int) -> [Int: Int]? {
        guard let policy = mapping.policy, policy.mode == .interleave || policy.mode == .weightedInterleave,
              owed == mapping.pages else { return nil }
        return InterleavePlacement.firstChoicePages(policy, firstIndex: InterleavePlacement.firstIndex(mapping),
                                                    pages: owed, weights: interleaveWeights)
    }
}
