import HugectlCore

/// `hugectl status`: read, analyse, render.
func runStatus(_ invocation: Invocation) -> ExitStatus {
    let format: OutputFormat
    let style: Style
    do throws(UsageError) {
        try invocation.expectNoArguments()
        format = try invocation.outputFormat(allowed: [.text, .json, .prometheus])
        style = try invocation.style()
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    guard let snapshot = collect(from: source) else { return .systemUnreadable }
    reportWarnings(snapshot.warnings, source: source)
    let report = StatusReport(snapshot: snapshot)
    switch format {
    case .json:
        Terminal.out(StatusJSON.document(report).serialized())
    case .prometheus:
        Terminal.out(Prometheus.render(report))
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

/// Each warning on stderr. Under `--root` a warning's kernel path is shown as the file
/// actually read (`DIR/sys/...`), as for fatal errors; the JSON keeps the kernel path.
func reportWarnings(_ warnings: [String], source: SystemSource) {
    for warning in warnings {
        if !source.isLive && warning.hasPrefix("/") {
            Terminal.error(rootPrefix(source) + warning)
        } else {
            Terminal.error(warning)
        }
    }
}

/// The `--root` directory without a trailing slash, to put before a kernel path.
func rootPrefix(_ source: SystemSource) -> String {
    var root = source.rootPath
    while root.hasSuffix("/") { root.removeLast() }
    return root
}

func reportUnreadable(_ error: ReadError, source: SystemSource) {
    var path = error.path
    if !source.isLive { path = rootPrefix(source) + path }
    var message = "\(path): \(error.failure)"
    if error.path == KernelPath.hugepages && error.failure == .system(.noSuchFile) {
        message += " (no hugetlb support in this kernel?)"
    }
    Terminal.error(message)
}
