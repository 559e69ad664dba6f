#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Byte-level helpers shared by every parser. Kernel text is ASCII; anything else is carried
/// through lossily (`String(decoding:)` replaces invalid UTF-8) and never traps.
public typealias Bytes = ArraySlice<UInt8>

enum ASCII {
    /// Calls `body` with the start and end offsets of every line of `buffer` (empty ones
    /// included, a last one without its newline too), as `Bytes.lines` splits them: `memchr`
    /// finds each newline, nothing is copied. The one line splitter of the in-place readers.
    @inline(__always)
    static func forEachLine(_ buffer: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        guard let base = buffer.baseAddress else { return }
        let count = buffer.count
        var offset = 0
        while offset < count {
            var end = count
            if let hit = memchr(base + offset, Int32(newline), count - offset) {
                end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            body(offset, end)
            offset = end + 1
        }
    }

    /// Calls `body` with every byte of `text`'s UTF-8 but a C1 control character (U+0080-U+009F,
    /// the pair C2 80...C2 9F), for which it is called once with the scalar's value (0x80-0x9F)
    /// and `isC1` true. A String is valid UTF-8, so no other byte pair is a C1 character: the
    /// one walk of the escapers that work on bytes (JUnit, TAP's YAML).
    static func forEachByteOrC1(of text: String, _ body: (_ byte: UInt8, _ isC1: Bool) -> Void) {
        var pendingC2 = false
        for byte in text.utf8 {
            if pendingC2 {
                pendingC2 = false
                if byte >= 0x80 && byte <= 0x9F { body(byte, true); continue }
                body(0xC2, false)
            }
            if byte == 0xC2 { pendingC2 = true } else { body(byte, false) }
        }
        if pendingC2 { body(0xC2, false) }
    }

    static let newline: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let dash: UInt8 = 0x2D
    static let equals: UInt8 = 0x3D
    static let backslash: UInt8 = 0x5C
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    /// A space, tab, newline, vertical tab, form feed or carriage return (0x09 to 0x0D):
    /// one comparison for the bytes above a space, nearly all of them.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte <= space && (byte == space || byte &- tab < 5)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }
}

extension ArraySlice where Element == UInt8 {
    /// The lines of the text, without their newlines; a last line without a newline counts.
    var lines: [Bytes] {
        var result: [Bytes] = []
        var start = startIndex
        var index = startIndex
        while index < endIndex {
            if self[index] == ASCII.newline {
                result.append(self[start..<index])
                start = index + 1
            }
            index += 1
        }
        if start < endIndex { result.append(self[start..<endIndex]) }
        return result
    }

    /// Calls `body` with each line of the text, without its newline, in order: the same lines
    /// as `lines` (empty ones included, a last line without a newline counts) but collected
    /// nowhere and copied never, for texts of many megabytes.
    func forEachLine(_ body: (Bytes) -> Void) {
        let base = startIndex
        withUnsafeBufferPointer { buffer in
            ASCII.forEachLine(buffer) { start, end in body(self[(base + start)..<(base + end)]) }
        }
    }

    /// Without leading and trailing white space.
    var trimmed: Bytes {
        var lower = startIndex
        var upper = endIndex
        while lower < upper && ASCII.isSpace(self[lower]) { lower += 1 }
        while upper > lower && ASCII.isSpace(self[upper - 1]) { upper -= 1 }
        return self[lower..<upper]
    }

    /// Fields separated by runs of white space.
    var fields: [Bytes] {
        var result: [Bytes] = []
        var index = startIndex
        while index < endIndex {
            while index < endIndex && ASCII.isSpace(self[index]) { index += 1 }
            let start = index
            while index < endIndex && !ASCII.isSpace(self[index]) { index += 1 }
            if start < index { result.append(self[start..<index]) }
        }
        return result
    }

    /// The first of `fields`, found without building the list.
    var firstField: Bytes? {
        var index = startIndex
        while index < endIndex && ASCII.isSpace(self[index]) { index += 1 }
        let start = index
        while index < endIndex && !ASCII.isSpace(self[index]) { index += 1 }
        return start < index ? self[start..<index] : nil
    }

    /// Calls `body` with each of `fields` in order, without building the list.
    func forEachField(_ body: (Bytes) -> Void) {
        var index = startIndex
        while index < endIndex {
            while index < endIndex && ASCII.isSpace(self[index]) { index += 1 }
            let start = index
            while index < endIndex && !ASCII.isSpace(self[index]) { index += 1 }
            if start < index { body(self[start..<index]) }
        }
    }

    /// Pieces between each occurrence of `separator` (empty pieces kept).
    func split(on separator: UInt8) -> [Bytes] {
        var result: [Bytes] = []
        var start = startIndex
        var index = startIndex
        while index < endIndex {
            if self[index] == separator {
                result.append(self[start..<index])
                start = index + 1
            }
            index += 1
        }
        result.append(self[start..<endIndex])
        return result
    }

    /// The index of the first `byte`, if any.
    func firstIndex(of byte: UInt8) -> Int? {
        var index = startIndex
        while index < endIndex {
            if self[index] == byte { return index }
            index += 1
        }
        return nil
    }

    func hasPrefix(_ ascii: StaticString) -> Bool {
        let count = ascii.utf8CodeUnitCount
        guard self.count >= count else { return false }
        return ascii.withUTF8Buffer { prefix in
            for offset in 0..<count where self[startIndex + offset] != prefix[offset] { return false }
            return true
        }
    }

    func equals(_ ascii: StaticString) -> Bool {
        count == ascii.utf8CodeUnitCount && hasPrefix(ascii)
    }

    /// The text, with invalid UTF-8 replaced rather than trapping.
    var text: String { String(decoding: self, as: UTF8.self) }

    /// An unsigned decimal number: digits only, no sign, no overflow past `Int.max`.
    var decimal: Int? {
        guard !isEmpty else { return nil }
        var value = 0
        for byte in self {
            guard ASCII.isDigit(byte) else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int(byte - ASCII.zero))
            if overflowA || overflowB { return nil }
            value = sum
        }
        return value
    }

    /// Like `decimal`, but says why a number was refused.
    func number() -> Result<Int, NumberProblem> {
        let field = trimmed
        guard !field.isEmpty else { return .failure(.empty) }
        if field.first == ASCII.dash { return .failure(.negative(field.text)) }
        guard field.allSatisfy(ASCII.isDigit) else { return .failure(.notANumber(field.text)) }
        guard let value = field.decimal else { return .failure(.outOfRange(field.text)) }
        return .success(value)
    }
}

/// Why a kernel-supplied number was not accepted.
public enum NumberProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case negative(String)
    case notANumber(String)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .empty: return "empty where a number was expected"
        case .negative(let text): return "negative number '\(text.clipped)'"
        case .notANumber(let text): return "not a number: '\(text.clipped)'"
        case .outOfRange(let text): return "number out of range: '\(text.clipped)'"
        }
    }
}

extension String {
    /// At most 40 characters, for quoting bad input in a message.
    /// Counts 41 characters at most: `count` would walk the whole of a long bad line.
    var clipped: String {
        var index = startIndex
        for _ in 0..<40 {
            guard index != endIndex else { return self }
            formIndex(after: &index)
        }
        return index == endIndex ? self : String(prefix(37)) + "..."
    }
}

extension Array where Element == UInt8 {
    var all: Bytes { self[...] }
}
