// Speed of the verdict on a large machine: 64 NUMA nodes and 10,000 hugetlb mappings.
// Prints figures (median of 21 runs); the target is "well under 50 ms". Run: make bench-solver
// A third case adds a process of 1,000 threads with differing task policies and cpusets.
// The verdict is timed from the attributed snapshot (the demands worked out afresh), a
// what-if (`Analysis.whatIf`, one more page) from the analysed one.
#if canImport(Glibc)
import Glibc
#endif
import HugectlCore

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}

struct Random {
    var state: UInt64 = 0x9E3779B97F4A7C15
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}

func median(_ runs: Int, _ body: () -> Void) -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = now()
        body()
        times.append(now() - start)
    }
    return times.sorted()[runs / 2]
}

let nodes = 64
let vmas = 10_000
var random = Random()

// 1. The solver alone, worst case: every mapping its own node set (10,000 groups).
var supply: [Int: Int] = [:]
for node in 0..<nodes { supply[node] = 100 + random.next(200) }
var groups: [Feasibility.Group] = []
for _ in 0..<vmas {
    var set = Set<Int>()
    for _ in 0..<(1 + random.next(4)) { set.insert(random.next(nodes)) }
    groups.append(.init(nodes: set, demand: 1 + random.next(4)))
}
var shortfall = 0
let solverMs = median(21) { shortfall = Feasibility.solve(supply: supply, groups: groups).shortfall }

// 2. The whole verdict on a synthetic snapshot: 1,000 processes x 10 mappings, policies drawn
//    from 200 node sets (bind, preferred, interleave, default), per-node pools of 2M pages.
var snapshot = SystemSnapshot(root: "bench", defaultPageSizeKB: 2048)
var pool = HugePagePool(pageSizeKB: 2048, total: 0, free: 0, reserved: 0, surplus: 0, overcommit: 0)
for node in 0..<nodes {
    let free = supply[node] ?? 0
    pool.nodes.append(NodePool(node: node, total: free, free: free, surplus: 0))
    snapshot.nodes.append(NumaNode(node: node, cpus: [2 * node, 2 * node + 1], hasMemory: true,
                                   memTotalKB: 64 << 20, memFreeKB: 32 << 20, distances: nil, numastat: []))
}
pool.total = pool.nodes.reduce(0) { $0 + ($1.total ?? 0) }
pool.free = pool.total
var policies: [MemoryPolicy] = []
for i in 0..<200 {
    var set = Set<Int>()
    for _ in 0..<(1 + random.next(3)) { set.insert(random.next(nodes)) }
    let modes: [MemoryPolicy.Mode] = [.bind, .preferred, .interleave, .default]
    let mode = modes[i % modes.count]
    policies.append(MemoryPolicy(mode: mode, nodes: mode == .default ? [] : set.sorted()))
}
var consumers = ConsumerSnapshot()
var reserved = 0
for p in 0..<(vmas / 10) {
    var process = HugetlbProcess(pid: 1000 + p, name: "bench", ppid: 1, cpusAllowed: [random.next(2 * nodes)])
    for m in 0..<10 {
        let pages = 1 + random.next(4)
        reserved += pages
        let start = UInt64(0x7f0000000000) + UInt64(m) << 30
        process.mappings.append(HugetlbMapping(
            start: start, end: start + UInt64(pages) << 21, pageSizeKB: 2048, kind: .anonPrivate, path: "/anon_hugepage",
            object: ObjectID(device: DeviceNumber(major: 0, minor: 17), inode: UInt64(p * 10 + m)), shared: false,
            noreserve: false, pages: pages, faultedPages: 0, anonPages: 0, policy: policies[random.next(policies.count)]))
    }
    consumers.processes.append(process)
}
pool.reserved = reserved
snapshot.pools = [pool]
snapshot.consumers = consumers
var findings: [Finding] = []
// The verdict: the fault demands worked out from the attributed consumers (nothing reused),
// solved, and judged; a what-if (one more page on node 0) reuses the actors' node sets.
let input = AnalysisContext(snapshot: snapshot)
let verdictMs = median(21) { findings = ReservationShortfall.findings(in: AnalysisContext(input, pools: snapshot, reuseActors: false)) }
let onePage = PoolDelta(pageSizeKB: 2048, pages: 1, nodes: [0])
let whatIfMs = median(21) { _ = ReservationShortfall.findings(in: Analysis.whatIf(input, onePage)) }
let fullMs = median(5) { _ = Analysis.findings(for: AnalysisContext(snapshot: snapshot)) }

