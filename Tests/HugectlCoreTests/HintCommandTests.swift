import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlTune

/// The hints name the `hugectl` command that removes the finding: one `pool set` when that is
/// enough, `hugectl plan` when it is not.
@Suite("Hints name the hugectl command")
struct HintCommandTests {
    func snapshot(_ fixture: String) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture))
    }

    /// `hugectl pool set 2M 0:8,1:6` in a hint, as (page size, node -> pages).
    static func poolSet(in hint: String) -> (kB: Int, totals: [Int: Int])? {
        guard let range = hint.range(of: "hugectl pool set ") else { return nil }
        let words = hint[range.upperBound...].split(separator: " ")
        guard words.count >= 2, let kB = PageSize.parse(String(words[0])) else { return nil }
        var totals: [Int: Int] = [:]
        for pair in words[1].split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let node = Int(parts[0]), let pages = Int(parts[1]) else { return nil }
            totals[node] = pages
        }
        return (kB, totals)
    }

    /// What the kernel does with the command: each node's pool set, one per-node write
    /// after the other (`PoolDelta`), the new pages free.
    static func apply(_ command: (kB: Int, totals: [Int: Int]), to snapshot: SystemSnapshot) -> SystemSnapshot {
        command.totals.sorted { $0.key < $1.key }.reduce(snapshot) { s, write in
            let now = s.pool(kB: command.kB)?.nodes.first { $0.node == write.key }
            guard let now else { return s }
            return s.applying(PoolDelta(pageSizeKB: command.kB, pages: write.value - (now.total ?? 0), nodes: [write.key]))
        }
    }

    static func fixable(_ findings: [Finding]) -> [Finding] {
        findings.filter { PoolFix.ids.contains($0.id) && $0.pages > 0 && $0.remedy != nil }
    }

    /// On every fixture, hand-made and captured in the VM: each hint that names a `pool set`
    /// names one that leaves nothing a pool change could remove, and it is the command
    /// `hugectl plan` prints; every other finding a pool change could remove names
    /// `hugectl plan`.
    /// Returns how many findings it checked.
    @discardableResult
    static func checkCommands(_ s: SystemSnapshot, _ name: String) -> Int {
        let all = Analysis.findings(for: s)
        for finding in fixable(all) {
            if let command = poolSet(in: finding.hint) {
                let after = Analysis.findings(for: apply(command, to: s)).filter { $0.pageSizeKB == command.kB }
                #expect(fixable(after).isEmpty, "\(name): '\(finding.hint)' leaves \(fixable(after).map(\.id))")
                let plan = PoolPlan.compute(s, headroom: .none).commands()
                let named = "hugectl pool set \(PageSize.format(kB: command.kB)) "
                    + command.totals.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
                #expect(plan.contains(named), "\(name): hint '\(finding.hint)', plan \(plan)")
            } else {
                #expect(finding.hint.contains("hugectl plan"), "\(name): \(finding.id) hint '\(finding.hint)' names no command")
            }
        }
        return fixable(all).count
    }

    /// On a fixture with nothing a pool change could remove, no hint names a `pool set`
    /// either, so that every fixture asserts something.
    @Test(arguments: statusFixtures)
    func fixtureHints(fixture: String) throws {
        let s = try snapshot(fixture)
        if Self.checkCommands(s, fixture) == 0 {
            let named = Analysis.findings(for: s).filter { Self.poolSet(in: $0.hint) != nil }
            #expect(named.isEmpty, "\(fixture): \(named.map(\.id)) name a pool set but nothing is fixable")
        }
    }

    @Test func theSeedCaseNamesTheCommandPlanPrints() throws {
        let f = try #require(Analysis.findings(for: try snapshot("shortfall-2node")).first)
        #expect(f.hint == "give node 1 2 more 2M pages: hugectl pool set 2M 0:8,1:6 "
                + "(or echo 6 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages)")
    }

    /// The IDs whose hints name a command are those `hugectl plan` resolves.
    @Test func sameIDsAsThePlan() {
        #expect(PoolFix.ids == PoolPlan.resolves)
    }

    /// Two bottlenecks of one size: one pool set each would undo the other's node: plan.
    @Test func severalFindingsOfOneSizeNamePlan() throws {
        var s = try snapshot("shortfall-2node")
        var bound0 = try #require(s.consumers.processes.first { $0.pid == 4001 })
        bound0.pid = 4003
        bound0.mappings[0].start += 1 << 30
        bound0.mappings[0].end += 1 << 30
        bound0.mappings[0].object.inode += 1000
        bound0.mappings[0].kind = .anonPrivate
        bound0.mappings[0].shared = false
        bound0.mappings[0].pages = 10
        bound0.mappings[0].policy = MemoryPolicy(mode: .bind, nodes: [0])
        s.consumers.processes.append(bound0)
        s.pools[0].reserved = 16
        s.meminfo.reserved = 16
        let all = Self.fixable(Analysis.findings(for: s))
        #expect(all.count == 2 && all.allSatisfy { $0.id == ReservationShortfall.certainID })
        for f in all {
            #expect(f.hint.contains(": hugectl plan (for all 2 2M findings at once) (or echo "), "\(f.hint)")
            #expect(Self.poolSet(in: f.hint) == nil)
        }
    }

    /// A task that falls back takes the pages added to its local node first: adding the
    /// pages the finding names is not enough, and the hint says so.
    @Test func notEnoughNamesPlan() throws {
        var s = try snapshot("at-risk-2node")
        let p = try #require(s.consumers.processes.firstIndex { $0.pid == 5001 })
        s.consumers.processes[p].mappings[0].pages = 10
        s.pools[0].nodes[0] = NodePool(node: 0, total: 16, free: 16, surplus: 0)
        s.pools[0].total = 20
        s.pools[0].free = 20
        s.pools[0].reserved = 13
        s.meminfo.total = 20
        s.meminfo.free = 20
        s.meminfo.reserved = 13
        let f = try #require(Self.fixable(Analysis.findings(for: s)).first)
        #expect(f.id == ReservationShortfall.possibleID && f.pages == 3 && f.nodes == [1])
        #expect(f.hint.hasPrefix("to be safe whatever the order, give node 1 3 more 2M pages: hugectl plan (one change is not enough"),
                "\(f.hint)")
        Self.checkCommands(s, "batch owing 10")
        // What plan works out does remove it.
        let plan = PoolPlan.compute(s, headroom: .none)
        #expect(plan.sizes.first?.unresolved == [])
    }

    /// The pages go to the named node with the most free memory, as plan puts them.
    @Test func theNodeWithTheMostFreeMemoryGetsThePages() throws {
        var s = try snapshot("shortfall-2node")
        for p in s.consumers.processes.indices { s.consumers.processes[p].mappings[0].policy = MemoryPolicy(mode: .bind, nodes: [0, 1]) }
        // The objects' page cache as a root run reads it (the tree has no map_files stat):
        // the 6 owed pages are exact, not bounded by the Rsvd this test lowers.
        for id in s.consumers.objects.keys { s.consumers.objects[id]?.instantiated = 0 }
        s.pools[0].nodes[0].free = 1
        s.pools[0].free = 5
        s.pools[0].reserved = 5
        s.meminfo.free = 5
        s.meminfo.reserved = 5
        // 6 owed on nodes 0-1, 5 free there: node 1 has more free memory than node 0.
        let f = try #require(Self.fixable(Analysis.findings(for: s)).first)
        #expect(f.nodes == [0, 1] && f.pages == 1)
        #expect(f.hint.hasPrefix("give node 1 1 more 2M page (or spread them over nodes 0-1): hugectl pool set 2M 0:8,1:5 "), "\(f.hint)")
        s.nodes[0].memFreeKB = (s.nodes[1].memFreeKB ?? 0) + 1
        let g = try #require(Self.fixable(Analysis.findings(for: s)).first)
        #expect(g.hint.hasPrefix("give node 0 1 more 2M page (or spread them over nodes 0-1): hugectl pool set 2M 0:9,1:4 "), "\(g.hint)")
        Self.checkCommands(s, "nodes 0-1")
    }
}
