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
    do throws(UsageError) {
        format = try invocation.outputFormat()
        style = try invocation.style()
        _ = try invocation.lockTimeout()
        guard let verb = words.first, verb == "set" || verb == "reset" else {
            throw UsageError(words.first.map { "unknown pool action '\($0)' (choose: set, reset)" } ?? "pool needs an action: set or reset")
        }
        if invocation.root != "/" {
            throw UsageError("pool changes the running system; --root \(invocation.root) is a snapshot and read-only")
        }
        guard words.count >= 2 else { throw UsageError("pool \(verb) needs a page size (e.g. 2M)") }
        // The sizes this kernel has, for the SIZE operand; the pool itself is read again
        // under the lock before anything is planned.
        guard let source = invocation.openRoot(), let sizes = collectPools(from: source) else { return .systemUnreadable }
        let size = try PoolRequest.parseSize(words[1], snapshot: sizes)
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
        if let text = args.value("wait") {
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
                throw UsageError("bad --wait '\(text)' (a number of seconds, e.g. 10)")
            }
            guard args.has("compact") else { throw UsageError("--wait applies only with --compact") }
        }
        var interleave: [Int]?
        if let text = args.value("interleave") {
            guard args.has("policy-aware") else { throw UsageError("--interleave applies only with --policy-aware") }
            guard case .success(let list) = NodeList.parse(Array(text.utf8)[...]), !list.isEmpty else {
                throw UsageError("bad --interleave list '\(text)'")
            }
            interleave = list
        }
        if verb == "reset" {
            guard words.count == 2 else { throw UsageError("unexpected argument '\(words[2])'") }
            let gigantic = sizes.pool(kB: size)?.isGigantic ?? false
            request = PoolRequest(pageSizeKB: size, count: .absolute(0), nodes: nodes, overcommit: gigantic ? nil : 0,
                                  interleave: interleave)
        } else {
            guard words.count <= 3 else { throw UsageError("unexpected argument '\(words[3])'") }
            let count = try words.count == 3 ? PoolRequest.parseCount(words[2]) : nil
            guard count != nil || overcommit != nil else { throw UsageError("pool set needs a page count (or --overcommit)") }
            if case .perNode = count, !nodes.isEmpty { throw UsageError("give nodes either in COUNT (0:4,1:8) or with --node, not both") }
            request = PoolRequest(pageSizeKB: size, count: count, nodes: nodes, overcommit: overcommit, interleave: interleave)
        }
        if args.has("policy-aware") {
            guard case .absolute = request.count, request.nodes.isEmpty else {
                throw UsageError("--policy-aware takes one global COUNT (the kernel spreads it by the policy)")
            }
            guard interleave != nil else { throw UsageError("--policy-aware needs --interleave NODES") }
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    if !dryRun {
        // Before the lock (in /run, root's) and before anything is read for the change.
        guard mayWrite(PoolChange.paths(of: request)) else { return .systemUnreadable }
    }
    return applyPoolRequest(request, invocation: invocation, format: format, style: style, dryRun: dryRun)
}

/// Pools only: a pool change needs no process scan (unless it shrinks a pool).
func collectPools(from source: SystemSource) -> SystemSnapshot? {
    do {
        return try SnapshotCollector.collect(from: source, scanProcesses: false)
    } catch {
        reportUnreadable(error, source: source)
        return nil
    }
}

/// Whether this process may write each of `paths`, as the kernel decides it for the effective
/// user and capabilities (`faccessat` with `AT_EACCESS`): the sysfs pool files are root's,
/// mode 0644, so uid 0 may write them and so may a process with `CAP_DAC_OVERRIDE`;
/// `CAP_SYS_ADMIN` alone may not. Says why not on standard error.
func mayWrite(_ paths: [String]) -> Bool {
    for path in paths where faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0 {
        let err = Errno.current
        switch err.rawValue {
        case EACCES, EPERM:
            Terminal.error("\(path): \(needsRootText); run as root, or add --dry-run")
        case EROFS:
            Terminal.error("\(path): read-only file system (sysfs is mounted read-only here); nothing was written")
        default:
            // A file that is not there (a node without memory) is refused by the plan, by name.
            continue
        }
        return false
    }
    return true
}

