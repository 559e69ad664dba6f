/// `/proc/buddyinfo`: one line per zone, `Node 0, zone   Normal  c0 c1 ... cN`, a count of
/// free blocks for each order the buddy allocator has (0 through `MAX_PAGE_ORDER`, called
/// `MAX_ORDER - 1` before 6.8). Only the number of columns matters to hugectl: a huge page
/// size is gigantic (`hstate_is_gigantic`) when its order is beyond the largest, that is when
/// its order is at least the number of columns.
public enum BuddyInfo {
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case malformed(String)
        case inconsistent

        public var description: String {
            switch self {
            case .empty: return "no zone listed"
            case .malformed(let line): return "malformed line '\(line.clipped)'"
            case .inconsistent: return "zones list different numbers of orders"
            }
        }
    }

    /// The number of orders (`MAX_PAGE_ORDER + 1`), the same on every line.
    public static func orders(_ bytes: Bytes) -> Result<Int, Problem> {
        var orders: Int?
        for line in bytes.lines where !line.trimmed.isEmpty {
            let fields = line.fields
            // Node, "0,", zone, NAME, then the counts.
            guard fields.count > 4, fields[0].equals("Node"), fields[2].equals("zone"),
                  fields[4...].allSatisfy({ !$0.isEmpty && $0.allSatisfy(ASCII.isDigit) }) else {
                return .failure(.malformed(line.text))
            }
            let count = fields.count - 4
            guard count <= 64 else { return .failure(.malformed(line.text)) }
            if let orders, orders != count { return .failure(.inconsistent) }
            orders = count
        }
        guard let orders else { return .failure(.empty) }
        return .success(orders)
    }

    /// Whether pages of `pageSizeKB` are gigantic with `orders` buddy orders of `basePageKB`
    /// pages: their order (`log2(pageSizeKB / basePageKB)`) is at least `orders`.
    public static func isGigantic(pageSizeKB: Int, basePageKB: Int, orders: Int) -> Bool {
        guard basePageKB > 0, orders >= 0, orders < 62 else { return false }
        return pageSizeKB >= basePageKB << orders
    }
}

/// `/proc/self/auxv`: the ELF auxiliary vector the kernel gave the reading process, pairs of
/// machine words ending with `AT_NULL`. `AT_PAGESZ` (6) is the base page size. The words are
/// 8 or 4 bytes, in the byte order of the machine that wrote them (a captured tree may come
/// from another one): each layout is tried, and the one that ends with `AT_NULL` and gives a
/// power-of-two page size from 4 KiB to 1 MiB wins.
public enum AuxiliaryVector {
    public static let pageSizeType: UInt64 = 6

    /// The base page size in kB, or nil when no layout makes sense of the bytes.
    public static func pageSizeKB(_ bytes: [UInt8]) -> Int? {
        for width in [8, 4] {
            for bigEndian in [false, true] {
                if let size = pageSize(bytes, width: width, bigEndian: bigEndian) { return size / 1024 }
            }
        }
        return nil
    }

    static func pageSize(_ bytes: [UInt8], width: Int, bigEndian: Bool) -> Int? {
        func word(_ at: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<width {
                let byte = UInt64(bytes[at + (bigEndian ? i : width - 1 - i)])
                value = value << 8 | byte
            }
            return value
        }
        var found: UInt64?
        var at = 0
        while at + 2 * width <= bytes.count {
            let type = word(at), value = word(at + width)
            if type == 0 {
                guard let found, found >= 4096, found <= 1 << 20, found & (found - 1) == 0 else { return nil }
                return Int(found)
            }
            if type == pageSizeType { found = value }
            at += 2 * width
        }
        return nil
    }
}
