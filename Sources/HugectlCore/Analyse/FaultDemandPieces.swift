/// Where `FaultDemands.segmentedDemands` cuts a shared object into pieces, and which mappers
/// cover each piece.
extension FaultDemands {
    /// The distinct ends of `ranges`, and `limit`, ascending: where `segmentedDemands` cuts an
    /// object. Sorted and deduplicated rather than hashed into a set: the ends mostly come in
    /// order already (mappers in address order), which the sort takes in runs.
    static func cutPoints(_ ranges: [Range<Int>], limit: Int?) -> [Int] {
        var points: [Int] = []
        points.reserveCapacity(2 * ranges.count + 1)
        for range in ranges {
            points.append(range.lowerBound)
            points.append(range.upperBound)
        }
        if let limit { points.append(limit) }
        points.sort()
        var kept = 0
        for index in points.indices where kept == 0 || points[kept - 1] != points[index] {
            points[kept] = points[index]
            kept += 1
        }
        points.removeLast(points.count - kept)
        return points
    }

    /// The pieces of `segmentedDemands`: the spans between consecutive `points` that lie
    /// within an owed range, each with the indexes (ascending) of the mappers whose range
    /// covers it; neighbours with the same mappers are one piece. One sweep over the points,
    /// the mappers entering and leaving as it passes their ends (every end is a point): linear
    /// after the sorts in what it returns, however many mappers cut the object.
    static func pieces(_ points: [Int], ranges: [Range<Int>?], owedRanges: [Range<Int>])
        -> [(range: Range<Int>, covering: [Int])] {
        var steps = 0
        return pieces(points, ranges: ranges, owedRanges: owedRanges, steps: &steps)
    }

    /// `pieces`, counting its steps in `steps`: one per point passed, owed range and mapper,
    /// and index of a covering list made (what a test of its cost counts).
    static func pieces(_ points: [Int], ranges: [Range<Int>?], owedRanges: [Range<Int>], steps: inout Int)
        -> [(range: Range<Int>, covering: [Int])] {
        guard points.count > 1 else { return [] }
        func slot(_ point: Int) -> Int {
            var low = 0, high = points.count - 1
            while low < high {
                let middle = (low + high) / 2
                if points[middle] < point { low = middle + 1 } else { high = middle }
            }
            return low
        }
        var owedChange = [Int](repeating: 0, count: points.count)
        steps += owedRanges.count + 2 * ranges.count
        for range in owedRanges {
            owedChange[slot(range.lowerBound)] += 1
            owedChange[slot(range.upperBound)] -= 1
        }
        let spans = ranges.indices.compactMap { index in
            ranges[index].flatMap { $0.isEmpty ? nil : (index, slot($0.lowerBound), slot($0.upperBound)) }
        }
        let entering = spans.sorted { $0.1 < $1.1 }
        let leaving = spans.sorted { $0.2 < $1.2 }
        var pieces: [(range: Range<Int>, covering: [Int])] = []
        var owed = 0
        var active = [Bool](repeating: false, count: ranges.count)
        var covering: [Int] = []
        var (next, gone) = (0, 0)
        for index in 0..<(points.count - 1) {
            owed += owedChange[index]
            var left = false
            while gone < leaving.count && leaving[gone].2 <= index {
                active[leaving[gone].0] = false
                gone += 1
                left = true
            }
            var entered: [Int] = []
            while next < entering.count && entering[next].1 <= index {
                if entering[next].2 > index {
                    active[entering[next].0] = true
                    entered.append(entering[next].0)
                }
                next += 1
            }
            // The covering list changes only where a mapper leaves or enters: those that stay,
            // merged with those that enter, both in index order.
            if left || !entered.isEmpty {
                if entered.count > 1 { entered.sort() }
                covering = merged(left ? covering.filter { active[$0] } : covering, entered)
                steps += covering.count
            }
            steps += 1
            guard owed > 0 else { continue }
            let (low, high) = (points[index], points[index + 1])
            if let last = pieces.last, last.range.upperBound == low, last.covering == covering {
                pieces[pieces.count - 1].range = last.range.lowerBound..<high
            } else {
                pieces.append((low..<high, covering))
            }
        }
        return pieces
    }

    /// Two ascending lists of indexes as one.
    static func merged(_ a: [Int], _ b: [Int]) -> [Int] {
        if b.isEmpty { return a }
        if a.isEmpty { return b }
        var result: [Int] = []
        result.reserveCapacity(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                result.append(a[i])
                i += 1
            } else {
                result.append(b[j])
                j += 1
            }
        }
        return result
    }
}
