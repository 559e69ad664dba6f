import HugectlCLI
import HugectlCore

/// `hugectl procs [PID|NAME ...]`: who holds hugetlb memory, one row per process and page
/// size, or per VMA with `-v`.
func runProcs(_ invocation: Invocation) -> ExitStatus {
    let args = invocation.arguments
    let format: OutputFormat
    let style: Style
    let query: ProcsQuery
    let interval: Double?
    do throws(UsageError) {
        format = try invocation.arguments.outputFormat()
        style = try invocation.arguments.style()
        interval = try invocation.arguments.watchInterval()
        query = try UsageError.from { () throws(InputError) in
            try ProcsQuery(selectors: args.positionals, verbose: args.has("verbose"), sort: args.value("sort"),
                           columns: args.value("output"))
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    func once() -> (output: ReportOutput, ok: Bool) {
        guard let snapshot = invocation.collect(source) else { return (.text(""), false) }
        let report = StatusReport(snapshot: snapshot)
        if format == .json { return (.json(ProcsJSON.document(report, processes: query.processes(report))), true) }
        return (.text(ProcsText.render(report, query: query, headers: !args.has("no-headers"), width: style.width).rendered(color: style.color)), true)
    }
    return printReport(format: format, interval: interval, once: once)
}
