#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One line of `/proc/PID/maps` or the header line of a `/proc/PID/smaps` entry
/// (`show_map_vma` in fs/proc/task_mmu.c): `start-end perms offset major:minor inode [path]`.
public struct MapsEntry: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    /// The fourth permission letter is `s` for a shared mapping (VM_MAYSHARE), `p` otherwise.
    public var shared: Bool
    public var offset: UInt64
    public var device: DeviceNumber
    public var inode: UInt64
    /// The path as the kernel printed it, ` (deleted)` included; nil when empty.
    public var path: String?

    public var length: UInt64 { end >= start ? end - start : 0 }
}

/// The path of a maps or smaps header as `MapsParser.parseHeader` decodes it (nil when
/// empty), the previous header's String when the bytes are the same: the VMAs of one object
/// (a repeated VMA, anonymous hugetlb memory, a file mapped page by page) come one after
/// another and share one String rather than one each.
struct SharedPath {
    private var lastBytes: [UInt8] = []
    private var last: String?

    mutating func decode(_ bytes: Bytes) -> String? {
        if bytes.isEmpty { return nil }
        if last != nil && bytes.count == lastBytes.count,
           bytes.withUnsafeBufferPointer({ new in
               lastBytes.withUnsafeBufferPointer { memcmp(new.baseAddress!, $0.baseAddress!, new.count) == 0 }
           }) { return last }
        lastBytes.removeAll(keepingCapacity: true)
        lastBytes.append(contentsOf: bytes)
        last = bytes.text
        return last
    }
}

/// A device number as `major:minor`, the way maps and mountinfo print it.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// From `st_dev` as glibc's `gnu_dev_major`/`gnu_dev_minor` split it.
    public init(encoded dev: UInt64) {
        major = UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
        minor = UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
    }

    /// Decimal, as mountinfo, `stat -c %d` and lsblk write it: `0:39`.
    public var description: String { "\(major):\(minor)" }

    /// Hexadecimal, as `/proc/PID/maps` writes it (`%02x:%02x`): `00:27`.
    public var mapsText: String {
        func hex(_ value: UInt32) -> String {
            let text = String(value, radix: 16)
            return text.count < 2 ? "0" + text : text
        }
        return hex(major) + ":" + hex(minor)
    }

    public static func < (lhs: DeviceNumber, rhs: DeviceNumber) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// `00:27` (maps, hexadecimal) or `0:27` (mountinfo, decimal).
    static func parse(_ field: Bytes, hexadecimal: Bool) -> DeviceNumber? {
        // One ':' exactly; the halves found in place, no array of pieces per line.
        guard let colon = field.firstIndex(of: ASCII.colon),
              field[(colon + 1)...].firstIndex(of: ASCII.colon) == nil else { return nil }
        let radix = hexadecimal ? 16 : 10
        guard let major = field[..<colon].unsigned(radix: radix), let minor = field[(colon + 1)...].unsigned(radix: radix),
              major <= UInt64(UInt32.max), minor <= UInt64(UInt32.max) else { return nil }
        return DeviceNumber(major: UInt32(major), minor: UInt32(minor))
    }
}

/// Why a maps or smaps header line was refused.
public struct MapsLineProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var text: String
    public var description: String { "line \(line): malformed mapping '\(text.clipped)'" }
}

public enum MapsParser {
    /// The internal hugetlbfs objects the kernel names in maps (`hugetlb_file_setup` callers):
    /// anonymous `MAP_HUGETLB`, SysV `SHM_HUGETLB` segments and `MFD_HUGETLB` memfds. SysV and
    /// memfd names are shared with shmem objects, so these only make a mapping a candidate.
    static func hasHugetlbName(_ path: Bytes) -> Bool {
        path.hasPrefix("/anon_hugepage") || path.hasPrefix("/SYSV") || path.hasPrefix("/memfd:")
    }

