/// The start addresses a scan of smaps or numa_maps asks for (`onlyStarts`), and which of
/// them it met: a sorted array looked up from where the previous look-up ended. The kernel
/// writes maps, smaps and numa_maps in address order, so each look-up lands at that place or
/// the next one; any other address costs a binary search. No hash per VMA (a process of
/// 60,000 hugetlb VMAs looked its starts up in three sets), and no order of the input makes
/// it more than logarithmic per look-up.
public struct StartSet: Sendable {
    /// Sorted, each once.
    private let starts: [UInt64]
    /// Where the last look-up landed: the first index whose start is not below its address.
    private var cursor = 0
    private var met: [Bool]
    /// How many of the starts `markMet` was called for, each counted once.
    public private(set) var metCount = 0

    /// The starts in any order, repeats allowed; sorted here unless they come sorted.
    public init<S: Sequence>(_ starts: S) where S.Element == UInt64 {
        var sorted = Array(starts)
        if !zip(sorted, sorted.dropFirst()).allSatisfy({ $0 < $1 }) {
            sorted.sort()
            var unique: [UInt64] = []
            unique.reserveCapacity(sorted.count)
            for start in sorted where unique.last != start { unique.append(start) }
            sorted = unique
        }
        self.starts = sorted
        met = Array(repeating: false, count: sorted.count)
    }

    public var count: Int { starts.count }

    /// The place of `start` among the starts, nil when it is not one of them.
    public mutating func index(of start: UInt64) -> Int? {
        let place = lowerBound(start)
        cursor = place
        return place < starts.count && starts[place] == start ? place : nil
    }

    public func contains(_ start: UInt64) -> Bool {
        let place = starts.partitioningIndex { $0 >= start }
        return place < starts.count && starts[place] == start
    }

    /// Notes that the start at `index` (from `index(of:)`) was met.
    public mutating func markMet(_ index: Int) {
        if !met[index] {
            met[index] = true
            metCount += 1
        }
    }

    /// The first index whose start is not below `start`: the cursor or the one after it when
    /// that is the answer, a binary search otherwise.
    private func lowerBound(_ start: UInt64) -> Int {
        let count = starts.count
        for place in cursor...min(cursor + 1, count) {
            let belowIsBelow = place == 0 || starts[place - 1] < start
            if belowIsBelow && (place == count || starts[place] >= start) { return place }
        }
        return starts.partitioningIndex { $0 >= start }
    }
}

extension Array where Element == UInt64 {
    /// The first index whose element satisfies `predicate`, which must be false then true
    /// along the array (binary search).
    func partitioningIndex(where predicate: (UInt64) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = low + (high - low) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
