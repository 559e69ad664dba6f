import HugectlCLI
import HugectlCore
import HugectlTune

/// `hugectl pool set SIZE COUNT ...` and `hugectl pool reset SIZE`: change a pool, read it
/// back, and say exactly what the kernel gave.
func runPool(_ invocation: Invocation) -> ExitStatus {
    let request: PoolRequest
    let format: OutputFormat
    let style: Style
    let timeout: Double
    do throws(UsageError) {
        format = try invocation.arguments.outputFormat()
        style = try invocation.arguments.style()
        timeout = try invocation.arguments.lockTimeout()
        let parsed = try poolRequest(invocation.arguments, root: invocation.root) {
            invocation.openRoot().flatMap { invocation.collect($0, scanProcesses: false, warn: false) }
        }
        guard let parsed else { return .systemUnreadable }
        request = parsed
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    var session = PoolSession(source: SystemRoot.live(), writer: LiveSysfsWriter())
    session.configure(invocation)
    // Before the lock (in /run, root's) and before anything is read for the change.
    if !session.dryRun, let why = WriteAccess.refusal(for: PoolChange.paths(of: request)) {
        Terminal.error(why)
        return .systemUnreadable
    }
    let outcome = session.run(request, lockTimeout: timeout, waiting: { Terminal.error($0) },
                              beforeWriting: { sayUndo($0, format: format) })
    return report(outcome, invocation: invocation, format: format, style: style)
}

extension PoolSession {
    /// `--force`, `--compact`, `--wait` and `--dry-run` as given.
    mutating func configure(_ invocation: Invocation) {
        let args = invocation.arguments
        force = args.has("force")
        compact = args.has("compact")
        wait = args.value("wait").flatMap(Double.init) ?? 0
        dryRun = args.has("dry-run")
    }
}

/// The way back, before anything is written (on standard error with `--json`).
func sayUndo(_ change: PoolChange, format: OutputFormat) {
    let line: StyledText = "undo: \(change.undo)\n"
    if format == .json { Terminal.err(line.rendered()) } else { Terminal.out(line, color: false) }
}

/// Prints one pool change's outcome and gives its exit status. With `--json` the pool
/// document goes to `emit`: `pool` prints it, `plan --apply` gathers one per page size.
func report(_ outcome: PoolOutcome, invocation: Invocation, format: OutputFormat, style: Style,
            emit: (JSON) -> Void = { Terminal.out($0.serialized()) }) -> ExitStatus {
    for warning in outcome.warnings { Terminal.error(warning) }
    guard let change = outcome.change else {
        return outcome.status == .unreadable ? .systemUnreadable : .shortfall
    }
    switch outcome.status {
    case .policy(let failure):
        guard failure != .noMask else {
            Terminal.error(failure.description)
            return .systemUnreadable
        }
        return usageFailure(UsageError(failure.description), command: invocation.command)
    case .dryRun:
        if format == .json {
            emit(TuneRender.poolJSON(change, result: nil, dryRun: true, before: outcome.before))
        } else {
            Terminal.out("dry run: nothing written. hugectl would write:\n" + TuneRender.writesText(change), color: false)
            if !change.undo.isEmpty { Terminal.out("undo: \(change.undo)\n", color: false) }
        }
        return .success
    case .done, .fellShort, .unreadable:
        guard let result = outcome.result else { return outcome.status == .unreadable ? .systemUnreadable : .shortfall }
        if format == .json {
            emit(TuneRender.poolJSON(change, result: result, dryRun: false, before: outcome.before))
        } else {
            Terminal.out(TuneRender.poolTable(result).render(headers: !invocation.arguments.has("no-headers"), width: style.width), color: style.color)
        }
        for problem in outcome.problems { Terminal.error(problem) }
        return outcome.status == .done ? .success : outcome.status == .unreadable ? .systemUnreadable : .shortfall
    }
}
