#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SnapshotManifest {
    /// The `link` and `stat` lines of a manifest read in place, without a slice or an array per
    /// line: a snapshot of a process holding 60,000 hugetlb files open has 120,000 of them.
    /// Only lines as `serialized()` writes them are taken (`stat` with its six keys in their
    /// order, plain digits); `take` declines any other line, and `SnapshotManifest.parse` then
    /// reads it the general way, which gives the same answer for what is taken here and says
    /// what is wrong with the rest.
    struct HotLines {
        /// Where each field of the line starts and ends, refilled for every line.
        private var fields: [(start: Int, end: Int)] = []

        init() { fields.reserveCapacity(9) }

        /// Takes a `link` or `stat` line into `manifest` when it is as written; false, having
        /// changed nothing, for any other line.
        mutating func take(_ line: UnsafeBufferPointer<UInt8>, into manifest: inout SnapshotManifest) -> Bool {
            guard line.count > 5, line[4] == ASCII.space else { return false }
            let keyword = UnsafeBufferPointer(rebasing: line[0..<4])
            let isLink = Self.equals(keyword, "link")
            guard isLink || Self.equals(keyword, "stat") else { return false }
            fields.removeAll(keepingCapacity: true)
            var index = 0
            while index < line.count {
                while index < line.count && ASCII.isSpace(line[index]) { index += 1 }
                let start = index
                while index < line.count && !ASCII.isSpace(line[index]) { index += 1 }
                if start < index {
                    if fields.count == 8 { return false }
                    fields.append((start, index))
                }
            }
            if isLink {
                guard fields.count == 3 else { return false }
                let target = text(line, 2)
                withKey(line) { manifest.links.set(target, forKey: $0) }
                return true
            }
            guard fields.count == 8, let status = status(line) else { return false }
            withKey(line) { manifest.statuses.set(status, forKey: $0) }
            return true
        }

        /// Calls `body` with the UTF-8 of field 1 (the path) as `text` would decode it: the
        /// bytes in place when they are plain ASCII without an escape (every path hugectl
        /// writes for a process's descriptors), those of the decoded String otherwise.
        private func withKey(_ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            let field = UnsafeBufferPointer(rebasing: line[fields[1].start..<fields[1].end])
            if !field.contains(where: { $0 >= 0x80 || $0 == ASCII.backslash }) { return body(field) }
            var key = text(line, 1)
            key.withUTF8(body)
        }

        /// Field `index` of `line`, unescaped as `unescapeOctal` does.
        private func text(_ line: UnsafeBufferPointer<UInt8>, _ index: Int) -> String {
            let field = UnsafeBufferPointer(rebasing: line[fields[index].start..<fields[index].end])
            guard field.contains(ASCII.backslash) else { return String(decoding: field, as: UTF8.self) }
            return unescapeOctal(Array(field)[...])
        }

        /// Fields 2 to 7 as `dev=MAJ:MIN ino= mode= size= blocks= blksize=`, in this order, each
        /// value plain digits of a size that cannot overflow; nil for anything else.
        private func status(_ line: UnsafeBufferPointer<UInt8>) -> FileStatus? {
            func value(_ index: Int, _ key: StaticString) -> UnsafeBufferPointer<UInt8>? {
                let (start, end) = fields[index]
                let keyCount = key.utf8CodeUnitCount
                guard end - start > keyCount + 1, line[start + keyCount] == ASCII.equals,
                      Self.equals(UnsafeBufferPointer(rebasing: line[start..<(start + keyCount)]), key) else { return nil }
                return UnsafeBufferPointer(rebasing: line[(start + keyCount + 1)..<end])
            }
            guard let dev = value(2, "dev"), let colon = dev.firstIndex(of: ASCII.colon),
                  let major = Self.number(UnsafeBufferPointer(rebasing: dev[..<colon]), radix: 10, digits: 9),
                  let minor = Self.number(UnsafeBufferPointer(rebasing: dev[(colon + 1)...]), radix: 10, digits: 9),
                  let ino = value(3, "ino").flatMap({ Self.number($0, radix: 10, digits: 19) }),
                  let mode = value(4, "mode").flatMap({ Self.number($0, radix: 8, digits: 10) }),
                  let size = value(5, "size").flatMap({ Self.number($0, radix: 10, digits: 19) }),
                  let blocks = value(6, "blocks").flatMap({ Self.number($0, radix: 10, digits: 19) }),
                  let blksize = value(7, "blksize").flatMap({ Self.number($0, radix: 10, digits: 19) })
            else { return nil }
            return FileStatus(device: DeviceNumber(major: UInt32(major), minor: UInt32(minor)), inode: ino,
                              mode: UInt32(mode), size: size, blocks: blocks, blockSize: blksize)
        }

        /// 1 to `digits` digits of `radix` (10 or 8), few enough that they cannot overflow
        /// what they are read into; nil otherwise.
        private static func number(_ text: UnsafeBufferPointer<UInt8>, radix: UInt64, digits: Int) -> UInt64? {
            guard !text.isEmpty, text.count <= digits else { return nil }
            var value: UInt64 = 0
            for byte in text {
                guard byte >= ASCII.zero, UInt64(byte - ASCII.zero) < radix else { return nil }
                value = value * radix + UInt64(byte - ASCII.zero)
            }
            return value
        }

        /// One `memcmp` once the lengths agree, not a generic walk element by element.
        private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
            guard bytes.count == text.utf8CodeUnitCount, let base = bytes.baseAddress else { return bytes.isEmpty && text.utf8CodeUnitCount == 0 }
            return text.withUTF8Buffer { memcmp($0.baseAddress!, base, bytes.count) == 0 }
        }
    }
}
