/// A JSON value whose objects keep their keys in the order written, so that hugectl's output is
/// byte-for-byte deterministic (the contract in docs/json.md fixes the key order).
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: return false
        }
    }

    public static func int(_ value: Int?) -> JSON { value.map { .int($0) } ?? .null }
    public static func string(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
    public static func ints(_ values: [Int]?) -> JSON { values.map { .array($0.map { .int($0) }) } ?? .null }

    /// Two-space indented text with a final newline; arrays of numbers stay on one line.
    public func serialized() -> String {
        var out = ""
        write(into: &out, indent: 0)
        out += "\n"
        return out
    }

    /// One line, for JSON Lines output.
    public func compact() -> String {
        var out = ""
        writeCompact(into: &out)
        return out
    }

    private func write(into out: inout String, indent: Int) {
        switch self {
        case .array(let items) where !items.isEmpty && !items.allSatisfy(\.isScalar):
            let pad = String(repeating: "  ", count: indent + 1)
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                item.write(into: &out, indent: indent + 1)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case .object(let members) where !members.isEmpty:
            let pad = String(repeating: "  ", count: indent + 1)
            out += "{\n"
            for (index, (key, value)) in members.enumerated() {
                out += pad
                JSON.writeString(key, into: &out)
                out += ": "
                value.write(into: &out, indent: indent + 1)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        default:
            writeCompact(into: &out)
        }
    }

    private func writeCompact(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .string(let value): JSON.writeString(value, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.writeCompact(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += ", " }
                JSON.writeString(key, into: &out)
                out += ": "
                value.writeCompact(into: &out)
            }
            out += "}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private static func writeString(_ value: String, into out: inout String) {
        // Printable ASCII without quote or backslash (nearly every key and value) needs no
        // escaping: appended whole rather than scalar by scalar.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += value
            out += "\""
            return
        }
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // C0, DEL and C1 (U+0080-U+009F: CSI U+009B starts a terminal escape
                // sequence on many terminals) as \u escapes, so that no control character
                // from a process name or a file reaches a terminal that shows the JSON.
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
