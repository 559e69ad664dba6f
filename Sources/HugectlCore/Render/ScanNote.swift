/// The note that the process scan could not see everything: said once per report, whatever
/// the format. This is the one place that decides where it is said.
public enum ScanNote {
    /// One plain sentence when the scan could not see everything.
    public static func text(_ scan: ScanReport) -> StyledText? {
        guard scan.attempted else {
            return "No process information (a tree without /proc/PID): reservations cannot be attributed to processes."
        }
        guard !scan.unreadable.isEmpty else {
            guard scan.notRecorded > 0 else { return nil }
            return "Process scan incomplete: \(scan.notRecorded) of \(scan.processesSeen) processes were not recorded in this tree "
                + "(no maps); their hugetlb use is not shown."
        }
        let pids = Set(scan.unreadable.map(\.pid)).sorted()
        var text: StyledText = "Process scan incomplete: \(pids.count) of \(scan.processesSeen) processes could not be read fully"
        if let first = scan.unreadable.first { text += " (e.g. \(first.path): \(first.reason))" }
        text += "; their hugetlb use is not shown."
        return text
    }

    /// The note and the findings a report shows with it, so that it is said once: where the
    /// report prefers the note (`status`), the `scan-incomplete` row is left out; where it
    /// prefers the row (`check`, whose row and hint say it), the note is said only when the
    /// row is not shown (`--ignore scan-incomplete`). Reports without findings pass none.
    public static func once(_ scan: ScanReport, findings: [Finding], preferNote: Bool) -> (note: StyledText?, findings: [Finding]) {
        guard let note = text(scan) else { return (nil, findings) }
        if preferNote { return (note, findings.filter { $0.id != LedgerChecks.scanID }) }
        return (findings.contains { $0.id == LedgerChecks.scanID } ? nil : note, findings)
    }
}
