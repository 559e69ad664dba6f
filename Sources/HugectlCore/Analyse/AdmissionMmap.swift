/// Would `mmap` of a new hugetlb mapping succeed? The checks of `hugetlb_reserve_pages`
/// (mm/hugetlb.c), in its order; the first that refuses makes mmap fail with ENOMEM
/// (`hugetlbfs_file_mmap` returns -ENOMEM whichever step failed):
/// 1. `MAP_NORESERVE` (`VM_NORESERVE`): nothing is reserved and nothing checked.
/// 2. `chg`: a private mapping reserves its whole length; a shared one the pages of its file
///    range not yet in the inode's map (`region_chg`: a new file, so all of them).
/// 3. `hugetlb_cgroup_charge_cgroup_rsvd`: `chg` pages charged to the mapping task's cgroup
///    `rsvd` counter, which refuses beyond `rsvd.max` at that cgroup or any ancestor.
/// 4. `hugepage_subpool_get_pages` (fs/hugetlbfs subpool of `--mount`): `used + chg` beyond
///    `size=` refuses; a `min_size=` reserve not yet taken covers part of `chg`, and only the
///    rest (`gbl_reserve`) goes on to the global pool.
/// 5. `hugetlb_acct_memory` → `gather_surplus_pages`: `resv + gbl_reserve <= free`, else the
///    missing pages are allocated as surplus while `surplus < nr_overcommit_hugepages` (never
///    for gigantic sizes), else refused.
/// 6. `allowed_mems_nr`: `gbl_reserve` must not exceed the free pages (reserved ones included)
///    of the task's cpuset mems, narrowed to its policy's nodes only when the task policy is
///    `MPOL_BIND` (`policy_mbind_nodemask`); a VMA policy set by mbind after mmap is not seen.
/// On success the snapshot is changed as the kernel would leave it: `resv_hugepages` up by
/// `gbl_reserve`, surplus pages added, the subpool's and the cgroup's usage charged.
public enum AdmissionMmap {
    public struct Step: Equatable, Sendable {
        public enum Result: String, Sendable { case ok, refused, unknown, skipped }
        /// The kernel function the step mirrors.
        public var check: String
        public var result: Result
        public var detail: String
    }

    public struct Answer: Equatable, Sendable {
        /// `ok`, `refused` (mmap fails with `errno`), or `unknown` (a counter could not be read).
        public var result: Step.Result
        public var errno: String?
        /// `chg`: pages the mapping asks to reserve (0 with MAP_NORESERVE).
        public var chargedPages: Int
        /// Pages added to `resv_hugepages` (`gbl_reserve`).
        public var reservedPages: Int
        /// Surplus pages `gather_surplus_pages` would allocate.
        public var surplusPages: Int
        public var steps: [Step]

        /// Why mmap would fail, or nil.
        public var reason: String? { steps.first { $0.result == .refused || $0.result == .unknown }?.detail }
    }

