import HugectlCore

/// `hugectl status`: read, analyse, render.
func runStatus(_ invocation: Invocation) -> ExitStatus {
    let format: OutputFormat
    let style: Style
    let columns = invocation.arguments.value("output")
    let interval: Double?
    do throws(UsageError) {
        try invocation.expectNoArguments()
        format = try invocation.outputFormat(allowed: [.text, .json, .prometheus])
        style = try invocation.style()
        interval = try invocation.watchInterval()
        if let columns { _ = try StatusText.poolTable(SystemSnapshot(root: "/")).selecting(columns) }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    func once(compactJSON: Bool) -> (text: String, ok: Bool) {
        guard let snapshot = collect(from: source) else { return ("", false) }
        reportWarnings(snapshot.warnings, source: source)
        let report = StatusReport(snapshot: snapshot)
        switch format {
        case .json:
            let document = StatusJSON.document(report)
            return (compactJSON ? document.compact() + "\n" : document.serialized(), true)
        case .prometheus:
            return (Prometheus.render(report), true)
        case .text:
            return (StatusText.render(report, headers: !invocation.arguments.has("no-headers"), style: style,
                                      poolColumns: columns), true)
        }
    }
    if let interval {
        return watch(every: interval, header: format == .text) { once(compactJSON: !Terminal.isTerminal(1)) }
    }
    let (text, ok) = once(compactJSON: false)
    guard ok else { return .systemUnreadable }
    Terminal.out(text)
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
