/// What every check looks at: the snapshot and its consumers with their reservations
/// attributed (`ReservationAttribution`).
public struct AnalysisInput: Sendable {
    public var snapshot: SystemSnapshot
    public var consumers: ConsumerSnapshot
    public var ledgers: [ReservationLedger]

    public init(snapshot: SystemSnapshot) {
        self.snapshot = snapshot
        var consumers = snapshot.consumers
        ledgers = ReservationAttribution.attribute(&consumers, pools: snapshot.pools, mounts: snapshot.mounts,
                                                   defaultPageSizeKB: snapshot.defaultPageSizeKB)
        self.consumers = consumers
    }

    /// The same consumers over other pools (the re-analysis of `PoolFix`): the attribution
    /// depends on the mappings, objects and mounts only, so it is not made again; the ledgers
    /// take the other pools' `resv_hugepages`. A snapshot whose consumers, mounts or page
    /// sizes differ is attributed afresh.
    public func replacingPools(with other: SystemSnapshot) -> AnalysisInput {
        guard other.pools.map(\.pageSizeKB) == snapshot.pools.map(\.pageSizeKB),
              other.mounts == snapshot.mounts, other.consumers == snapshot.consumers else {
            return AnalysisInput(snapshot: other)
        }
        var copy = self
        copy.snapshot = other
        for index in copy.ledgers.indices {
            let pool = other.pool(kB: copy.ledgers[index].pageSizeKB)
            copy.ledgers[index].kernelReserved = pool?.reserved
            copy.ledgers[index].inUse.kernelInUse = pool?.inUse
            copy.ledgers[index].inUse.surplus = pool?.surplus
        }
        return copy
    }
}

/// Every check, run over one snapshot. Each check is a pure function in its own file with its
/// own finding IDs; adding one means adding it to this list.
public enum Analysis {
    public static var checks: [(AnalysisInput) -> [Finding]] { [
        ReservationShortfall.findings(in:),
        UnreservedDemand.findings(in:),
        CgroupLimitShortfall.findings(in:),
        SurplusChecks.findings(in:),
        CounterConsistency.findings(in:),
        LedgerChecks.findings(in:),
        UnmappedFiles.findings(in:),
        CounterUnreadable.findings(in:),
    ] }

    /// All findings, most severe first, then by page size, then in check order; the hints of
    /// those a pool change would remove name the `hugectl` command that does it (`PoolFix`).
    public static func findings(for input: AnalysisInput) -> [Finding] {
        PoolFix.settle(unsettled(input), input.snapshot) { unsettled(input.replacingPools(with: $0)) }
    }

    static func unsettled(_ input: AnalysisInput) -> [Finding] {
        ordered(checks.flatMap { $0(input) })
    }

    /// The findings without the re-analysis that names each one's fixing command in its
    /// hint (`PoolFix.settle`): for callers that read only ids, pages and nodes, such as the
    /// planner and the shrink check, which analyse many hypothetical pools.
    public static func findingsWithoutFixHints(for snapshot: SystemSnapshot) -> [Finding] {
        unsettled(AnalysisInput(snapshot: snapshot))
    }

    /// Most severe first, then by page size, then as given.
    public static func ordered(_ all: [Finding]) -> [Finding] {
        all.enumerated().sorted { lhs, rhs in
            if lhs.element.severity != rhs.element.severity { return lhs.element.severity > rhs.element.severity }
            let lsize = lhs.element.pageSizeKB ?? 0, rsize = rhs.element.pageSizeKB ?? 0
            if lsize != rsize { return lsize < rsize }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    public static func findings(for snapshot: SystemSnapshot) -> [Finding] {
        findings(for: AnalysisInput(snapshot: snapshot))
    }
}
