import Testing
@testable import HugectlCore

/// Issue #13: owed pages without the stat of `/proc/PID/map_files` (unprivileged runs, trees
/// copied with tar), the in-use side of the ledger, and the stable carrier of a shared object.
@Suite("Ledger estimates and pages in use")
struct LedgerEstimateTests {
    let mountDevice = DeviceNumber(major: 0, minor: 39)
    let internalDevice = DeviceNumber(major: 0, minor: 17)
    let page: UInt64 = 2 << 20

    func shared(_ kind: MappingKind = .anonShared, inode: UInt64, start: UInt64 = 0x7f0000000000, pages: Int,
                faulted: Int, device: DeviceNumber? = nil) -> HugetlbMapping {
        HugetlbMapping(start: start, end: start + UInt64(pages) * page, pageSizeKB: 2048, kind: kind, path: "/anon_hugepage",
                       object: ObjectID(device: device ?? internalDevice, inode: inode), shared: true, noreserve: false,
                       pages: pages, faultedPages: faulted)
    }

    func file(_ inode: UInt64, sizePages: Int, instantiated: Int?, kind: HugetlbObject.Kind = .file,
              mount: String? = "/dev/hugepages", device: DeviceNumber? = nil) -> (ObjectID, HugetlbObject) {
        let id = ObjectID(device: device ?? mountDevice, inode: inode)
        return (id, HugetlbObject(id: id, kind: kind, pageSizeKB: 2048, path: mount.map { "\($0)/f\(inode)" } ?? "/memfd:m",
                                  sizeBytes: UInt64(sizePages) * page, instantiated: instantiated, mountPoint: mount))
    }

    func attribute(_ c: inout ConsumerSnapshot, reserved: Int, total: Int = 600, free: Int? = nil) -> ReservationLedger {
        let pool = HugePagePool(pageSizeKB: 2048, total: total, free: free ?? total, reserved: reserved, surplus: 0)
        return ReservationAttribution.attribute(&c, pools: [pool], mounts: [], defaultPageSizeKB: 2048)[0]
    }

    /// PostgreSQL run by its own user: 16 mappers of one 255-page shared segment, whose page
    /// cache the user cannot stat. Root's Rsvd is 132; the old rule took 255 minus the most
    /// pages one backend faulted (123 over). The estimate is bounded by Rsvd, and with every
    /// process read and nothing else estimated, Rsvd proves it.
    @Test func unprivilegedSharedSegmentIsBoundedByRsvd() {
        var c = ConsumerSnapshot()
        c.processes = (0..<16).map { index in
            HugetlbProcess(pid: 100 + index, mappings: [shared(inode: 7, pages: 255, faulted: index == 3 ? 60 : 10)])
        }
        c.objects = [ObjectID(device: internalDevice, inode: 7): HugetlbObject(
            id: ObjectID(device: internalDevice, inode: 7), kind: .anon, pageSizeKB: 2048, path: "/anon_hugepage",
            sizeBytes: 255 * page, instantiated: nil)]
        let l = attribute(&c, reserved: 132)
        #expect(l.sharedObjects == 132 && l.unattributed == 0)
        #expect(l.estimates == [.init(reason: .pageCacheUnknown, objects: 1, pages: 132, minimum: 132)])
        let carrier = c.processes.flatMap(\.mappings).filter { $0.reservedPending > 0 }
        #expect(carrier.count == 1 && carrier[0].reservedPendingEstimated == false, "proved by Rsvd")
    }

    /// With a process that could not be read, Rsvd proves nothing: the figure is an estimate,
    /// and no certain finding is built on it (the demand is marked estimated).
    @Test func incompleteScanLeavesAnEstimate() {
        var c = ConsumerSnapshot()
        c.processes = [HugetlbProcess(pid: 100, mappings: [shared(inode: 7, pages: 8, faulted: 2)])]
        c.objects = [ObjectID(device: internalDevice, inode: 7): HugetlbObject(
            id: ObjectID(device: internalDevice, inode: 7), kind: .anon, pageSizeKB: 2048, path: "/anon_hugepage",
            sizeBytes: 8 * page, instantiated: nil)]
        c.scan.unreadable = [.init(pid: 5, path: "/proc/5/maps", reason: "Permission denied")]
        let l = attribute(&c, reserved: 10)
        #expect(l.sharedObjects == 6 && l.unattributed == 4, "at most the mapped extent minus the faults")
        #expect(l.estimates.first?.minimum == 0)
        let m = c.processes[0].mappings[0]
        #expect(m.reservedPendingEstimated && m.reservedPendingMinimum == 0)
        let snapshot = SystemSnapshot(root: "/", pools: [HugePagePool(pageSizeKB: 2048, total: 12, free: 10, reserved: 10, surplus: 0)],
                                      consumers: c)
        let demands = FaultDemands.reserved(AnalysisInput(snapshot: snapshot))
        #expect(!demands.isEmpty && demands.allSatisfy { $0.estimated })
    }

    /// A memfd whose stat is missing: the size is unknown, not 0; the mapped extent bounds it.
    @Test func unknownSizeIsNotZero() {
        var c = ConsumerSnapshot()
        c.processes = [HugetlbProcess(pid: 100, mappings: [shared(.memfdShared, inode: 3, pages: 4, faulted: 1)])]
        var (id, object) = file(3, sizePages: 0, instantiated: nil, kind: .memfd, mount: nil, device: internalDevice)
        object.sizeKnown = false
        c.objects = [id: object]
        let l = attribute(&c, reserved: 3)
        #expect(l.sharedObjects == 3 && l.unattributed == 0)
        #expect(l.estimates.map(\.reason) == [.sizeUnknown])
    }

