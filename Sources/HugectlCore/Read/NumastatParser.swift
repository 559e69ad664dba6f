/// `/sys/devices/system/node/nodeN/numastat`: `numa_hit 123` lines, in the kernel's order.
public struct Numastat: Equatable, Sendable {
    public var counters: [(name: String, value: Int)] = []
    public var problems: [String] = []

    public static func == (lhs: Numastat, rhs: Numastat) -> Bool {
        lhs.counters.map(\.name) == rhs.counters.map(\.name)
            && lhs.counters.map(\.value) == rhs.counters.map(\.value) && lhs.problems == rhs.problems
    }

    public static func parse(_ bytes: Bytes) -> Numastat {
        var result = Numastat()
        var names = Set<String>()   // a list searched for each line was quadratic in the lines
        for (number, line) in bytes.lines.enumerated() {
            let fields = line.fields
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                result.problems.append("line \(number + 1): expected 'name value', got '\(line.text.clipped)'")
                continue
            }
            let name = fields[0].text
            if names.contains(name) {
                result.problems.append("line \(number + 1): \(name) repeated")
                continue
            }
            switch fields[1].number() {
            case .success(let value): result.counters.append((name, value)); names.insert(name)
            case .failure(let problem): result.problems.append("line \(number + 1): \(fields[0].text): \(problem)")
            }
        }
        return result
    }
}

/// `/sys/devices/system/node/nodeN/distance`: one distance per node, space separated.
public enum DistanceRow {
    public static func parse(_ bytes: Bytes) -> Result<[Int], NumberProblem> {
        var row: [Int] = []
        for field in bytes.fields {
            switch field.number() {
            case .success(let value): row.append(value)
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(row)
    }
}
