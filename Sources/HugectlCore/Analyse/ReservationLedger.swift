/// Who holds the pages `resv_hugepages` counts, per page size. The kernel says how many pages
/// are promised, never to whom; this attributes them from the mappings and objects seen, and
/// shows whatever it cannot explain as `unattributed`, never hidden.
public struct ReservationLedger: Equatable, Sendable {
    public struct Orphan: Equatable, Sendable {
        public var kind: HugetlbObject.Kind
        public var path: String?
        public var shmid: Int?
        public var device: DeviceNumber
        public var inode: UInt64
        public var pagesReserved: Int
        public var pagesInstantiated: Int
        /// `pagesReserved` is an estimate: no mapper shows which ranges were reserved, and a
        /// hole punch or truncation deletes reservation entries (`hugetlb_unreserve_pages`).
        public var estimated = true
        /// A process holds the object open (a file descriptor): `rm` alone does not free it.
        public var heldOpen = false
        /// The hugetlbfs mount the file lives on; nil for memfds and internal objects.
        public var mountPoint: String?
    }

    /// Pages of `attributed` that are estimates, and why (`OwedEstimate`).
    public struct Estimate: Equatable, Sendable {
        public var reason: OwedBasis
        public var objects: Int
        public var pages: Int
        /// Of `pages`, those proved by the kernel's Rsvd (`OwedEstimate`).
        public var minimum: Int
    }

    public var pageSizeKB: Int
    /// `resv_hugepages`, nil if unreadable.
    public var kernelReserved: Int?
    /// Shared objects (files, memfds, shared anonymous memory, SysV segments) with a mapper.
    public var sharedObjects = 0
    /// Private mappings that own their reservation (`HPAGE_RESV_OWNER`).
    public var privateOwners = 0
    /// hugetlbfs mounts' `min_size=` reserve not yet used by their files.
    public var minSize = 0
    /// `minSize` by mount point: each `min_size=` mount's reserve its files have not taken
    /// (what `hugepage_subpool_get_pages` still gives unreserved faults on that mount).
    public var minSizeByMount: [String: Int] = [:]
    /// Objects with no mapper left.
    public var orphanPages = 0
    public var orphans: [Orphan] = []
    /// The estimated parts of `attributed`, by reason; empty when every figure was read.
    public var estimates: [Estimate] = []
    /// The other side: who holds the pages in use (`InUseAttribution`).
    public var inUse = InUseLedger()

    public var estimatedPages: Int { estimates.reduce(0) { $0 + $1.pages } }

    public var attributed: Int { sharedObjects + privateOwners + minSize + orphanPages }

    /// What the kernel counts that nothing seen explains; negative when the attribution
    /// assumed reservations the kernel does not hold (see docs/reservations.md).
    public var unattributed: Int? { kernelReserved.map { $0 - attributed } }
}

