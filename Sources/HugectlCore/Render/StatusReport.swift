/// What `hugectl status` reports: the snapshot and what the analysis found in it.
public struct StatusReport: Sendable {
    public var snapshot: SystemSnapshot
    public var findings: [Finding]

    public init(snapshot: SystemSnapshot, findings: [Finding]) {
        self.snapshot = snapshot
        self.findings = findings
    }

    public init(snapshot: SystemSnapshot) {
        self.init(snapshot: snapshot, findings: Analysis.findings(for: snapshot))
    }
}
