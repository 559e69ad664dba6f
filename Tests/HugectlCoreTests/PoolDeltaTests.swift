import Foundation
import Testing
@testable import HugectlCore

/// `PoolDelta` places pages as the kernel does, and `Analysis.whatIf` finds what a fresh
/// analysis of the changed snapshot finds.
@Suite("Pool deltas and the what-if")
struct PoolDeltaTests {
    func snapshot(_ fixture: String) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture))
    }

    func pool(total: Int, free: Int, reserved: Int, nodes: [(Int, Int, Int)]) -> SystemSnapshot {
        var s = SystemSnapshot(root: "test", defaultPageSizeKB: 2048)
        s.pools = [HugePagePool(pageSizeKB: 2048, total: total, free: free, reserved: reserved, surplus: 0, overcommit: 0,
                                nodes: nodes.map { NodePool(node: $0.0, total: $0.1, free: $0.2, surplus: 0) })]
        return s
    }

    func nodes(_ s: SystemSnapshot) -> [Int] { s.pools[0].nodes.map { $0.total ?? -1 } }
    func free(_ s: SystemSnapshot) -> [Int] { s.pools[0].nodes.map { $0.free ?? -1 } }

    /// Growth is round-robin from the first node: the first ones get one more.
    @Test func growthIsRoundRobin() {
        let s = pool(total: 8, free: 8, reserved: 0, nodes: [(0, 4, 4), (1, 4, 4), (2, 0, 0)])
        let grown = s.applying(PoolDelta(pageSizeKB: 2048, pages: 5))
        #expect(nodes(grown) == [6, 6, 1])
        #expect(free(grown) == [6, 6, 1])
        #expect(grown.pools[0].total == 13 && grown.pools[0].free == 13)
        #expect(grown.meminfo.total == 13 && grown.meminfo.free == 13)
        #expect(nodes(s.applying(PoolDelta(pageSizeKB: 2048, pages: 2, nodes: [2, 0]))) == [5, 4, 1])
        // A size without a pool, or no pages, changes nothing.
        #expect(s.applying(PoolDelta(pageSizeKB: 1 << 20, pages: 5)) == s)
        #expect(s.applying(PoolDelta(pageSizeKB: 2048, pages: 0)) == s)
    }

    /// Shrinking frees free pages only, no further than the reserved ones, round-robin over
    /// the nodes that still have a free page.
    @Test func shrinkFreesOnlyUnreservedFreePages() {
        let s = pool(total: 10, free: 7, reserved: 4, nodes: [(0, 5, 1), (1, 5, 6)])
        let shrunk = s.applying(PoolDelta(pageSizeKB: 2048, pages: -8))
        #expect(shrunk.pools[0].free == 4, "down to reserved")
        #expect(free(shrunk) == [0, 4])
        #expect(nodes(shrunk) == [4, 3])
        #expect(s.applying(PoolDelta(pageSizeKB: 2048, pages: -1, nodes: [1])).pools[0].nodes[1].free == 5)
        #expect(s.applying(PoolDelta(pageSizeKB: 2048, pages: Int.min)).pools[0].free == 4)
    }

    /// The hints' and the plan's growth: of the named nodes, the one with the most free
    /// memory; none named: spread over the pool's nodes.
    @Test func growthGoesWherePlanPutsIt() throws {
        let s = try snapshot("shortfall-2node")
        let one = PoolDelta.growth(2, kB: 2048, onOneOf: [0, 1], in: s)
        #expect(one.nodes.count == 1)
        #expect(one.nodes == [PoolFix.node([0, 1], s) ?? -1])
        #expect(PoolDelta.growth(2, kB: 2048, onOneOf: [], in: s).nodes.isEmpty)
    }

    /// The what-if reuses the context's attribution and actors, and finds what a fresh
    /// analysis of the changed snapshot finds, for growth and shrink, on every fixture.
    @Test(arguments: statusFixtures)
    func whatIfIsAFreshAnalysis(fixture: String) throws {
        try Self.compareWhatIfs(try snapshot(fixture), fixture)
    }

    /// The same on the snapshots captured in the VM (threads, page ranges, interleave,
    /// cgroups, subpools).
    @Test(arguments: VMFixtureTests.scenarios)
    func whatIfIsAFreshAnalysisInTheVM(scenario: String) throws {
        try withTemporaryDirectory { scratch in
            let root = try VMFixtureTests.unpack(scenario, into: scratch)
            try Self.compareWhatIfs(try SnapshotCollector.collect(from: SystemRoot.open(root)), scenario)
        }
    }

    static func compareWhatIfs(_ s: SystemSnapshot, _ name: String) throws {
        let context = AnalysisContext(snapshot: s)
        #expect(Analysis.findings(for: context) == Analysis.findings(for: s), "\(name)")
        for pool in s.pools {
            var deltas = [PoolDelta(pageSizeKB: pool.pageSizeKB, pages: 1), PoolDelta(pageSizeKB: pool.pageSizeKB, pages: -2)]
            for node in pool.nodes {
                deltas.append(PoolDelta(pageSizeKB: pool.pageSizeKB, pages: 3, nodes: [node.node]))
                deltas.append(PoolDelta(pageSizeKB: pool.pageSizeKB, pages: -1, nodes: [node.node]))
            }
            for delta in deltas {
                let changed = s.applying(delta)
                let whatIf = Analysis.whatIf(context, delta)
                #expect(whatIf.snapshot == changed, "\(name) \(delta)")
                #expect(Analysis.findings(for: whatIf) == Analysis.findings(for: changed), "\(name) \(delta)")
                #expect(whatIf.reserved == AnalysisContext(snapshot: changed).reserved, "\(name) \(delta)")
            }
        }
    }
}
