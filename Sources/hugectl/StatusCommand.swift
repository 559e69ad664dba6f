import HugectlCLI
import HugectlCore

/// `hugectl status`: read, analyse, render.
func runStatus(_ invocation: Invocation) -> ExitStatus {
    let format: OutputFormat
    let style: Style
    let columns = invocation.arguments.value("output")
    let interval: Double?
    do throws(UsageError) {
        try invocation.arguments.expectNoArguments()
        format = try invocation.arguments.outputFormat(allowed: [.text, .json, .prometheus])
        style = try invocation.arguments.style()
        interval = try invocation.arguments.watchInterval()
        _ = try UsageError.from { () throws(InputError) in try Listings.pools.select(columns) }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    func once() -> (output: ReportOutput, ok: Bool) {
        guard let snapshot = invocation.collect(source) else { return (.text(""), false) }
        let report = KeptUntilExit.keep(StatusReport(snapshot: snapshot), if: interval == nil)
        switch format {
        case .json:
            return (.json(StatusJSON.document(report)), true)
        case .prometheus:
            return (.text(Prometheus.render(report)), true)
        case .text:
            return (.text(StatusText.render(report, headers: !invocation.arguments.has("no-headers"), width: style.width,
                                            poolColumns: columns).rendered(color: style.color)), true)
        }
    }
    return printReport(format: format, interval: interval, once: once)
}
