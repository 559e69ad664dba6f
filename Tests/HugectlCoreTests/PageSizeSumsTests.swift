import Testing
@testable import HugectlCore

@Suite("Page size sums")
struct PageSizeSumsTests {
    @Test("runs and changes of size sum as a dictionary does, zeros included")
    func sumsAsADictionary() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<50 {
            var sums = PageSizeSums(), expected: [Int: Int] = [:]
            let sizes = [2048, 1_048_576, 64, 32768].prefix(1 + round % 4)
            var size = sizes.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 0...400, using: &rng) {
                // Mostly runs of one size, as a snapshot's objects come.
                if Int.random(in: 0..<10, using: &rng) == 0 { size = sizes.randomElement(using: &rng)! }
                let pages = Int.random(in: 0...3, using: &rng)
                sums.add(pages, kB: size)
                expected[size, default: 0] += pages
                if Int.random(in: 0..<50, using: &rng) == 0 { #expect(sums.bySize == expected) }
            }
            #expect(sums.bySize == expected)
        }
    }
}
