import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlTune

@Suite("The tuner, off line")
struct TuneTests {
    func snapshot(_ fixture: String) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture))
    }

    @Test func sizesAndCounts() throws {
        let s = try snapshot("two-node")
        for (text, kB) in [("2M", 2048), ("2MB", 2048), ("2048kB", 2048), ("1G", 1048576), ("default", 2048)] {
            #expect(try PoolRequest.parseSize(text, snapshot: s) == kB)
        }
        #expect(throws: InputError("unknown page size '4M' (this kernel supports: 2M, 1G)")) { try PoolRequest.parseSize("4M", snapshot: s) }
        #expect(try PoolRequest.parseCount("16") == .absolute(16))
        #expect(try PoolRequest.parseCount("+16") == .relative(16))
        #expect(try PoolRequest.parseCount("-8") == .relative(-8))
        #expect(try PoolRequest.parseCount("0:4,1:8") == .perNode([0: 4, 1: 8]))
        for bad in ["", "-", "+", "x", "1.5", "0:4,0:5", "0:-1", "a:1", "0:4,", "99999999999999999999"] {
            #expect(throws: InputError.self, "\(bad)") { try PoolRequest.parseCount(bad) }
        }
    }

    @Test func changesAndUndo() throws {
        let pool = try #require(try snapshot("two-node").pool(kB: 2048))
        let grow = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .relative(4)), pool: pool, nodesWithMemory: [0, 1], force: false)
        #expect(grow.writes == [SysfsWrite(path: "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", value: 20)])
        // Node 0's one surplus page is not part of its persistent pool of 4: a write of 5
        // would make it persistent.
        #expect(grow.undo == "hugectl pool set 2M 0:4,1:11", "a global change is undone node by node")
        let perNode = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(12), nodes: [1], overcommit: 0),
                                          pool: pool, nodesWithMemory: [0, 1], force: false)
        #expect(perNode.writes.map(\.path) == ["/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages",
                                               "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages"])
        #expect(perNode.undo == "hugectl pool set 2M 1:11 --overcommit 4")
        let both = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .perNode([0: 6, 1: 11])), pool: pool,
                                       nodesWithMemory: [0, 1], force: false)
        #expect(both.undo == "hugectl pool set 2M 0:4,1:11")
    }

    /// Shrinking below what is in use or reserved frees nothing: refused without --force.
    @Test func refusals() throws {
        let pool = try #require(try snapshot("two-node").pool(kB: 2048))  // 16 total, 6 in use, 6 reserved
        #expect(throws: PoolChange.Refusal.self) {
            try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(11)), pool: pool, nodesWithMemory: [0, 1], force: false)
        }
        #expect(try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(12)), pool: pool, nodesWithMemory: [0, 1], force: false).writes.count == 1)
        #expect(try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(0)), pool: pool, nodesWithMemory: [0, 1], force: true).writes.count == 1)
        // Node 1 has 4 pages in use.
        #expect(throws: PoolChange.Refusal.self) {
            try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(3), nodes: [1]), pool: pool, nodesWithMemory: [0, 1], force: false)
        }
        #expect(throws: PoolChange.Refusal.self) {
            try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(3), nodes: [5]), pool: pool, nodesWithMemory: [0, 1], force: true)
        }
        let giant = try #require(try snapshot("two-node").pool(kB: 1048576))
        #expect(throws: PoolChange.Refusal.self) {
            try PoolChange.plan(PoolRequest(pageSizeKB: 1048576, count: nil, overcommit: 1), pool: giant, nodesWithMemory: [0, 1], force: true)
        }
    }

    /// A shrink the global counters allow can still take the free pages that mappings bound
    /// to a node are owed: the kernel frees free pages down to `reserved + in use` globally,
    /// from whichever nodes it writes. Checked on the pools as the change would leave them.
    @Test func shrinkCheckedAgainstOwedPages() throws {
        // Two tasks bound to node 1 are owed 6 pages; node 1 has 4, all free: 2 already fail.
        let s = try snapshot("shortfall-2node")
        let pool = try #require(s.pool(kB: 2048))
        let node1To3 = PoolRequest(pageSizeKB: 2048, count: .absolute(3), nodes: [1])
        // The pool-only checks let it through: node 1 has nothing in use, 11 pages hold 6 reserved.
        #expect(try PoolChange.plan(node1To3, pool: pool, nodesWithMemory: [0, 1], force: false).writes.count == 1)
        let worse = try #require(#expect(throws: PoolChange.Refusal.self) {
            try PoolChange.plan(node1To3, snapshot: s, force: false)
        })
        #expect(worse.message == "shrinking node 1's 2M pool to 3 takes pages that mappings are owed: node 1: 3 owed 2M pages "
            + "could not be served (1 more than now, PIDs 4001,4002): their faults would fail with SIGBUS "
            + "(reserve-policy-shortfall). Use --force to do it anyway")

        // As the plan leaves it (node 1 at 6 pages), nothing fails; shrinking node 1 again
        // creates the shortfall, on node 1 alone, whichever form the change takes.
        var fixed = s
        fixed = fixed.applying(.growth(2, kB: 2048, onOneOf: [1], in: fixed))
        #expect(OwedPagesCheck.shortfalls(in: fixed, kB: 2048).isEmpty)
        for request in [PoolRequest(pageSizeKB: 2048, count: .absolute(4), nodes: [1]),
                        PoolRequest(pageSizeKB: 2048, count: .perNode([0: 8, 1: 4])),
                        PoolRequest(pageSizeKB: 2048, count: .relative(-2), nodes: [1])] {
            let refusal = try #require(#expect(throws: PoolChange.Refusal.self, "\(request)") {
                try PoolChange.plan(request, snapshot: fixed, force: false)
            })
            #expect(refusal.message.contains("node 1: 2 owed 2M pages could not be served (none now, PIDs 4001,4002)"), "\(refusal)")
            #expect(refusal.message.contains("(reserve-policy-shortfall)"))
        }
        // A global shrink: the kernel frees round-robin over the nodes, so node 1 loses some.
        let global = try #require(#expect(throws: PoolChange.Refusal.self) {
            try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(8)), snapshot: fixed, force: false)
        })
        #expect(global.message.hasPrefix("shrinking the 2M pool to 8 (the kernel chooses the nodes it frees pages on; "
            + "this is the worst of its choices) takes pages that mappings are owed: node 1: "), "\(global)")
        // Node 0's pages are owed to nobody: shrinking it is fine, and says nothing.
        let node0 = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(2), nodes: [0]), snapshot: fixed, force: false)
        #expect(node0.warnings.isEmpty && node0.writes.count == 1)
        // --force goes on, and says what it is going on against.
        let forced = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(4), nodes: [1]), snapshot: fixed, force: true)
        #expect(forced.writes == [SysfsWrite(path: KernelPath.nodePool(1, kB: 2048) + "/nr_hugepages", value: 4)])
        #expect(forced.warnings.count == 1)
        #expect(forced.warnings.first?.hasPrefix("--force: going on although shrinking node 1's 2M pool to 4 takes pages") == true)
        // An unreadable process matters only if reservations are left unexplained.
        var closed = fixed
        closed.consumers.scan.unreadable = [.init(pid: 1, path: "/proc/1/maps", reason: "Permission denied")]
        #expect(try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(2), nodes: [0]), snapshot: closed,
                                    force: false).warnings.isEmpty, "every reserved page is attributed")
        // As if 4002 could not be read: neither it nor the object it maps is seen.
        for object in closed.consumers.processes.first(where: { $0.pid == 4002 })?.mappings.map(\.object) ?? [] {
            closed.consumers.objects[object] = nil
        }
        closed.consumers.processes.removeAll { $0.pid == 4002 }
        closed.consumers.scan.unreadable.append(.init(pid: 4002, path: "/proc/4002/maps", reason: "Permission denied"))
        let unchecked = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(2), nodes: [0]), snapshot: closed, force: false)
        #expect(unchecked.warnings == ["2 processes could not be read (e.g. /proc/1/maps: Permission denied) and 3 reserved 2M pages "
            + "may be held by them: the nodes those are owed on were not checked against this shrink"])
        // Without a process scan (pools only) there is nothing to check against.
        var poolsOnly = fixed
        poolsOnly.consumers = ConsumerSnapshot()
        poolsOnly.consumers.scan.attempted = false
        #expect(try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(4), nodes: [1]), snapshot: poolsOnly,
                                    force: false).warnings.isEmpty)
    }

    /// The pools a shrink leaves, as the kernel frees pages: only free ones, never below the
    /// reserved count, per node for a node write and round-robin for a global one.
    @Test func shrinkSimulation() throws {
        var s = try snapshot("shortfall-2node")  // node 0: 8 free, node 1: 4 free; 6 reserved
        s = s.applying(.growth(2, kB: 2048, onOneOf: [1], in: s))
        func nodes(_ snapshot: SystemSnapshot) -> [Int] { snapshot.pool(kB: 2048)?.nodes.map { $0.free ?? -1 } ?? [] }
        let global = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(9)), pool: #require(s.pool(kB: 2048)),
                                         nodesWithMemory: [0, 1], force: false)
        #expect(nodes(OwedPagesCheck.applied(global, to: s, startingAt: 0)) == [5, 4])
        #expect(nodes(OwedPagesCheck.applied(global, to: s, startingAt: 1)) == [6, 3])
        // Forced to 0: only free minus reserved can go (8 of 14), the rest stays as surplus.
        let zero = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(0)), pool: #require(s.pool(kB: 2048)),
                                       nodesWithMemory: [0, 1], force: true)
        let after = OwedPagesCheck.applied(zero, to: s)
        #expect(after.pool(kB: 2048)?.free == 6)
        #expect(nodes(after).reduce(0, +) == 6)
        // A node write takes that node's free pages only.
        let node1 = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(1), nodes: [1]), pool: #require(s.pool(kB: 2048)),
                                        nodesWithMemory: [0, 1], force: true)
        #expect(nodes(OwedPagesCheck.applied(node1, to: s)) == [8, 1])
    }

    /// Writes into a tree instead of sysfs; can be told to fail on one path.
    struct TreeWriter: SysfsWriter {
        var root: String
        var failOn: String?
        var cap: [String: Int] = [:]

        func write(_ value: Int, to path: String) throws(ReadError) {
            if path == failOn { throw ReadError(path: path, failure: .system(Errno(EINVAL))) }
            let stored = min(value, cap[path] ?? value)
            do {
                try "\(stored)\n".write(toFile: root + path, atomically: false, encoding: .utf8)
            } catch {
                throw ReadError(path: path, failure: .system(Errno(EIO)))
            }
        }
    }

    /// A per-node change where the second node's write fails: the first is made and read
    /// back, the failure is named, and the table shows the pool as it really is.
    @Test func writeFailingHalfway() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try copyFixture("shortfall-2node", to: dir)
            let before = try SnapshotCollector.collect(from: SystemRoot.open(dir), scanProcesses: false)
            let pool = try #require(before.pool(kB: 2048))
            let change = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .perNode([0: 10, 1: 6])), pool: pool,
                                             nodesWithMemory: [0, 1], force: false)
            let writer = TreeWriter(root: dir, failOn: KernelPath.nodePool(1, kB: 2048) + "/nr_hugepages")
            let result = PoolTuner.apply(change, source: try SystemRoot.open(dir), writer: writer, compact: false, wait: 0, before: before)
            #expect(result.failedWrite?.path == KernelPath.nodePool(1, kB: 2048) + "/nr_hugepages")
            #expect(!result.succeeded)
            #expect(result.rows.first { $0.scope == .node(0) }?.got == 10)
            #expect(result.rows.first { $0.scope == .node(1) }?.got == 4)
            #expect(change.undo == "hugectl pool set 2M 0:8,1:4")
        }
    }

    /// The kernel gives fewer pages than asked and the write still succeeds: read back, named.
    @Test func shortCountIsAShortfall() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try copyFixture("shortfall-2node", to: dir)
            let before = try SnapshotCollector.collect(from: SystemRoot.open(dir), scanProcesses: false)
            let pool = try #require(before.pool(kB: 2048))
            let change = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(100)), pool: pool,
                                             nodesWithMemory: [0, 1], force: false)
            let path = KernelPath.pool(kB: 2048) + "/nr_hugepages"
            let writer = TreeWriter(root: dir, cap: [path: 40])
            let result = PoolTuner.apply(change, source: try SystemRoot.open(dir), writer: writer, compact: false, wait: 0, before: before)
            #expect(result.shortfalls.map(\.got) == [40])
            #expect(!result.succeeded)
        }
    }

    /// The plan's pools, applied to the fixture's numbers, leave nothing to fail but what no
    /// pool change can remove (findings without a remedy), which the plan says it leaves.
    @Test(arguments: statusFixtures)
    func planLeavesNoShortfall(fixture: String) throws {
        var s = try snapshot(fixture)
        let plan = PoolPlan.compute(s, headroom: .none)
        let unresolved = Set(plan.sizes.flatMap(\.unresolved))
        let before = Analysis.findings(for: s)
        for id in unresolved {
            #expect(before.contains { $0.id == id }, "\(fixture): \(id) is unresolved, yet no finding has it")
            #expect(before.allSatisfy { $0.id != id || $0.remedy == nil }, "\(fixture): \(id) has a remedy, yet is unresolved")
        }
        for size in plan.sizes {
            for node in size.nodes where node.planned > node.now {
                s = s.applying(PoolDelta(pageSizeKB: size.pageSizeKB, pages: node.planned - node.now, nodes: [node.node]))
            }
            #expect(size.nodes.allSatisfy { $0.planned >= $0.now }, "a plan never shrinks a pool")
        }
        let left = Analysis.findings(for: s).filter { PoolPlan.resolves.contains($0.id) && !unresolved.contains($0.id) }
        #expect(left.isEmpty, "\(fixture): \(left)")
    }

    @Test func planFigures() throws {
        let plan = PoolPlan.compute(try snapshot("shortfall-2node"), headroom: .none)
        #expect(plan.commands() == ["hugectl pool set 2M 0:8,1:6"])
        #expect(plan.sysfsLines() == ["echo 6 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"])
        #expect(plan.bootParameters() == "hugepagesz=2M hugepages=0:8,1:6")
        let padded = PoolPlan.compute(try snapshot("shortfall-2node"), headroom: .pages(pageSizeKB: 2048, pages: 3))
        #expect(padded.commands() == ["hugectl pool set 2M 0:10,1:7"])
        #expect(try PoolPlan.parseHeadroom("10%") == .percent(10))
        #expect(try PoolPlan.parseHeadroom("1G=2") == .pages(pageSizeKB: 1048576, pages: 2))
        #expect(throws: InputError.self) { try PoolPlan.parseHeadroom("lots") }
        let none = PoolPlan.compute(try snapshot("four-node"), headroom: .none)
        #expect(none.commands().isEmpty)
    }
}
