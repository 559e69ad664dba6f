/// One line of `/proc/mounts` (the kernel's `show_vfsmnt` format).
public struct MountEntry: Equatable, Sendable {
    public var source: String
    public var mountPoint: String
    public var fsType: String
    /// The options exactly as the kernel listed them, comma separated.
    public var options: String

    /// The value of `name=value` among the options, or nil.
    public func option(_ name: String) -> String? {
        // Walked in place: no array of the options for each name looked up. ASCII options
        // (all but a hostile tree's) are walked as bytes, which finds what the walk by
        // Characters (`optionByCharacters`) finds: no ASCII character but CR LF is more
        // than one byte.
        let utf8 = options.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            var start = utf8.startIndex
            while start < utf8.endIndex {
                let end = utf8[start...].firstIndex(of: 0x2C) ?? utf8.endIndex
                if let equals = utf8[start..<end].firstIndex(of: 0x3D), utf8[start..<equals].elementsEqual(name.utf8) {
                    return String(options[utf8.index(after: equals)..<end])
                }
                start = end == utf8.endIndex ? end : utf8.index(after: end)
            }
            return nil
        }
        return optionByCharacters(name)
    }

    /// `option(name)` walked by Characters, for any options (and the byte walk's reference in
    /// the tests).
    func optionByCharacters(_ name: String) -> String? {
        var rest = options[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: ",") ?? rest.endIndex
            let option = rest[..<end]
            if let equals = option.firstIndex(of: "="), option[..<equals] == name {
                return String(option[option.index(after: equals)...])
            }
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
        return nil
    }
}

public struct Mounts: Equatable, Sendable {
    public var entries: [MountEntry] = []
    public var problems: [String] = []

    public static func parse(_ bytes: Bytes) -> Mounts {
        var result = Mounts()
        for (number, line) in bytes.lines.enumerated() {
            let fields = line.fields
            if fields.isEmpty { continue }
            guard fields.count >= 4 else {
                result.problems.append("line \(number + 1): expected at least 4 fields, got \(fields.count)")
                continue
            }
            result.entries.append(MountEntry(
                source: unescapeOctal(fields[0]), mountPoint: unescapeOctal(fields[1]),
                fsType: unescapeOctal(fields[2]), options: unescapeOctal(fields[3])))
        }
        return result
    }
}

/// Undoes the kernel's `mangle_path` escaping: `\040` space, `\011` tab, `\012` newline,
/// `\134` backslash. Anything that is not a three-digit octal escape is kept as it is.
public func unescapeOctal(_ field: Bytes) -> String {
    guard field.firstIndex(of: ASCII.backslash) != nil else { return field.text }
    var out: [UInt8] = []
    out.reserveCapacity(field.count)
    var index = field.startIndex
    while index < field.endIndex {
        let byte = field[index]
        if byte == ASCII.backslash, index + 3 < field.endIndex,
           let value = octalByte(field[(index + 1)..<(index + 4)]) {
            out.append(value)
            index += 4
            continue
        }
        out.append(byte)
        index += 1
    }
    return String(decoding: out, as: UTF8.self)
}

private func octalByte(_ digits: Bytes) -> UInt8? {
    guard digits.count == 3 else { return nil }
    var value = 0
    for digit in digits {
        guard digit >= 0x30 && digit <= 0x37 else { return nil }
        value = value * 8 + Int(digit - 0x30)
    }
    return value <= 255 ? UInt8(value) : nil
}

/// Escapes a path the way `/proc/mounts` does (and every other control byte too, which the
/// manifest's field splitting would take for white space), for files hugectl writes.
public func escapeOctal(_ text: String) -> String {
    // Nearly every path has nothing to escape: kept as it is.
    if text.utf8.allSatisfy({ $0 > 0x20 && $0 != ASCII.backslash && $0 != 0x7F }) { return text }
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count + 6)
    escapeOctal(text, into: &out)
    return String(decoding: out, as: UTF8.self)
}

/// `escapeOctal(text)`'s bytes appended to `out`.
func escapeOctal(_ text: String, into out: inout [UInt8]) {
    // Byte by byte: ASCII controls, space and backslash become `\ooo`; every other byte, a
    // part of a multi-byte UTF-8 character included, is kept as it is.
    for byte in text.utf8 {
        switch byte {
        case 0x00...0x20, ASCII.backslash, 0x7F:
            out.append(ASCII.backslash)
            out.append(0x30 + (byte >> 6))
            out.append(0x30 + ((byte >> 3) & 7))
            out.append(0x30 + (byte & 7))
        default:
            out.append(byte)
        }
    }
}