/// The kernel's reservation rules, applied to what the scan saw. Each rule names the kernel
/// function it mirrors; docs/reservations.md lists them with the live tests that check them.
public enum ReservationAttribution {
    /// Marks inherited mappings, fills in every mapping's `reservedPending`, and returns the
    /// ledger for each pool.
    public static func attribute(_ consumers: inout ConsumerSnapshot, pools: [HugePagePool],
                                 mounts: [HugetlbfsMount], defaultPageSizeKB: Int? = nil) -> [ReservationLedger] {
        markInherited(&consumers.processes)
        let index = ObjectIndex(consumers)
        let bounds = objectReservations(consumers, index)

        var ledgers: [Int: ReservationLedger] = [:]
        for pool in pools {
            ledgers[pool.pageSizeKB] = ReservationLedger(pageSizeKB: pool.pageSizeKB, kernelReserved: pool.reserved)
        }
        // Private owners are exact (smaps and numa_maps): summed before the estimates.
        let carriers = carriers(consumers.processes, index)
        assignPending(&consumers.processes, objectReserved: nil, carriers: carriers, index)
        // Summed by page size first: a ledger changed through the dictionary once per mapping
        // was copied in and out each time (60,000 private mappings).
        var privatePages = PageSizeSums()
        for process in consumers.processes {
            for m in process.mappings.indices where !process.mappings[m].kind.isShared {
                privatePages.add(process.mappings[m].reservedPending, kB: process.mappings[m].pageSizeKB)
            }
        }
        for (size, pages) in privatePages.bySize { ledgers[size]?.privateOwners += pages }
        var boundPages: [Int]?
        for mount in mounts {
            guard let size = mount.pageSizeKB, let minimum = mount.minSizePages, minimum > 0 else { continue }
            if boundPages == nil { boundPages = bounds.map { $0?.pages ?? 0 } }
            let unused = unusedMinimum(mount, minimum: minimum, consumers: consumers, index,
                                       objectReserved: boundPages ?? [])
            ledgers[size]?.minSize += unused
            ledgers[size]?.minSizeByMount[mount.path] = unused
        }
        let objectReserved = OwedEstimate.settle(bounds, index, consumers: consumers, ledgers: &ledgers)
        assignPending(&consumers.processes, objectReserved: objectReserved.map { $0?.pages ?? 0 }, carriers: carriers, index)
        markEstimated(&consumers.processes, objectReserved, index)
        noteOrphans(objectReserved, index, consumers: consumers, ledgers: &ledgers)
        for (size, ledger) in ledgers {
            ledgers[size]?.inUse = InUseAttribution.ledger(ledger, consumers: consumers, index,
                                                           pool: pools.first { $0.pageSizeKB == size },
                                                           isDefaultSize: size == defaultPageSizeKB)
        }
        return ledgers.values.sorted { $0.pageSizeKB < $1.pageSizeKB }
    }

    /// The objects' owed pages in the ledgers: a mapped object's as a shared object's, every
    /// object no process maps as an orphan (also those holding no reservation, such as a file
    /// whose pages are all written or an empty file: they may hold pages), listed in device
    /// and inode order.
    static func noteOrphans(_ objectReserved: [OwedPages?], _ index: ObjectIndex, consumers: ConsumerSnapshot,
                            ledgers: inout [Int: ReservationLedger]) {
        var orphans: [Int] = []
        // Summed by page size first, as `privateOwners` in `attribute`.
        var sharedPages = PageSizeSums()
        for i in index.indices {
            guard let size = index.facts[i]?.pageSizeKB, let owed = objectReserved[i] else { continue }
            if index.mapped[i] {
                sharedPages.add(owed.pages, kB: size)
            } else {
                orphans.append(i)
            }
        }
        for (size, pages) in sharedPages.bySize { ledgers[size]?.sharedObjects += pages }
        guard !orphans.isEmpty else { return }
        // Which objects a process holds open: only an orphan's answer is read.
        var open = [Bool](repeating: false, count: index.ids.count)
        for process in consumers.processes {
            for id in process.openObjects { if let object = index.index(of: id) { open[object] = true } }
        }
        for i in orphans.sorted(by: { index.ids[$0] < index.ids[$1] }) {
            guard let object = index.object(at: i), let owed = objectReserved[i] else { continue }
            ledgers[object.pageSizeKB]?.orphanPages += owed.pages
            ledgers[object.pageSizeKB]?.orphans.append(.init(
                kind: object.kind, path: object.path, shmid: object.shmid, device: object.id.device,
                inode: object.id.inode, pagesReserved: owed.pages, pagesInstantiated: object.instantiated ?? 0,
                estimated: owed.isEstimate, heldOpen: open[i], mountPoint: object.mountPoint))
        }
    }

    /// The carriers of estimated objects say so, which keeps findings built on them from
    /// being certain.
    static func markEstimated(_ processes: inout [HugetlbProcess], _ owed: [OwedPages?], _ index: ObjectIndex) {
        for p in processes.indices {
            for m in processes[p].mappings.indices where processes[p].mappings[m].kind.isShared {
                if processes[p].mappings[m].reservedPending > 0, let object = owed[index.ofMapping[p][m]],
                   object.isEstimate {
                    processes[p].mappings[m].reservedPendingEstimated = true
                    processes[p].mappings[m].reservedPendingMinimum = object.minimum
                }
            }
        }
    }