    /// The answer, and the snapshot with the reservation made when mmap succeeds.
    static func reserve(_ spec: AdmissionSpec, process: HugetlbProcess, in snapshot: SystemSnapshot,
                        ledgers: [ReservationLedger]) -> (Answer, SystemSnapshot) {
        var answer = Answer(result: .ok, errno: nil, chargedPages: 0, reservedPages: 0, surplusPages: 0, steps: [])
        func step(_ check: String, _ result: Step.Result, _ detail: String) -> Bool {
            answer.steps.append(Step(check: check, result: result, detail: detail))
            if result == .refused || result == .unknown {
                answer.result = result
                answer.errno = result == .refused ? "ENOMEM" : nil
                return false
            }
            return true
        }
        if spec.noreserve {
            _ = step("hugetlb_reserve_pages", .skipped, "MAP_NORESERVE: nothing is reserved at mmap; every fault needs an unreserved page")
            return (answer, snapshot)
        }
        let chg = spec.pages
        answer.chargedPages = chg
        var changed = snapshot
        let size = PageSize.format(kB: spec.pageSizeKB)

        let cgroup = cgroupStep(chg: chg, kB: spec.pageSizeKB, path: process.cgroup, snapshot.cgroups)
        guard step("hugetlb_cgroup_charge_cgroup_rsvd", cgroup.result, cgroup.detail) else { return (answer, snapshot) }

        var gbl = chg
        if let path = spec.mount, let mount = snapshot.mounts.first(where: { $0.path == path }) {
            let sub = subpoolStep(chg: chg, mount: mount, unusedMinimum: ledgers.first { $0.pageSizeKB == spec.pageSizeKB }?
                .minSizeByMount[path] ?? 0)
            guard step("hugepage_subpool_get_pages", sub.result, sub.detail) else { return (answer, snapshot) }
            gbl = sub.global
            if let at = changed.mounts.firstIndex(where: { $0.path == path }), mount.sizeLimitPages != nil {
                changed.mounts[at].usedPages = (mount.usedPages ?? 0).addingClamped(chg)
            }
        }
        answer.reservedPages = gbl

        guard let index = snapshot.pools.firstIndex(where: { $0.pageSizeKB == spec.pageSizeKB }) else {
            _ = step("hugetlb_acct_memory", .refused, "this system has no \(size) pool")
            return (answer, snapshot)
        }
        let acct = acctStep(gbl: gbl, pool: snapshot.pools[index])
        guard step("hugetlb_acct_memory", acct.result, acct.detail) else { return (answer, snapshot) }
        answer.surplusPages = acct.surplus
        let allowed = AdmissionNodes.mbindNodes(spec, process: process, snapshot: snapshot)
        AdmissionNodes.addSurplus(acct.surplus, on: allowed, to: &changed.pools[index])

        let mems = mmapNodesStep(gbl: gbl, pool: changed.pools[index], nodes: allowed, size: size)
        guard step("allowed_mems_nr", mems.result, mems.detail) else { return (answer, snapshot) }

        changed.pools[index].reserved = (changed.pools[index].reserved ?? 0).addingClamped(gbl)
        if changed.defaultPageSizeKB == spec.pageSizeKB {
            changed.meminfo.reserved = changed.pools[index].reserved
            changed.meminfo.total = changed.pools[index].total
            changed.meminfo.free = changed.pools[index].free
            changed.meminfo.surplus = changed.pools[index].surplus
        }
        AdmissionNodes.chargeReservation(chg, kB: spec.pageSizeKB, path: process.cgroup, in: &changed.cgroups)
        return (answer, changed)
    }

    /// `page_counter_try_charge` of the rsvd counter, up the hierarchy.
    static func cgroupStep(chg: Int, kB: Int, path: String?, _ cgroups: HugetlbCgroups)
        -> (result: Step.Result, detail: String) {
        guard let path else {
            return (.skipped, "no cgroup given (--cgroup or --as): the rsvd limits were not checked")
        }
        var current: String? = path
        var checked = 0
        while let at = current {
            guard let group = cgroups.group(at), !group.unreadable else {
                if cgroups.version == nil { return (.skipped, "no hugetlb cgroup hierarchy: nothing limits reservations") }
                return (.unknown, "cgroup \(at) could not be read: its hugetlb rsvd limit is unknown")
            }
            if let usage = group.usage(kB: kB) {
                switch usage.reservationLimit {
                case .pages(let limit)?:
                    guard let used = usage.reservationUsage else {
                        return (.unknown, "cgroup \(at): hugetlb rsvd usage unreadable (limit \(limit) pages)")
                    }
                    if used.addingClamped(chg) > limit {
                        return (.refused, "cgroup \(at)'s hugetlb rsvd limit is \(limit) pages, \(used) are charged: "
                            + "\(chg) more do not fit (hugetlb_cgroup_charge_cgroup_rsvd)")
                    }
                case nil: return (.unknown, "cgroup \(at): hugetlb rsvd limit unreadable")
                case .unlimited?: break
                }
                checked += 1
            }
            current = group.parentPath
        }
        return (.ok, "cgroup \(path): \(chg) pages fit under every rsvd limit (\(checked) cgroup\(checked == 1 ? "" : "s") with the controller)")
    }

