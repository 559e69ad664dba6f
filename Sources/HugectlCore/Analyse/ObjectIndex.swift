/// The attribution's numbering of the objects of one consumer snapshot: each object, and
/// each ID only a mapping names, gets a dense index, found by hashing its ID once per
/// mapping here. The attribution's passes (`ReservationAttribution`, `OwedEstimate`,
/// `InUseAttribution`) then read and write arrays by index instead of hashing an `ObjectID`
/// in each pass: a process of 60,000 hugetlb VMAs has 60,000 objects.
struct ObjectIndex {
    /// The IDs by index: the snapshot's objects first (in no particular order), then the IDs
    /// only mappings name.
    private(set) var ids: [ObjectID] = []
    /// The object of each index; nil for an ID only a mapping names.
    private(set) var objects: [HugetlbObject?] = []
    /// Per process and mapping (as in `ConsumerSnapshot.processes`), its object's index.
    private(set) var ofMapping: [[Int]] = []
    /// Whether some mapping names the object of each index.
    private(set) var mapped: [Bool] = []
    private var byID: [ObjectID: Int] = [:]

    init(_ consumers: ConsumerSnapshot) {
        byID.reserveCapacity(consumers.objects.count)
        ids.reserveCapacity(consumers.objects.count)
        objects.reserveCapacity(consumers.objects.count)
        mapped.reserveCapacity(consumers.objects.count)
        for (id, object) in consumers.objects { add(id, object) }
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
                    index = byID[id] ?? add(id, nil)
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
    func index(of id: ObjectID) -> Int? { byID[id] }

    @discardableResult
    private mutating func add(_ id: ObjectID, _ object: HugetlbObject?) -> Int {
        let index = ids.count
        byID[id] = index
        ids.append(id)
        objects.append(object)
        mapped.append(false)
        return index
    }
}
