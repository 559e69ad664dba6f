/// The other side of the ledger: who holds the pages in use (`nr_hugepages - free_hugepages`)
/// of one page size. A page in use is in some object's page cache or is a private mapping's
/// own copy; the kernel does not say whose, so this adds up what the scan saw.
public struct InUseLedger: Equatable, Sendable {
    /// The files (and memfds) no process maps that live on one mount; `mountPoint` nil for
    /// memfds and objects on no mount hugectl knows.
    public struct UnmappedFiles: Equatable, Sendable {
        public var mountPoint: String?
        public var files = 0
        /// Of `files`, those a process holds open (`rm` alone does not free them).
        public var heldOpen = 0
        /// Page-cache pages (`st_blocks`).
        public var pagesInUse = 0
        /// Reserved pages (an estimate: see `OwedEstimate`).
        public var pagesReserved = 0
        /// The paths of the files nobody holds open that hold pages in use or reserved: what
        /// `rm` frees.
        public var freeable: [String] = []
        /// Their page-cache pages and reserved pages, and of those reserved the ones read
        /// exactly (not an estimate: `OwedEstimate`). Worked out here once; the finding
        /// (`UnmappedFiles`) and the hints (`FreeableFiles`) read them.
        public var freeableInUse = 0
        public var freeableReserved = 0
        public var freeableReservedExact = 0
        public var freeablePages: Int { freeableInUse + freeableReserved }
    }

    /// `nr_hugepages - free_hugepages`; nil if unreadable.
    public var kernelInUse: Int?
    /// Page-cache pages of objects a process maps, and private mappings' own copies.
    public var mapped = 0
    /// `mapped` is a lower bound: some mapped object's page cache could not be read, and
    /// the most pages one of its mappers faulted stands in for it.
    public var mappedEstimated = false
    /// Per mount, in mount-point order (memfds last).
    public var unmapped: [UnmappedFiles] = []
    /// SysV segments nobody has attached (`nattch` 0), default page size only: /proc cannot
    /// tell a hugetlb segment from a shmem one, so these count at most what is left unexplained.
    public var sysvUnattachedSegments = 0
    public var sysvUnattachedPages = 0
    /// `surplus_hugepages`: pages in use beyond the persistent pool are returned to the
    /// kernel when freed; shown, not a holder of its own.
    public var surplus: Int?

    public var unmappedPages: Int { unmapped.reduce(0) { $0 + $1.pagesInUse } }
    public var attributed: Int { mapped + unmappedPages + sysvUnattachedPages }
    /// What the kernel counts in use that nothing seen explains (negative: more seen).
    public var unexplained: Int? { kernelInUse.map { $0 - attributed } }

    public init() {}
}

/// Builds the in-use side of each size's ledger from the attributed consumers.
public enum InUseAttribution {
    /// Pages in use = pages of mapped objects (their page cache, `st_blocks`: a shared page is
    /// one page however many processes map it) + private mappings' own copies (numa_maps
    /// `anon=`, not in any page cache; a fork child's are left out, as they cannot be told
    /// from the parent's it still shares) + page-cache pages of files no process maps + SysV
    /// segments without attachments (`shm_destroy` runs only at `IPC_RMID` with no attachment).
    static func ledger(_ ledger: ReservationLedger, consumers: ConsumerSnapshot, _ index: ObjectIndex,
                       pool: HugePagePool?, isDefaultSize: Bool) -> InUseLedger {
        let size = ledger.pageSizeKB
        var result = InUseLedger()
        result.kernelInUse = pool?.inUse
        result.surplus = pool?.surplus
        var faultedMax = [Int](repeating: 0, count: index.ids.count)
        for (p, process) in consumers.processes.enumerated() {
            for m in process.mappings.indices where process.mappings[m].pageSizeKB == size {
                let object = index.ofMapping[p][m]
                faultedMax[object] = max(faultedMax[object], process.mappings[m].faultedPages)
                if !process.mappings[m].kind.isShared && !process.mappings[m].inherited {
                    result.mapped += process.mappings[m].anonPages
                }
            }
        }
        for i in index.indices where index.mapped[i] {
            guard let object = index.facts[i], object.pageSizeKB == size else { continue }
            if let pages = object.instantiated {
                result.mapped += pages
            } else {
                result.mapped += faultedMax[i]
                result.mappedEstimated = true
            }
        }
        result.unmapped = unmappedFiles(ledger.orphans, consumers: consumers)
        if isDefaultSize {
            let attached = Set(consumers.objects.values.compactMap(\.shmid))
            let left = max(0, (result.kernelInUse ?? 0) - result.attributed)
            for segment in consumers.segments where segment.nattch == 0 && !attached.contains(segment.shmid) {
                result.sysvUnattachedSegments += 1
                result.sysvUnattachedPages += segmentPages(segment, pageSizeKB: size)
            }
            result.sysvUnattachedPages = min(result.sysvUnattachedPages, left)
        }
        return result
    }

    /// Resident huge pages of a segment (`rss`; recent kernels count a hugetlb segment's 512
    /// times too high, `shm_add_rss_swap`, so a figure beyond its size is divided back).
    static func segmentPages(_ segment: SysvSegment, pageSizeKB: Int) -> Int {
        let bytesPerPage = UInt64(max(1, pageSizeKB)) * 1024
        guard let rss = segment.rssBytes, segment.sizeBytes % bytesPerPage == 0 else { return 0 }
        var pages = Int(clamping: rss / bytesPerPage)
        let sizePages = Int(clamping: segment.sizeBytes / bytesPerPage)
        if pages > sizePages { pages /= max(1, pageSizeKB / 4) }
        return min(pages, sizePages)
    }

    /// The objects no process maps, by mount: every one counted, the ones nobody holds open
    /// and that hold pages named (what `rm` frees).
    static func unmappedFiles(_ orphans: [ReservationLedger.Orphan], consumers: ConsumerSnapshot) -> [InUseLedger.UnmappedFiles] {
        var byMount: [String?: InUseLedger.UnmappedFiles] = [:]
        for orphan in orphans where orphan.kind == .file || orphan.kind == .memfd {
            var entry = byMount[orphan.mountPoint] ?? InUseLedger.UnmappedFiles(mountPoint: orphan.mountPoint)
            entry.files += 1
            if orphan.heldOpen { entry.heldOpen += 1 }
            entry.pagesInUse += orphan.pagesInstantiated
            entry.pagesReserved += orphan.pagesReserved
            let pages = orphan.pagesInstantiated + orphan.pagesReserved
            if !orphan.heldOpen && orphan.kind == .file && orphan.mountPoint != nil && pages > 0, let path = orphan.path {
                entry.freeable.append(path)
                entry.freeableInUse += orphan.pagesInstantiated
                entry.freeableReserved += orphan.pagesReserved
                if !orphan.estimated { entry.freeableReservedExact += orphan.pagesReserved }
            }
            byMount[orphan.mountPoint] = entry
        }
        return byMount.values.map { entry in
            var sorted = entry
            sorted.freeable.sort()
            return sorted
        }.sorted { ($0.mountPoint == nil ? 1 : 0, $0.mountPoint ?? "") < ($1.mountPoint == nil ? 1 : 0, $1.mountPoint ?? "") }
    }
}