    /// `hugepage_subpool_get_pages(spool, chg)`: the pages that still need a global reservation.
    static func subpoolStep(chg: Int, mount: HugetlbfsMount, unusedMinimum: Int)
        -> (result: Step.Result, detail: String, global: Int) {
        if let limit = mount.sizeLimitPages {
            guard let used = mount.usedPages else {
                return (.unknown, "hugetlbfs \(mount.path): size=\(limit) pages but its usage (statfs) is unknown", chg)
            }
            if used.addingClamped(chg) > limit {
                return (.refused, "hugetlbfs \(mount.path)'s size= limit is \(limit) pages, \(used) are used: "
                    + "\(chg) more do not fit (hugepage_subpool_get_pages)", chg)
            }
        }
        let covered = min(chg, unusedMinimum)
        let detail = "hugetlbfs \(mount.path): fits" + (mount.sizeLimitPages.map { " its size= limit of \($0) pages" } ?? " (no size= limit)")
            + (covered > 0 ? "; \(covered) pages come from its min_size= reserve" : "")
        return (.ok, detail, chg - covered)
    }

    /// `gather_surplus_pages(h, gbl)`: free minus reserved, then new surplus pages.
    static func acctStep(gbl: Int, pool: HugePagePool) -> (result: Step.Result, detail: String, surplus: Int) {
        let size = PageSize.format(kB: pool.pageSizeKB)
        guard let free = pool.free, let reserved = pool.reserved else {
            return (.unknown, "the \(size) pool's free or reserved count is unknown", 0)
        }
        let needed = reserved.addingClamped(gbl).addingClamped(-free)
        if needed <= 0 {
            return (.ok, "\(gbl) pages fit the \(free - reserved) free unreserved \(size) pages", 0)
        }
        let room = pool.isGigantic ? 0 : max(0, (pool.overcommit ?? 0).addingClamped(-(pool.surplus ?? 0)))
        if pool.overcommit == nil && !pool.isGigantic {
            return (.unknown, "\(needed) more \(size) pages than free unreserved would be needed, and nr_overcommit_hugepages is unknown", 0)
        }
        if needed > room {
            return (.refused, "the \(size) pool has \(max(0, free - reserved)) free unreserved pages and room for \(room) surplus: "
                + "\(gbl) do not fit (hugetlb_acct_memory)", 0)
        }
        return (.ok, "\(gbl) pages fit with \(needed) new surplus \(size) pages (nr_overcommit_hugepages)", needed)
    }

    /// `allowed_mems_nr`: the free pages of the nodes the mmap-time check counts.
    static func mmapNodesStep(gbl: Int, pool: HugePagePool, nodes: Set<Int>?, size: String) -> (result: Step.Result, detail: String) {
        guard let nodes, !pool.nodes.isEmpty else { return (.skipped, "no per-node pools: no node check") }
        var free = 0
        for node in pool.nodes where nodes.contains(node.node) {
            guard let pages = node.free else { return (.unknown, "node \(node.node)'s free \(size) pages are unknown") }
            free = free.addingClamped(pages)
        }
        let list = NodeList.format(nodes.sorted())
        if gbl > free {
            return (.refused, "the mapping task may use nodes \(list) (bind policy and cpuset mems), which have \(free) free \(size) pages: "
                + "\(gbl) do not fit (allowed_mems_nr)")
        }
        return (.ok, "nodes \(list) have \(free) free \(size) pages (reserved ones included), enough for \(gbl)")
    }
}