/// What a pool write needs, as the privilege message says it.
let needsRootText = "writing it needs root (write permission on this root-owned file: uid 0, or CAP_DAC_OVERRIDE)"

/// Takes the pool lock, saying why not on standard error: waits up to `--lock-timeout`
/// seconds (default `PoolLock.defaultTimeout`), saying once that it waits and for whom.
func takePoolLock(_ invocation: Invocation) -> PoolLock? {
    let timeout = (try? invocation.lockTimeout()) ?? PoolLock.defaultTimeout
    do {
        return try PoolLock(timeout: timeout) { holder in
            let who = holder.map { "held by \($0)" } ?? "held by another process"
            Terminal.error("waiting for the pool lock \(PoolLock.path) (\(who)), up to \(formatSeconds(timeout)) s")
        }
    } catch {
        if case .open(let failure) = error, failure.failure == .system(.noSuchFile) {
            Terminal.error("\(error.description): hugectl takes its lock in /run; this system has none")
        } else {
            Terminal.error(error.description)
        }
        return nil
    }
}

func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() && seconds < 1e9 ? String(Int(seconds)) : String(seconds)
}

extension Invocation {
    /// `--lock-timeout SECONDS`: how long `pool` and `plan --apply` wait for the pool lock.
    func lockTimeout() throws(UsageError) -> Double {
        guard let text = arguments.value("lock-timeout") else { return PoolLock.defaultTimeout }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= 86400 else {
            throw UsageError("bad --lock-timeout '\(text)' (seconds between 0 and 86400, e.g. 10)")
        }
        return seconds
    }
}

/// Locks, reads the pool, plans, prints the undo line, writes and reads back one change;
/// shared by `pool` and `plan --apply` (which holds the lock already: `locked`). The pool is
/// read only once the lock is held, so that a concurrent run's change is seen, and a shrink
/// is checked against a process scan made then too. A dry run takes no lock.
/// With `--json` the pool document goes to `emit`: `pool` prints it, `plan --apply` gathers
/// one per page size into its plan document.
func applyPoolRequest(_ request: PoolRequest, invocation: Invocation, format: OutputFormat, style: Style,
                      dryRun: Bool, locked: Bool = false,
                      emit: (JSON) -> Void = { Terminal.out($0.serialized()) }) -> ExitStatus {
    let args = invocation.arguments
    var lock: PoolLock?
    if !dryRun && !locked {
        guard let taken = takePoolLock(invocation) else { return .systemUnreadable }
        lock = taken
    }
    defer { withExtendedLifetime(lock) {} }
    guard let source = invocation.openRoot(), var snapshot = collectPools(from: source) else { return .systemUnreadable }
    var change: PoolChange
    do {
        change = try PoolChange.plan(request, snapshot: snapshot, force: args.has("force"))
        if change.shrinks {
            // What the mappings are owed, node by node: the process scan, made now.
            guard let full = collect(from: source) else { return .systemUnreadable }
            snapshot = full
            change = try PoolChange.plan(request, snapshot: snapshot, force: args.has("force"))
        }
    } catch {
        Terminal.error("refused: \(error.message)")
        return .shortfall
    }
    for warning in change.warnings { Terminal.error(warning) }
    guard let pool = snapshot.pool(kB: request.pageSizeKB) else { return .systemUnreadable }
    if dryRun {
        if format == .json {
            emit(TuneRender.poolJSON(change, result: nil, dryRun: true, before: pool))
        } else {
            Terminal.out("dry run: nothing written. hugectl would write:\n" + TuneRender.writesText(change))
            if !change.undo.isEmpty { Terminal.out("undo: \(change.undo)\n") }
        }
        return .success
    }
    if let nodes = request.interleave {
        do throws(UsageError) {
            try PolicyAware.interleave(over: nodes)
        } catch {
            return usageFailure(error, command: invocation.command)
        }
    }
    // The way back, before anything is written.
    if format == .json { Terminal.err("undo: \(change.undo)\n") } else { Terminal.out("undo: \(change.undo)\n") }
    let wait = args.value("wait").flatMap(Double.init) ?? 0
    let result = PoolTuner.apply(change, source: SystemRoot.live(), writer: LiveSysfsWriter(),
                                 compact: args.has("compact"), wait: wait, before: snapshot)
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