    /// Every mapping that could be hugetlb: on a device known to be a hugetlbfs superblock, or
    /// named like an internal hugetlbfs object. This runs over every process's maps, so it
    /// looks only at the device field and the start of the path of each line, in place, and
    /// parses the whole line only for candidates. Lines that cannot be parsed are problems.
    /// The whole text at once: `CandidateScan` fed with one piece.
    public static func candidates(_ bytes: Bytes, hugetlbfsDevices: Set<DeviceNumber>)
        -> (entries: [MapsEntry], problems: [MapsLineProblem]) {
        var scan = CandidateScan(hugetlbfsDevices: hugetlbfsDevices)
        scan.feed(bytes)
        return scan.result
    }

    /// `candidates` over a maps file read in pieces (`SystemSource.readLines`): feed the
    /// pieces in order, each ending at a line boundary (the last may lack its newline), then
    /// take `result`. Any such split gives what `candidates` gives for the whole text, line
    /// numbers included; only the candidates are kept, never the text.
    public struct CandidateScan {
        private let devices: [DeviceNumber]
        private var entries: [MapsEntry] = []
        private var problems: [MapsLineProblem] = []
        /// Consecutive candidates of one object share one path String.
        private var paths = SharedPath()
        /// Lines seen so far, empty ones included.
        public private(set) var lineCount = 0
        /// The devices of the lines that were not candidates, each once, in the order first
        /// seen: given more hugetlbfs devices, only a line on one of these could become one.
        public private(set) var otherDevices: [DeviceNumber] = []

        public init(hugetlbfsDevices: Set<DeviceNumber>) {
            devices = Array(hugetlbfsDevices)
        }

        public var result: (entries: [MapsEntry], problems: [MapsLineProblem]) { (entries, problems) }

        public mutating func feed(_ piece: Bytes) {
            piece.withUnsafeBufferPointer { buffer in
                guard let start = buffer.baseAddress else { return }
                let count = buffer.count
                let base = piece.startIndex
                var lineStart = 0
                while lineStart < count {
                    // memchr: the line's end at vector speed, most of a line being its path.
                    let lineEnd = memchr(start + lineStart, Int32(ASCII.newline), count - lineStart)
                        .map { UnsafeRawPointer(start).distance(to: UnsafeRawPointer($0)) } ?? count
                    lineCount += 1
                    defer { lineStart = lineEnd + 1 }
                    if lineEnd == lineStart { continue }
                    switch MapsParser.quickLook(buffer, lineStart, lineEnd, devices) {
                    case .notCandidate(let device):
                        if otherDevices.last != device && !otherDevices.contains(device) { otherDevices.append(device) }
                    case .candidate:
                        let line = piece[(base + lineStart)..<(base + lineEnd)]
                        if let header = MapsParser.parseHeader(line, decodePath: false) {
                            var entry = header.entry
                            entry.path = paths.decode(header.pathBytes)
                            entries.append(entry)
                        } else {
                            problems.append(MapsLineProblem(line: lineCount, text: line.text))
                        }
                    case .malformed:
                        problems.append(MapsLineProblem(line: lineCount, text: piece[(base + lineStart)..<(base + lineEnd)].text))
                    }
                }
            }
        }
    }

    fileprivate enum QuickLook { case notCandidate(DeviceNumber), candidate, malformed }

