/// What `hugectl status` reports: the snapshot and what the analysis found in it.
public struct StatusReport: Sendable {
    public var snapshot: SystemSnapshot
    /// The snapshot's consumers with every mapping's reservation attributed.
    public var consumers: ConsumerSnapshot
    public var ledgers: [ReservationLedger]
    public var findings: [Finding]

    public init(snapshot: SystemSnapshot) {
        let input = AnalysisInput(snapshot: snapshot)
        self.init(input: input, findings: Analysis.findings(for: input))
    }

    public init(input: AnalysisInput, findings: [Finding]) {
        snapshot = input.snapshot
        consumers = input.consumers
        ledgers = input.ledgers
        self.findings = findings
    }
}
