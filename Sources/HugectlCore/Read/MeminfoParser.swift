/// `/proc/meminfo` and `/sys/devices/system/node/nodeN/meminfo`: `Key:   value [kB]` lines.
/// A node's file prefixes every line with `Node N `, which is dropped. Values keep their unit
/// as the kernel wrote it: kB for sizes, pages for the `HugePages_*` counts.
public struct Meminfo: Equatable, Sendable {
    public var values: [String: Int] = [:]
    /// Lines that could not be understood, with why; the rest of the file still counts.
    public var problems: [String] = []

    public subscript(key: String) -> Int? { values[key] }

    public static func parse(_ bytes: Bytes) -> Meminfo {
        var result = Meminfo()
        for (number, rawLine) in bytes.lines.enumerated() {
            var line = rawLine.trimmed
            if line.isEmpty { continue }
            if line.hasPrefix("Node ") {
                // "Node 0 MemTotal: ..." -> drop "Node" and the node number.
                let afterNode = line.dropFirst(5)
                guard let space = afterNode.firstIndex(of: ASCII.space) else {
                    result.problems.append("line \(number + 1): no key after the node number")
                    continue
                }
                line = afterNode[space...].trimmed
            }
            guard let colon = line.firstIndex(of: ASCII.colon) else {
                result.problems.append("line \(number + 1): no ':' in '\(line.text.clipped)'")
                continue
            }
            let key = line[line.startIndex..<colon].trimmed.text
            let valueFields = line[(colon + 1)...].fields
            guard let first = valueFields.first else {
                result.problems.append("line \(number + 1): \(key) has no value")
                continue
            }
            switch first.number() {
            case .success(let value): result.values[key] = value
            case .failure(let problem): result.problems.append("line \(number + 1): \(key): \(problem)")
            }
        }
        return result
    }
}
