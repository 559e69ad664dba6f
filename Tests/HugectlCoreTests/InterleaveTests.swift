import Testing
@testable import HugectlCore

/// Interleaved pages start at a fixed node (`interleave_nid`, `weighted_interleave_nid`), and
/// from 6.7 a bind mask outside the faulting task's mems is dropped (`policy_nodemask`).
@Suite("Interleave placement and the 6.7 bind rule")
struct InterleaveTests {
    let interleave01 = MemoryPolicy(mode: .interleave, nodes: [0, 1])
    let weighted01 = MemoryPolicy(mode: .weightedInterleave, nodes: [0, 1])

    // MARK: - Which node each page starts at

    @Test func plainInterleaveCountsIndexesModuloTheNodes() {
        // Indexes 1, 2, 3 over nodes 0-1: nodes 1, 0, 1.
        #expect(InterleavePlacement.firstChoicePages(interleave01, firstIndex: 1, pages: 3, weights: [:]) == [0: 1, 1: 2])
        #expect(InterleavePlacement.firstChoicePages(interleave01, firstIndex: 0, pages: 3, weights: [:]) == [0: 2, 1: 1])
        // Indexes 4..10 over nodes 0, 2, 3: positions 1, 2, 0, 1, 2, 0, 1.
        let three = MemoryPolicy(mode: .interleave, nodes: [3, 0, 2])
        #expect(InterleavePlacement.firstChoicePages(three, firstIndex: 4, pages: 7, weights: [:]) == [0: 2, 2: 3, 3: 2])
        // One node: every page.
        let one = MemoryPolicy(mode: .interleave, nodes: [1])
        #expect(InterleavePlacement.firstChoicePages(one, firstIndex: 5, pages: 4, weights: [:]) == [1: 4])
    }