    /// Finds the device field (the fourth) and the path (after the fifth) of one line without
    /// copying anything, and decides whether the line needs a full parse.
    fileprivate static func quickLook(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                      _ devices: [DeviceNumber]) -> QuickLook {
        // Where the fourth field (device) and the sixth (path) start; no allocation per line.
        var i = start
        var fields = 0
        var deviceStart = -1
        var pathStart = -1
        while i < end && fields < 6 {
            i = skipSpaces(b, i, end)
            if i >= end { break }
            fields += 1
            if fields == 4 { deviceStart = i }
            if fields == 6 { pathStart = i; break }
            i = skipNonSpaces(b, i, end)
        }
        guard fields >= 5 else { return .malformed }
        // Device: hex major ':' hex minor.
        var j = deviceStart
        var major: UInt32 = 0
        var minor: UInt32 = 0
        var digits = 0
        while j < end && b[j] != ASCII.colon {
            guard let d = hexValue(b[j]), digits < 8 else { return .malformed }
            major = major << 4 | d
            digits += 1
            j += 1
        }
        guard j < end, digits > 0 else { return .malformed }
        j += 1
        digits = 0
        while j < end && b[j] != ASCII.space {
            guard let d = hexValue(b[j]), digits < 8 else { return .malformed }
            minor = minor << 4 | d
            digits += 1
            j += 1
        }
        guard digits > 0 else { return .malformed }
        for device in devices where device.major == major && device.minor == minor { return .candidate }
        let notCandidate = QuickLook.notCandidate(DeviceNumber(major: major, minor: minor))
        // Every name that makes a candidate starts with "/", then "a", "S" or "m".
        guard pathStart >= 0, end - pathStart > 1, b[pathStart] == UInt8(ascii: "/"),
              b[pathStart + 1] == UInt8(ascii: "a") || b[pathStart + 1] == UInt8(ascii: "S")
                || b[pathStart + 1] == UInt8(ascii: "m") else { return notCandidate }
        let path = pathStart
        func has(_ prefix: StaticString) -> Bool {
            let n = prefix.utf8CodeUnitCount
            guard end - path >= n else { return false }
            return prefix.withUTF8Buffer { p in
                for k in 0..<n where b[path + k] != p[k] { return false }
                return true
            }
        }
        return has("/anon_hugepage") || has("/SYSV") || has("/memfd:") ? .candidate : notCandidate
    }

