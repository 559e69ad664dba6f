/// What `hugectl status` reports: the snapshot and what the analysis found in it.
public struct StatusReport: Sendable {
    public var snapshot: SystemSnapshot
    /// The snapshot's consumers with every mapping's reservation attributed.
    public var consumers: ConsumerSnapshot
    public var ledgers: [ReservationLedger]
    public var findings: [Finding]

    public init(snapshot: SystemSnapshot) {
        self.snapshot = snapshot
        var consumers = snapshot.consumers
        ledgers = ReservationAttribution.attribute(&consumers, pools: snapshot.pools, mounts: snapshot.mounts)
        self.consumers = consumers
        findings = Analysis.findings(for: snapshot)
    }
}
