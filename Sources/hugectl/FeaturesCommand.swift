#if canImport(Glibc)
import Glibc
#endif
import HugectlCLI
import HugectlCore
import HugectlProbe

/// `hugectl features [--probe] [--no-grow]`: what this kernel does with hugetlb memory. Without
/// `--probe` only files are read (so `--root` works); `--probe` tries the calls on the running
/// system (see docs/features.md).
func runFeatures(_ invocation: Invocation) -> ExitStatus {
    let format: OutputFormat
    let style: Style
    let probe = invocation.arguments.has("probe")
    do throws(UsageError) {
        try invocation.arguments.expectNoArguments()
        format = try invocation.arguments.outputFormat()
        style = try invocation.arguments.style()
        if invocation.arguments.has("no-grow") && !probe {
            throw UsageError("--no-grow only applies with --probe")
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    if probe && !source.isLive {
        return usageFailure(UsageError("--probe needs the running system: '\(invocation.root)' is a snapshot, which can only be read"),
                            command: invocation.command)
    }
    var report: FeaturesReport
    do {
        report = try FeaturesCollector.collect(from: source)
    } catch {
        Terminal.error(ReadDiagnostics.unreadable(error, source: source))
        return .systemUnreadable
    }
    if probe {
        FeaturesProbe.run(&report, options: FeaturesProbe.Options(growPools: !invocation.arguments.has("no-grow")))
    } else {
        report.markNotProbed(source.isLive ? FeaturesReport.notRequestedReason : FeaturesReport.snapshotReason)
    }
    sayWarnings(report.warnings, source: source)
    switch format {
    case .json:
        Terminal.out(FeaturesJSON.document(report).serialized())
    case .text, .prometheus:
        Terminal.out(FeaturesText.render(report, headers: !invocation.arguments.has("no-headers"), width: style.width), color: style.color)
    }
    return .success
}