    /// A fork child's copy of a private hugetlb mapping has no reservation
    /// (`hugetlb_dup_vma_private` clears it; only the parent is `HPAGE_RESV_OWNER`). After
    /// fork the copy sits at the same address on the same object as in the parent.
    static func markInherited(_ processes: inout [HugetlbProcess]) {
        struct Key: Hashable { var start: UInt64; var end: UInt64; var object: ObjectID }
        var privateByPID: [Int: Set<Key>] = [:]
        // Only a parent's private mappings are looked up: none of a process no other names.
        let parents = Set(processes.compactMap(\.ppid))
        for process in processes where parents.contains(process.pid) {
            privateByPID[process.pid] = Set(process.mappings.filter { !$0.kind.isShared }
                .map { Key(start: $0.start, end: $0.end, object: $0.object) })
        }
        for index in processes.indices {
            guard let ppid = processes[index].ppid, let parent = privateByPID[ppid] else { continue }
            for m in processes[index].mappings.indices where !processes[index].mappings[m].kind.isShared {
                let mapping = processes[index].mappings[m]
                if parent.contains(Key(start: mapping.start, end: mapping.end, object: mapping.object)) {
                    processes[index].mappings[m].inherited = true
                }
            }
        }
    }

    /// Pages each object still has reserved in its inode's reservation map, at most: exact
    /// where /proc shows everything the rule needs, else an upper bound that
    /// `OwedEstimate.settle` bounds again by the kernel's Rsvd.
    ///
    /// `hugetlb_reserve_pages` reserves, for a shared mapping, the pages of the mapped range
    /// not yet in the map (`region_chg`); a fault consumes one; `munmap` releases nothing
    /// (`hugetlb_vm_op_close` returns only a private owner's); a hole punch or truncation
    /// deletes the entries of its range (`hugetlbfs_punch_hole` → `remove_inode_hugepages` →
    /// `hugetlb_unreserve_pages` → `region_del`). So an object keeps one reservation for each
    /// page of the ranges ever mapped, and not punched since, that is not in its page cache.
    /// /proc shows the current mappings, the object's size and its page-cache pages, so:
    /// - mapped shared (without MAP_NORESERVE): the mapped extent minus page-cache pages —
    ///   exact with the object's stat; without it (`/proc/PID/map_files` needs CAP_SYS_ADMIN;
    ///   a tree made with `tar` lacks it) the page cache is at least the most pages any
    ///   mapper faulted and the size at most the mapped extent: an upper bound;
    /// - mapped only with MAP_NORESERVE, or only privately: nothing (`VM_NORESERVE`; private
    ///   mappings reserve in the VMA) — a shared reservation made earlier is not visible then;
    /// - a SysV segment: its whole size minus resident pages (reserved at `shmget`, its
    ///   attachments are always NORESERVE: `hugetlb_file_setup` with `S_PRIVATE`);
    /// - no mapper left: at most every page below `i_size` minus page-cache pages (the whole
    ///   file mapped once, never punched): an upper bound, since the reservation map is not
    ///   visible.
    static func objectReservations(_ consumers: ConsumerSnapshot, _ index: ObjectIndex) -> [OwedPages?] {
        // What each object's mappers tell, gathered in one pass: the most pages any of them
        // faulted, and the file ranges of those that reserved (no copies of the mappings).
        struct Mappers {
            var count = 0
            var faultedMax = 0
            /// The first reserving range inline: most objects have one mapper, and an array
            /// each would be an allocation per object.
            var firstRange: (Int, Int)?
            var moreRanges: [(Int, Int)] = []
            /// Pages covered by the reserving ranges (no array built for a single range).
            var reservedExtent: Int {
                guard let firstRange else { return 0 }
                return moreRanges.isEmpty ? max(0, firstRange.1 - firstRange.0)
                    : ReservationAttribution.extent(ofRanges: [firstRange] + moreRanges)
            }
        }
        var mappers = [Mappers](repeating: Mappers(), count: index.ids.count)
        for (p, process) in consumers.processes.enumerated() {
            for m in process.mappings.indices {
                let object = index.ofMapping[p][m]
                let shared = process.mappings[m].kind.isShared, noreserve = process.mappings[m].noreserve
                mappers[object].count += 1
                mappers[object].faultedMax = max(mappers[object].faultedMax, process.mappings[m].faultedPages)
                if shared && !noreserve, let range = fileRange(of: process.mappings[m]) {
                    if mappers[object].firstRange == nil {
                        mappers[object].firstRange = range
                    } else {
                        mappers[object].moreRanges.append(range)
                    }
                }
            }
        }
        var reserved = [OwedPages?](repeating: nil, count: index.ids.count)
        for i in index.indices {
            guard let object = index.facts[i] else { continue }
            let seen = mappers[i]
            let instantiated = object.instantiated ?? seen.faultedMax
            var basis: OwedBasis = object.instantiated == nil ? .pageCacheUnknown : .exact
            let pages: Int
            if object.kind == .sysvShm {
                pages = object.sizePages
            } else if seen.count == 0 {
                pages = object.sizePages
                basis = .noMapper
            } else if !object.sizeKnown {
                pages = seen.reservedExtent
                basis = .sizeUnknown
            } else {
                pages = min(object.kind == .anon ? Int.max : object.sizePages, seen.reservedExtent)
            }
            let owed = max(0, pages - instantiated)
            // Nothing can be owed below zero: an upper bound of 0 is exact.
            reserved[i] = OwedPages(pages: owed, basis: owed == 0 ? .exact : basis)
        }
        return reserved
    }

