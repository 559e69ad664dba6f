import Testing
@testable import HugectlCore

@Suite("Counter consistency")
struct CounterConsistencyTests {
    func counterFindings(_ snapshot: SystemSnapshot) -> [Finding] {
        CounterConsistency.findings(in: AnalysisInput(snapshot: snapshot))
    }

    func pool(total: Int?, free: Int?, reserved: Int?, surplus: Int?, nodes: [NodePool] = []) -> HugePagePool {
        HugePagePool(pageSizeKB: 2048, total: total, free: free, reserved: reserved, surplus: surplus,
                     overcommit: 0, nodes: nodes)
    }

    @Test func consistentCountersFindNothing() {
        let s = SystemSnapshot(root: "/", defaultPageSizeKB: 2048, pools: [
            pool(total: 8, free: 6, reserved: 2, surplus: 1, nodes: [
                NodePool(node: 0, total: 5, free: 3, surplus: 1), NodePool(node: 1, total: 3, free: 3, surplus: 0)]),
        ], meminfo: MeminfoHugePages(total: 8, free: 6, reserved: 2, surplus: 1, pageSizeKB: 2048))
        #expect(counterFindings(s).isEmpty)
    }

    @Test func everyBreachIsNamed() {
        let s = SystemSnapshot(root: "/", defaultPageSizeKB: 2048, pools: [
            pool(total: 4, free: 5, reserved: 6, surplus: 7, nodes: [
                NodePool(node: 0, total: 1, free: 1, surplus: 0), NodePool(node: 1, total: 1, free: 1, surplus: 0)]),
        ], meminfo: MeminfoHugePages(total: 4, free: 5, reserved: 1, surplus: 7, pageSizeKB: 2048))
        let findings = counterFindings(s)
        #expect(findings.allSatisfy { $0.id == "counter-inconsistent" && $0.severity == .warning && $0.pageSizeKB == 2048 })
        let messages = findings.map(\.message)
        #expect(messages.contains("2M pool: 6 pages reserved but only 5 free; reserved pages must be free"))
        #expect(messages.contains("2M pool: 5 pages free out of a total of 4"))
        #expect(messages.contains("2M pool: 7 surplus pages out of a total of 4"))
        #expect(messages.contains("2M pool: per-node total adds up to 2 but the global total is 4"))
        #expect(messages.contains("2M pool: per-node free adds up to 2 but the global free is 5"))
        #expect(messages.contains("2M pool: per-node surplus adds up to 0 but the global surplus is 7"))
        #expect(messages.contains("/proc/meminfo HugePages_Rsvd is 1 but the 2M pool in sysfs says 6"))
        #expect(findings.count == 7)
    }

    @Test func unknownCountersAreNotBreaches() {
        let s = SystemSnapshot(root: "/", defaultPageSizeKB: 2048, pools: [
            pool(total: nil, free: 3, reserved: nil, surplus: nil, nodes: [NodePool(node: 0, total: 2, free: nil, surplus: nil)]),
        ])
        #expect(counterFindings(s).isEmpty)
    }

    @Test func sumsNeverOverflow() {
        #expect(CounterConsistency.sumIfKnown([Int.max, 1]) == nil)
        #expect(CounterConsistency.sumIfKnown([1, nil]) == nil)
        #expect(CounterConsistency.sumIfKnown([1, 2]) == 3)
    }

    @Test func findingsAreOrderedBySeverityThenSize() {
        let s = SystemSnapshot(root: "/", defaultPageSizeKB: 2048, pools: [
            HugePagePool(pageSizeKB: 1048576, total: 1, free: 2, reserved: 0, surplus: 0, overcommit: 0),
            pool(total: 1, free: 2, reserved: 0, surplus: 0),
        ])
        #expect(Analysis.findings(for: s).map(\.pageSizeKB) == [2048, 1048576])
    }
}
