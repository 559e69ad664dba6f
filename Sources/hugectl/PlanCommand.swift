import HugectlCore
import HugectlTune

/// `hugectl plan [--headroom 10%|SIZE=N] [--apply]`: the pools that would leave nothing to
/// fail, printed as `pool set` commands, sysfs writes and boot parameters.
func runPlan(_ invocation: Invocation) -> ExitStatus {
    let args = invocation.arguments
    let format: OutputFormat
    let style: Style
    var headroom = PoolPlan.Headroom.none
    let apply = args.has("apply")
    let dryRun = args.has("dry-run")
    do throws(UsageError) {
        try invocation.expectNoArguments()
        format = try invocation.outputFormat()
        style = try invocation.style()
        if let text = args.value("headroom") { headroom = try PoolPlan.parseHeadroom(text) }
        _ = try invocation.lockTimeout()
        if apply && invocation.root != "/" {
            throw UsageError("--apply changes the running system; --root \(invocation.root) is a snapshot and read-only")
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    // The pools alone, read once, when the headroom or --apply needs them before the plan.
    let needsPools: Bool = {
        if case .pages = headroom { return true }
        return apply && !dryRun
    }()
    let poolsRead = needsPools ? collectPools(from: source) : nil
    // A headroom of a size this kernel (or tree) does not have would add nothing: say so.
    if case .pages(let kB, _) = headroom {
        guard let pools = poolsRead else { return .systemUnreadable }
        do throws(UsageError) {
            _ = try PoolRequest.parseSize(PageSize.format(kB: kB), snapshot: pools)
        } catch {
            return usageFailure(UsageError("--headroom \(args.value("headroom") ?? ""): \(error.message)"), command: invocation.command)
        }
    }
    // --apply: privileged, and the plan is made from pools read under the lock, so that
    // nothing another hugectl run changes can come between the reading and the writing.
    var lock: PoolLock?
    if apply && !dryRun {
        guard let pools = poolsRead else { return .systemUnreadable }
        let size = pools.defaultPageSizeKB ?? pools.pools.first?.pageSizeKB ?? 2048
        guard mayWrite([KernelPath.pool(kB: size) + "/nr_hugepages"]) else { return .systemUnreadable }
        guard let taken = takePoolLock(invocation) else { return .systemUnreadable }
        lock = taken
    }
    defer { withExtendedLifetime(lock) {} }
    guard let snapshot = collect(from: source) else { return .systemUnreadable }
    reportWarnings(snapshot.warnings, source: source)
    let plan = PoolPlan.compute(snapshot, headroom: headroom)
    if !apply {
        switch format {
        case .json: Terminal.out(TuneRender.planJSON(plan).serialized())
        case .text, .prometheus: Terminal.out(TuneRender.planText(plan, headers: !args.has("no-headers"), style: style))
        }
        return plan.sizes.contains { !$0.unresolved.isEmpty } || !plan.unresolvedElsewhere.isEmpty ? .shortfall : .success
    }
    if format != .json, let note = ConsumersText.scanNote(plan.scan) { Terminal.out(note + "\n") }
    var status = ExitStatus.success
    var applied: [JSON] = []
    for size in plan.sizes where size.plannable && size.nodes.contains(where: { $0.planned != $0.now }) {
        let perNode = Dictionary(uniqueKeysWithValues: size.nodes.map { ($0.node, $0.planned) })
        let request = PoolRequest(pageSizeKB: size.pageSizeKB, count: .perNode(perNode))
        let outcome = applyPoolRequest(request, invocation: invocation, format: format, style: style,
                                       dryRun: dryRun, locked: true, emit: { applied.append($0) })
        if outcome != .success { status = outcome }
    }
    // One document for scripts: the plan, and the pool document of each change made.
    if format == .json { Terminal.out(TuneRender.planJSON(plan, applied: applied).serialized()) }
    return status
}