    /// A mapping's range of the file, in pages: first and one past the last.
    static func fileRange(of m: HugetlbMapping) -> (Int, Int)? {
        let bytesPerPage = UInt64(m.pageSizeKB) * 1024
        guard bytesPerPage > 0 else { return nil }
        let first = Int(clamping: m.offset / bytesPerPage)
        let (last, overflow) = first.addingReportingOverflow(m.pages)
        return overflow ? nil : (first, last)
    }

    /// Pages covered by the union of the mappings' file ranges.
    static func extent(of mappings: [HugetlbMapping]) -> Int {
        extent(ofRanges: mappings.compactMap(fileRange(of:)))
    }

    /// Pages covered by the union of the ranges. One pass after the sort: linear however
    /// many of them repeat.
    static func extent(ofRanges unsorted: [(Int, Int)]) -> Int {
        let ranges = unsorted.count > 1 ? unsorted.sorted { $0.0 < $1.0 } : unsorted
        var total = 0
        var end = Int.min
        for (first, last) in ranges {
            let from = max(first, end)
            if last > from { total += last - from }
            end = max(end, last)
        }
        return total
    }

    /// Private mappings: the whole length is reserved at mmap, each of the mapping's own
    /// (anonymous) pages consumed one (`vma_commit_reservation`); a page-cache page mapped
    /// read-only consumed none. NORESERVE and inherited copies hold nothing. A shared object's
    /// reservation is carried by one mapper only, so the sum over mappings never counts an
    /// object twice: one that reserved, then the oldest process (`starttime` of
    /// `/proc/PID/stat`, which PID reuse cannot reorder; unknown start times last), then the
    /// lowest PID, then the lowest address. The same process carries it on every run.
    static func assignPending(_ processes: inout [HugetlbProcess], objectReserved: [Int]?,
                              carriers carries: [[Bool]], _ index: ObjectIndex) {
        for p in processes.indices {
            let objectOf = index.ofMapping[p]
            processes[p].mappings.withUnsafeMutableBufferPointer { mappings in
                for m in mappings.indices {
                    let pending: Int
                    if mappings[m].kind.isShared {
                        pending = carries[p][m] ? (objectReserved?[objectOf[m]] ?? 0) : 0
                    } else if mappings[m].inherited || mappings[m].noreserve {
                        pending = 0
                    } else {
                        pending = max(0, mappings[m].pages - mappings[m].anonPages)
                    }
                    mappings[m].reservedPending = pending
                }
            }
        }
    }