// 3. The same snapshot plus one process of 1,000 threads, whose task policies are drawn from
//    the 200 above and whose CPUs differ (one view per thread at most), with 100 mappings
//    that follow the faulting thread's policy and one shared object split into 10 ranges by
//    mbind: every mapping is faulted by up to 1,001 actors.
var threaded = snapshot
var many = HugetlbProcess(pid: 999, name: "threads", ppid: 1, cpusAllowed: Array(0..<(2 * nodes)))
for t in 0..<1000 {
    many.threads.append(HugetlbThread(tid: 5000 + t, memsAllowed: nil, cpusAllowed: [random.next(2 * nodes)],
                                      taskPolicy: policies[random.next(policies.count)]))
}
var threadReserved = 0
for m in 0..<100 {
    let pages = 1 + random.next(4)
    threadReserved += pages
    let start = UInt64(0x7e0000000000) + UInt64(m) << 30
    var mapping = HugetlbMapping(
        start: start, end: start + UInt64(pages) << 21, pageSizeKB: 2048, kind: .anonPrivate, path: "/anon_hugepage",
        object: ObjectID(device: DeviceNumber(major: 0, minor: 18), inode: UInt64(m)), shared: false,
        noreserve: false, pages: pages, faultedPages: 0, anonPages: 0, policy: MemoryPolicy(mode: .default))
    mapping.followsThreadPolicy = true
    many.mappings.append(mapping)
}
let sharedObject = ObjectID(device: DeviceNumber(major: 0, minor: 19), inode: 1)
for r in 0..<10 {
    let start = UInt64(0x7d0000000000) + UInt64(r) << 23
    many.mappings.append(HugetlbMapping(
        start: start, end: start + UInt64(4) << 21, pageSizeKB: 2048, kind: .anonShared, path: "/anon_hugepage",
        object: sharedObject, offset: UInt64(r) << 23, shared: true, noreserve: false, pages: 4, faultedPages: 0,
        policy: r % 2 == 0 ? MemoryPolicy(mode: .default) : policies[random.next(policies.count)]))
}
threaded.consumers.objects[sharedObject] = HugetlbObject(id: sharedObject, kind: .anon, pageSizeKB: 2048, path: "/anon_hugepage",
                                                         sizeBytes: 40 << 21, instantiated: 0)
threaded.consumers.processes.append(many)
threaded.pools[0].reserved = (threaded.pools[0].reserved ?? 0) + threadReserved + 40
var threadFindings: [Finding] = []
let threadInput = AnalysisContext(snapshot: threaded)
let threadDemands = FaultDemands.reserved(threadInput).count
let threadVerdictMs = median(21) {
    threadFindings = ReservationShortfall.findings(in: AnalysisContext(threadInput, pools: threaded, reuseActors: false))
}
let threadFullMs = median(5) { _ = Analysis.findings(for: AnalysisContext(snapshot: threaded)) }

// 4. `hugectl admit` on the snapshot of case 2: one new mapping bound to four nodes, mapped
//    (mmap checks), added, and every check run before and after (with the fix hints after),
//    then compared. The global pool is given room so that mmap accepts it and the whole
//    analysis runs (a refused mmap stops at hugetlb_acct_memory).
var roomy = snapshot
roomy.pools[0].free = (roomy.pools[0].reserved ?? 0) + 1000
roomy.pools[0].total = roomy.pools[0].free
var admitSpec = AdmissionSpec(text: "2M=64@bind:0-3", pageSizeKB: 2048, pages: 64, policy: MemoryPolicy(mode: .bind, nodes: [0, 1, 2, 3]))
admitSpec.vmaPolicy = true
var admitted: AdmissionOutcome?
let admitMs = median(5) { admitted = try? Admission.evaluate(roomy, specs: [admitSpec]) }

func format(_ ms: Double) -> String {
    let tenths = Int((ms * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) ms"
}
print("solver-bench: \(nodes) nodes, \(vmas) mappings (median of 21 runs)")
print("Feasibility.solve, \(groups.count) distinct node sets:        \(format(solverMs))  (shortfall \(shortfall) pages)")
print("reservation verdict (certain, overcommit, possible):   \(format(verdictMs))  (\(findings.count) findings)")
print("a what-if of one more page, its verdict:               \(format(whatIfMs))")
print("every check, with attribution (median of 5):         \(format(fullMs))")
print("with a process of 1,000 threads (\(many.mappings.count) more mappings, \(threadDemands) demands):")
print("  reservation verdict:                                 \(format(threadVerdictMs))  (\(threadFindings.count) findings)")
print("  every check, with attribution (median of 5):         \(format(threadFullMs))")
print("admit 2M=64@bind:0-3 (mmap, both analyses, collateral; median of 5): \(format(admitMs))  "
    + "(mmap \(admitted?.mappings.first?.mmap.result.rawValue ?? "?"), \(admitted?.collateral.count ?? 0) collateral changes)")
print("target: well under 50 ms for the solver -> \(solverMs < 50 ? "met" : "NOT MET")")
print("target: the verdict under 50 ms -> \(verdictMs < 50 && threadVerdictMs < 50 ? "met" : "NOT MET")")
print("target: admit under 100 ms -> \(admitMs < 100 ? "met" : "NOT MET")")
