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
    func once(compactJSON: Bool) -> (text: String, ok: Bool) {
        guard let snapshot = invocation.collect(source) else { return ("", false) }
        let report = StatusReport(snapshot: snapshot)
        switch format {
        case .json:
            let document = StatusJSON.document(report)
            return (compactJSON ? document.compact() + "\n" : document.serialized(), true)
        case .prometheus:
            return (Prometheus.render(report), true)
        case .text:
            return (StatusText.render(report, headers: !invocation.arguments.has("no-headers"), width: style.width,
                                      poolColumns: columns).rendered(color: style.color), true)
        }
    }
    return printReport(format: format, interval: interval, once: once)
}
