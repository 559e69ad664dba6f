import Testing
@testable import HugectlCore

/// A small machine built in code: 2M pools per node, processes with mappings.
struct Machine {
    var snapshot = SystemSnapshot(root: "test", defaultPageSizeKB: 2048)
    private var nextInode: UInt64 = 1

    /// `free[n]` free 2M pages on node n (all of the node's pool), `reserved` in the pool.
    init(free: [Int], reserved: Int, overcommit: Int = 0, memFreeKB: Int = 1 << 30) {
        var pool = HugePagePool(pageSizeKB: 2048, total: free.reduce(0, +), free: free.reduce(0, +), reserved: reserved,
                                surplus: 0, overcommit: overcommit)
        for (node, pages) in free.enumerated() {
            pool.nodes.append(NodePool(node: node, total: pages, free: pages, surplus: 0))
            snapshot.nodes.append(NumaNode(node: node, cpus: [2 * node, 2 * node + 1], hasMemory: true,
                                           memTotalKB: 2 << 30, memFreeKB: memFreeKB, distances: nil, numastat: []))
        }
        snapshot.pools = [pool]
        snapshot.meminfo = MeminfoHugePages(total: pool.total, free: pool.free, reserved: reserved, surplus: 0, pageSizeKB: 2048)
    }

    /// A process with one mapping of `pages` 2M pages; returns the mapping's start.
    @discardableResult
    mutating func map(pid: Int, ppid: Int = 1, kind: MappingKind = .anonPrivate, pages: Int, noreserve: Bool = false,
                      policy: MemoryPolicy? = nil, cpus: [Int] = [0, 1], object: ObjectID? = nil,
                      start: UInt64? = nil) -> UInt64 {
        let start = start ?? UInt64(0x7f00_0000_0000) + UInt64(pid) << 32
        let id = object ?? ObjectID(device: DeviceNumber(major: 0, minor: 17), inode: { nextInode += 1; return nextInode }())
        let mapping = HugetlbMapping(start: start, end: start + UInt64(pages) << 21, pageSizeKB: 2048, kind: kind,
                                     path: "/anon_hugepage", object: id, shared: kind.isShared, noreserve: noreserve,
                                     pages: pages, faultedPages: 0, policy: policy ?? MemoryPolicy(mode: .default))
        if let at = snapshot.consumers.processes.firstIndex(where: { $0.pid == pid }) {
            snapshot.consumers.processes[at].mappings.append(mapping)
        } else {
            snapshot.consumers.processes.append(HugetlbProcess(pid: pid, name: "p\(pid)", ppid: ppid, cpusAllowed: cpus,
                                                               mappings: [mapping]))
            snapshot.consumers.processes.sort { $0.pid < $1.pid }
        }
        if kind.isShared && snapshot.consumers.objects[id] == nil {
            snapshot.consumers.objects[id] = HugetlbObject(id: id, kind: .anon, pageSizeKB: 2048, path: "/anon_hugepage",
                                                           sizeBytes: UInt64(pages) << 21, instantiated: 0)
        }
        return start
    }

    /// A parent's private mapping and its fork child's copy of it.
    mutating func fork(parent: Int, child: Int, pages: Int, policy: MemoryPolicy? = nil, cpus: [Int] = [0, 1]) {
        let start = map(pid: parent, pages: pages, policy: policy, cpus: cpus)
        let object = snapshot.consumers.processes.first { $0.pid == parent }!.mappings.last!.object
        map(pid: child, ppid: parent, pages: pages, policy: policy, cpus: cpus, object: object, start: start)
    }

    func findings(_ id: String? = nil) -> [Finding] {
        Analysis.findings(for: snapshot).filter { id == nil || $0.id == id }
    }
}

/// NORESERVE pages and fork children's copies share one budget, `free − reserved`, on the
/// nodes they may use, after the owed pages.
@Suite("Faults without a reservation")
struct UnreservedDemandTests {
    let bind0 = MemoryPolicy(mode: .bind, nodes: [0])
    let bind1 = MemoryPolicy(mode: .bind, nodes: [1])

