import Foundation
import Testing
@testable import HugectlCore

/// Who faults and which page: the faulting thread's task policy and cpuset
/// (`get_task_policy(current)`), and the VMA covering each page of a shared object
/// (`vma_policy` per VMA) — the rules of VM scenarios 20 and 21.
@Suite("Threads and page ranges")
struct ThreadAndRangeTests {
    func snapshot(_ fixture: String) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture))
    }

    func findings(_ snapshot: SystemSnapshot, _ id: String) -> [Finding] {
        Analysis.findings(for: snapshot).filter { $0.id == id }
    }

    /// Free 2M pages per node, the totals kept in step.
    func setFree(_ s: inout SystemSnapshot, _ free: [Int]) {
        s.pools[0].nodes = free.enumerated().map { NodePool(node: $0.offset, total: $0.element, free: $0.element, surplus: 0) }
        s.pools[0].total = free.reduce(0, +)
        s.pools[0].free = free.reduce(0, +)
        s.meminfo.total = free.reduce(0, +)
        s.meminfo.free = free.reduce(0, +)
    }

    /// shortfall-2node with only worker-a (pid 4001, CPUs 2-3 = node 1), its private mapping
    /// of 3 pages under the main thread's default policy; node 1 has 1 free page.
    func oneWorker(threads: [HugetlbThread], follows: Bool = true) throws -> SystemSnapshot {
        var s = try snapshot("shortfall-2node")
        s.consumers.processes = s.consumers.processes.filter { $0.pid == 4001 }
        var process = try #require(s.consumers.processes.first)
        process.mappings[0].kind = .anonPrivate
        process.mappings[0].shared = false
        process.mappings[0].policy = MemoryPolicy(mode: .default)
        process.mappings[0].followsThreadPolicy = follows
        process.cpusAllowed = [0, 1]
        process.threads = threads
        s.consumers.processes = [process]
        setFree(&s, [8, 1])
        s.pools[0].reserved = 3
        return s
    }

    /// The main thread has the default policy, a worker thread is bound to node 1, which has
    /// 1 free page: which thread faults cannot be seen, so up to 2 pages may fail (scenario 20).
    @Test func workerThreadBoundToAShortNode() throws {
        let bound = HugetlbThread(tid: 4010, memsAllowed: [0, 1], cpusAllowed: [0, 1], taskPolicy: MemoryPolicy(mode: .bind, nodes: [1]))
        let s = try oneWorker(threads: [bound])
        #expect(findings(s, ReservationShortfall.certainID).isEmpty, "the main thread may fault every page")
        let f = try #require(findings(s, ReservationShortfall.possibleID).first)
        #expect(f.pages == 2 && f.nodes == [1] && f.pids == [4001])
        // Without the thread, or when the VMA has a policy of its own, nothing is at risk.
        #expect(findings(try oneWorker(threads: []), ReservationShortfall.possibleID).isEmpty)
        #expect(findings(try oneWorker(threads: [bound], follows: false), ReservationShortfall.possibleID).isEmpty)
    }

    /// Every thread bound the same way: the demand is strict and the failure certain.
    @Test func everyThreadBoundIsCertain() throws {
        var s = try oneWorker(threads: [HugetlbThread(tid: 4010, memsAllowed: [0, 1], cpusAllowed: [0, 1])])
        s.consumers.processes[0].mappings[0].policy = MemoryPolicy(mode: .bind, nodes: [1])
        s.consumers.processes[0].mappings[0].followsThreadPolicy = false
        let f = try #require(findings(s, ReservationShortfall.certainID).first)
        #expect(f.pages == 2 && f.nodes == [1])
        #expect(findings(s, ReservationShortfall.possibleID).isEmpty)
    }

    /// A thread's cpuset is a hard wall for its own faults only.
    @Test func threadCpusetIsPerThread() throws {
        let walled = HugetlbThread(tid: 4011, memsAllowed: [1], cpusAllowed: [2, 3])
        let s = try oneWorker(threads: [walled], follows: false)
        #expect(findings(s, ReservationShortfall.certainID).isEmpty)
        #expect(findings(s, ReservationShortfall.possibleID).first?.pages == 2)
    }

    /// A thousand threads sharing a handful of views are a handful of actors: the demand is
    /// the same as with one thread of each view.
    @Test func threadsSharingAViewAddNothing() throws {
        let policies = [MemoryPolicy(mode: .bind, nodes: [1]), MemoryPolicy(mode: .preferred, nodes: [0])]
        let many = (0..<1000).map { HugetlbThread(tid: 5000 + $0, memsAllowed: [0, 1], cpusAllowed: [0, 1], taskPolicy: policies[$0 % 2]) }
        let few = [many[0], many[1]]
        let input = AnalysisInput(snapshot: try oneWorker(threads: many))
        let small = AnalysisInput(snapshot: try oneWorker(threads: few))
        #expect(FaultDemands.reserved(input) == FaultDemands.reserved(small))
        var memo = FaultDemands.Memo()
        let actors = FaultDemands.actors(input.consumers.processes[0], input.consumers.processes[0].mappings[0], memo: &memo)
        #expect(actors.count == 3)
    }

    /// One anonymous shared mapping of 4 pages split by mbind: pages 0-1 default (CPUs of
    /// node 0), pages 2-3 bound to node 1, which has 1 free page; node 0 has 3.
    func splitShared(cpus: [Int] = [0, 1], faulted: (Int, Int) = (0, 0), instantiated: Int? = nil) throws -> SystemSnapshot {
        var s = try snapshot("shortfall-2node")
        s.consumers.processes = s.consumers.processes.filter { $0.pid == 4001 }
        var process = try #require(s.consumers.processes.first)
        var low = process.mappings[0]
        low.end = low.start + 2 * 2048 * 1024
        low.pages = 2
        low.policy = MemoryPolicy(mode: .default)
        low.faultedPages = faulted.0
        var high = low
        high.start = low.end
        high.end = high.start + 2 * 2048 * 1024
        high.offset = 2 * 2048 * 1024
        high.policy = MemoryPolicy(mode: .bind, nodes: [1])
        high.faultedPages = faulted.1
        process.mappings = [low, high]
        process.cpusAllowed = cpus
        s.consumers.processes = [process]
        let object = low.object
        s.consumers.objects[object]?.sizeBytes = 4 * 2048 * 1024
        s.consumers.objects[object]?.instantiated = instantiated ?? (faulted.0 + faulted.1)
        setFree(&s, [3, 1])
        s.pools[0].reserved = 4 - (instantiated ?? (faulted.0 + faulted.1))
        return s
    }

    /// Exactly one page fails whatever the order (scenario 21): certain 1, possible 0. One
    /// demand for the whole object (the union of its VMAs' nodes) said "up to 3 may fail".
    @Test func vmaSplitByMbindFaultsPerRange() throws {
        let s = try splitShared()
        let certain = try #require(findings(s, ReservationShortfall.certainID).first)
        #expect(certain.pages == 1 && certain.nodes == [1] && certain.pids == [4001])
        #expect(certain.vmas.count == 1, "only the bound range's VMA")
        #expect(findings(s, ReservationShortfall.possibleID).isEmpty)
        let demands = FaultDemands.reserved(AnalysisInput(snapshot: s))
        #expect(demands.map(\.objectPages) == [0..<2, 2..<4])
        #expect(demands.map(\.pages) == [2, 2])
        #expect(demands.map(\.strict) == [false, true])
        #expect(VerdictTests.vmasAreConsistent(Analysis.findings(for: s), s) == [])
    }

    /// On node 1's CPUs the default range may take node 1's page first: one more at risk.
    @Test func defaultRangeOnTheBoundNodesCPUs() throws {
        let s = try splitShared(cpus: [2, 3])
        #expect(findings(s, ReservationShortfall.certainID).first?.pages == 1)
        #expect(findings(s, ReservationShortfall.possibleID).first?.pages == 1)
    }

    /// Faulted pages each VMA shows are placed in its range: page 2 faulted leaves 1 owed on
    /// node 1, which fits.
    @Test func faultedPagesPerVMAArePlaced() throws {
        let s = try splitShared(faulted: (0, 1))
        #expect(findings(s, ReservationShortfall.certainID).isEmpty)
        #expect(findings(s, ReservationShortfall.possibleID).isEmpty)
        #expect(FaultDemands.reserved(AnalysisInput(snapshot: s)).map(\.pages) == [2, 1])
    }

    /// A page in the object that no VMA shows (faulted by a process gone since): where it is
    /// is not known, so nothing is certain and 1 page is at risk (it may be page 0 or 1).
    @Test func unplacedFaultedPagesAreNotGuessed() throws {
        let s = try splitShared(instantiated: 1)
        #expect(findings(s, ReservationShortfall.certainID).isEmpty)
        #expect(findings(s, ReservationShortfall.possibleID).first?.pages == 1)
        let demands = FaultDemands.reserved(AnalysisInput(snapshot: s))
        #expect(demands.reduce(0) { $0 + $1.pages } == 3)
    }

    /// Two processes mapping different halves of one shared file: each half is faulted only
    /// by its own mapper, whose policy decides.
    @Test func mappersOfDifferentRanges() throws {
        var s = try splitShared()
        var other = s.consumers.processes[0]
        other.pid = 4002
        other.mappings = [other.mappings[1]]
        s.consumers.processes[0].mappings = [s.consumers.processes[0].mappings[0]]
        s.consumers.processes.append(other)
        let certain = try #require(findings(s, ReservationShortfall.certainID).first)
        #expect(certain.pages == 1 && certain.pids == [4002])
    }

    // MARK: - Reading the threads

    /// `task/TID/status` and `task/TID/numa_maps` are read for a process with hugetlb
    /// mappings; a thread showing another policy for a VMA makes that VMA follow the faulting
    /// thread; threads like the main one are left out; a snapshot records what was read.
    @Test func scannerReadsOtherThreads() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try copyFixture("shortfall-2node", to: dir)
            let numa = try String(contentsOfFile: dir + "/proc/4001/numa_maps", encoding: .utf8)
            let status = try String(contentsOfFile: dir + "/proc/4001/status", encoding: .utf8)
            try writeTree(dir, [
                "/proc/4001/task/4001/status": status,
                "/proc/4001/task/4001/numa_maps": numa,
                "/proc/4001/task/4005/status": status,
                "/proc/4001/task/4005/numa_maps": numa,
                "/proc/4001/task/4006/status": status.replacingOccurrences(of: "Mems_allowed_list:\t0-63", with: "Mems_allowed_list:\t1"),
                "/proc/4001/task/4006/numa_maps": numa.replacingOccurrences(of: "bind:1", with: "prefer:0"),
            ])
            let recorder = RecordingSource(try SystemRoot.open(dir))
            let s = try SnapshotCollector.collect(from: recorder)
            let process = try #require(s.consumers.processes.first { $0.pid == 4001 })
            #expect(process.threads == [HugetlbThread(tid: 4006, memsAllowed: [1], cpusAllowed: [2, 3],
                                                      taskPolicy: MemoryPolicy(mode: .preferred, nodes: [0]))])
            #expect(process.mappings.map(\.followsThreadPolicy) == [true])
            #expect(s.consumers.scan.complete)
            for path in ["/proc/4001/task/4006/status", "/proc/4001/task/4006/numa_maps", "/proc/4001/task/4005/numa_maps"] {
                #expect(recorder.files[path] != nil, "\(path) recorded")
            }
            #expect(recorder.listings["/proc/4001/task"] == ["4001", "4005", "4006"])
            #expect(recorder.files.keys.filter { $0.hasPrefix("/proc/4001/task/4001/") }.isEmpty, "the main thread is read once")
            // A process without hugetlb mappings has no task/ read.
            #expect(recorder.listings.keys.filter { $0.hasSuffix("/task") } == ["/proc/4001/task"])
            // A thread that cannot be read makes the scan incomplete, never silently lenient.
            try FileManager.default.removeItem(atPath: dir + "/proc/4001/task/4006/numa_maps")
            try FileManager.default.createDirectory(atPath: dir + "/proc/4001/task/4006/numa_maps", withIntermediateDirectories: true)
            let broken = try SnapshotCollector.collect(from: SystemRoot.open(dir))
            #expect(!broken.consumers.scan.complete)
        }
    }
}
