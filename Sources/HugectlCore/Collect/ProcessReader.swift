/// Reads one process for the consumer scan (`ConsumerScanner`): its maps for the candidate
/// mappings, its descriptors for hugetlb files and memfds held open, and, of a process with
/// either, its smaps, numa_maps, status, stat, cmdline, cgroup and other threads. It reads
/// only through the source and changes nothing shared, so that processes are read on every
/// core when the source allows it (`SystemSource.readsConcurrently`); what it found is merged
/// into the scan in PID order, which gives the results, warnings and counts of a scan in order.
///
/// Each file is read once: maps, smaps and numa_maps streamed (`readLines`), the small ones
/// whole; /proc/PID/fd listed once with one `stat(2)` per descriptor and one `readlink(2)`
/// per descriptor whose stat shows a hugetlb file (`links(in:...)`). `ProcessReading` is what
/// it found, a plain value; every read is made here.
struct ProcessReader {
    /// Bound for `/proc/PID/maps`, `smaps` and `numa_maps` of one process.
    static let processFileLimit = 256 << 20

    let source: SystemSource
    /// Page sizes with a pool, in kB.
    let pageSizes: Set<Int>
    /// The hugetlbfs superblocks known from the mount tables.
    let devices: Set<DeviceNumber>
    /// Each hugetlbfs mount's directory with a slash (`/dev/hugepages/`), and the mount.
    let mountPrefixes: [(prefix: String, path: String)]
    /// A hugetlbfs mount on `/`: every absolute target may be on it.
    let rootMounted: Bool

    init(source: SystemSource, pageSizes: Set<Int>, devices: Set<DeviceNumber>, mountPaths: [String]) {
        self.source = source
        self.pageSizes = pageSizes
        self.devices = devices
        mountPrefixes = mountPaths.filter { $0 != "/" }.map { (prefix: $0 + "/", path: $0) }
        rootMounted = mountPaths.contains("/")
    }

    /// Everything hugectl reads of process `pid`.
    func read(_ pid: Int) -> ProcessReading {
        var reading = ProcessReading(pid: pid)
        // Its mount namespace, whose hugetlbfs mounts the scan learns afterwards (`ConsumerScanner`).
        reading.namespace = try? source.linkTarget(of: KernelPath.process(pid, "ns/mnt"))
        let entries: [MapsEntry]
        switch candidateMappings(of: pid) {
        case .success(let scan):
            entries = scan.entries
            reading.otherDevices = scan.otherDevices
        case .failure(let error):
            if !isTaskWithoutMemory(pid, error) { failed(error, &reading) }
            return reading
        }
        reading.scanned = true
        reading.candidates = entries.count
        var mappings: [HugetlbMapping] = []
        if splitsReads(entries.count) {
            mappings = readObjectsAndMappingsSplit(&reading, candidates: entries)
        } else {
            readOpenObjects(into: &reading, mapped: entries)
            if entries.isEmpty && reading.openObjects.isEmpty { return reading }
            if !entries.isEmpty { mappings = readMappings(&reading, candidates: entries) }
        }
        var process = HugetlbProcess(pid: pid, openObjects: reading.openObjectIDs)
        process.mappings = mappings
        if process.mappings.isEmpty && reading.openObjects.isEmpty { return reading }
        if let bytes = readFile("status", &reading) {
            let status = ProcStatus.parse(bytes.all)
            if !status.isWellFormed {
                reading.malformed("status", status.problems.first ?? "no Name, PPid or Uid line")
            }
            process.name = status.name
            process.ppid = status.ppid
            process.uid = status.uid
            process.memsAllowed = status.memsAllowed
            process.cpusAllowed = status.cpusAllowed
            process.hugetlbPagesKB = status.hugetlbPagesKB
        }
        if !process.mappings.isEmpty {
            readThreads(&process, into: &reading)
            process.startTime = (try? source.read(KernelPath.process(pid, "stat"), limit: Self.processFileLimit))
                .flatMap { ProcStatParser.startTime($0.all) }
        }
        if let bytes = readFile("cmdline", &reading) {
            process.commandLine = CommandLineParser.parse(bytes.all)
        }
        process.cgroup = readCgroup(&reading)
        reading.process = process
        return reading
    }

