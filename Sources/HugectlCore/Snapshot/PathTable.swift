#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A table of paths to values, keyed by the UTF-8 bytes of each path: the manifest's `stat`
/// and `link` answers. A snapshot of a process holding 60,000 hugetlb files open has 120,000
/// of them; here their paths are bytes back to back in one array instead of a heap String per
/// path in a dictionary of Strings, and the parser inserts a path's bytes without making a
/// String of them. `serialized()` writes them sorted: while every path comes after the one
/// before it (byte order), the table is a sorted array, found by binary search (or, through
/// `value(prefix:name:hint:)`, at the entry after the last one found: a process's descriptors
/// are asked for in the same order); the first path out of order turns it into a hash table
/// (open addressing, linear probing, at most half full).
///
/// It answers as a `[String: Value]` does for every set of keys whose UTF-8 differ (the only
/// difference: two keys that are different bytes but canonically equivalent Unicode, which a
/// dictionary of Strings takes for one key, are two keys here, as they are two names to the
/// kernel). The hash is the standard library's `Hasher`, seeded per process: no input makes
/// its probes long but by chance.
public struct PathTable<Value: Sendable>: Sendable {
    /// One path and its value; `value` is nil once it was removed (`table[path] = nil`).
    private struct Entry: Sendable {
        var start: UInt32
        var count: UInt32
        /// Its hash, once the table is hashed.
        var hash: Int
        var value: Value?
    }

    /// Every path's bytes, back to back, in the order they were first inserted.
    private var bytes: [UInt8] = []
    private var entries: [Entry] = []
    /// Empty while the entries are in ascending order of their paths; then entry indexes, -1
    /// for an empty slot, a power of two of them, at least twice the number of entries.
    private var slots: [Int32] = []
    /// Entries with a value.
    public private(set) var count = 0

    public init() {}

    /// The same keys and values as `dictionary`.
    public init(_ dictionary: [String: Value]) {
        for (key, value) in dictionary { self[key] = value }
    }

    public var isEmpty: Bool { count == 0 }

    public subscript(path: String) -> Value? {
        get {
            var path = path
            return path.withUTF8 { value(forKey: $0) }
        }
        set {
            var path = path
            path.withUTF8 { set(newValue, forKey: $0) }
        }
    }

    /// The value of the path `prefix` + `name`, looked up without making that String (the
    /// bytes are joined on the stack, or in a buffer of their own when they do not fit).
    public func value(prefix: String, name: String) -> Value? {
        var hint = -1
        return value(prefix: prefix, name: name, hint: &hint)
    }

    /// `value(prefix:name:)`, trying first the entry at `hint` (for paths asked for in the
    /// order they were inserted), and leaving `hint` at the entry after the one found.
    public func value(prefix: String, name: String, hint: inout Int) -> Value? {
        var prefix = prefix
        var name = name
        return prefix.withUTF8 { head in
            name.withUTF8 { tail in
                let total = head.count + tail.count
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { joined in
                    if let base = joined.baseAddress {
                        if let from = head.baseAddress { memcpy(base, from, head.count) }
                        if let from = tail.baseAddress { memcpy(base + head.count, from, tail.count) }
                    }
                    let key = UnsafeBufferPointer(joined)
                    if hint >= 0 && hint < entries.count && compare(hint, key) == 0 {
                        hint += 1
                        return entries[hint - 1].value
                    }
                    guard let index = index(of: key) else { return nil }
                    hint = index + 1
                    return entries[index].value
                }
            }
        }
    }

    /// The value of the path whose UTF-8 is `key`.
    public func value(forKey key: UnsafeBufferPointer<UInt8>) -> Value? {
        index(of: key).flatMap { entries[$0].value }
    }

