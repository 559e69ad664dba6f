/// A JSON value whose objects keep their keys in the order written, so that hugectl's output is
/// byte-for-byte deterministic (the contract in docs/json.md fixes the key order).
/// Not `indirect`: arrays and objects hold their children in arrays already, so a scalar
/// (most of a 60,000-mapping document) is stored inline rather than boxed on the heap.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])
    /// An array of objects made from the model (`JSONRows`: the `vmas` of a process, its
    /// `open_objects`, a finding's `vmas`), written straight to bytes, so that a process of
    /// 60,000 hugetlb VMAs never has them as JSON values. `materialized` makes the array;
    /// every comparison and serialization treats the two the same.
    case rows(JSONRows)

    /// The `vmas` of a process (`StatusJSON.process`).
    public static func vmas(_ mappings: [HugetlbMapping]) -> JSON { .rows(JSONRows(.vmas(mappings))) }

    /// The value with every `.rows` made into the `.array` of its objects.
    public var materialized: JSON {
        switch self {
        case .rows(let rows): return .array(rows.objects)
        case .array(let items): return .array(items.map(\.materialized))
        case .object(let members): return .object(members.map { ($0.0, $0.1.materialized) })
        default: return self
        }
    }

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.rows, _), (_, .rows): return lhs.materialized == rhs.materialized
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
        var out = ByteSink()
        defer { out.release() }
        write(into: &out, indent: 0)
        out.append(0x0A)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The bytes of `serialized()` handed to `emit` in pieces of about 256 KiB, in order, as
    /// they are written: the whole text of a large document is never in memory at once.
    public func serialized(in pieces: (UnsafeBufferPointer<UInt8>) -> Void) {
        withoutActuallyEscaping(pieces) { emit in
            var out = ByteSink(capacity: 1 << 19, drain: emit)
            defer { out.release() }
            write(into: &out, indent: 0)
            out.append(0x0A)
            out.flush(force: true)
        }
    }

    /// One line, for JSON Lines output.
    public func compact() -> String {
        var out = ByteSink()
        defer { out.release() }
        writeCompact(into: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The bytes as written at `indent` inside a document (`serialized`), or on one line
    /// (`compact`) when `indent` is nil.
    func bytes(indent: Int?) -> [UInt8] {
        var out = ByteSink(capacity: 64)
        defer { out.release() }
        if let indent { write(into: &out, indent: indent) } else { writeCompact(into: &out) }
        return Array(out.bytes)
    }

    private func write(into out: inout ByteSink, indent: Int) {
        switch self {
        case .array(let items) where !items.isEmpty && !items.allSatisfy(\.isScalar):
            out.append("[\n")
            for (index, item) in items.enumerated() {
                out.appendSpaces( 2 * (indent + 1))
                item.write(into: &out, indent: indent + 1)
                if index < items.count - 1 { out.append(0x2C) }
                out.append(0x0A)
                out.flush()
            }
            out.appendSpaces( 2 * indent)
            out.append(0x5D)
        case .object(let members) where !members.isEmpty:
            out.append("{\n")
            for index in members.indices {
                out.appendSpaces( 2 * (indent + 1))
                JSON.writeString(members[index].0, into: &out)
                out.append(": ")
                members[index].1.write(into: &out, indent: indent + 1)
                if index < members.count - 1 { out.append(0x2C) }
                out.append(0x0A)
            }
            out.appendSpaces( 2 * indent)
            out.append(0x7D)
        case .rows(let rows) where rows.count > 0:
            // As `.array` of their objects writes it, written without making them.
            var writer = rows.writer(indent: indent + 1)
            out.append("[\n")
            for index in 0..<rows.count {
                out.appendSpaces(2 * (indent + 1))
                writer.write(index, into: &out)
                if index < rows.count - 1 { out.append(0x2C) }
                out.append(0x0A)
                out.flush()
            }
            out.appendSpaces(2 * indent)
            out.append(0x5D)
        default:
            writeCompact(into: &out)
        }
    }

    private func writeCompact(into out: inout ByteSink) {
        switch self {
        case .null: out.append("null")
        case .bool(let value): out.append(value ? "true" : "false")
        case .int(let value): JSON.writeInt(value, into: &out)
        case .string(let value): JSON.writeString(value, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(", ") }
                item.writeCompact(into: &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(", ") }
                JSON.writeString(key, into: &out)
                out.append(": ")
                value.writeCompact(into: &out)
            }
            out.append(0x7D)
        case .rows(let rows):
            var writer = rows.writer(indent: nil)
            out.append(0x5B)
            for index in 0..<rows.count {
                if index > 0 { out.append(", ") }
                writer.write(index, into: &out)
            }
            out.append(0x5D)
        }
    }

    /// Decimal digits, as `String(value)` writes them, without making a String.
    static func writeInt(_ value: Int, into out: inout ByteSink) {
        if value >= 0 && value < 10 {
            out.append(0x30 + UInt8(value))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: 20 digits at most
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if value < 0 { out.append(0x2D) }
            out.append(UnsafeBufferPointer(rebasing: buffer.bindMemory(to: UInt8.self)[(24 - count)...]))
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object, .rows: return false
        default: return true
        }
    }

    static func writeString(_ value: String, into out: inout ByteSink) {
        out.append(0x22)
        // Printable ASCII without quote or backslash (nearly every key and value) needs no
        // escaping: appended whole rather than scalar by scalar, from the string's own bytes.
        var text = value
        let plain = text.withUTF8 { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C { return false }
            out.append(bytes)
            return true
        }
        if plain {
            out.append(0x22)
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            default:
                // C0, DEL and C1 (U+0080-U+009F: CSI U+009B starts a terminal escape
                // sequence on many terminals) as \u escapes, so that no control character
                // from a process name or a file reaches a terminal that shows the JSON. The
                // terminal's rule (`String.isControl`); its one exception, tab, is "\t" above.
                if String.isControl(scalar) {
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u")
                    out.append(repeating: 0x30, count: 4 - hex.count)
                    for byte in hex.utf8 { out.append(byte) }
                } else {
                    UTF8.encode(scalar) { out.append($0) }
                }
            }
        }
        out.append(0x22)
    }
}
