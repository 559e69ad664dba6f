/// `ObjectIndex`'s lookup from an `ObjectID` to its dense index: open addressing (linear
/// probing, at most half full) over `Int32` slots holding indexes into the index's `ids`.
/// Built and asked once per object and once per mapping: a `[ObjectID: Int]` spent most of
/// `ObjectIndex`'s time in SipHash for 60,000 objects.
///
/// The hash is multiply-shift (Dietzfelbinger et al.) over the two words of the ID,
/// `(device * a + inode * b) >> shift`, with odd multipliers drawn at random once per
/// process. For IDs that differ in one word only, two share a slot with probability at most
/// 2 / slots. For IDs that differ in both it is not that bound (a + b is even, so IDs whose
/// device and inode differ by the same amount meet more often), but whoever creates the files
/// does not know the multipliers, and the table is never more than half full: the families
/// of IDs a manifest or a mount can write keep the probes short (review of 2026-12-04), and a
/// lookup always ends.
struct ObjectIDSlots {
    private static let multipliers: (device: UInt64, inode: UInt64) = {
        var random = SystemRandomNumberGenerator()
        return (random.next() | 1, random.next() | 1)
    }()

    /// Indexes into `ids`; -1 for an empty slot; a power of two of them.
    private var slots: [Int32]
    /// 64 - log2(slots.count): the hash's top bits pick the slot.
    private var shift: UInt64
    private var count = 0

    init(capacity: Int) {
        var size = 16, bits: UInt64 = 4
        while size < 2 * capacity { size *= 2; bits += 1 }
        slots = [Int32](repeating: -1, count: size)
        shift = 64 - bits
    }

    /// The index of `id`, given the IDs by index.
    func index(of id: ObjectID, in ids: [ObjectID]) -> Int? {
        let index = slots[slot(of: id, in: ids)]
        return index < 0 ? nil : Int(index)
    }

    /// Records that `ids[index]` (not recorded yet) is `id`; `ids` holds every ID recorded so
    /// far, and `id` at `index`.
    mutating func insert(_ id: ObjectID, at index: Int, in ids: [ObjectID]) {
        if 2 * (count + 1) > slots.count { grow(ids) }
        slots[slot(of: id, in: ids)] = Int32(index)
        count += 1
    }

    /// The slot holding `id`, or the empty slot where it would go.
    private func slot(of id: ObjectID, in ids: [ObjectID]) -> Int {
        let mask = slots.count - 1
        var slot = Self.home(id, shift: shift)
        while true {
            let index = slots[slot]
            if index < 0 || ids[Int(index)] == id { return slot }
            slot = (slot + 1) & mask
        }
    }

    private static func home(_ id: ObjectID, shift: UInt64) -> Int {
        let device = UInt64(id.device.major) << 32 | UInt64(id.device.minor)
        return Int(truncatingIfNeeded: (device &* multipliers.device &+ id.inode &* multipliers.inode) >> shift)
    }

    private mutating func grow(_ ids: [ObjectID]) {
        let size = slots.count * 2
        shift -= 1
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1
        // Every recorded ID: those below `count` in `ids`, by the invariant of `insert`.
        for index in 0..<count {
            var slot = Self.home(ids[index], shift: shift)
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
