import Foundation
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

    /// Four times the copies costs about four times as much (quadratic would be sixteen).
    @Test func costIsLinearInRepeats() throws {
        func seconds(_ count: Int) throws -> Double {
            let s = try snapshot(repeated(count))
            var best = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = StatusReport(snapshot: s)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return best
        }
        let small = try seconds(4_000)
        let large = try seconds(16_000)
        #expect(large / small < 9, "4x the VMAs took \(large / small)x the time (\(small) s, \(large) s)")
    }
}
