/// `noreserve-exceeds-headroom`, `private-mapping-inherited`: faults with no reservation.
///
/// They can take only pages nobody has reserved: `free - resv` (`dequeue_hugetlb_folio_vma`
/// refuses a reserved page to a fault without a reservation, `avoid_reserve`/`vma_has_reserves`),
/// plus new surplus pages under overcommit. Beyond that they fail with SIGBUS.
/// - MAP_NORESERVE mappings: every page not yet faulted.
/// - A fork child's copy of a private mapping (`hugetlb_dup_vma_private` gives it no
///   reservation): each page it writes needs a new page, and when the parent's own
///   copy-on-write finds no page the kernel unmaps the page from the child
///   (`unmap_ref_private`), whose next touch is a SIGBUS ("killed due to inadequate hugepage
///   pool").
public enum UnreservedDemand {
    public static let noreserveID = "noreserve-exceeds-headroom"
    public static let inheritedID = "private-mapping-inherited"

    public static func findings(in input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        for pool in input.snapshot.pools {
            let size = PageSize.format(kB: pool.pageSizeKB)
            let headroom = max(0, (pool.free ?? 0) - (pool.reserved ?? 0))
            let room = ReservationShortfall.overcommitRoom(pool, input.snapshot).pages
            var noreservePages = 0
            var noreservePIDs = Set<Int>()
            var noreserveVMAs: [Finding.VMA] = []
            var seenObjects = Set<ObjectID>()
            var inheritedPages = 0
            var inheritedPIDs = Set<Int>()
            var inheritedVMAs: [Finding.VMA] = []
            for process in input.consumers.processes {
                for mapping in process.mappings where mapping.pageSizeKB == pool.pageSizeKB {
                    if mapping.inherited {
                        inheritedPages = inheritedPages.addingClamped(mapping.pages)
                        inheritedPIDs.insert(process.pid)
                        inheritedVMAs.append(Finding.VMA(pid: process.pid, start: mapping.start))
                    } else if mapping.noreserve && mapping.kind != .sysvShm {
                        // A shared object's pages are faulted once for all its mappers.
                        if mapping.kind.isShared {
                            guard seenObjects.insert(mapping.object).inserted else { continue }
                            let instantiated = input.consumers.objects[mapping.object]?.instantiated ?? mapping.faultedPages
                            noreservePages = noreservePages.addingClamped(max(0, mapping.pages - max(0, instantiated)))
                        } else {
                            noreservePages = noreservePages.addingClamped(max(0, mapping.pages - mapping.faultedPages))
                        }
                        noreservePIDs.insert(process.pid)
                        noreserveVMAs.append(Finding.VMA(pid: process.pid, start: mapping.start))
                    }
                }
            }
            let capacity = headroom.addingClamped(room)
            let over = noreservePages > capacity ? noreservePages - capacity : 0
            if over > 0 {
                let remedy = Finding.Remedy(pages: over, nodes: [], lead: "grow the \(size) pool by \(over) pages: ",
                                            tail: ", or map without MAP_NORESERVE so mmap fails instead")
                findings.append(Finding(
                    id: noreserveID, severity: .warning, pageSizeKB: pool.pageSizeKB, pages: over,
                    pids: noreservePIDs.sorted(), vmas: noreserveVMAs,
                    message: "MAP_NORESERVE mappings may still fault \(noreservePages) \(size) pages with no reservation, "
                        + "but only \(capacity) unreserved pages can be had: \(over) would fail with SIGBUS",
                    hint: PoolFix.hint(remedy, command: PoolFix.command(pool, pages: over, nodes: [], input.snapshot)),
                    remedy: remedy))
            }
            if inheritedPages > 0 {
                findings.append(Finding(
                    id: inheritedID, severity: .warning, pageSizeKB: pool.pageSizeKB, pages: inheritedPages,
                    pids: inheritedPIDs.sorted(), vmas: inheritedVMAs,
                    message: "fork children hold \(inheritedPages) \(size) pages of their parents' MAP_PRIVATE mappings with no reservation: "
                        + "their writes need unreserved pages (\(headroom) now), and the parent's copy-on-write can unmap them (SIGBUS)",
                    hint: "use MAP_SHARED for memory shared with children, or keep \(inheritedPages) unreserved \(size) pages free"))
            }
        }
        return findings
    }
}
