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
    /// Written as bytes and decoded once: a document of 60,000 mappings is tens of megabytes.
    public func serialized() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        write(into: &out, indent: 0)
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }

    /// One line, for JSON Lines output.
    public func compact() -> String {
        var out: [UInt8] = []
        writeCompact(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func pad(_ out: inout [UInt8], _ indent: Int) {
        out.append(contentsOf: repeatElement(0x20, count: 2 * indent))
    }

    private func write(into out: inout [UInt8], indent: Int) {
        switch self {
        case .array(let items) where !items.isEmpty && !items.allSatisfy(\.isScalar):
            out.append(contentsOf: "[\n".utf8)
            for (index, item) in items.enumerated() {
                JSON.pad(&out, indent + 1)
                item.write(into: &out, indent: indent + 1)
                out.append(contentsOf: (index == items.count - 1 ? "\n" : ",\n").utf8)
            }
            JSON.pad(&out, indent)
            out.append(0x5D)
        case .object(let members) where !members.isEmpty:
            out.append(contentsOf: "{\n".utf8)
            for (index, (key, value)) in members.enumerated() {
                JSON.pad(&out, indent + 1)
                JSON.writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                value.write(into: &out, indent: indent + 1)
                out.append(contentsOf: (index == members.count - 1 ? "\n" : ",\n").utf8)
            }
            JSON.pad(&out, indent)
            out.append(0x7D)
        default:
            writeCompact(into: &out)
        }
    }

    private func writeCompact(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .string(let value): JSON.writeString(value, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(contentsOf: ", ".utf8) }
                item.writeCompact(into: &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(contentsOf: ", ".utf8) }
                JSON.writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                value.writeCompact(into: &out)
            }
            out.append(0x7D)
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private static func writeString(_ value: String, into out: inout [UInt8]) {
        out.append(0x22)
        // Printable ASCII without quote or backslash (nearly every key and value) needs no
        // escaping: appended whole rather than scalar by scalar.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            out.append(contentsOf: value.utf8)
            out.append(0x22)
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".utf8)
            case "\\": out.append(contentsOf: "\\\\".utf8)
            case "\n": out.append(contentsOf: "\\n".utf8)
            case "\r": out.append(contentsOf: "\\r".utf8)
            case "\t": out.append(contentsOf: "\\t".utf8)
            default:
                // C0, DEL and C1 (U+0080-U+009F: CSI U+009B starts a terminal escape
                // sequence on many terminals) as \u escapes, so that no control character
                // from a process name or a file reaches a terminal that shows the JSON.
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                } else {
                    UTF8.encode(scalar) { out.append($0) }
                }
            }
        }
        out.append(0x22)
    }
}