    /// One process's candidate mappings, streamed from its maps, and the devices of the lines
    /// that were not candidates. Live on Linux 6.11+, the kernel lists the VMAs with a page
    /// size above the base page without the maps text (`SystemSource.largePageMappings`):
    /// those are the candidates (every hugetlb VMA is one; smaps decides), and none of its
    /// other VMAs is on a hugetlbfs superblock (every VMA on one is a hugetlb VMA), so no
    /// other devices either: no mount namespace learnt later could make one a candidate. A
    /// process with no such VMA (most) has nothing more read of its maps at all.
    func candidateMappings(of pid: Int) -> Result<(entries: [MapsEntry], otherDevices: [DeviceNumber]), ReadError> {
        var maps = MapsParser.CandidateScan(hugetlbfsDevices: devices)
        do {
            if let entries = try source.largePageMappings(KernelPath.process(pid, "maps"), limit: Self.processFileLimit, {
                maps.feed($0)
            }) {
                return .success((entries, []))
            }
        } catch {
            return .failure(error)
        }
        return .success((maps.result.entries, maps.otherDevices))
    }

    /// A task whose `maps` is closed to hugectl (unprivileged: `ptrace_may_access` refuses
    /// other users' tasks and kernel threads alike) but whose world-readable `status` shows it
    /// has no mm: a kernel thread cannot hold hugetlb memory, so it is not a process that
    /// could not be read.
    func isTaskWithoutMemory(_ pid: Int, _ error: ReadError) -> Bool {
        guard case .system(let errno) = error.failure, errno == .permissionDenied,
              let bytes = try? source.read(KernelPath.process(pid, "status"), limit: Self.processFileLimit) else { return false }
        let status = ProcStatus.parse(bytes.all)
        return status.isWellFormed && status.hasNoMemory
    }

    /// The hugetlbfs mount `target` is on, judged by its path.
    func mountPoint(of target: String) -> String? {
        mountPrefixes.first { target.hasPrefix($0.prefix) }?.path
    }

    /// A descriptor's status that may be a hugetlb object's: a regular file with a pool's page
    /// size as its block size (hugetlbfs reports the huge page size as `st_blksize`, for the
    /// files of its mounts and for the memfds and SysV segments of its internal ones; shmem
    /// and every other file system a base page or a block size of its own).
    func mayBeHugetlbFile(_ status: FileStatus) -> Bool {
        status.isRegular && pageSizes.contains(Int(clamping: status.blockSize / 1024))
    }

    /// Hugetlb files and memfds the process holds open (which keep their reservations even
    /// with no mapping left): its descriptors whose link names a memfd or a file on a
    /// hugetlbfs mount, and whose `stat(2)` shows a regular file with a pool's page size as
    /// its block size. Live, the stat comes first and only the few descriptors it keeps are
    /// `readlink(2)`ed, but for a file the process also maps (`mapped`, its candidates), whose
    /// path its maps line already gave (`knownPaths`); either way the same descriptors are kept.
    func readOpenObjects(into reading: inout ProcessReading, mapped: [MapsEntry] = []) {
        // Made when first asked for: only the live source asks (a tree replays its links).
        var known: [ObjectID: String]?
        let links: [DirectoryLink]
        do {
            links = try source.links(in: KernelPath.process(reading.pid, "fd"),
                                     matching: { !$0.isEmpty && KernelPath.isDigits($0) },
                                     targetMatches: { target in
                                         // A memfd, or a file on a hugetlbfs mount by its path.
                                         target.hasPrefix("/memfd:") || mountPoint(of: target) != nil
                                             || (rootMounted && target.hasPrefix("/"))
                                     },
                                     keeping: mayBeHugetlbFile,
                                     knownTarget: { status in
                                         if known == nil { known = Self.knownPaths(mapped) }
                                         return known?[ObjectID(device: status.device, inode: status.inode)]
                                     })
        } catch {
            failed(error, &reading)
            return
        }
        var seen: Set<ObjectID> = []
        // Sized once: a DPDK process holds thousands of these files open.
        seen.reserveCapacity(links.count)
        reading.openObjects.reserveCapacity(reading.openObjects.count + links.count)
        for link in links {
            let status = link.status
            let pageSizeKB = Int(clamping: status.blockSize / 1024)
            let id = ObjectID(device: status.device, inode: status.inode)
            guard seen.insert(id).inserted else { continue }
            let memfd = link.target.hasPrefix("/memfd:")
            reading.openObjects.append(HugetlbObject(
                id: id, kind: memfd ? .memfd : .file, pageSizeKB: pageSizeKB,
                path: Self.withoutDeleted(link.target), sizeBytes: status.size,
                instantiated: ConsumerScanner.pages(blocks: status.blocks, pageSizeKB: pageSizeKB),
                // The mount `targetMatches` found by the path (none for a memfd), found again
                // for the few kept rather than remembered in a dictionary for every target.
                mountPoint: memfd ? nil : mountPoint(of: link.target)))
        }
    }

