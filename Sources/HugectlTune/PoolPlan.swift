import HugectlCore

/// `hugectl plan`: per page size and node, the smallest growth of the pools that makes the
/// analysis find nothing left to fail — every owed page servable under its policy and
/// cpuset whatever the fault order, without relying on overcommit — plus a headroom.
///
/// It is worked out by the analysis itself: add the pages each finding names to the nodes it
/// names (`PoolDelta.growth`: the node there with the most free memory, where the kernel can
/// allocate them, as the hints do), analyse again (`Analysis.whatIf`), and repeat until
/// nothing is left. Pools are never shrunk by a plan.
public struct PoolPlan: Equatable, Sendable {
    public struct Node: Equatable, Sendable {
        public var node: Int
        /// 0 when unknown (`nowKnown`).
        public var now: Int
        public var planned: Int
        /// The node's `nr_hugepages` was read: the JSON writes `now` as null otherwise.
        public var nowKnown = true
        /// Of `now`, the surplus pages `surplus-in-use` finds (in use beyond the overcommit
        /// limit: they leave the pool when freed), else 0; the plan's count, written even when
        /// it equals `now`, makes them persistent.
        public var surplus: Int = 0
    }

    public struct Size: Equatable, Sendable {
        public var pageSizeKB: Int
        public var nodes: [Node]
        /// 0 when unknown (`nowTotalKnown`).
        public var nowTotal: Int
        public var plannedTotal: Int
        /// Findings of this size left on the planned pools that a failing `check` would
        /// report: those a pool change did not remove, and those it cannot (none when the plan
        /// leaves nothing to fail).
        public var unresolved: [String]
        /// The size's `nr_hugepages` was read.
        public var nowTotalKnown = true
        /// Every counter the plan needs was read (`CounterUnreadable`): otherwise the pool is
        /// left as it is, and its plan is unknown (null in the JSON).
        public var plannable = true
        /// Of `nowTotal`, the surplus pages when `surplus-in-use` finds some, else 0.
        public var surplus: Int = 0
    }

    public enum Headroom: Equatable, Sendable {
        case none
        /// `10%`: of each node's planned pool, rounded up, on nodes that have or need pages.
        case percent(Int)
        /// `2M=16`: that many more pages of the size, spread over its nodes round-robin as the
        /// kernel spreads a global pool.
        case pages(pageSizeKB: Int, pages: Int)
    }

    public var sizes: [Size]
    /// The process scan the plan is based on: when it is incomplete, the mappings of the
    /// processes it could not read are not planned for.
    public var scan = ScanReport()
    /// What could not be read or understood, as in the status document.
    public var warnings: [String] = []
    /// IDs of the findings left on the planned pools that are about no one page size (a
    /// process whose files could not be understood, say): a plan cannot resolve them.
    public var unresolvedElsewhere: [String] = []
    /// What the plan document says of the system read (docs/json.md, "The envelope").
    public var envelope: DocumentEnvelope?

    /// The finding IDs a plan resolves by growing pools.
    public static let resolves = PoolFix.ids

    /// The findings of the same analysis as `check` that a plan must leave none of: those it
    /// resolves, the faults no reservation covers (`private-mapping-inherited`, which growing a
    /// pool does not make safe: the pages a fork child's copy needs are anyone's to take),
    /// and every error a default `check` fails on (a cgroup limit, an unreadable counter).
    static func leftToFail(_ findings: [Finding]) -> [Finding] {
        findings.filter { finding in
            ((resolves.contains(finding.id) || finding.id == UnreservedDemand.inheritedID) && finding.pages > 0)
                || finding.severity == .error
        }
    }

    public static func parseHeadroom(_ text: String) throws(InputError) -> Headroom {
        if text.hasSuffix("%") {
            guard let percent = Int(text.dropLast()), percent >= 0, percent <= 1000 else {
                throw InputError("bad --headroom '\(text)' (e.g. 10% or 2M=16)")
            }
            return .percent(percent)
        }
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kB = PageSize.parse(parts[0]), let pages = Int(parts[1]), pages >= 0,
              pages <= 1 << 30 else {
            throw InputError("bad --headroom '\(text)' (e.g. 10% or 2M=16)")
        }
        return .pages(pageSizeKB: kB, pages: pages)
    }

    public static func compute(_ snapshot: SystemSnapshot, headroom: Headroom) -> PoolPlan {
        compute(AnalysisContext(snapshot: snapshot), headroom: headroom)
    }

    /// The plan of an analysed snapshot: each step grows the pools by every finding's remedy
    /// at once (`Analysis.whatIf`), until nothing is left or 32 steps are taken.
    public static func compute(_ context: AnalysisContext, headroom: Headroom) -> PoolPlan {
        let snapshot = context.snapshot
        var working = context
        var unresolved: [Int: [String]] = [:]
        for _ in 0..<32 {
            let findings = Analysis.findingsWithoutFixHints(in: working).filter { resolves.contains($0.id) && $0.pages > 0 }
            if findings.isEmpty { break }
            // A finding without a remedy names no pages a pool change could add (pages
            // that may use no node at all): it stays unresolved.
            let growths = findings.compactMap { finding in
                finding.pageSizeKB.flatMap { kB in
                    finding.remedy == nil ? nil : PoolDelta.growth(finding.pages, kB: kB, onOneOf: finding.nodes, in: working.snapshot)
                }
            }
            working = Analysis.whatIf(working, growths)
            unresolved = Dictionary(grouping: findings.compactMap { f in f.pageSizeKB.map { ($0, f.id) } }, by: \.0)
                .mapValues { $0.map(\.1) }
        }
        // What is left is judged by the analysis `check` runs, over the same IDs.
        let remaining = leftToFail(Analysis.findingsWithoutFixHints(in: working))
        unresolved = Dictionary(grouping: remaining.compactMap { f in f.pageSizeKB.map { ($0, f.id) } }, by: \.0)
            .mapValues { $0.map(\.1) }
        let elsewhere = Array(Set(remaining.filter { $0.pageSizeKB == nil }.map(\.id))).sorted()
        return PoolPlan(sizes: sizes(snapshot, planned: working.snapshot, headroom: headroom, unresolved: unresolved),
                        scan: snapshot.consumers.scan, warnings: snapshot.warnings, unresolvedElsewhere: elsewhere,
                        envelope: DocumentEnvelope(snapshot))
    }

