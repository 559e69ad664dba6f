import HugectlCLI
import HugectlCore
import HugectlTune

/// `hugectl plan [--headroom 10%|SIZE=N] [--apply]`: the pools that would leave nothing to
/// fail, printed as `pool set` commands, sysfs writes and boot parameters.
func runPlan(_ invocation: Invocation) -> ExitStatus {
    let args = invocation.arguments
    let format: OutputFormat
    let style: Style
    let timeout: Double
    var headroom = PoolPlan.Headroom.none
    do throws(UsageError) {
        try invocation.arguments.expectNoArguments()
        format = try invocation.arguments.outputFormat()
        style = try invocation.arguments.style()
        if let text = args.value("headroom") {
            headroom = try UsageError.from { () throws(InputError) in try PoolPlan.parseHeadroom(text) }
        }
        timeout = try invocation.arguments.lockTimeout()
        if args.has("apply") && invocation.root != "/" {
            throw UsageError("--apply changes the running system; --root \(invocation.root) is a snapshot and read-only")
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    // A headroom of a size this kernel (or tree) does not have would add nothing: say so.
    if case .pages(let kB, _) = headroom {
        guard let pools = invocation.collect(source, scanProcesses: false, warn: false) else { return .systemUnreadable }
        do throws(InputError) {
            _ = try PoolRequest.parseSize(PageSize.format(kB: kB), snapshot: pools)
        } catch {
            return usageFailure(UsageError("--headroom \(args.value("headroom") ?? ""): \(error.message)"), command: invocation.command)
        }
    }
    if args.has("apply") {
        return applyPlan(invocation, source: source, headroom: headroom, timeout: timeout, format: format, style: style)
    }
    switch PlanSession.plan(source, headroom: headroom) {
    case .failure(let unreadable):
        Terminal.error(unreadable.message)
        return .systemUnreadable
    case .success(let planned):
        for warning in planned.warnings { Terminal.error(warning) }
        let plan = planned.plan
        switch format {
        case .json: Terminal.out(TuneRender.planJSON(plan).serialized())
        case .text, .prometheus: Terminal.out(TuneRender.planText(plan, headers: !args.has("no-headers"), width: style.width), color: style.color)
        }
        return plan.sizes.contains { !$0.unresolved.isEmpty } || !plan.unresolvedElsewhere.isEmpty ? .shortfall : .success
    }
}

/// `plan --apply`: the plan made under the pool lock and carried out by `pool set`'s path,
/// each change printed as it is made; with `--json` one document, the plan and every change.
func applyPlan(_ invocation: Invocation, source: SystemSource, headroom: PoolPlan.Headroom, timeout: Double,
               format: OutputFormat, style: Style) -> ExitStatus {
    var session = PoolSession(source: source, writer: LiveSysfsWriter())
    session.configure(invocation)
    var status = ExitStatus.success
    var applied: [JSON] = []
    let result = PlanSession.apply(
        session, headroom: headroom, lockTimeout: timeout, waiting: { Terminal.error($0) },
        planned: { planned in
            for warning in planned.warnings { Terminal.error(warning) }
            if format != .json, let note = ScanNote.text(planned.plan.scan) { Terminal.out(note + "\n", color: style.color) }
        },
        beforeWriting: { sayUndo($0, format: format) },
        each: { outcome in
            let exit = report(outcome, invocation: invocation, format: format, style: style, emit: { applied.append($0) })
            if exit != .success { status = exit }
        })
    switch result {
    case .failure(let unreadable):
        Terminal.error(unreadable.message)
        return .systemUnreadable
    case .success(let planned):
        // One document for scripts: the plan, and the pool document of each change made.
        if format == .json { Terminal.out(TuneRender.planJSON(planned.plan, applied: applied).serialized()) }
        return status
    }
}
