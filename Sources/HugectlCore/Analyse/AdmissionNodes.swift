/// The node and cgroup bookkeeping of an admitted mapping's reservation.
enum AdmissionNodes {
    /// The nodes `allowed_mems_nr` counts: the task's cpuset mems (all nodes when unknown),
    /// narrowed to the bind nodes when the *task* policy is `MPOL_BIND`
    /// (`policy_mbind_nodemask`); a VMA policy (mbind after mmap) is not seen. Since 6.11
    /// `gather_surplus_pages` allocates its surplus pages on the same nodes.
    static func mbindNodes(_ spec: AdmissionSpec, process: HugetlbProcess, snapshot: SystemSnapshot) -> Set<Int>? {
        let all = snapshot.pools.first { $0.pageSizeKB == spec.pageSizeKB }?.nodes.map(\.node) ?? []
        guard !all.isEmpty else { return nil }
        var nodes = Set(all)
        if let mems = process.memsAllowed { nodes.formIntersection(mems) }
        if !spec.vmaPolicy, let policy = spec.policy, policy.mode == .bind {
            nodes.formIntersection(policy.nodes)
        }
        return nodes
    }

    /// Surplus pages `gather_surplus_pages` allocates, as free pages of the pool (they are
    /// reserved right after). An approximation where they go: spread evenly over `nodes`
    /// (all nodes when none). The kernel allocates each from the calling CPU's node first
    /// (`alloc_surplus_hugetlb_folio` with `NUMA_NO_NODE`), within the bind ∩ cpuset nodes
    /// since 6.11 and anywhere before; the VM scenarios do not yet cover this case.
    static func addSurplus(_ pages: Int, on nodes: Set<Int>?, to pool: inout HugePagePool) {
        guard pages > 0 else { return }
        pool.total = (pool.total ?? 0).addingClamped(pages)
        pool.free = (pool.free ?? 0).addingClamped(pages)
        pool.surplus = (pool.surplus ?? 0).addingClamped(pages)
        let targets = pool.nodes.indices.filter { nodes?.contains(pool.nodes[$0].node) ?? true }
        guard !targets.isEmpty else { return }
        for (n, index) in targets.enumerated() {
            let share = pages / targets.count + (n < pages % targets.count ? 1 : 0)
            pool.nodes[index].total = (pool.nodes[index].total ?? 0).addingClamped(share)
            pool.nodes[index].free = (pool.nodes[index].free ?? 0).addingClamped(share)
            pool.nodes[index].surplus = (pool.nodes[index].surplus ?? 0).addingClamped(share)
        }
    }

    /// The rsvd counters of `path` and its ancestors charged with `pages`.
    static func chargeReservation(_ pages: Int, kB: Int, path: String?, in cgroups: inout HugetlbCgroups) {
        var current = path
        while let at = current, let index = cgroups.groups.firstIndex(where: { $0.path == at }) {
            if let size = cgroups.groups[index].sizes.firstIndex(where: { $0.pageSizeKB == kB }) {
                cgroups.groups[index].sizes[size].reservationUsage = cgroups.groups[index].sizes[size].reservationUsage.map { $0.addingClamped(pages) }
            }
            current = cgroups.groups[index].parentPath
        }
    }
}
