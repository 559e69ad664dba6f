/// `hugectl check`'s use case: the analysis of a snapshot with the expectations' findings,
/// `--ignore` applied, judged against the threshold.
extension CheckResult {
    /// The check of `snapshot`; `started` is when the command started (for JUnit's `time`).
    public static func run(_ snapshot: SystemSnapshot, expectations: Expectations, threshold: Finding.Severity,
                           started: Double) -> CheckResult {
        let input = AnalysisInput(snapshot: snapshot)
        let (findings, ignored) = expectations.partition(
            Analysis.ordered(Analysis.findings(for: input)
                + expectations.findings(in: snapshot, freeable: input.freeable)))
        return CheckResult(report: StatusReport(input: input, findings: findings), threshold: threshold,
                           expectations: expectations, ignored: ignored, seconds: MonotonicClock.seconds() - started)
    }
}
