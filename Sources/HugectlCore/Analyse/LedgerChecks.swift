/// `reservation-unattributed`, `mount-limit-unmet`, `scan-incomplete`: what hugectl could not
/// account for, and promises the pool cannot keep.
public enum LedgerChecks {
    public static let unattributedID = "reservation-unattributed"
    public static let mountID = "mount-limit-unmet"
    public static let scanID = "scan-incomplete"

    public static func findings(in input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        let scan = input.consumers.scan
        for ledger in input.ledgers {
            guard let unattributed = ledger.unattributed, unattributed != 0 else { continue }
            let size = PageSize.format(kB: ledger.pageSizeKB)
            if unattributed > 0 {
                findings.append(Finding(
                    id: unattributedID, severity: scan.complete ? .warning : .info, pageSizeKB: ledger.pageSizeKB,
                    pages: unattributed,
                    message: Finding.pages(unattributed, "reserved \(size)") + " held by nothing hugectl can see"
                        + (scan.complete ? "" : " (the process scan was incomplete)"),
                    hint: scan.attempted
                        ? "look for SysV segments nobody has attached (ipcs -m) and for processes hugectl could not read"
                        : "this tree has no process information: analyse a snapshot made by 'hugectl snapshot'"))
            } else {
                findings.append(Finding(
                    id: unattributedID, severity: .info, pageSizeKB: ledger.pageSizeKB, pages: -unattributed,
                    message: "hugectl attributes \(-unattributed) more reserved \(size) pages than the kernel counts: "
                        + "a range once reserved was punched or removed (MADV_REMOVE) while mapped, or a SHM_NORESERVE segment "
                        + "(see docs/reservations.md)",
                    hint: "estimated figures are bounded by the kernel's count; these were read exactly (docs/reservations.md)"))
            }
        }
        for mount in input.snapshot.mounts {
            guard let size = mount.pageSizeKB, let limit = mount.sizeLimitPages,
                  let pool = input.snapshot.pool(kB: size), let total = pool.total else { continue }
            let room = ReservationShortfall.overcommitRoom(pool, input.snapshot).pages
            let capacity = total.addingClamped(room)
            if limit > capacity {
                let sizeText = PageSize.format(kB: size)
                let fix = PoolFix.addPages(pool, nodes: [], pages: limit - capacity, input.snapshot,
                                           tail: ", or lower the mount's size= limit")
                findings.append(Finding(
                    id: mountID, severity: .warning, pageSizeKB: size, pages: limit - capacity,
                    message: "hugetlbfs \(mount.path) allows \(limit) \(sizeText) pages (size=) but the pool can hold only \(capacity)",
                    hint: fix.hint, remedy: fix.remedy))
            }
        }
        if !scan.attempted {
            findings.append(Finding(
                id: scanID, severity: .info,
                message: "no process information was read, so no mapping is in the analysis",
                hint: "analyse a snapshot made by 'hugectl snapshot', which records the processes"))
        } else if !scan.complete {
            let pids = Array(Set(scan.unreadable.map(\.pid))).sorted()
            findings.append(Finding(
                id: scanID, severity: .info, pids: pids,
                message: "\(pids.count) of \(scan.processesSeen) processes could not be read; their hugetlb mappings are not in the analysis",
                hint: "as root hugectl reads every user's processes; some (such as PID 1 in a container) stay closed even to root"))
        }
        return findings
    }
}
