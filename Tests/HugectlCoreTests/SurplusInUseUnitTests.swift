import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlTune

@Suite("Surplus pages in use: finding and undo")
struct SurplusInUseUnitTests {
    /// `pool set 2M 100 --force` under a holder of 274 pages: 274 in the pool, 174 surplus.
    let forced = HugePagePool(pageSizeKB: 2048, total: 274, free: 0, reserved: 0, surplus: 174, overcommit: 0,
                              nodes: [NodePool(node: 0, total: 274, free: 0, surplus: 174)])

    @Test func finding() throws {
        let finding = try #require(SurplusChecks.inUse(forced))
        #expect(finding.id == SurplusChecks.inUseID && finding.severity == .warning)
        #expect(finding.pages == 174 && finding.nodes == [0])
        #expect(finding.message.contains("falls from 274 to 100 pages"))
        #expect(finding.hint.contains("hugectl pool set 2M 0:274"))
        #expect(FindingCatalog.ids.contains(SurplusChecks.inUseID))
        // Within nr_overcommit_hugepages the kernel makes them again on demand: no finding.
        var overcommitted = forced
        overcommitted.overcommit = 174
        #expect(SurplusChecks.inUse(overcommitted) == nil)
        // Only the part beyond the limit.
        overcommitted.overcommit = 100
        #expect(SurplusChecks.inUse(overcommitted)?.pages == 74)
        // Free surplus pages are not in use (that is surplus-stranded's).
        var free = forced
        free.free = 274
        free.nodes[0].free = 274
        #expect(SurplusChecks.inUse(free) == nil)
        // Unknown counters say nothing.
        var unknown = forced
        unknown.surplus = nil
        #expect(SurplusChecks.inUse(unknown) == nil)
    }

    /// The undo of a change made over surplus pages in use puts back the persistent pool, with
    /// --force, so that the kernel makes those pages surplus again.
    @Test func undoRestoresThePersistentPool() throws {
        let change = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .perNode([0: 274])), pool: forced,
                                         nodesWithMemory: [0], force: false)
        #expect(change.undo == "hugectl pool set 2M 0:100 --force")
        var global = forced
        global.nodes = []
        let viaGlobal = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(274)), pool: global,
                                            nodesWithMemory: [0], force: false)
        #expect(viaGlobal.undo == "hugectl pool set 2M 100 --force")
    }
}
