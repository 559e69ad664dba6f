import HugectlCore

/// What one pool change came to, for the caller to print: the change planned, the pool read
/// back, and what is said on standard error before and after the report.
public struct PoolOutcome: Sendable {
    public enum Status: Equatable, Sendable {
        /// Written and read back as asked.
        case done
        /// A dry run: the writes were planned, none made.
        case dryRun
        /// The plan refused the change, a write failed, or the kernel gave other than asked.
        case fellShort
        /// The pool could not be read, the lock not taken, or a write was not permitted.
        case unreadable
        /// The interleave policy could not be set (`--policy-aware`).
        case policy(PolicyAware.Failure)
    }

    public var status: Status
    /// Said on standard error before the report: the change's own warnings, or why it stopped.
    public var warnings: [String] = []
    /// Said on standard error after the report: what the kernel did not give.
    public var problems: [String] = []
    public var change: PoolChange?
    public var result: PoolResult?
    /// The pool as read before the change.
    public var before: HugePagePool?

    init(_ status: Status, warnings: [String] = []) {
        self.status = status
        self.warnings = warnings
    }
}

/// The tune path of `pool set`, `pool reset` and `plan --apply`: lock, read the pool under
/// the lock, plan, say the way back, write, read back.
public struct PoolSession {
    public var source: SystemSource
    public var writer: SysfsWriter
    /// `--force`: shrink below the pages in use, reserved or owed.
    public var force = false
    /// `--compact` and `--wait`: compact memory and write again when the kernel gives fewer.
    public var compact = false
    public var wait = 0.0
    /// `--dry-run`: no lock, no write.
    public var dryRun = false

    public init(source: SystemSource, writer: SysfsWriter) {
        self.source = source
        self.writer = writer
    }

    /// Takes the pool lock, waiting up to `timeout` seconds; `waiting` is told once, in words,
    /// that the lock is held and by whom. Nil and the reason when it could not be taken.
    public static func lock(timeout: Double, waiting: (String) -> Void) -> (PoolLock?, String?) {
        do {
            let lock = try PoolLock(timeout: timeout) { holder in
                let who = holder.map { "held by \($0)" } ?? "held by another process"
                waiting("waiting for the pool lock \(PoolLock.path) (\(who)), up to \(PoolLock.format(timeout)) s")
            }
            return (lock, nil)
        } catch {
            if case .open(let failure) = error, failure.failure == .system(.noSuchFile) {
                return (nil, "\(error.description): hugectl takes its lock in /run; this system has none")
            }
            return (nil, error.description)
        }
    }

    /// Locks (unless a dry run), then changes the pool as `run(_:snapshot:beforeWriting:)` does.
    public func run(_ request: PoolRequest, lockTimeout: Double, waiting: (String) -> Void,
                    beforeWriting: (PoolChange) -> Void) -> PoolOutcome {
        var lock: PoolLock?
        if !dryRun {
            let (taken, why) = Self.lock(timeout: lockTimeout, waiting: waiting)
            guard let taken else { return PoolOutcome(.unreadable, warnings: why.map { [$0] } ?? []) }
            lock = taken
        }
        defer { withExtendedLifetime(lock) {} }
        return run(request, snapshot: nil, beforeWriting: beforeWriting)
    }

    /// Plans and makes one change; the caller holds the lock (or this is a dry run). The pool
    /// is read now unless `snapshot` (read under the same lock) is given; a shrink is checked
    /// against a process scan, made now unless `snapshot` has one. `beforeWriting` is called
    /// with the planned change before the first write, to say the way back.
    public func run(_ request: PoolRequest, snapshot given: SystemSnapshot?,
                    beforeWriting: (PoolChange) -> Void) -> PoolOutcome {
        var snapshot: SystemSnapshot
        var change: PoolChange
        do {
            if let given {
                snapshot = given
            } else {
                switch Collected.from(source, scanProcesses: false) {
                case .snapshot(let read): snapshot = read
                case .unreadable(let why): return PoolOutcome(.unreadable, warnings: [why])
                }
            }
            change = try PoolChange.plan(request, snapshot: snapshot, force: force)
            if change.shrinks && given == nil {
                // What the mappings are owed, node by node: the process scan, made now.
                switch Collected.from(source) {
                case .snapshot(let read): snapshot = read
                case .unreadable(let why): return PoolOutcome(.unreadable, warnings: [why])
                }
                change = try PoolChange.plan(request, snapshot: snapshot, force: force)
            }
        } catch {
            return PoolOutcome(.fellShort, warnings: ["refused: \(error.message)"])
        }
        var outcome = PoolOutcome(.dryRun, warnings: change.warnings)
        outcome.change = change
        guard let pool = snapshot.pool(kB: request.pageSizeKB) else {
            outcome.status = .unreadable
            return outcome
        }
        outcome.before = pool
        if dryRun { return outcome }
        if let nodes = request.interleave {
            do {
                try PolicyAware.interleave(over: nodes)
            } catch {
                outcome.status = .policy(error)
                return outcome
            }
        }
        beforeWriting(change)
        let result = PoolTuner.apply(change, source: source, writer: writer, compact: compact, wait: wait,
                                     before: snapshot)
        outcome.result = result
        outcome.problems = problems(result, request: request)
        if let failed = result.failedWrite {
            outcome.status = failed.failure == .system(.permissionDenied) ? .unreadable : .fellShort
        } else {
            outcome.status = result.succeeded ? .done : .fellShort
        }
        return outcome
    }

    /// What the kernel did not give, one line each: a failed write, pages it could not
    /// allocate, pages a forced shrink left as surplus, an overcommit that did not take.
    func problems(_ result: PoolResult, request: PoolRequest) -> [String] {
        if let failed = result.failedWrite {
            return [failed.description + "; the writes after it were not made; the table shows the pool as it is"]
        }
        let size = PageSize.format(kB: request.pageSizeKB)
        func scope(_ row: PoolResult.Row) -> String {
            row.scope == .global ? "the \(size) pool" : "node \(row.scope.label)'s \(size) pool"
        }
        var lines: [String] = []
        for row in result.shortfalls {
            lines.append("\(scope(row)): asked for \(row.asked ?? 0) pages, got \(row.got ?? 0): the kernel could not allocate more"
                + (compact ? " even after compaction" : " (no free memory there, or it is fragmented: --compact --wait 10 may help)"))
        }
        // A forced shrink leaves pages in use or reserved in the pool, as surplus.
        for row in result.rows {
            guard let asked = row.asked, let got = row.got, got > asked else { continue }
            lines.append("\(scope(row)): asked for \(asked) pages, it keeps \(got): "
                + Finding.pages(got - asked, "in use or reserved") + " stay as surplus until released")
        }
        if let asked = result.change.overcommit?.asked, result.overcommitAfter != asked {
            lines.append("nr_overcommit_hugepages reads \(result.overcommitAfter.map(String.init) ?? "?") after writing \(asked)")
        }
        return lines
    }
}
