/// `mount-size-exceeded`: faults without a reservation on a hugetlbfs mount with a subpool.
///
/// Every fault that finds no reservation for its page (MAP_NORESERVE, a fork child's copy of a
/// private mapping, a hole-punched page, the owner's copy-on-write of a page a child shares)
/// asks the mount's subpool for one page first (`alloc_hugetlb_folio` →
/// `hugepage_subpool_get_pages(spool, 1)`):
/// - with `size=` (`max_hpages`), the page is refused once `used_hpages` (reservations and
///   such faulted pages of the mount, seen through statfs: `f_blocks − f_bfree`) reaches the
///   limit: the fault is a SIGBUS although the pool may have free, unreserved pages. What the
///   mount's unreserved faults want beyond `size − used` fails whatever the order: an error.
/// - with `min_size=` (`min_hpages`), while the mount still holds part of its own reserve
///   (`rsv_hpages`, what `ReservationLedger.minSizeByMount` says its files have not taken) the
///   subpool answers 0 (`gbl_chg = 0`): the page comes out of that reserve, so the fault needs
///   no `free − reserved` headroom, only a free page on the nodes it may use. Up to 6.13
///   `dequeue_hugetlb_folio_vma` skips the headroom check only when `vma_has_reserves(vma, 0)`,
///   true for shared mappings alone: a private mapping's fault still needs headroom (and uses
///   up the mount's reserve without consuming a global reservation). From 6.14
///   (`gbl_chg` alone decides) private faults are served from the reserve as well.
///
/// Internal mounts (anonymous, memfd, SysV objects) have no subpool limit.
public enum SubpoolLimits {
    public static let sizeID = "mount-size-exceeded"
    /// From this release `dequeue_hugetlb_folio_vma` tests `gbl_chg` instead of
    /// `vma_has_reserves`: a private mapping's fault may take the mount's reserve too.
    static let privateUsesReserveSince = KernelVersion(6, 14)

    /// The unreserved demands after the subpools: pages a `size=` limit refuses leave the
    /// classes (and become `findings`), pages a `min_size=` reserve serves move to `reserved`
    /// (they take a reserved page, like an owed page).
    public struct Outcome {
        public var classes: [[FaultDemand]]
        public var reserved: [FaultDemand]
        public var findings: [Finding]
    }

    /// - Parameter classes: the unreserved demands, in the order `UnreservedDemand` serves them
    ///   (NORESERVE pages, then fork children's copies).
    public static func apply(_ input: AnalysisInput, classes: [[FaultDemand]], reserved: [FaultDemand]) -> Outcome {
        var outcome = Outcome(classes: classes, reserved: reserved, findings: [])
        let mounts = input.snapshot.mounts.filter { $0.sizeLimitPages != nil || ($0.minSizePages ?? 0) > 0 }
        guard !mounts.isEmpty, classes.contains(where: { !$0.isEmpty }) else { return outcome }

        // The mount of each demand's object, and whether its mappings are shared.
        var mountOf: [Finding.VMA: (mount: String, shared: Bool)] = [:]
        for process in input.consumers.processes {
            for mapping in process.mappings {
                guard let mount = input.consumers.objects[mapping.object]?.mountPoint else { continue }
                mountOf[Finding.VMA(pid: process.pid, start: mapping.start)] = (mount, mapping.kind.isShared)
            }
        }
        let privateUsesReserve = input.snapshot.kernelRelease.flatMap(KernelVersion.init(release:))
            .map { $0 >= privateUsesReserveSince } ?? true

        for mount in mounts {
            guard let kB = mount.pageSizeKB else { continue }
            var members: [(c: Int, i: Int, shared: Bool)] = []
            for (c, demands) in outcome.classes.enumerated() {
                for (i, demand) in demands.enumerated() where demand.pageSizeKB == kB && demand.pages > 0 {
                    guard let first = demand.vmas.first, let at = mountOf[first], at.mount == mount.path else { continue }
                    members.append((c, i, at.shared))
                }
            }
            guard !members.isEmpty else { continue }

            // size=: what is beyond the room the limit leaves is refused, whatever the order.
            // Which faults are refused depends on the order; the analysis takes the last ones.
            if let limit = mount.sizeLimitPages, let used = mount.usedPages {
                let room = max(0, limit - used)
                let wanted = members.reduce(0) { $0.addingClamped(outcome.classes[$1.c][$1.i].pages) }
                if wanted > room {
                    let demands = members.map { outcome.classes[$0.c][$0.i] }
                    outcome.findings.append(finding(mount, kB: kB, limit: limit, used: used, wanted: wanted,
                                                    refused: wanted - room, demands: demands,
                                                    noreserve: members.contains { $0.c == 0 },
                                                    inherited: members.contains { $0.c == 1 }))
                    var cut = wanted - room
                    for member in members.reversed() where cut > 0 {
                        let take = min(cut, outcome.classes[member.c][member.i].pages)
                        outcome.classes[member.c][member.i].pages -= take
                        cut -= take
                    }
                }
            }

            // min_size=: the mount's own reserve serves the faults that may use it.
            var left = input.ledgers.first { $0.pageSizeKB == kB }?.minSizeByMount[mount.path] ?? 0
            for member in members where left > 0 && (member.shared || privateUsesReserve) {
                let take = min(left, outcome.classes[member.c][member.i].pages)
                guard take > 0 else { continue }
                var served = outcome.classes[member.c][member.i]
                served.pages = take
                outcome.reserved.append(served)
                outcome.classes[member.c][member.i].pages -= take
                left -= take
            }
        }
        outcome.classes = outcome.classes.map { $0.filter { $0.pages > 0 } }
        return outcome
    }

    static func finding(_ mount: HugetlbfsMount, kB: Int, limit: Int, used: Int, wanted: Int, refused: Int,
                        demands: [FaultDemand], noreserve: Bool, inherited: Bool) -> Finding {
        let size = PageSize.format(kB: kB)
        var ways = ["mount it again with a larger size= (or none)"]
        if noreserve { ways.append("map without MAP_NORESERVE so that mmap fails instead") }
        if inherited { ways.append("use MAP_SHARED for memory shared with fork children") }
        return Finding(
            id: sizeID, severity: .error, pageSizeKB: kB, pages: refused,
            pids: ReservationShortfall.pids(demands), vmas: ReservationShortfall.vmas(demands),
            message: "faults without a reservation on hugetlbfs \(mount.path) may want \(wanted) \(size) pages, "
                + "but its size= limit of \(limit) leaves room for \(max(0, limit - used)) (\(used) in use): "
                + "\(refused) would fail with SIGBUS whatever the pool holds",
            hint: ways.dropLast().joined(separator: ", ") + (ways.count > 1 ? ", or " : "") + (ways.last ?? ""))
    }
}
