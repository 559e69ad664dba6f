import HugectlCore

/// `hugectl plan`: per page size and node, the smallest growth of the pools that makes the
/// analysis find nothing left to fail — every owed page servable under its policy and
/// cpuset whatever the fault order, without relying on overcommit — plus a headroom.
///
/// It is worked out by the analysis itself: add the pages each finding names to the nodes it
/// names (the node there with the most free memory, where the kernel can allocate them),
/// analyse again, and repeat until nothing is left. Pools are never shrunk by a plan.
public struct PoolPlan: Equatable, Sendable {
    public struct Node: Equatable, Sendable {
        public var node: Int
        public var now: Int
        public var planned: Int
    }

    public struct Size: Equatable, Sendable {
        public var pageSizeKB: Int
        public var nodes: [Node]
        public var nowTotal: Int
        public var plannedTotal: Int
        /// Findings of this size the plan could not remove (none when it worked).
        public var unresolved: [String]
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

    /// The finding IDs a plan resolves by growing pools.
    public static let resolves = PoolFix.ids

    public static func parseHeadroom(_ text: String) throws(UsageError) -> Headroom {
        if text.hasSuffix("%") {
            guard let percent = Int(text.dropLast()), percent >= 0, percent <= 1000 else {
                throw UsageError("bad --headroom '\(text)' (e.g. 10% or 2M=16)")
            }
            return .percent(percent)
        }
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kB = PageSize.parse(parts[0]), let pages = Int(parts[1]), pages >= 0,
              pages <= 1 << 30 else {
            throw UsageError("bad --headroom '\(text)' (e.g. 10% or 2M=16)")
        }
        return .pages(pageSizeKB: kB, pages: pages)
    }

    public static func compute(_ snapshot: SystemSnapshot, headroom: Headroom) -> PoolPlan {
        var working = snapshot
        var unresolved: [Int: [String]] = [:]
        for _ in 0..<32 {
            let findings = Analysis.findingsWithoutFixHints(for: working).filter { resolves.contains($0.id) && $0.pages > 0 }
            if findings.isEmpty { break }
            for finding in findings {
                // A finding without a remedy names no pages a pool change could add (pages
                // that may use no node at all): it stays unresolved.
                guard let kB = finding.pageSizeKB, finding.remedy != nil else { continue }
                add(finding.pages, kB: kB, on: finding.nodes, to: &working)
            }
            unresolved = Dictionary(grouping: findings.compactMap { f in f.pageSizeKB.map { ($0, f.id) } }, by: \.0)
                .mapValues { $0.map(\.1) }
        }
        let remaining = Analysis.findingsWithoutFixHints(for: working).filter { resolves.contains($0.id) && $0.pages > 0 }
        unresolved = Dictionary(grouping: remaining.compactMap { f in f.pageSizeKB.map { ($0, f.id) } }, by: \.0)
            .mapValues { $0.map(\.1) }

        var sizes: [Size] = []
        for pool in snapshot.pools {
            guard var planned = working.pool(kB: pool.pageSizeKB) else { continue }
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
                let targets = planned.nodes.indices.filter { (planned.nodes[$0].total ?? 0) > 0 }
                let spread = targets.isEmpty ? Array(planned.nodes.indices) : targets
                for (position, index) in spread.enumerated() {
                    let share = pages / spread.count + (position < pages % spread.count ? 1 : 0)
                    planned.nodes[index].total = (planned.nodes[index].total ?? 0).addingClamped(share)
                }
            case .pages: break
            }
            let nodes = planned.nodes.map { share in
                Node(node: share.node, now: pool.nodes.first { $0.node == share.node }?.total ?? 0, planned: share.total ?? 0)
            }
            sizes.append(Size(
                pageSizeKB: pool.pageSizeKB, nodes: nodes, nowTotal: pool.total ?? 0,
                plannedTotal: nodes.reduce(pool.total ?? 0) { $0.addingClamped($1.planned - $1.now) },
                unresolved: unresolved[pool.pageSizeKB] ?? []))
        }
        return PoolPlan(sizes: sizes, scan: snapshot.consumers.scan)
    }

    /// Adds free pages to the pool: on the named node with the most free memory, or spread
    /// over the nodes with memory when none is named.
    static func add(_ pages: Int, kB: Int, on nodes: [Int], to snapshot: inout SystemSnapshot) {
        guard let poolIndex = snapshot.pools.firstIndex(where: { $0.pageSizeKB == kB }) else { return }
        var candidates = nodes
        if candidates.isEmpty {
            candidates = snapshot.pools[poolIndex].nodes.map(\.node)
        }
        if candidates.isEmpty {
            snapshot.pools[poolIndex].total = (snapshot.pools[poolIndex].total ?? 0).addingClamped(pages)
            snapshot.pools[poolIndex].free = (snapshot.pools[poolIndex].free ?? 0).addingClamped(pages)
            return
        }
        let memFree = Dictionary(snapshot.nodes.map { ($0.node, $0.memFreeKB ?? 0) }, uniquingKeysWith: { a, _ in a })
        let chosen = nodes.isEmpty ? candidates : [candidates.max { (memFree[$0] ?? 0, -$0) < (memFree[$1] ?? 0, -$1) } ?? candidates[0]]
        // Spread in bulk (a hostile tree may name absurd page counts): each node its share,
        // the first ones one more for the remainder, as round-robin would.
        let count = chosen.count
        for (position, node) in chosen.enumerated() {
            let share = pages / count + (position < pages % count ? 1 : 0)
            guard share > 0 else { continue }
            var pool = snapshot.pools[poolIndex]
            if let at = pool.nodes.firstIndex(where: { $0.node == node }) {
                pool.nodes[at].total = (pool.nodes[at].total ?? 0).addingClamped(share)
                pool.nodes[at].free = (pool.nodes[at].free ?? 0).addingClamped(share)
            } else {
                pool.nodes.append(NodePool(node: node, total: share, free: share, surplus: 0))
                pool.nodes.sort { $0.node < $1.node }
            }
            pool.total = (pool.total ?? 0).addingClamped(share)
            pool.free = (pool.free ?? 0).addingClamped(share)
            snapshot.pools[poolIndex] = pool
        }
        if snapshot.defaultPageSizeKB == kB {
            snapshot.meminfo.total = snapshot.pools[poolIndex].total
            snapshot.meminfo.free = snapshot.pools[poolIndex].free
        }
    }

    /// The plan as a `hugectl pool set` command per size that changes.
    public func commands() -> [String] {
        sizes.filter { $0.nodes.contains { $0.planned != $0.now } }.map { size in
            "hugectl pool set \(PageSize.format(kB: size.pageSizeKB)) "
                + size.nodes.map { "\($0.node):\($0.planned)" }.joined(separator: ",")
        }
    }

    /// The per-node sysfs writes.
    public func sysfsLines() -> [String] {
        sizes.flatMap { size in
            size.nodes.filter { $0.planned != $0.now }.map { node in
                "echo \(node.planned) > \(KernelPath.nodePool(node.node, kB: size.pageSizeKB))/nr_hugepages"
            }
        }
    }

    /// Kernel command line: `hugepagesz=2M hugepages=0:8,1:6` (per-node form: Linux 5.16+).
    public func bootParameters() -> String {
        sizes.filter { $0.plannedTotal > 0 }.map { size in
            "hugepagesz=\(PageSize.format(kB: size.pageSizeKB)) hugepages="
                + size.nodes.filter { $0.planned > 0 }.map { "\($0.node):\($0.planned)" }.joined(separator: ",")
        }.joined(separator: " ")
    }
}
