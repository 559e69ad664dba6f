/// A kernel node or CPU list such as `0-3,8,10-11` (`/sys/devices/system/node/online`,
/// `cpulist`, `Mems_allowed_list`), as printed by the kernel's `%*pbl` format.
public enum NodeList {
    /// The largest number accepted; the kernel's `NR_CPUS` ceiling is 8192 and
    /// `MAX_NUMNODES` 1024, so anything past this is corruption, not a machine.
    public static let maximum = 1 << 16

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(String)
        case outOfRange(String)

        public var description: String {
            switch self {
            case .malformed(let text): return "malformed list '\(text.clipped)'"
            case .outOfRange(let text): return "list entry out of range '\(text.clipped)'"
            }
        }
    }

    /// The numbers in ascending order without duplicates; an empty file is an empty list.
    public static func parse(_ bytes: Bytes) -> Result<[Int], Problem> {
        let text = bytes.trimmed
        if text.isEmpty { return .success([]) }
        // Ranges are collected, merged and expanded once, so the work is bounded by the list's
        // length plus `maximum`, however often a hostile file repeats `0-65536`.
        var ranges: [(low: Int, high: Int)] = []
        for piece in text.split(on: ASCII.comma) {
            let item = piece.trimmed
            let bounds = item.split(on: ASCII.dash)
            guard bounds.count == 1 || bounds.count == 2 else { return .failure(.malformed(text.text)) }
            guard bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(ASCII.isDigit) }) else {
                return .failure(.malformed(text.text))
            }
            guard let low = bounds[0].decimal, let high = bounds[bounds.count - 1].decimal,
                  low <= maximum, high <= maximum else {
                return .failure(.outOfRange(item.text))
            }
            guard low <= high else { return .failure(.malformed(text.text)) }
            ranges.append((low, high))
        }
        ranges.sort { $0.low < $1.low }
        var values: [Int] = []
        var next = 0   // the smallest value not yet emitted
        for range in ranges where range.high >= next {
            values.append(contentsOf: max(range.low, next)...range.high)
            next = range.high + 1
        }
        return .success(values)
    }

    /// The list in the kernel's own compressed form: `[0, 1, 2, 3, 8]` is `0-3,8`.
    public static func format(_ values: [Int]) -> String {
        let sorted = Array(Set(values)).sorted()
        var parts: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}
