import Testing
@testable import HugectlCore

/// Issue 14, item 5: no input makes the analysis super-linear. A racing or damaged smaps can
/// list one VMA thousands of times; before, each copy carried the object's reservation and
/// built a demand naming every other copy (quadratic), and the extent of an object's ranges
/// was taken with `removeFirst` (quadratic).
@Suite("Scan and analysis cost")
struct ScanCostTests {
    let device = DeviceNumber(major: 0, minor: 17)

    /// `count` copies of one shared anonymous VMA of 4 pages, none faulted, in one process.
    func repeated(_ count: Int) -> ConsumerSnapshot {
        let id = ObjectID(device: device, inode: 7)
        let one = HugetlbMapping(start: 0x7f0000000000, end: 0x7f0000800000, pageSizeKB: 2048, kind: .anonShared,
                                 path: "/anon_hugepage", object: id, shared: true, noreserve: false, pages: 4,
                                 faultedPages: 0)
        var c = ConsumerSnapshot()
        c.processes = [HugetlbProcess(pid: 10, mappings: Array(repeating: one, count: count))]
        c.objects = [id: HugetlbObject(id: id, kind: .anon, pageSizeKB: 2048, path: "/anon_hugepage",
                                       sizeBytes: 4 << 21, instantiated: 0)]
        return c
    }

    func snapshot(_ consumers: ConsumerSnapshot) throws -> SystemSnapshot {
        var s = try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/shortfall-2node"))
        s.consumers = consumers
        return s
    }

    /// The object's 4 pages are owed once, by one copy, and make one demand.
    @Test func repeatedVMAIsOwedOnce() throws {
        let input = AnalysisInput(snapshot: try snapshot(repeated(5_000)))
        let pending = input.consumers.processes[0].mappings.map(\.reservedPending)
        #expect(pending.filter { $0 > 0 } == [4])
        let demands = FaultDemands.reserved(input)
        #expect(demands.count == 1)
        #expect(demands.first?.pages == 4)
        #expect(ReservationAttribution.extent(ofRanges: Array(repeating: (0, 4), count: 5_000)) == 4)
    }

    /// What the analysis of `count` copies builds: the VMAs its demands and findings name,
    /// the mappings that carry the object's reservation, and the bytes of the status document.
    struct Work: Equatable {
        var carriers: Int
        var demandVMAs: Int
        var findings: Int
        var findingVMAs: Int
        var jsonBytes: Int
    }

    func work(_ count: Int) throws -> Work {
        let context = AnalysisContext(snapshot: try snapshot(repeated(count)))
        let report = StatusReport(snapshot: context.snapshot)
        let demands = context.reserved + context.noreserve + context.inherited
        return Work(carriers: context.consumers.processes.flatMap(\.mappings).filter { $0.reservedPending > 0 }.count,
                    demandVMAs: demands.reduce(0) { $0 + $1.vmas.count },
                    findings: report.findings.count,
                    findingVMAs: report.findings.reduce(0) { $0 + $1.vmas.count },
                    jsonBytes: StatusJSON.document(report).serialized().utf8.count)
    }

    /// The work is linear in the copies, counted rather than timed (a timed ratio fails on a
    /// loaded machine). The 57 s of issue 14 came from every copy carrying the object's
    /// reservation: n demands, each naming the n copies, n² VMAs in all. This fails if a copy
    /// carries again (`carriers` above 1), if a demand or finding names a copy more than once
    /// or names copies per copy (`demandVMAs` not n, `findingVMAs` above n per finding), or if
    /// the document grows faster than linearly: for an affine size a + b·n with a ≥ 0,
    /// size(4n) ≤ 4·size(n), which a quadratic term breaks. (Checked: without the `carried`
    /// set of `ReservationAttribution`, `carriers` and `demandVMAs` fail.) It cannot see a
    /// quadratic loop that builds nothing, such as the `removeFirst` the union of ranges once
    /// used: `bench/scan-bench` times the repeated-VMA tree (`make-vma-tree --repeat`) and prints it.
    @Test func workIsLinearInRepeats() throws {
        let small = try work(500)
        let large = try work(2_000)
        #expect(small.carriers == 1 && large.carriers == 1)
        #expect(small.demandVMAs == 500 && large.demandVMAs == 2_000)
        #expect(large.findings == small.findings)
        #expect(large.findingVMAs <= 2_000 * large.findings)
        #expect(large.jsonBytes <= 4 * small.jsonBytes,
                "4x the VMAs made a \(Double(large.jsonBytes) / Double(small.jsonBytes))x larger document")
    }
}
