/// A sysfs attribute holding one unsigned number, such as `nr_hugepages` ("8\n").
public enum Counter {
    public static func parse(_ bytes: Bytes) -> Result<Int, NumberProblem> {
        let text = bytes.trimmed
        // A second line or field means this is not a counter file.
        if text.fields.count > 1 { return .failure(.notANumber(text.text)) }
        return text.number()
    }
}

/// A weighted interleave weight, `/sys/kernel/mm/mempolicy/weighted_interleave/node<N>`
/// ("1\n"): a u8 (`node_show` in mm/mempolicy.c prints the node's weight as `%d`).
public enum InterleaveWeight {
    public static func parse(_ bytes: Bytes) -> Result<Int, NumberProblem> {
        Counter.parse(bytes).flatMap { $0 <= 255 ? .success($0) : .failure(.outOfRange(String($0))) }
    }
}

/// A size with a unit as sysfs writes it in `demote_size` ("2048kB").
public enum KilobyteValue {
    public static func parse(_ bytes: Bytes) -> Result<Int, NumberProblem> {
        var text = bytes.trimmed
        if text.count >= 2 && (text.hasSuffix("kB") || text.hasSuffix("KB")) {
            text = text.dropLast(2)
        }
        return text.number()
    }
}

extension ArraySlice where Element == UInt8 {
    func hasSuffix(_ ascii: StaticString) -> Bool {
        let count = ascii.utf8CodeUnitCount
        guard self.count >= count else { return false }
        return ascii.withUTF8Buffer { suffix in
            for offset in 0..<count where self[endIndex - count + offset] != suffix[offset] { return false }
            return true
        }
    }
}
