import HugectlTestSupport
import Testing
@testable import HugectlCore

/// Issue 14, item 5: a shared object's owed pages are cut into pieces by its mappers' ranges
/// (`FaultDemands.pieces`). One file mapped page by page by 60,000 VMAs took 4.3 s when each
/// piece scanned every mapper (quadratic); the sweep is proved linear here by counting its
/// steps, not by timing, and proved to cut as the scan did.
@Suite("Piece sweep")
struct PieceSweepTests {
    /// The scan the sweep replaced: for each span between points, the owed ranges and the
    /// mappers that cover it, neighbours with the same mappers merged.
    func scanned(_ points: [Int], _ ranges: [Range<Int>?], _ owed: [Range<Int>]) -> [(Range<Int>, [Int])] {
        var pieces: [(Range<Int>, [Int])] = []
        for (low, high) in zip(points, points.dropFirst()) where high > low {
            guard owed.contains(where: { $0.lowerBound <= low && high <= $0.upperBound }) else { continue }
            let covering = ranges.indices.filter { ranges[$0].map { $0.lowerBound <= low && high <= $0.upperBound } ?? false }
            if let last = pieces.last, last.0.upperBound == low, last.1 == covering {
                pieces[pieces.count - 1].0 = last.0.lowerBound..<high
            } else {
                pieces.append((low..<high, covering))
            }
        }
        return pieces
    }

    func points(_ ranges: [Range<Int>?], _ owed: [Range<Int>]) -> [Int] {
        Set((ranges.compactMap { $0 } + owed).flatMap { [$0.lowerBound, $0.upperBound] }).sorted()
    }

    /// Random mappers (some repeated, nested, empty or unknown) and owed ranges: the same pieces.
    @Test func sweepCutsAsTheScanDid() {
        var generator = SplitMix(seed: 0x5049_4543_4553)
        for round in 0..<300 {
            let count = 1 + round % 40
            var ranges: [Range<Int>?] = (0..<count).map { _ in
                let low = Int.random(in: 0..<30, using: &generator)
                return Int.random(in: 0..<10, using: &generator) == 0 ? nil : low..<(low + Int.random(in: 0..<8, using: &generator))
            }
            if round % 3 == 0 { ranges += ranges.prefix(3) }
            let owed = (0..<(1 + round % 4)).map { _ in
                let low = Int.random(in: 0..<30, using: &generator)
                return low..<(low + Int.random(in: 0..<20, using: &generator))
            }
            let cut = points(ranges, owed)
            let swept = FaultDemands.pieces(cut, ranges: ranges, owedRanges: owed)
            let expected = scanned(cut, ranges, owed)
            #expect(swept.map(\.range) == expected.map(\.0), "ranges \(ranges), owed \(owed)")
            #expect(swept.map(\.covering) == expected.map(\.1), "ranges \(ranges), owed \(owed)")
        }
    }

    /// Steps of the sweep for `count` one-page mappers of one file, each at its own page.
    func steps(pageByPage count: Int) -> (steps: Int, pieces: Int) {
        let ranges: [Range<Int>?] = (0..<count).map { $0..<($0 + 1) }
        let owed = ranges.compactMap { $0 }
        var steps = 0
        let pieces = FaultDemands.pieces(points(ranges, owed), ranges: ranges, owedRanges: owed, steps: &steps)
        return (steps, pieces.count)
    }

    /// Ten times the mappers, ten times the steps (the scan took a hundred times as many),
    /// and a handful of steps per mapper whatever their number.
    @Test func sweepIsLinearInMappers() {
        let small = steps(pageByPage: 2_000)
        let large = steps(pageByPage: 20_000)
        #expect(small.pieces == 2_000 && large.pieces == 20_000)
        #expect(large.steps <= 10 * small.steps + 10, "\(small.steps) steps for 2,000 mappers, \(large.steps) for 20,000")
        #expect(large.steps <= 8 * 20_000)
    }

    /// One VMA repeated: every copy covers the one piece, entered and left once each.
    @Test func repeatedMapperIsOnePiece() {
        let ranges: [Range<Int>?] = Array(repeating: 0..<4, count: 10_000)
        var steps = 0
        let pieces = FaultDemands.pieces([0, 4], ranges: ranges, owedRanges: [0..<4], steps: &steps)
        #expect(pieces.count == 1 && pieces.first?.covering == Array(0..<10_000))
        #expect(steps <= 4 * 10_000)
    }

    /// The cut points, sorted and deduplicated in place of a set: the same points for
    /// random ranges (repeated, nested, empty, out of order) with and without a size limit.
    @Test func cutPointsAreTheDistinctEndsInOrder() {
        var generator = SplitMix(seed: 0x4355_5453)
        for round in 0..<300 {
            let ranges: [Range<Int>] = (0..<(round % 25)).map { _ in
                let low = Int.random(in: -5..<40, using: &generator)
                return low..<(low + Int.random(in: 0..<10, using: &generator))
            }
            let limit: Int? = round % 2 == 0 ? nil : Int.random(in: 0..<50, using: &generator)
            var expected = Set(ranges.flatMap { [$0.lowerBound, $0.upperBound] })
            if let limit { expected.insert(limit) }
            #expect(FaultDemands.cutPoints(ranges, limit: limit) == expected.sorted(), "ranges \(ranges), limit \(String(describing: limit))")
        }
        // Page by page, as a file mapped by one VMA per page cuts: each inner end once.
        #expect(FaultDemands.cutPoints([0..<1, 1..<2, 2..<3, 0..<3], limit: 3) == [0, 1, 2, 3])
    }
}