    /// For each mapping (by process and mapping index), whether it carries its shared
    /// object's reservation (`assignPending`); worked out once for both of its passes.
    static func carriers(_ processes: [HugetlbProcess], _ index: ObjectIndex) -> [[Bool]] {
        // The carrier is the first mapper that reserved (not MAP_NORESERVE), else the first.
        typealias Carrier = (age: UInt64, pid: Int, start: UInt64, reserving: Bool)
        var carrier = [Carrier?](repeating: nil, count: index.ids.count)
        for (p, process) in processes.enumerated() {
            let age = process.startTime ?? UInt64.max
            for m in process.mappings.indices where process.mappings[m].kind.isShared {
                let object = index.ofMapping[p][m]
                let candidate = (age: age, pid: process.pid, start: process.mappings[m].start,
                                 reserving: !process.mappings[m].noreserve)
                if let current = carrier[object] {
                    let better = (candidate.reserving && !current.reserving)
                        || (candidate.reserving == current.reserving
                            && (candidate.age, candidate.pid, candidate.start) < (current.age, current.pid, current.start))
                    if better { carrier[object] = candidate }
                } else {
                    carrier[object] = candidate
                }
            }
        }
        // A damaged or racing smaps can list one VMA many times: only the first of identical
        // carriers carries (and the demand built from it is one, not one per copy).
        var carried = [Bool](repeating: false, count: index.ids.count)
        var result = processes.map { [Bool](repeating: false, count: $0.mappings.count) }
        let order = processes.indices.sorted { processes[$0].pid < processes[$1].pid }
        for p in order {
            let mappings = processes[p].mappings
            let pid = processes[p].pid
            for m in inAddressOrder(mappings) where mappings[m].kind.isShared {
                let object = index.ofMapping[p][m]
                if carrier[object].map({ $0.pid == pid && $0.start == mappings[m].start }) ?? false && !carried[object] {
                    carried[object] = true
                    result[p][m] = true
                }
            }
        }
        return result
    }

    /// The mappings' indexes by start address, ties in their order (the kernel lists them in
    /// address order already: then no sort).
    static func inAddressOrder(_ mappings: [HugetlbMapping]) -> [Int] {
        let ordered = mappings.indices.dropFirst().allSatisfy { mappings[$0 - 1].start <= mappings[$0].start }
        return ordered ? Array(mappings.indices) : mappings.indices.sorted { mappings[$0].start < mappings[$1].start }
    }

    /// A `min_size=` mount reserves that many pages at mount time (`hugepage_new_subpool`,
    /// `hugetlb_acct_memory`) and lends them to its files' reservations first
    /// (`hugepage_subpool_get_pages`): what its files have not taken is still reserved.
    /// Pages count as taken while reserved or instantiated; with a `size=` limit the kernel
    /// counts them itself (`used_hpages`, seen through statfs), otherwise they are summed
    /// from the mount's files.
    static func unusedMinimum(_ mount: HugetlbfsMount, minimum: Int, consumers: ConsumerSnapshot, _ index: ObjectIndex,
                              objectReserved: [Int]) -> Int {
        if let used = mount.usedPages { return max(0, minimum - used) }
        var taken = 0
        let onMount = index.indices.map { index.object(at: $0)?.mountPoint == mount.path }
        for i in index.indices where onMount[i] {
            taken += objectReserved[i] + (index.facts[i]?.instantiated ?? 0)
        }
        for (p, process) in consumers.processes.enumerated() {
            for m in process.mappings.indices where !process.mappings[m].kind.isShared
                && onMount[index.ofMapping[p][m]] {
                taken += process.mappings[m].reservedPending + process.mappings[m].anonPages
            }
        }
        return max(0, minimum - taken)
    }
}
