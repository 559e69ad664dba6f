#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SnapshotManifest {
    /// The `link` and `stat` lines of a manifest read in place, without a slice, an array or a
    /// String per line: a snapshot of a process holding 60,000 hugetlb files open has 120,000
    /// of them. Only lines exactly as `serialized()` writes them are taken (one space between
    /// fields, `stat` with its six keys in their order, plain digits); `take` declines any
    /// other line, and `SnapshotManifest.parse` then reads it the general way, which gives the
    /// same answer for what is taken here and says what is wrong with the rest.
    struct HotLines {
        /// Takes a `link` or `stat` line into `manifest` when it is as written; false, having
        /// changed nothing, for any other line.
        func take(_ line: UnsafeBufferPointer<UInt8>, into manifest: inout SnapshotManifest) -> Bool {
            guard line.count > 5, line[4] == ASCII.space else { return false }
            let keyword = UnsafeBufferPointer(rebasing: line[0..<4])
            let isLink = Self.equals(keyword, "link")
            guard isLink || Self.equals(keyword, "stat") else { return false }
            // The path: up to the one space before the next field.
            let pathEnd = Self.fieldEnd(line, from: 5)
            guard pathEnd > 5, pathEnd + 1 < line.count, line[pathEnd] == ASCII.space else { return false }
            let path = UnsafeBufferPointer(rebasing: line[5..<pathEnd])
            if isLink {
                // The target: the rest of the line, one field.
                guard Self.fieldEnd(line, from: pathEnd + 1) == line.count, pathEnd + 1 < line.count else { return false }
                let target = Self.text(UnsafeBufferPointer(rebasing: line[(pathEnd + 1)...]))
                Self.withKey(path) { manifest.links.set(target, forKey: $0) }
                return true
            }
            var cursor = Cursor(line: line, at: pathEnd + 1)
            guard let status = cursor.status() else { return false }
            Self.withKey(path) { manifest.statuses.set(status, forKey: $0) }
            return true
        }

        /// Whether the line's keyword (its first field, as the general reader splits it) is `stat`.
        static func isStat(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
            var start = 0
            while start < line.count && ASCII.isSpace(line[start]) { start += 1 }
            guard line.count - start >= 4, equals(UnsafeBufferPointer(rebasing: line[start..<(start + 4)]), "stat") else { return false }
            return start + 4 == line.count || ASCII.isSpace(line[start + 4])
        }

        /// Where the field starting at `start` ends: the first white space byte, or the end.
        private static func fieldEnd(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
            var index = start
            while index < line.count && !ASCII.isSpace(line[index]) { index += 1 }
            return index
        }

        /// Calls `body` with the UTF-8 of `path` as `text` would decode it: the bytes in place
        /// when they are plain ASCII without an escape (every path hugectl writes for a
        /// process's descriptors), those of the decoded String otherwise.
        private static func withKey(_ path: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            if !path.contains(where: { $0 >= 0x80 || $0 == ASCII.backslash }) { return body(path) }
            var key = text(path)
            key.withUTF8(body)
        }

        /// A field unescaped as `unescapeOctal` does.
        private static func text(_ field: UnsafeBufferPointer<UInt8>) -> String {
            guard field.contains(ASCII.backslash) else { return String(decoding: field, as: UTF8.self) }
            return unescapeOctal(Array(field)[...])
        }

        /// Reads a `stat` line's values from after its path, byte by byte.
        private struct Cursor {
            let line: UnsafeBufferPointer<UInt8>
            var at: Int

            /// `dev=MAJ:MIN ino= mode= size= blocks= blksize=`, in this order, one space apart,
            /// each value plain digits of a size that cannot overflow, up to the end of the
            /// line; nil for anything else.
            mutating func status() -> FileStatus? {
                guard literal("dev="), let major = number(radix: 10, digits: 9), literal(":"),
                      let minor = number(radix: 10, digits: 9), literal(" ino="), let ino = number(radix: 10, digits: 19),
                      literal(" mode="), let mode = number(radix: 8, digits: 10),
                      literal(" size="), let size = number(radix: 10, digits: 19),
                      literal(" blocks="), let blocks = number(radix: 10, digits: 19),
                      literal(" blksize="), let blksize = number(radix: 10, digits: 19), at == line.count
                else { return nil }
                return FileStatus(device: DeviceNumber(major: UInt32(major), minor: UInt32(minor)), inode: ino,
                                  mode: UInt32(mode), size: size, blocks: blocks, blockSize: blksize)
            }

            /// `text` next, stepped over; false (not moved) otherwise.
            mutating func literal(_ text: StaticString) -> Bool {
                let count = text.utf8CodeUnitCount
                guard line.count - at >= count, let base = line.baseAddress,
                      text.withUTF8Buffer({ memcmp($0.baseAddress!, base + at, count) == 0 }) else { return false }
                at += count
                return true
            }

            /// 1 to `digits` digits of `radix` (10 or 8) next, not followed by another digit:
            /// few enough that they cannot overflow what they are read into; nil otherwise.
            mutating func number(radix: UInt64, digits: Int) -> UInt64? {
                let start = at
                var value: UInt64 = 0
                while at < line.count, line[at] >= ASCII.zero, UInt64(line[at] - ASCII.zero) < radix {
                    guard at - start < digits else { return nil }
                    value = value * radix + UInt64(line[at] - ASCII.zero)
                    at += 1
                }
                return at > start ? value : nil
            }
        }

        /// One `memcmp` once the lengths agree, not a generic walk element by element.
        private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
            guard bytes.count == text.utf8CodeUnitCount, let base = bytes.baseAddress else { return bytes.isEmpty && text.utf8CodeUnitCount == 0 }
            return text.withUTF8Buffer { memcmp($0.baseAddress!, base, bytes.count) == 0 }
        }
    }
}
