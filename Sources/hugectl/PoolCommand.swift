#if canImport(Glibc)
import Glibc
#endif
import HugectlCore
import HugectlTune

/// `hugectl pool set SIZE COUNT ...` and `hugectl pool reset SIZE`: change a pool, read it
/// back, and say exactly what the kernel gave.
func runPool(_ invocation: Invocation) -> ExitStatus {
    let args = invocation.arguments
    let words = args.positionals
    let request: PoolRequest
    let format: OutputFormat
    let style: Style
    let dryRun = args.has("dry-run")
    let snapshot: SystemSnapshot
    do throws(UsageError) {
        format = try invocation.outputFormat()
        style = try invocation.style()
        guard let verb = words.first, verb == "set" || verb == "reset" else {
            throw UsageError(words.first.map { "unknown pool action '\($0)' (choose: set, reset)" } ?? "pool needs an action: set or reset")
        }
        if invocation.root != "/" {
            throw UsageError("pool changes the running system; --root \(invocation.root) is a snapshot and read-only")
        }
        guard words.count >= 2 else { throw UsageError("pool \(verb) needs a page size (e.g. 2M)") }
        guard let source = invocation.openRoot(), let live = collectPools(from: source) else { return .systemUnreadable }
        snapshot = live
        let size = try PoolRequest.parseSize(words[1], snapshot: snapshot)
        var overcommit: Int?
        if let text = args.value("overcommit") {
            guard let value = Int(text), value >= 0 else { throw UsageError("bad --overcommit '\(text)'") }
            overcommit = value
        }
        var nodes: [Int] = []
        if let text = args.value("node") {
            guard case .success(let list) = NodeList.parse(Array(text.utf8)[...]), !list.isEmpty else {
                throw UsageError("bad --node list '\(text)'")
            }
            nodes = list
        }
        if verb == "reset" {
            guard words.count == 2 else { throw UsageError("unexpected argument '\(words[2])'") }
            let gigantic = snapshot.pool(kB: size)?.isGigantic ?? false
            request = PoolRequest(pageSizeKB: size, count: .absolute(0), nodes: nodes, overcommit: gigantic ? nil : 0)
        } else {
            guard words.count <= 3 else { throw UsageError("unexpected argument '\(words[3])'") }
            let count = try words.count == 3 ? PoolRequest.parseCount(words[2]) : nil
            guard count != nil || overcommit != nil else { throw UsageError("pool set needs a page count (or --overcommit)") }
            if case .perNode = count, !nodes.isEmpty { throw UsageError("give nodes either in COUNT (0:4,1:8) or with --node, not both") }
            request = PoolRequest(pageSizeKB: size, count: count, nodes: nodes, overcommit: overcommit)
        }
        if args.has("policy-aware") {
            guard case .absolute = request.count, request.nodes.isEmpty else {
                throw UsageError("--policy-aware takes one global COUNT (the kernel spreads it by the policy)")
            }
            guard args.value("interleave") != nil else { throw UsageError("--policy-aware needs --interleave NODES") }
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    return applyPoolRequest(request, snapshot: snapshot, invocation: invocation, format: format, style: style, dryRun: dryRun)
}

/// Pools only: a pool change needs no process scan.
func collectPools(from source: SystemSource) -> SystemSnapshot? {
    do {
        return try SnapshotCollector.collect(from: source, scanProcesses: false)
    } catch {
        reportUnreadable(error, source: source)
        return nil
    }
}

/// Plans, locks, writes and reads back one change; shared by `pool` and `plan --apply`.
/// With `--json` the pool document goes to `emit`: `pool` prints it, `plan --apply` gathers
/// one per page size into its plan document.
func applyPoolRequest(_ request: PoolRequest, snapshot: SystemSnapshot, invocation: Invocation,
                      format: OutputFormat, style: Style, dryRun: Bool,
                      emit: (JSON) -> Void = { Terminal.out($0.serialized()) }) -> ExitStatus {
    let args = invocation.arguments
    guard let pool = snapshot.pool(kB: request.pageSizeKB) else { return .systemUnreadable }
    let withMemory = snapshot.nodes.filter(\.hasMemory).map(\.node)
    var change: PoolChange
    do {
        change = try PoolChange.plan(request, pool: pool, nodesWithMemory: withMemory.isEmpty ? [0] : withMemory,
                                     force: args.has("force"))
    } catch {
        Terminal.error("refused: \(error.message)")
        return .shortfall
    }
    if args.has("policy-aware"), case .absolute(let pages) = request.count {
        // nr_hugepages_mempolicy instead of nr_hugepages; the policy chooses the nodes.
        change.writes = change.writes.map { write in
            write.path.hasSuffix("/nr_hugepages") ? PolicyAware.mempolicyWrite(pageSizeKB: request.pageSizeKB, pages: pages) : write
        }
    }
    if dryRun {
        if format == .json {
            emit(TuneRender.poolJSON(change, result: nil, dryRun: true, before: pool))
        } else {
            Terminal.out("dry run: nothing written. hugectl would write:\n" + TuneRender.writesText(change))
            if !change.undo.isEmpty { Terminal.out("undo: \(change.undo)\n") }
        }
        return .success
    }
    if geteuid() != 0 {
        Terminal.error("\(change.writes.first?.path ?? KernelPath.hugepages): writing it needs root (CAP_SYS_ADMIN); run as root, or add --dry-run")
        return .systemUnreadable
    }
    if args.has("policy-aware"), let nodes = args.value("interleave") {
        do throws(UsageError) {
            guard case .success(let list) = NodeList.parse(Array(nodes.utf8)[...]), !list.isEmpty else {
                throw UsageError("bad --interleave list '\(nodes)'")
            }
            try PolicyAware.interleave(over: list)
        } catch {
            return usageFailure(error, command: invocation.command)
        }
    }
    let lock: PoolLock
    do {
        lock = try PoolLock()
    } catch {
        if error.failure == .system(.noSuchFile) {
            Terminal.error("\(error.description): hugectl takes its lock in /run; this system has none")
        } else {
            Terminal.error("\(error.description) (another hugectl pool change holds the lock?)")
        }
        return .systemUnreadable
    }
    // The way back, before anything is written.
    if format == .json { Terminal.err("undo: \(change.undo)\n") } else { Terminal.out("undo: \(change.undo)\n") }
    var wait = 0.0
    if let text = args.value("wait"), let seconds = Double(text), seconds >= 0 { wait = seconds }
    let result = PoolTuner.apply(change, source: SystemRoot.live(), writer: LiveSysfsWriter(),
                                 compact: args.has("compact"), wait: wait, before: snapshot)
    withExtendedLifetime(lock) {}
    if format == .json {
        emit(TuneRender.poolJSON(change, result: result, dryRun: false, before: pool))
    } else {
        Terminal.out(TuneRender.poolTable(result).render(headers: !args.has("no-headers"), style: style))
    }
    let size = PageSize.format(kB: request.pageSizeKB)
    if let failed = result.failedWrite {
        Terminal.error(failed.description + "; the writes after it were not made; the table shows the pool as it is")
        if failed.failure == .system(.permissionDenied) { return .systemUnreadable }
        return .shortfall
    }
    for row in result.shortfalls {
        let scope = row.scope == .global ? "the \(size) pool" : "node \(row.scope.label)'s \(size) pool"
        Terminal.error("\(scope): asked for \(row.asked ?? 0) pages, got \(row.got ?? 0): the kernel could not allocate more"
            + (args.has("compact") ? " even after compaction" : " (no free memory there, or it is fragmented: --compact --wait 10 may help)"))
    }
    // A forced shrink leaves pages in use or reserved in the pool, as surplus.
    for row in result.rows {
        guard let asked = row.asked, let got = row.got, got > asked else { continue }
        let scope = row.scope == .global ? "the \(size) pool" : "node \(row.scope.label)'s \(size) pool"
        Terminal.error("\(scope): asked for \(asked) pages, it keeps \(got): "
            + Finding.pages(got - asked, "in use or reserved") + " stay as surplus until released")
    }
    if let asked = change.overcommit?.asked, result.overcommitAfter != asked {
        Terminal.error("nr_overcommit_hugepages reads \(result.overcommitAfter.map(String.init) ?? "?") after writing \(asked)")
    }
    return result.succeeded ? .success : .shortfall
}