    /// Files no process maps: all pages written, empty, hole-punched (the punch deleted its
    /// reservations: Rsvd 0 although the size says 175 unwritten pages), and one held open.
    /// Every one is listed; the punched one owes nothing, as Rsvd shows.
    @Test func unmappedFilesBothSides() {
        var c = ConsumerSnapshot()
        let full = file(1, sizePages: 2, instantiated: 2)
        let empty = file(2, sizePages: 0, instantiated: 0)
        let punched = file(3, sizePages: 200, instantiated: 25)
        let open = file(4, sizePages: 3, instantiated: 3)
        c.objects = Dictionary(uniqueKeysWithValues: [full, empty, punched, open])
        c.processes = [HugetlbProcess(pid: 50, openObjects: [open.0])]
        let l = attribute(&c, reserved: 0, total: 40, free: 10)
        #expect(l.orphans.count == 4 && l.orphanPages == 0 && l.unattributed == 0)
        #expect(l.inUse.kernelInUse == 30 && l.inUse.unmappedPages == 30 && l.inUse.unexplained == 0)
        let mount = l.inUse.unmapped.first
        #expect(mount?.mountPoint == "/dev/hugepages" && mount?.files == 4 && mount?.heldOpen == 1)
        #expect(mount?.freeable == ["/dev/hugepages/f1", "/dev/hugepages/f3"] && mount?.freeablePages == 27)
        let snapshot = SystemSnapshot(root: "/", pools: [HugePagePool(pageSizeKB: 2048, total: 40, free: 10, reserved: 0, surplus: 0)],
                                      consumers: c)
        let findings = Analysis.findings(for: snapshot).filter { $0.id == UnmappedFiles.id }
        #expect(findings.count == 1 && findings.first?.severity == .warning && findings.first?.pages == 27)
        #expect(findings.first?.hint.contains("rm -- /dev/hugepages/f1 /dev/hugepages/f3") == true)
        #expect(findings.first?.message.contains("2 files on /dev/hugepages") == true)
    }

    /// A file nobody maps whose 8 unwritten pages Rsvd holds: with every process read, Rsvd
    /// proves the 8 and neither the finding nor the hints that name the file call them an
    /// estimate; with a process unread, both do. (The finding used to say "an estimate" for
    /// any reserved page, the hints only for pages not read exactly.)
    @Test func unmappedFilesEstimateWordingFollowsOneRule() throws {
        for unread in [false, true] {
            var c = ConsumerSnapshot()
            let (id, object) = file(1, sizePages: 10, instantiated: 2)
            c.objects = [id: object]
            if unread { c.scan.unreadable = [.init(pid: 5, path: "/proc/5/maps", reason: "Permission denied")] }
            let snapshot = SystemSnapshot(root: "/", pools: [HugePagePool(pageSizeKB: 2048, total: 20, free: 18, reserved: 8, surplus: 0)],
                                          consumers: c)
            let context = AnalysisContext(snapshot: snapshot)
            let entry = try #require(context.ledgers.first?.inUse.unmapped.first)
            #expect(entry.freeableInUse == 2 && entry.freeableReserved == 8 && entry.freeablePages == 10)
            #expect(entry.freeableReservedExact == (unread ? 0 : 8))
            let files = try #require(context.freeable[2048])
            #expect(files.inUse == 2 && files.reserved == 8 && files.reservedExact == entry.freeableReservedExact)
            let finding = try #require(Analysis.findings(for: snapshot).first { $0.id == UnmappedFiles.id })
            let split = unread ? "(2 in use, 8 reserved, an estimate)" : "(2 in use, 8 reserved)"
            #expect(finding.message.hasSuffix(" " + split), "\(finding.message)")
            #expect(files.described.hasSuffix(" " + split), "\(files.described)")
        }
    }

    /// The oldest mapper carries the reservation, whatever the PIDs: after PID wraparound a
    /// young backend with a low PID does not take the postmaster's pages.
    @Test func oldestMapperCarries() {
        var c = ConsumerSnapshot()
        var postmaster = HugetlbProcess(pid: 30000, mappings: [shared(inode: 7, pages: 8, faulted: 0)])
        postmaster.startTime = 1000
        var backend = HugetlbProcess(pid: 12, mappings: [shared(inode: 7, pages: 8, faulted: 0)])
        backend.startTime = 90000
        c.processes = [backend, postmaster]
        c.objects = [ObjectID(device: internalDevice, inode: 7): HugetlbObject(
            id: ObjectID(device: internalDevice, inode: 7), kind: .anon, pageSizeKB: 2048, path: "/anon_hugepage",
            sizeBytes: 8 * page, instantiated: 0)]
        _ = attribute(&c, reserved: 8)
        #expect(c.processes.first { $0.pid == 30000 }?.mappings[0].reservedPending == 8)
        #expect(c.processes.first { $0.pid == 12 }?.mappings[0].reservedPending == 0)
    }

    @Test func statStartTime() {
        let text = Array("4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10 18446744073709551615\n".utf8)
        #expect(ProcStatParser.startTime(text[...]) == 123456)
        #expect(ProcStatParser.startTime(Array("garbage".utf8)[...]) == nil)
    }
}
