import Testing
@testable import HugectlCore

@Suite("Kept until exit")
struct KeptUntilExitTests {
    final class Probe: Sendable {}

    @Test("a kept value outlives its last reference; one not kept (a watching round) is freed")
    func keptOutlivesItsScope() {
        weak var kept: Probe?
        weak var freed: Probe?
        do {
            let one = Probe(), two = Probe()
            kept = one
            freed = two
            #expect(KeptUntilExit.keep(one) === one)
            #expect(KeptUntilExit.keep(two, if: false) === two)
        }
        #expect(kept != nil)
        #expect(freed == nil)
    }
}
