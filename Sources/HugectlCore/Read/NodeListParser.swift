/// A kernel node or CPU list such as `0-3,8,10-11` (`/sys/devices/system/node/online`,
/// `cpulist`, `Mems_allowed_list`), as printed by the kernel's `%*pbl` format.
public enum NodeList {
    /// The largest number accepted; the kernel's `NR_CPUS` ceiling is 8192 and
    /// `MAX_NUMNODES` 1024, so anything past this is corruption, not a machine.
    public static let maximum = 1 << 16

    /// The largest NUMA node number a kernel can print. `MAX_NUMNODES` is
    /// `1 << CONFIG_NODES_SHIFT` (include/linux/numa.h), and no architecture lets the shift
    /// exceed 10 (`config NODES_SHIFT ... range 1 10` on x86, arm64 and riscv, less elsewhere),
    /// so a node list read from the kernel (a policy in numa_maps, `Mems_allowed_list`, the
    /// sysfs node lists) names nodes 0-1023 at most. Anything past that is corruption: it is
    /// refused rather than expanded into up to 65,537 nodes for every VMA that names it.
    public static let maximumNode = (1 << 10) - 1

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

    /// The numbers in ascending order without duplicates; an empty file is an empty list. A
    /// number above `maximum` is out of range (`maximumNode` for node lists from the kernel).
    public static func parse(_ bytes: Bytes, maximum: Int = NodeList.maximum) -> Result<[Int], Problem> {
        let text = bytes.trimmed
        if text.isEmpty { return .success([]) }
        // Ranges are collected, merged and expanded once, so the work is bounded by the list's
        // length plus `maximum`, however often a hostile file repeats `0-65536`.
        var ranges: [(low: Int, high: Int)] = []
        // Pieces and their bounds are sliced in place: no array of pieces, none per piece.
        var start = text.startIndex
        while true {
            let end = text[start...].firstIndex(of: ASCII.comma) ?? text.endIndex
            let item = text[start..<end].trimmed
            let dash = item.firstIndex(of: ASCII.dash)
            let lowText = dash.map { item[item.startIndex..<$0] } ?? item
            let highText = dash.map { item[($0 + 1)...] } ?? item
            // A second dash leaves one in `highText`, which is then not a number: malformed.
            guard isNumber(lowText) && isNumber(highText) else { return .failure(.malformed(text.text)) }
            guard let low = lowText.decimal, let high = highText.decimal, low <= maximum, high <= maximum else {
                return .failure(.outOfRange(item.text))
            }
            guard low <= high else { return .failure(.malformed(text.text)) }
            ranges.append((low, high))
            if end == text.endIndex { break }
            start = end + 1
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

    private static func isNumber(_ digits: Bytes) -> Bool {
        !digits.isEmpty && digits.allSatisfy(ASCII.isDigit)
    }

    /// The list in the kernel's own compressed form: `[0, 1, 2, 3, 8]` is `0-3,8`.
    public static func format(_ values: [Int]) -> String {
        // What `parse` gives, and most callers pass, is sorted and unique already: hashing and
        // sorting up to 65,537 numbers again was most of the cost of formatting such a list.
        let ascending = values.indices.dropFirst().allSatisfy { values[$0 - 1] < values[$0] }
        let sorted = ascending ? values : Array(Set(values)).sorted()
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