    /// Eight bytes from `i` as one word, the first byte lowest; nil when fewer than eight are left.
    @inline(__always)
    private static func word(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> UInt64? {
        guard end - i >= 8, let base = b.baseAddress else { return nil }
        return UnsafeRawPointer(base).loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
    }

    private static let spaces: UInt64 = 0x2020_2020_2020_2020

    /// The first index from `i` (before `end`) that is not a space: eight bytes at a time
    /// over the padding the kernel writes before the path (`seq_pad`, some twenty spaces).
    @inline(__always)
    private static func skipSpaces(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var i = i
        while let w = word(b, i, end) {
            let other = w ^ spaces
            if other != 0 { return i + other.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end && b[i] == ASCII.space { i += 1 }
        return i
    }

    /// The first index from `i` (before `end`) that is a space, eight bytes at a time: the
    /// lowest byte of `(x - 0x01..) & ~x & 0x80..` that is set is the first zero byte of `x`
    /// (a borrow only ever marks bytes above a zero one).
    @inline(__always)
    private static func skipNonSpaces(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var i = i
        while let w = word(b, i, end) {
            let x = w ^ spaces
            let zero = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if zero != 0 { return i + zero.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end && b[i] != ASCII.space { i += 1 }
        return i
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte - 0x30)
        case 0x61...0x66: return UInt32(byte - 0x61 + 10)
        case 0x41...0x46: return UInt32(byte - 0x41 + 10)
        default: return nil
        }
    }

    /// Parses one header line; `pathBytes` is the raw path field (possibly empty).
    static func parseHeader(_ line: Bytes, decodePath: Bool) -> (entry: MapsEntry, pathBytes: Bytes)? {
        // Read in place (no slice, bounds check or retain per field): smaps has a header
        // for every VMA, 60,000 of them for one DPDK-like process.
        guard let (entry, pathStart) = line.withUnsafeBufferPointer({ parseHeader($0) }) else { return nil }
        let pathBytes = line[(line.startIndex + pathStart)...]
        guard decodePath && !pathBytes.isEmpty else { return (entry, pathBytes) }
        var decoded = entry
        decoded.path = pathBytes.text
        return (decoded, pathBytes)
    }

    /// `parseHeader` over the line's bytes: the entry without its path, and where the path
    /// starts (the line's end when it has none). One pass, each field read where it lies:
    /// fields are runs of bytes other than a space; `start-end` and `major:minor` have one
    /// separator each, numbers have 1 to 20 digits of their base and no overflow, the
    /// permissions four bytes.
    private static func parseHeader(_ line: UnsafeBufferPointer<UInt8>) -> (entry: MapsEntry, pathStart: Int)? {
        let count = line.count
        var i = 0
        while i < count && line[i] == ASCII.space { i += 1 }
        guard let start = hexNumber(line, &i), i < count, line[i] == ASCII.dash else { return nil }
        i += 1
        guard let end = hexNumber(line, &i), i < count, line[i] == ASCII.space else { return nil }
        while i < count && line[i] == ASCII.space { i += 1 }
        let permsStart = i
        while i < count && line[i] != ASCII.space { i += 1 }
        guard i - permsStart == 4, i < count else { return nil }
        let shared = line[permsStart + 3] == 0x73 /* s */
        while i < count && line[i] == ASCII.space { i += 1 }
        guard let offset = hexNumber(line, &i), i < count, line[i] == ASCII.space else { return nil }
        while i < count && line[i] == ASCII.space { i += 1 }
        guard let major = hexNumber(line, &i), i < count, line[i] == ASCII.colon else { return nil }
        i += 1
        guard let minor = hexNumber(line, &i), i < count, line[i] == ASCII.space,
              major <= UInt64(UInt32.max), minor <= UInt64(UInt32.max) else { return nil }
        while i < count && line[i] == ASCII.space { i += 1 }
        guard let inode = decimalNumber(line, &i) else { return nil }
        while i < count && line[i] == ASCII.space { i += 1 }
        let entry = MapsEntry(
            start: start, end: end, shared: shared, offset: offset,
            device: DeviceNumber(major: UInt32(major), minor: UInt32(minor)), inode: inode, path: nil)
        return (entry, i)
    }

    /// The hexadecimal number at `i`, which is moved past it: 1 to 20 digits (leading zeros
    /// count) and no overflow, ending at a space, a `-` or `:`, or the line's end; nil for
    /// anything else (another byte in the field included).
    @inline(__always)
    private static func hexNumber(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> UInt64? {
        let first = i
        var value: UInt64 = 0
        while i < line.count {
            let byte = line[i]
            let digit: UInt64
            switch byte {
            case 0x30...0x39: digit = UInt64(byte &- 0x30)
            case 0x61...0x66: digit = UInt64(byte &- 0x61 &+ 10)
            case 0x41...0x46: digit = UInt64(byte &- 0x41 &+ 10)
            case ASCII.space, ASCII.dash, ASCII.colon:
                return i > first && i - first <= 20 ? value : nil
            default: return nil
            }
            guard value >> 60 == 0 else { return nil }
            value = value << 4 | digit
            i += 1
        }
        return i > first && i - first <= 20 ? value : nil
    }

    /// The decimal number at `i`, which is moved past it, as `hexNumber` reads a hexadecimal
    /// one, ending at a space or the line's end.
    @inline(__always)
    private static func decimalNumber(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> UInt64? {
        let first = i
        var value: UInt64 = 0
        while i < line.count && line[i] != ASCII.space {
            let byte = line[i]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(UInt64(byte &- 0x30))
            if o1 || o2 { return nil }
            value = sum
            i += 1
        }
        return i > first && i - first <= 20 ? value : nil
    }
}

extension ArraySlice where Element == UInt8 {
    /// An unsigned number in base 10 or 16 (no prefix), without overflow.
    func unsigned(radix: Int) -> UInt64? {
        guard !isEmpty, count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in self {
            let digit: UInt64
            switch byte {
            case 0x30...0x39: digit = UInt64(byte - 0x30)
            case 0x61...0x66 where radix == 16: digit = UInt64(byte - 0x61 + 10)
            case 0x41...0x46 where radix == 16: digit = UInt64(byte - 0x41 + 10)
            default: return nil
            }
            let (shifted, o1) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, o2) = shifted.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }
}