    @Test func weightedInterleaveGivesEachNodeItsWeightOfEveryPeriod() {
        // Weights 1 and 3: a period of 4, index 0 on node 0, 1-3 on node 1.
        #expect(InterleavePlacement.firstChoicePages(weighted01, firstIndex: 0, pages: 4, weights: [0: 1, 1: 3]) == [0: 1, 1: 3])
        // Indexes 2..6: period positions 2, 3, 0, 1, 2.
        #expect(InterleavePlacement.firstChoicePages(weighted01, firstIndex: 2, pages: 5, weights: [0: 1, 1: 3]) == [0: 1, 1: 4])
        // Many periods.
        #expect(InterleavePlacement.firstChoicePages(weighted01, firstIndex: 0, pages: 400, weights: [0: 1, 1: 3]) == [0: 100, 1: 300])
        // A weight of 0 counts as 1 (weighted_interleave_nid); all equal is plain interleave.
        #expect(InterleavePlacement.firstChoicePages(weighted01, firstIndex: 1, pages: 3, weights: [0: 0, 1: 1])
                == InterleavePlacement.firstChoicePages(interleave01, firstIndex: 1, pages: 3, weights: [:]))
    }

    @Test func nothingIsGuessed() {
        // A weight that could not be read.
        #expect(InterleavePlacement.firstChoicePages(weighted01, firstIndex: 0, pages: 4, weights: [0: 1]) == nil)
        // Other modes have no per-page node.
        for mode in [MemoryPolicy.Mode.bind, .preferred, .preferredMany, .local, .default] {
            #expect(InterleavePlacement.firstChoicePages(MemoryPolicy(mode: mode, nodes: [0, 1]), firstIndex: 0, pages: 2,
                                                         weights: [0: 1, 1: 1]) == nil)
        }
        #expect(InterleavePlacement.firstChoicePages(MemoryPolicy(mode: .interleave), firstIndex: 0, pages: 2, weights: [:]) == nil)
    }

    @Test func theFirstIndexIsTheOffsetInHugePages() {
        var m = Machine(free: [1], reserved: 0)
        m.map(pid: 100, pages: 1)
        var mapping = m.snapshot.consumers.processes[0].mappings[0]
        mapping.offset = 3 << 21
        #expect(InterleavePlacement.firstIndex(mapping) == 3)
        mapping.pageSizeKB = 1 << 20
        mapping.offset = 5 << 30
        #expect(InterleavePlacement.firstIndex(mapping) == 5)
    }

    /// The weights are read through the source, one small parser each: a missing file (before
    /// 6.9) is unknown and quiet, a bad one a warning naming the file.
    @Test func weightsAreReadPerNode() throws {
        try withTemporaryDirectory { dir in
            try copyFixture("two-node", to: dir + "/t")
            try writeTree(dir + "/t", ["/sys/kernel/mm/mempolicy/weighted_interleave/node0": "3\n",
                                       "/sys/kernel/mm/mempolicy/weighted_interleave/node1": "256\n"])
            let s = try SnapshotCollector.collect(from: SystemRoot.open(dir + "/t"))
            #expect(s.nodes.map(\.interleaveWeight) == [3, nil])
            #expect(s.warnings.contains { $0.hasPrefix("/sys/kernel/mm/mempolicy/weighted_interleave/node1:") })
        }
        let without = try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/two-node"))
        #expect(without.nodes.map(\.interleaveWeight) == [nil, nil] && without.warnings.isEmpty)
        #expect(InterleaveWeight.parse(bytes("7\n")) == .success(7))
        #expect(InterleaveWeight.parse(bytes("x\n")) != .success(0))
    }

    @Test func theSixSevenRule() {
        #expect(InterleavePlacement.ignoresBindOutsideMems(release: "6.1.0-56-amd64") == false)
        #expect(InterleavePlacement.ignoresBindOutsideMems(release: "6.6.44") == false)
        #expect(InterleavePlacement.ignoresBindOutsideMems(release: "6.7.0") == true)
        #expect(InterleavePlacement.ignoresBindOutsideMems(release: "6.12.57+deb12-amd64") == true)
        #expect(InterleavePlacement.ignoresBindOutsideMems(release: nil) == nil)
        #expect(InterleavePlacement.ignoresBindOutsideMems(release: "weird") == nil)
    }

    // MARK: - The analysis

    /// Sets the file offset (in 2M pages) of a process's last mapping.
    static func offset(_ m: inout Machine, pid: Int, pages: UInt64) {
        let at = m.snapshot.consumers.processes.firstIndex { $0.pid == pid }!
        let last = m.snapshot.consumers.processes[at].mappings.count - 1
        m.snapshot.consumers.processes[at].mappings[last].offset = pages << 21
    }

    /// Scenario 25: interleave:0-1 at file page 1 (indexes 1-3: nodes 1, 0, 1) and a task
    /// bound to node 1 owed 2, with node 1's 2 free pages: if the interleaved task faults
    /// first, both bound pages fail; the other way round nothing does.
    @Test func anInterleavedTaskTakesTheBoundTasksPages() {
        var m = Machine(free: [8, 2], reserved: 5)
        m.map(pid: 100, pages: 3, policy: interleave01)
        Self.offset(&m, pid: 100, pages: 1)
        m.map(pid: 200, pages: 2, policy: MemoryPolicy(mode: .bind, nodes: [1]))
        #expect(m.findings(ReservationShortfall.certainID).isEmpty)
        let risk = m.findings(ReservationShortfall.possibleID)
        #expect(risk.count == 1)
        #expect(risk.first?.pages == 2 && risk.first?.nodes == [1])
        #expect(risk.first?.pids == [100, 200], "the interleaved task that takes the pages is named")

        // At offset 0 the indexes are 0-2 (nodes 0, 1, 0): it takes one page of node 1.
        Self.offset(&m, pid: 100, pages: 0)
        #expect(m.findings(ReservationShortfall.possibleID).map(\.pages) == [1])
    }

    /// Scenario 26: interleave:0-1 over 4 pages (2 per node) and bind:0 owed 2, with node 0
    /// 4 free and node 1 2: no order fails, so no warning (lowest node first said 2 pages).
    @Test func noWarningWhereNoOrderFails() {
        var m = Machine(free: [4, 2], reserved: 6)
        m.map(pid: 100, pages: 4, policy: interleave01)
        m.map(pid: 200, pages: 2, policy: MemoryPolicy(mode: .bind, nodes: [0]))
        #expect(m.findings().isEmpty)
    }

    /// Scenario 29: weights 1 and 3 put 1 page on node 0 and 3 on node 1; with bind:0 owed 2
    /// and 3 free on each node nothing can fail. Unknown weights are not guessed: then the
    /// interleaved pages may go anywhere first, and a warning stays.
    @Test func weightsDecideWhereWeightedPagesStart() {
        var m = Machine(free: [3, 3], reserved: 6)
        m.map(pid: 100, pages: 4, policy: weighted01)
        m.map(pid: 200, pages: 2, policy: MemoryPolicy(mode: .bind, nodes: [0]))
        #expect(!m.findings(ReservationShortfall.possibleID).isEmpty, "weights unknown")
        m.snapshot.nodes[0].interleaveWeight = 1
        m.snapshot.nodes[1].interleaveWeight = 3
        #expect(m.findings().isEmpty)
        m.snapshot.nodes[1].interleaveWeight = 1
        #expect(m.findings(ReservationShortfall.possibleID).map(\.pages) == [1], "plain weights: 2 pages start on node 0")
    }

    /// Pages of a partly faulted interleaved mapping: which indexes are left is not known, so
    /// they start anywhere among the policy's nodes, as before.
    @Test func partlyFaultedMappingsKeepTheOldReading() {
        var m = Machine(free: [8, 2], reserved: 3)
        m.map(pid: 100, pages: 4, policy: interleave01)
        m.snapshot.consumers.processes[0].mappings[0].faultedPages = 1
        m.snapshot.consumers.processes[0].mappings[0].anonPages = 1
        let input = AnalysisInput(snapshot: m.snapshot)
        let demands = FaultDemands.reserved(input)
        #expect(demands.count == 1 && demands[0].pages == 3 && demands[0].firstChoicePages == nil)
        var fresh = Machine(free: [8, 2], reserved: 4)
        fresh.map(pid: 100, pages: 4, policy: interleave01)
        #expect(FaultDemands.reserved(AnalysisInput(snapshot: fresh.snapshot)).first?.firstChoicePages == [0: 2, 1: 2])
    }

    /// Scenarios 27 and 28: a VMA bound to node 1 faulted by a task whose mems are node 0.
    /// Before 6.7 no node is both bound and allowed: every page fails. From 6.7 the mask is
    /// dropped and the faults take node 0's pages. Without the kernel release both are
    /// possible: a warning, not an error and not silence.
    @Test func aBindMaskOutsideTheTasksMems() {
        var m = Machine(free: [4, 4], reserved: 2)
        m.map(pid: 100, pages: 2, policy: MemoryPolicy(mode: .bind, nodes: [1]))
        m.snapshot.consumers.processes[0].memsAllowed = [0]

        m.snapshot.kernelRelease = "6.1.0-56-amd64"
        let old = m.findings()
        #expect(old.map(\.id) == [ReservationShortfall.certainID])
        #expect(old.first?.pages == 2 && old.first?.severity == .error)
        #expect(old.first?.nodes == [] && old.first?.remedy == nil, "no pool change helps")
        #expect(old.first?.message.hasSuffix("may use no node: their bind policy and cpuset mems share no node with memory") == true)

        m.snapshot.kernelRelease = "6.12.57+deb12-amd64"
        #expect(m.findings().isEmpty)
        // Node 0 short: the fallen-back faults are confined to the cpuset.
        var short = m
        short.snapshot.pools[0].nodes[0].free = 1
        short.snapshot.pools[0].free = 5
        #expect(short.findings(ReservationShortfall.certainID).map(\.pages) == [1])

        m.snapshot.kernelRelease = nil
        let unknown = m.findings()
        #expect(unknown.map(\.id) == [ReservationShortfall.possibleID])
        #expect(unknown.first?.pages == 2 && unknown.first?.severity == .warning)
        #expect(unknown.first?.nodes == [] && unknown.first?.remedy == nil)

        // A bind mask that meets the mems is kept on every kernel.
        m.snapshot.kernelRelease = "6.12.57+deb12-amd64"
        m.snapshot.consumers.processes[0].memsAllowed = [1]
        m.snapshot.pools[0].nodes[1].free = 1
        m.snapshot.pools[0].free = 5
        #expect(m.findings(ReservationShortfall.certainID).map(\.pages) == [1])
    }
}
