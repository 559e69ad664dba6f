import HugectlCore

/// `hugectl status`: read, analyse, render.
func runStatus(_ invocation: Invocation) -> ExitStatus {
    let format: OutputFormat
    let style: Style
    do throws(UsageError) {
        if let extra = invocation.arguments.positionals.first {
            throw UsageError("unexpected argument '\(extra)'")
        }
        format = try invocation.outputFormat()
        style = try invocation.style()
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    guard let snapshot = collect(from: source) else { return .systemUnreadable }
    for warning in snapshot.warnings { Terminal.error(warning) }
    let report = StatusReport(snapshot: snapshot)
    switch format {
    case .json:
        Terminal.out(StatusJSON.document(report).serialized())
    case .text:
        Terminal.out(StatusText.render(report, headers: !invocation.arguments.has("no-headers"), style: style))
    }
    return .success
}

/// The snapshot, or nil after saying on stderr why the system could not be read at all.
func collect(from source: SystemSource) -> SystemSnapshot? {
    do {
        return try SnapshotCollector.collect(from: source)
    } catch {
        reportUnreadable(error, source: source)
        return nil
    }
}

func reportUnreadable(_ error: ReadError, source: SystemSource) {
    var path = error.path
    if !source.isLive { path = source.rootPath + path }
    var message = "\(path): \(error.failure)"
    if error.path == KernelPath.hugepages && error.failure == .system(.noSuchFile) {
        message += " (no hugetlb support in this kernel?)"
    }
    Terminal.error(message)
}