    /// Sets (or, with nil, removes) the value of the path whose UTF-8 is `key`; a path set
    /// again keeps its last value, as a dictionary's does.
    public mutating func set(_ value: Value?, forKey key: UnsafeBufferPointer<UInt8>) {
        if slots.isEmpty {
            if entries.isEmpty || compare(entries.count - 1, key) < 0 {
                if value != nil { append(key, value, hash: 0) }
                return
            }
            if let index = search(key) { return replace(index, with: value) }
            // Out of order: hashed from now on.
            if value == nil { return }
            for index in entries.indices { entries[index].hash = Self.hash(entry: entries[index], in: bytes) }
            rehash(Self.slotCount(for: entries.count + 1))
        } else if value != nil && 2 * (entries.count + 1) > slots.count {
            rehash(slots.count * 2)
        }
        let hash = Self.hash(key)
        let slot = find(key, hash: hash)
        if slots[slot] >= 0 { return replace(Int(slots[slot]), with: value) }
        guard value != nil else { return }
        slots[slot] = Int32(entries.count)
        append(key, value, hash: hash)
    }

    /// Every path with its value, ordered by path as `String`'s `<` orders them.
    public func sorted() -> [(key: String, value: Value)] {
        var all: [(key: String, value: Value)] = []
        all.reserveCapacity(count)
        bytes.withUnsafeBufferPointer { buffer in
            for entry in entries {
                guard let value = entry.value else { continue }
                let key = UnsafeBufferPointer(rebasing: buffer[Int(entry.start)..<Int(entry.start + entry.count)])
                all.append((String(decoding: key, as: UTF8.self), value))
            }
        }
        return all.sorted { $0.key < $1.key }
    }

    private mutating func append(_ key: UnsafeBufferPointer<UInt8>, _ value: Value?, hash: Int) {
        entries.append(Entry(start: UInt32(bytes.count), count: UInt32(key.count), hash: hash, value: value))
        bytes.append(contentsOf: key)
        count += 1
    }

    private mutating func replace(_ index: Int, with value: Value?) {
        count += (entries[index].value == nil ? 1 : 0) - (value == nil ? 1 : 0)
        entries[index].value = value
    }

    /// The entry of `key`, if any.
    private func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        if slots.isEmpty { return search(key) }
        let index = slots[find(key, hash: Self.hash(key))]
        return index < 0 ? nil : Int(index)
    }

    /// The entry of `key` by binary search, while the entries are in order.
    private func search(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let order = compare(middle, key)
            if order == 0 { return middle }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// The order of entry `index`'s path and `key`, bytes compared as unsigned, a prefix first.
    private func compare(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Int {
        let entry = entries[index]
        let count = Int(entry.count)
        return bytes.withUnsafeBufferPointer { stored in
            let common = min(count, key.count)
            if common > 0 {
                let order = memcmp(stored.baseAddress! + Int(entry.start), key.baseAddress!, common)
                if order != 0 { return Int(order) }
            }
            return count - key.count
        }
    }

    /// The slot holding the entry of `key`, or the empty slot where it would go.
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: Int) -> Int {
        let mask = slots.count - 1
        var slot = hash & mask
        while true {
            let index = slots[slot]
            if index < 0 { return slot }
            if entries[Int(index)].hash == hash && compare(Int(index), key) == 0 { return slot }
            slot = (slot + 1) & mask
        }
    }

    private static func slotCount(for entries: Int) -> Int {
        var size = 16
        while size < 2 * entries { size *= 2 }
        return size
    }

    private mutating func rehash(_ size: Int) {
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for (index, entry) in entries.enumerated() {
            var slot = entry.hash & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    private static func hash(entry: Entry, in bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { hash(UnsafeBufferPointer(rebasing: $0[Int(entry.start)..<Int(entry.start + entry.count)])) }
    }

    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(key))
        return hasher.finalize()
    }
}

extension PathTable: Equatable where Value: Equatable {
    /// The same paths with the same values, whatever the order they were inserted in.
    public static func == (lhs: PathTable, rhs: PathTable) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.bytes.withUnsafeBufferPointer { buffer in
            lhs.entries.allSatisfy { entry in
                guard let value = entry.value else { return true }
                let key = UnsafeBufferPointer(rebasing: buffer[Int(entry.start)..<Int(entry.start + entry.count)])
                return rhs.value(forKey: key) == value
            }
        }
    }
}

extension PathTable: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}
