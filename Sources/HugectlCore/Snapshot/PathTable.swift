#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A table of paths to values, keyed by the UTF-8 bytes of each path: the manifest's `stat`
/// and `link` answers. A snapshot of a process holding 60,000 hugetlb files open has 120,000
/// of them; here their paths are bytes back to back in one array, found through one array of
/// slots (open addressing, linear probing, at most half full), instead of a heap String per
/// path in a dictionary of Strings. The parser inserts a path's bytes without making a String
/// of them, and a path asked for as `prefix` + `name` is looked up without joining them.
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
        var hash: Int
        var value: Value?
    }

    /// Every path's bytes, back to back, in the order they were first inserted.
    private var bytes: [UInt8] = []
    private var entries: [Entry] = []
    /// Entry indexes, -1 for an empty slot; the count is a power of two, at least twice the
    /// number of entries.
    private var slots: [Int32] = []
    /// Entries with a value.
    public private(set) var count = 0

    public init() {}

    /// The same keys and values as `dictionary`.
    public init(_ dictionary: [String: Value]) {
        reserveCapacity(dictionary.count)
        for (key, value) in dictionary { self[key] = value }
    }

    public var isEmpty: Bool { count == 0 }

    /// Room for `entries` paths without growing the slots again.
    public mutating func reserveCapacity(_ entries: Int) {
        var size = max(slots.count, 16)
        while size < 2 * entries { size *= 2 }
        if size > slots.count { rehash(size) }
    }

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
                    return value(forKey: UnsafeBufferPointer(joined))
                }
            }
        }
    }

    /// The value of the path whose UTF-8 is `key`.
    public func value(forKey key: UnsafeBufferPointer<UInt8>) -> Value? {
        guard !slots.isEmpty else { return nil }
        let (slot, _) = find(key, hash: Self.hash(key))
        let index = slots[slot]
        return index < 0 ? nil : entries[Int(index)].value
    }

    /// Sets (or, with nil, removes) the value of the path whose UTF-8 is `key`; a path set
    /// again keeps its last value, as a dictionary's does.
    public mutating func set(_ value: Value?, forKey key: UnsafeBufferPointer<UInt8>) {
        if slots.isEmpty || (value != nil && 2 * (entries.count + 1) > slots.count) {
            rehash(max(16, slots.count * 2))
        }
        let hash = Self.hash(key)
        let (slot, _) = find(key, hash: hash)
        let index = slots[slot]
        if index >= 0 {
            let old = entries[Int(index)].value
            count += (old == nil ? 1 : 0) - (value == nil ? 1 : 0)
            entries[Int(index)].value = value
            return
        }
        guard let value else { return }
        slots[slot] = Int32(entries.count)
        entries.append(Entry(start: UInt32(bytes.count), count: UInt32(key.count), hash: hash, value: value))
        bytes.append(contentsOf: key)
        count += 1
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

    /// The slot holding the entry of `key`, or the empty slot where it would go.
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: Int) -> (slot: Int, found: Bool) {
        let mask = slots.count - 1
        var slot = hash & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let index = slots[slot]
                if index < 0 { return (slot, false) }
                let entry = entries[Int(index)]
                if entry.hash == hash && Int(entry.count) == key.count
                    && (key.isEmpty || memcmp(stored.baseAddress! + Int(entry.start), key.baseAddress!, key.count) == 0) {
                    return (slot, true)
                }
                slot = (slot + 1) & mask
            }
        }
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
