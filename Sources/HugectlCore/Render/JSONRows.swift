/// An array of objects made from the model when it is written (`JSON.rows`): the arrays
/// that grow with a process's mappings or open files (60,000 of each for DPDK's legacy
/// layout), written straight to bytes (`Writer`) rather than made into JSON values first.
/// `objects` makes them as the generic writer would get them; `VMAWriterTests` holds the two
/// paths to the same text.
public struct JSONRows: Sendable {
    enum Source: Sendable {
        /// `processes[].vmas[]`: `VMAEncoder`'s objects.
        case vmas([HugetlbMapping])
        /// `processes[].open_objects[]`: `StatusJSON.openObject`.
        case openObjects([ObjectID])
        /// `findings[].vmas[]`: `StatusJSON.findingVMA`.
        case findingVMAs([Finding.VMA])
    }

    let source: Source

    init(_ source: Source) { self.source = source }

    var count: Int {
        switch source {
        case .vmas(let items): return items.count
        case .openObjects(let items): return items.count
        case .findingVMAs(let items): return items.count
        }
    }

    /// Every row as its JSON object: the generic path.
    var objects: [JSON] {
        switch source {
        case .vmas(let items): return VMAEncoder.encode(items)
        case .openObjects(let items): return items.map(StatusJSON.openObject)
        case .findingVMAs(let items): return items.map(StatusJSON.findingVMA)
        }
    }

    /// Writes the rows' objects as `JSON.write` writes items of an array at `indent`, or on
    /// one line when `indent` is nil.
    func writer(indent: Int?) -> Writer { Writer(source, indent: indent) }

    struct Writer {
        private let source: Source
        private var vmas: VMAWriter?
        private let layout: ObjectLayout
        private var lastDevice: DeviceNumber?
        private var deviceBytes: [UInt8] = []

        init(_ source: Source, indent: Int?) {
            self.source = source
            switch source {
            case .vmas:
                vmas = VMAWriter(indent: indent)
                layout = ObjectLayout(keys: [], indent: indent)
            case .openObjects: layout = ObjectLayout(keys: ["device", "inode"], indent: indent)
            case .findingVMAs: layout = ObjectLayout(keys: ["pid", "start"], indent: indent)
            }
        }

        mutating func write(_ index: Int, into out: inout ByteSink) {
            switch source {
            case .vmas(let items):
                vmas?.write(items[index], into: &out)
            case .openObjects(let items):
                let id = items[index]
                if lastDevice != id.device {
                    lastDevice = id.device
                    deviceBytes = JSON.string(id.device.mapsText).bytes(indent: layout.valueIndent)
                }
                out.append(layout.prefixes[0]); out.append(deviceBytes)
                out.append(layout.prefixes[1]); JSON.writeInt(Int(clamping: id.inode), into: &out)
                out.append(layout.closing)
            case .findingVMAs(let items):
                let vma = items[index]
                out.append(layout.prefixes[0]); JSON.writeInt(vma.pid, into: &out)
                out.append(layout.prefixes[1]); JSON.writeHex(vma.start, into: &out)
                out.append(layout.closing)
            }
        }
    }
}

/// The bytes around the members of objects of fixed keys, as `JSON.write` writes an object
/// that is an item of an array at `indent` (or `JSON.compact`, when nil): each key quoted
/// once, after what precedes it (`{` and a newline and the indentation for the first; `,`
/// and a newline and the indentation, or `, `, for the others), with `: `. Held in one
/// buffer of its own, so that writing a piece costs no reference counting (a class, which
/// frees it).
final class ObjectLayout {
    private let storage: UnsafeMutableBufferPointer<UInt8>
    let prefixes: [UnsafeBufferPointer<UInt8>]
    /// What ends an object: a newline, the indentation, `}`; or `}`.
    let closing: UnsafeBufferPointer<UInt8>
    /// The indentation of values inside the object, for the generic writer; nil on one line.
    let valueIndent: Int?

    init(keys: [String], indent: Int?) {
        valueIndent = indent.map { $0 + 1 }
        var pieces: [[UInt8]]
        if let indent {
            let spaces = [UInt8](repeating: 0x20, count: 2 * (indent + 1))
            pieces = keys.indices.map { index in
                (index == 0 ? Array("{\n".utf8) : Array(",\n".utf8)) + spaces + Self.quoted(keys[index])
            }
            pieces.append([0x0A] + [UInt8](repeating: 0x20, count: 2 * indent) + [0x7D])
        } else {
            pieces = keys.indices.map { index in (index == 0 ? [0x7B] : Array(", ".utf8)) + Self.quoted(keys[index]) }
            pieces.append([0x7D])
        }
        storage = .allocate(capacity: pieces.reduce(0) { $0 + $1.count })
        var views: [UnsafeBufferPointer<UInt8>] = []
        var at = 0
        for piece in pieces {
            let end = storage[at...].initialize(fromContentsOf: piece)
            views.append(UnsafeBufferPointer(rebasing: storage[at..<end]))
            at = end
        }
        closing = views.removeLast()
        prefixes = views
    }

    deinit { storage.deallocate() }

    private static func quoted(_ key: String) -> [UInt8] {
        var out = ByteSink(capacity: 32)
        defer { out.release() }
        JSON.writeString(key, into: &out)
        out.append(": ")
        return Array(out.bytes)
    }
}

extension JSON {
    static func writeBool(_ value: Bool, into out: inout ByteSink) {
        out.append(value ? "true" : "false")
    }

    /// `"7f3a00000000"`: lowercase hexadecimal, as `String(value, radix: 16)`, quoted.
    static func writeHex(_ value: UInt64, into out: inout ByteSink) {
        let digits = value == 0 ? 1 : (67 - value.leadingZeroBitCount) / 4
        out.reserve(digits + 2)
        out.append(0x22)
        var shift = 4 * (digits - 1)
        while shift >= 0 {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
            out.append(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
            shift -= 4
        }
        out.append(0x22)
    }
}
