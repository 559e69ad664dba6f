import Testing
@testable import HugectlCore

/// `ObjectIndex` keeps positions in the snapshot's dictionary and each object's figures
/// (`Facts`) instead of copies of the objects: each index must still answer the snapshot's
/// own object.
@Suite("Object index")
struct ObjectIndexTests {
    let device = DeviceNumber(major: 0, minor: 39)

    func object(_ inode: UInt64, kind: HugetlbObject.Kind, sizeBytes: UInt64, instantiated: Int?) -> HugetlbObject {
        var object = HugetlbObject(id: ObjectID(device: device, inode: inode), kind: kind, pageSizeKB: 2048,
                                   path: kind == .file ? "/mnt/h/f\(inode)" : nil, sizeBytes: sizeBytes,
                                   instantiated: instantiated, mountPoint: kind == .file ? "/mnt/h" : nil)
        object.sizeKnown = inode % 5 != 0
        return object
    }

    func mapping(inode: UInt64, start: UInt64, pages: Int, offsetPages: UInt64 = 0) -> HugetlbMapping {
        HugetlbMapping(start: start, end: start + UInt64(pages) * (2 << 20), pageSizeKB: 2048, kind: .fileShared,
                       path: "/mnt/h/f\(inode)", object: ObjectID(device: device, inode: inode),
                       offset: offsetPages * (2 << 20), shared: true, noreserve: false, pages: pages, faultedPages: 0)
    }

    @Test("each index answers the snapshot's object, its facts, and whether it is mapped")
    func indexesAnswerTheSnapshotsObjects() {
        var rng = SystemRandomNumberGenerator()
        var consumers = ConsumerSnapshot()
        let kinds: [HugetlbObject.Kind] = [.file, .memfd, .anon, .sysvShm]
        for inode in UInt64(1)...300 {
            let instantiated = inode % 7 == 0 ? nil : Int.random(in: 0...9, using: &rng)
            consumers.objects[ObjectID(device: device, inode: inode)] = object(
                inode, kind: kinds[Int(inode) % 4], sizeBytes: UInt64.random(in: 0...(64 << 20), using: &rng),
                instantiated: instantiated)
        }
        // Mappings of every third object, and of IDs the snapshot has no object for (401...420).
        let mappedInodes = Array(stride(from: UInt64(3), through: 300, by: 3)) + Array(UInt64(401)...420)
        var process = HugetlbProcess(pid: 10)
        process.mappings = mappedInodes.enumerated().map { n, inode in
            mapping(inode: inode, start: 0x7f00_0000_0000 + UInt64(n) << 30, pages: 2)
        }
        consumers.processes = [process]

        let index = ObjectIndex(consumers)
        #expect(index.ids.count == 320)
        #expect(Set(index.ids).count == 320)
        for i in index.indices {
            let id = index.ids[i]
            #expect(index.index(of: id) == i)
            let expected = consumers.objects[id]
            #expect(index.object(at: i) == expected)
            #expect(index.facts[i]?.pageSizeKB == expected?.pageSizeKB)
            #expect(index.facts[i]?.kind == expected?.kind)
            #expect(index.facts[i]?.sizePages == expected?.sizePages)
            #expect(index.facts[i]?.sizeKnown == expected?.sizeKnown)
            #expect(index.facts[i]?.instantiated == expected?.instantiated)
            #expect(index.mapped[i] == mappedInodes.contains(id.inode))
        }
        #expect(index.ofMapping[0].map { index.ids[$0].inode } == mappedInodes)
    }

    @Test("an object's reserving ranges: one range is its length, several their union")
    func reservingRangesExtent() {
        var consumers = ConsumerSnapshot()
        for inode in UInt64(1)...2 {
            consumers.objects[ObjectID(device: device, inode: inode)] = object(
                inode, kind: .file, sizeBytes: 16 << 21, instantiated: 1)
        }
        var first = HugetlbProcess(pid: 10), second = HugetlbProcess(pid: 11)
        first.mappings = [mapping(inode: 1, start: 0x7f00_0000_0000, pages: 4, offsetPages: 2),
                          mapping(inode: 2, start: 0x7f10_0000_0000, pages: 4)]
        // Object 2 again over pages 2..<8 and 12..<14: the union is 0..<8 and 12..<14.
        second.mappings = [mapping(inode: 2, start: 0x7f20_0000_0000, pages: 6, offsetPages: 2),
                           mapping(inode: 2, start: 0x7f30_0000_0000, pages: 2, offsetPages: 12)]
        consumers.processes = [first, second]
        let index = ObjectIndex(consumers)
        let owed = ReservationAttribution.objectReservations(consumers, index)
        let one = index.index(of: ObjectID(device: device, inode: 1)), two = index.index(of: ObjectID(device: device, inode: 2))
        #expect(one.flatMap { owed[$0] } == OwedPages(pages: 4 - 1, basis: .exact))
        #expect(two.flatMap { owed[$0] } == OwedPages(pages: 10 - 1, basis: .exact))
    }
    @Test("the slots answer as a dictionary of the IDs, through every growth, absent IDs nil")
    func slotsAnswerAsADictionary() {
        var rng = SystemRandomNumberGenerator()
        // Random IDs, then IDs that differ only in high bits or only in the device (what a
        // fixed hash of the low bits would pile into one slot).
        var candidates: [ObjectID] = (0..<3000).map { _ in
            ObjectID(device: DeviceNumber(major: UInt32.random(in: 0...3, using: &rng),
                                          minor: UInt32.random(in: 0...64, using: &rng)),
                     inode: UInt64.random(in: 0...5000, using: &rng))
        }
        candidates += (0..<2000).map { ObjectID(device: device, inode: UInt64($0) << 40) }
        candidates += (0..<2000).map { ObjectID(device: DeviceNumber(major: 0, minor: UInt32($0)), inode: 7) }
        candidates.shuffle(using: &rng)
        var slots = ObjectIDSlots(capacity: Int.random(in: 0...40, using: &rng))
        var ids: [ObjectID] = [], expected: [ObjectID: Int] = [:]
        for (n, id) in candidates.enumerated() {
            if expected[id] == nil {
                #expect(slots.index(of: id, in: ids) == nil)
                ids.append(id)
                slots.insert(id, at: ids.count - 1, in: ids)
                expected[id] = ids.count - 1
            }
            if n % 500 == 0 {
                for (known, index) in expected { #expect(slots.index(of: known, in: ids) == index) }
            }
        }
        for (known, index) in expected { #expect(slots.index(of: known, in: ids) == index) }
        #expect(slots.index(of: ObjectID(device: DeviceNumber(major: 99, minor: 99), inode: 1), in: ids) == nil)
    }
}