    /// One node, 8 free, 4 owed to a parent's private mapping (its child holds the copy): the
    /// budget is 4. NORESERVE takes 3 of it; the child's copies need 4 and get 1.
    @Test func oneBudgetForBoth() {
        var m = Machine(free: [8], reserved: 4)
        m.fork(parent: 100, child: 101, pages: 4)
        m.map(pid: 200, pages: 3, noreserve: true)
        #expect(m.findings(UnreservedDemand.noreserveID).isEmpty, "3 NORESERVE pages fit in the budget of 4")
        let f = m.findings(UnreservedDemand.inheritedID)
        #expect(f.count == 1)
        #expect(f.first?.severity == .error && f.first?.pages == 3 && f.first?.nodes == [0] && f.first?.pids == [101])
        #expect(f.first?.message == "fork children's copies of MAP_PRIVATE mappings may need 4 2M copy-on-write pages on node 0, "
                + "where only 1 unreserved page can be had: 3 would fail with SIGBUS")
        #expect(m.findings().filter { $0.severity == .error }.map(\.id) == [UnreservedDemand.inheritedID])
    }

    /// Within the budget, a fork child's copies are nothing to report (host-1node: 3 pages,
    /// 7 unreserved).
    @Test func inheritedWithinTheBudget() {
        var m = Machine(free: [16], reserved: 4)
        m.fork(parent: 100, child: 101, pages: 4)
        #expect(m.findings().isEmpty)
    }

    /// Overcommit room turns the failures into a warning, as far as it goes.
    @Test func overcommitMakesItAWarning() {
        var m = Machine(free: [8], reserved: 4, overcommit: 2)
        m.fork(parent: 100, child: 101, pages: 4)
        m.map(pid: 200, pages: 3, noreserve: true)
        let f = m.findings(UnreservedDemand.inheritedID)
        #expect(f.map(\.severity) == [.error, .warning])
        #expect(f.map(\.pages) == [1, 2], "3 short: 2 only surplus pages can serve, 1 fails whatever happens")
        #expect(f.last?.hint.hasPrefix("use MAP_SHARED for memory shared with children, or give node 0 2 more 2M pages: echo 10 > ") == true,
                "\(f.last?.hint ?? "")")
        var plenty = m
        plenty.snapshot.pools[0].overcommit = 10
        #expect(plenty.findings(UnreservedDemand.inheritedID).map(\.severity) == [.warning])
        // The owed pages' own rescue comes first: a task bound to an empty node takes the room.
        var owedFirst = Machine(free: [8, 0], reserved: 6, overcommit: 2)
        owedFirst.fork(parent: 100, child: 101, pages: 4)
        owedFirst.map(pid: 300, pages: 2, policy: bind1)
        #expect(owedFirst.findings(ReservationShortfall.rescueID).first?.pages == 2)
        #expect(owedFirst.findings(UnreservedDemand.inheritedID).map(\.severity) == [.error])
        #expect(owedFirst.findings(UnreservedDemand.inheritedID).first?.pages == 2, "budget 8 − 6 = 2 of 4")
    }

    /// Per node set: NORESERVE pages bound to node 1 cannot use node 0's free pages, however
    /// large the pool's headroom.
    @Test func boundToANodeSet() {
        var m = Machine(free: [4, 4], reserved: 0)
        m.map(pid: 200, pages: 6, noreserve: true, policy: bind1)
        let f = m.findings(UnreservedDemand.noreserveID)
        #expect(f.count == 1 && f.first?.pages == 2 && f.first?.nodes == [1] && f.first?.severity == .error)
        #expect(f.first?.message == "MAP_NORESERVE mappings may still fault 6 2M pages with no reservation on node 1, "
                + "where only 4 unreserved pages can be had: 2 would fail with SIGBUS")
        #expect(f.first?.hint == "give node 1 2 more 2M pages: hugectl pool set 2M 0:4,1:6 "
                + "(or echo 6 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages), "
                + "or map without MAP_NORESERVE so mmap fails instead")
    }

    /// The owed pages of a task bound to node 1 come first; separate node sets are separate
    /// findings.
    @Test func separateNodeSets() {
        var m = Machine(free: [4, 4], reserved: 3)
        m.map(pid: 100, pages: 3, policy: bind1)            // owed 3 on node 1
        m.map(pid: 200, pages: 2, noreserve: true, policy: bind1)
        m.map(pid: 300, pages: 6, noreserve: true, policy: bind0)
        let f = m.findings(UnreservedDemand.noreserveID).sorted { $0.nodes.lexicographicallyPrecedes($1.nodes) }
        #expect(f.map(\.nodes) == [[0], [1]])
        #expect(f.map(\.pages) == [2, 1], "node 0: 6 wanted, 4 free; node 1: 2 wanted, 1 left after the owed 3")
        #expect(f.map(\.pids) == [[300], [200]])
        // A default-policy NORESERVE mapping falls back to node 0 and takes nothing from node 1.
        var spill = Machine(free: [4, 4], reserved: 3)
        spill.map(pid: 100, pages: 3, policy: bind1)
        spill.map(pid: 200, pages: 5, noreserve: true, cpus: [2, 3])
        #expect(spill.findings(UnreservedDemand.noreserveID).isEmpty)
        #expect(spill.findings(ReservationShortfall.certainID).isEmpty)
    }

    /// The budget is the pool's: reservations nobody can be seen to hold take their share.
    @Test func theBudgetIsGlobal() {
        var m = Machine(free: [4, 4], reserved: 6)
        m.map(pid: 200, pages: 4, noreserve: true)
        let f = m.findings(UnreservedDemand.noreserveID)
        #expect(f.first?.pages == 2 && f.first?.nodes == [0, 1], "8 free − 6 reserved = 2 of 4")
    }

    /// A shared NORESERVE object is faulted once for all its mappers, which are all named.
    @Test func sharedObjectOnce() {
        var m = Machine(free: [3], reserved: 0)
        let start = m.map(pid: 200, kind: .anonShared, pages: 5, noreserve: true)
        let object = m.snapshot.consumers.processes[0].mappings[0].object
        m.map(pid: 201, kind: .anonShared, pages: 5, noreserve: true, object: object, start: start)
        let f = m.findings(UnreservedDemand.noreserveID)
        #expect(f.first?.pages == 2 && f.first?.pids == [200, 201])
        #expect(f.first?.vmas.map(\.pid) == [200, 201])
    }

    /// `hugectl plan` removes what it reports, and the hint's command is enough.
    @Test func planAndHintsSettleIt() {
        var m = Machine(free: [4, 4], reserved: 3)
        m.map(pid: 100, pages: 3, policy: bind1)
        m.map(pid: 200, pages: 3, noreserve: true, policy: bind1)
        HintCommandTests.checkCommands(m.snapshot, "noreserve on node 1")
        #expect(m.findings(UnreservedDemand.noreserveID).first?.hint.contains("hugectl pool set 2M 0:4,1:6") == true)
    }
}