    /// Each size's plan: the pools of `planned`, with the headroom.
    static func sizes(_ snapshot: SystemSnapshot, planned working: SystemSnapshot, headroom: Headroom,
                      unresolved: [Int: [String]]) -> [Size] {
        var sizes: [Size] = []
        for pool in snapshot.pools {
            guard var planned = working.pool(kB: pool.pageSizeKB) else { continue }
            // A pool whose counters could not all be read is not planned: what it needs is
            // unknown, and `counter-unreadable` stays unresolved.
            if !CounterUnreadable.unknownCounters(pool).isEmpty {
                let nodes = pool.nodes.map { share in
                    Node(node: share.node, now: share.total ?? 0, planned: share.total ?? 0, nowKnown: share.total != nil)
                }
                sizes.append(Size(
                    pageSizeKB: pool.pageSizeKB, nodes: nodes, nowTotal: pool.total ?? 0, plannedTotal: pool.total ?? 0,
                    unresolved: Array(Set((unresolved[pool.pageSizeKB] ?? []) + [CounterUnreadable.id])),
                    nowTotalKnown: pool.total != nil, plannable: false))
                continue
            }
            switch headroom {
            case .none: break
            case .percent(let percent):
                for index in planned.nodes.indices {
                    let total = planned.nodes[index].total ?? 0
                    // total × percent / 100 rounded up, without an intermediate product that a
                    // kernel number near Int.max would overflow (clamped if the result does).
                    let (whole, overflow) = (total / 100).multipliedReportingOverflow(by: percent)
                    let rest = (total % 100 * percent + 99) / 100
                    let extra = overflow ? Int.max : whole.addingClamped(rest)
                    planned.nodes[index].total = total.addingClamped(extra)
                }
            case .pages(let kB, let pages) where kB == pool.pageSizeKB:
                // Round-robin over the nodes that have or need pages (every node when none does).
                let targets = planned.nodes.filter { ($0.total ?? 0) > 0 }.map(\.node)
                let spread = targets.isEmpty ? planned.nodes.map(\.node) : targets
                if !spread.isEmpty, let grown = working.applying(PoolDelta(pageSizeKB: kB, pages: pages, nodes: spread)).pool(kB: kB) {
                    planned = grown
                }
            case .pages: break
            }
            // Surplus pages in use beyond the overcommit limit (`surplus-in-use`) count in
            // `now` but leave the pool when freed: the plan keeps them, so its count is written
            // for their nodes even when it is the same (the write converts them:
            // `set_max_huge_pages`). Surplus within the limit is overcommit's, left alone.
            let keep = SurplusChecks.inUse(pool)
            let nodes = planned.nodes.map { share in
                let current = pool.nodes.first { $0.node == share.node }
                let kept = keep?.nodes.contains(share.node) == true ? max(0, current?.surplus ?? 0) : 0
                return Node(node: share.node, now: current?.total ?? 0, planned: share.total ?? 0, surplus: kept)
            }
            sizes.append(Size(
                pageSizeKB: pool.pageSizeKB, nodes: nodes, nowTotal: pool.total ?? 0,
                plannedTotal: nodes.reduce(pool.total ?? 0) { $0.addingClamped($1.planned - $1.now) },
                unresolved: unresolved[pool.pageSizeKB] ?? [], surplus: keep == nil ? 0 : max(0, pool.surplus ?? 0)))
        }
        return sizes
    }

    /// The plan as a `hugectl pool set` command per size that changes.
    public func commands() -> [String] {
        sizes.filter { $0.plannable && $0.nodes.contains { $0.planned != $0.now || $0.surplus > 0 } }.map { size in
            "hugectl pool set \(PageSize.format(kB: size.pageSizeKB)) "
                + size.nodes.map { "\($0.node):\($0.planned)" }.joined(separator: ",")
        }
    }

    /// The per-node sysfs writes.
    public func sysfsLines() -> [String] {
        sizes.filter(\.plannable).flatMap { size in
            size.nodes.filter { $0.planned != $0.now || $0.surplus > 0 }.map { node in
                "echo \(node.planned) > \(KernelPath.nodePool(node.node, kB: size.pageSizeKB, .total))"
            }
        }
    }

    /// Kernel command line: `hugepagesz=2M hugepages=0:8,1:6` (per-node form: Linux 5.16+).
    public func bootParameters() -> String {
        sizes.filter { $0.plannable && $0.plannedTotal > 0 }.map { size in
            "hugepagesz=\(PageSize.format(kB: size.pageSizeKB)) hugepages="
                + size.nodes.filter { $0.planned > 0 }.map { "\($0.node):\($0.planned)" }.joined(separator: ",")
        }.joined(separator: " ")
    }
}
