import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlProbe

/// `features --probe` never grows a pool that has surplus pages: the kernel would make them
/// persistent (set_max_huge_pages takes pages out of surplus state first).
@Suite("Probe pool growth")
struct ProbeGrowthTests {
    /// A tree with a 64 kB pool (no such pool exists on x86, so a wrong write goes nowhere).
    private func tree(_ dir: String, total: Int, free: Int, surplus: Int) throws -> SystemRoot {
        let pool = dir + "/sys/kernel/mm/hugepages/hugepages-64kB"
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
        for (name, value) in [("nr_hugepages", total), ("free_hugepages", free), ("resv_hugepages", 0),
                              ("surplus_hugepages", surplus)] {
            try "\(value)\n".write(toFile: pool + "/" + name, atomically: true, encoding: .utf8)
        }
        return try SystemRoot.open(dir)
    }

    @Test func aPoolWithSurplusPagesIsNotGrown() throws {
        try withTemporaryDirectory { dir in
            let source = try tree(dir, total: 3, free: 0, surplus: 3)
            let page = FeaturesProbe.pageAvailability(kB: 64, gigantic: false, mayGrow: true, isRoot: true,
                                                      wantsGrowth: true, source: source)
            #expect(page.growth == nil)
            #expect(page.skipReason?.contains("3 surplus pages") == true, "\(page.skipReason ?? "nil")")
        }
    }

    @Test func aPoolWithAFreePageNeedsNoGrowth() throws {
        try withTemporaryDirectory { dir in
            let source = try tree(dir, total: 3, free: 1, surplus: 3)
            let page = FeaturesProbe.pageAvailability(kB: 64, gigantic: false, mayGrow: true, isRoot: true,
                                                      wantsGrowth: true, source: source)
            #expect(page.growth == nil && page.skipReason == nil)
        }
    }
}
