import HugectlCore

/// `hugectl plan`: the plan of a system, and `plan --apply`'s lock-and-apply loop.
public enum PlanSession {
    /// A plan and what reading the system for it warned about (as shown on standard error).
    public struct Planned: Sendable {
        public var plan: PoolPlan
        public var snapshot: SystemSnapshot
        public var warnings: [String]
    }

    /// Reads `source` (with the process scan) and plans from it; the reason when it could
    /// not be read at all.
    public static func plan(_ source: SystemSource, headroom: PoolPlan.Headroom) -> Result<Planned, Unreadable> {
        switch Collected.from(source) {
        case .unreadable(let why):
            return .failure(Unreadable(message: why))
        case .snapshot(let snapshot):
            return .success(Planned(plan: PoolPlan.compute(snapshot, headroom: headroom), snapshot: snapshot,
                                    warnings: ReadDiagnostics.warnings(snapshot.warnings, source: source)))
        }
    }

    /// Why a system could not be read or changed: one line for standard error (exit 3).
    public struct Unreadable: Error, Sendable {
        public var message: String
    }

    /// The pool requests that carry a plan out: one per size the plan can size whose nodes
    /// change, each with its per-node counts.
    public static func requests(_ plan: PoolPlan) -> [PoolRequest] {
        plan.sizes.filter { size in size.plannable && size.nodes.contains { $0.planned != $0.now } }.map { size in
            PoolRequest(pageSizeKB: size.pageSizeKB,
                        count: .perNode(Dictionary(uniqueKeysWithValues: size.nodes.map { ($0.node, $0.planned) })))
        }
    }

    /// `plan --apply`: unless a dry run, checks that the pool files may be written and takes
    /// the pool lock; reads the system and plans under it (`planned` gets the plan), then
    /// makes each size's change on the snapshot the plan was made from, so that nothing another
    /// hugectl run changes comes between the reading and the writing. `each` gets every
    /// change's outcome as it is made; `beforeWriting` the change about to be written.
    public static func apply(_ session: PoolSession, headroom: PoolPlan.Headroom, lockTimeout: Double,
                             waiting: (String) -> Void, planned: (Planned) -> Void,
                             beforeWriting: (PoolChange) -> Void,
                             each: (PoolOutcome) -> Void) -> Result<Planned, Unreadable> {
        var lock: PoolLock?
        if !session.dryRun {
            let pools: SystemSnapshot
            switch Collected.from(session.source, scanProcesses: false) {
            case .snapshot(let read): pools = read
            case .unreadable(let why): return .failure(Unreadable(message: why))
            }
            let size = pools.defaultPageSizeKB ?? pools.pools.first?.pageSizeKB ?? 2048
            if let why = WriteAccess.refusal(for: [KernelPath.pool(kB: size, .total)]) {
                return .failure(Unreadable(message: why))
            }
            let (taken, why) = PoolSession.lock(timeout: lockTimeout, waiting: waiting)
            guard let taken else { return .failure(Unreadable(message: why ?? PoolLock.path)) }
            lock = taken
        }
        defer { withExtendedLifetime(lock) {} }
        let result = plan(session.source, headroom: headroom)
        guard case .success(let made) = result else { return result }
        planned(made)
        for request in requests(made.plan) {
            each(session.run(request, snapshot: made.snapshot, beforeWriting: beforeWriting))
        }
        return result
    }
}
