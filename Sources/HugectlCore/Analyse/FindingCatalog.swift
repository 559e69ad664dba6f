/// Every finding ID hugectl can report, with what it means: the contract scripts match on
/// (documented in the man page and docs/findings.md). New IDs are added, never renamed.
public enum FindingCatalog {
    public static let all: [(id: String, summary: String)] = [
        (ReservationShortfall.certainID, "reserved pages that will fail at fault time whatever the fault order"),
        (ReservationShortfall.possibleID, "reserved pages that may fail, depending on fault order and CPU placement"),
        (ReservationShortfall.rescueID, "reserved pages only new surplus pages (overcommit) can serve"),
        (UnreservedDemand.noreserveID, "MAP_NORESERVE pages beyond the free unreserved pages of their nodes"),
        (UnreservedDemand.inheritedID, "fork children's copy-on-write pages beyond the free unreserved pages"),
        (CgroupLimitShortfall.id, "pages a hugetlb cgroup limit will refuse at fault time"),
        (SubpoolLimits.sizeID, "faults without a reservation beyond a hugetlbfs mount's size= limit"),
        (SurplusChecks.strandedID, "free, unreserved surplus pages that were not returned"),
        (SurplusChecks.outsideID, "surplus pages on nodes no owed mapping may use"),
        (CounterConsistency.id, "pool counters that contradict each other"),
        (LedgerChecks.unattributedID, "reserved pages no holder explains"),
        (LedgerChecks.mountID, "hugetlbfs size= limits the pool cannot meet"),
        (LedgerChecks.scanID, "processes that could not be read"),
        (Expectations.id, "a --require, --min-free or --max-surplus expectation not met"),
        (CounterUnreadable.id, "a pool counter the verdict depends on could not be read"),
        (SurplusChecks.inUseID, "surplus pages in use that leave the pool when freed (pool shrunk below its use)"),
        (UnmappedFiles.id, "hugetlbfs files no process maps or holds open that hold pages (rm frees them)"),
    ]

    public static var ids: [String] { all.map(\.id) }
}