    /// The path each mapped file's maps lines show, as `readlink(2)` of a descriptor of the
    /// same file says it (`d_path` both, " (deleted)" included): only a file whose lines all
    /// show one path, without a backslash (maps writes a newline in a name as `\012`, and
    /// leaves a backslash as it is, so such a path may not be the name).
    static func knownPaths(_ entries: [MapsEntry]) -> [ObjectID: String] {
        // Room for every file at once; a file seen with two paths, or with a backslash, is
        // dropped and remembered as such (DPDK maps hundreds of files, each once).
        var paths: [ObjectID: String] = [:]
        paths.reserveCapacity(entries.count)
        var unusable: Set<ObjectID> = []
        for entry in entries {
            guard let path = entry.path else { continue }
            let id = ObjectID(device: entry.device, inode: entry.inode)
            if !unusable.isEmpty && unusable.contains(id) { continue }
            let usable = !Self.hasBackslash(path)
            if let seen = paths[id] {
                if usable && seen == path { continue }
                paths[id] = nil
                unusable.insert(id)
            } else if usable {
                paths[id] = path
            } else {
                unusable.insert(id)
            }
        }
        return paths
    }

    /// Whether `path` has a backslash, looked for in its bytes at once.
    static func hasBackslash(_ path: String) -> Bool {
        let backslash = UInt8(ascii: "\\")
        return path.utf8.withContiguousStorageIfAvailable { $0.contains(backslash) } ?? path.utf8.contains(backslash)
    }

    /// The hugetlb cgroup the process's faults charge (`/proc/PID/cgroup`). A kernel without
    /// cgroups has no such file: nil, quietly; another failure is a warning, and nil.
    func readCgroup(_ reading: inout ProcessReading) -> String? {
        do {
            let bytes = try source.read(KernelPath.process(reading.pid, "cgroup"), limit: 1 << 20)
            return ProcCgroup.hugetlbPath(bytes.all)?.path
        } catch {
            if error.failure != .system(.noSuchFile) && error.failure != .system(.noSuchProcess) {
                reading.warnings.append(error.description)
            }
            return nil
        }
    }
}

/// What reading one process found (`ProcessReader.read`), for `ConsumerScanner.merge`: a
/// plain value, changed only by the reader that reads the process.
struct ProcessReading {
    /// How a process that could not be read wholly is counted, once.
    enum Gone { case vanished, notRecorded }

    let pid: Int
    /// `/proc/PID/ns/mnt`, when it could be read.
    var namespace: String?
    /// The devices of its maps lines that were not candidates (`MapsParser.CandidateScan`).
    var otherDevices: [DeviceNumber] = []
    /// Its maps could be read: it counts as scanned.
    var scanned = false
    /// Mappings its maps listed as candidates.
    var candidates = 0
    /// The hugetlb files and memfds its descriptors hold, first descriptor of each first.
    var openObjects: [HugetlbObject] = []
    /// The process, when it has hugetlb mappings or holds a hugetlb object open.
    var process: HugetlbProcess?
    var unreadable: [ScanReport.Unreadable] = []
    var gone: Gone?
    var warnings: [String] = []

    init(pid: Int) {
        self.pid = pid
    }

    var openObjectIDs: [ObjectID] { openObjects.map(\.id) }

    /// The process exited part-way (an empty smaps or numa_maps: its mm went away).
    mutating func vanished() {
        if gone == nil { gone = .vanished }
    }

    /// Notes a process file that was read but is not what the kernel writes: the process is
    /// unreadable (`scan.complete` is false) and what the verdict needed from it unknown.
    /// A file of a process that is still there but could not be read (a thread's, say): noted
    /// with its reason; one of a process that has gone is not.
    mutating func couldNotRead(_ error: ReadError) {
        if !ProcessReader.isGone(error) {
            unreadable.append(.init(pid: pid, path: error.path, reason: error.failure.description))
        }
    }

    mutating func malformed(_ name: String, _ reason: String) {
        unreadable.append(.init(pid: pid, path: KernelPath.process(pid, name), reason: "malformed: " + reason,
                                malformed: true))
    }
}
