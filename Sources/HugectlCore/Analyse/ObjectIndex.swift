/// The attribution's numbering of the objects of one consumer snapshot: each object, and
/// each ID only a mapping names, gets a dense index, found by hashing its ID once per
/// mapping here (`ObjectIDSlots`). The attribution's passes (`ReservationAttribution`, `OwedEstimate`,
/// `InUseAttribution`) then read and write arrays by index instead of hashing an `ObjectID`
/// in each pass: a process of 60,000 hugetlb VMAs has 60,000 objects.
///
/// The objects are not copied: each index keeps the figures the passes read (`Facts`, no
/// Strings) and its position in the snapshot's own dictionary, which the index shares
/// (copy on write: never written), for the few passes that need a whole object
/// (`object(at:)`: orphans, `min_size=` mounts). Copying 60,000 `HugetlbObject`s retained
/// and released two Strings each, and kept a second array of them alive.
struct ObjectIndex {
    /// What the attribution reads of an object, by value.
    struct Facts {
        var kind: HugetlbObject.Kind
        var pageSizeKB: Int
        var sizePages: Int
        var sizeKnown: Bool
        var instantiated: Int?

        /// Read in place (`borrowing`): a copy of the object retained its Strings.
        @inline(__always)
        init(_ object: borrowing HugetlbObject) {
            kind = object.kind
            pageSizeKB = object.pageSizeKB
            sizePages = object.sizePages
            sizeKnown = object.sizeKnown
            instantiated = object.instantiated
        }
    }

    /// The IDs by index: the snapshot's objects first (in no particular order), then the IDs
    /// only mappings name.
    private(set) var ids: [ObjectID] = []
    /// The facts of each index's object; nil for an ID only a mapping names.
    private(set) var facts: [Facts?] = []
    /// Per process and mapping (as in `ConsumerSnapshot.processes`), its object's index.
    private(set) var ofMapping: [[Int]] = []
    /// Whether some mapping names the object of each index.
    private(set) var mapped: [Bool] = []
    private var byID: ObjectIDSlots
    /// The snapshot's objects, and the position in it of each index below `positions.count`.
    private let objects: [ObjectID: HugetlbObject]
    private var positions: [[ObjectID: HugetlbObject].Index] = []

    init(_ consumers: ConsumerSnapshot) {
        objects = consumers.objects
        byID = ObjectIDSlots(capacity: objects.count)
        ids.reserveCapacity(objects.count)
        facts.reserveCapacity(objects.count)
        mapped.reserveCapacity(objects.count)
        positions.reserveCapacity(objects.count)
        var position = objects.startIndex
        while position != objects.endIndex {
            positions.append(position)
            add(objects.keys[position], Facts(objects.values[position]))
            objects.formIndex(after: &position)
        }
        ofMapping.reserveCapacity(consumers.processes.count)
        for process in consumers.processes {
            var indexes: [Int] = []
            indexes.reserveCapacity(process.mappings.count)
            // A run of mappings on one object (a repeated VMA) is looked up once.
            var last: (id: ObjectID, index: Int)?
            for m in process.mappings.indices {
                let id = process.mappings[m].object
                let index: Int
                if let last, last.id == id {
                    index = last.index
                } else {
                    index = byID.index(of: id, in: ids) ?? add(id, nil)
                }
                last = (id, index)
                indexes.append(index)
                mapped[index] = true
            }
            ofMapping.append(indexes)
        }
    }

    /// Every index, in index order.
    var indices: Range<Int> { ids.indices }

    /// The index of `id`, when the snapshot has the object or a mapping names it.
    func index(of id: ObjectID) -> Int? { byID.index(of: id, in: ids) }

    /// The snapshot's object of index `i`; nil for an ID only a mapping names.
    func object(at i: Int) -> HugetlbObject? {
        i < positions.count ? objects.values[positions[i]] : nil
    }

    @discardableResult
    private mutating func add(_ id: ObjectID, _ object: Facts?) -> Int {
        let index = ids.count
        ids.append(id)
        byID.insert(id, at: index, in: ids)
        facts.append(object)
        mapped.append(false)
        return index
    }
}
