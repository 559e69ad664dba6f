/// Finds every hugetlb consumer: the mappings of every process, the hugetlb files and memfds
/// held open, SysV segments, and files left on hugetlbfs mounts. All reads go through the
/// `SystemSource`; what cannot be read is counted in the `ScanReport`, never hidden.
///
/// Cost: `/proc/PID/maps` and a listing of `/proc/PID/fd` for every process (no page-table
/// walk), with one `stat(2)` per descriptor and one `readlink(2)` per descriptor whose stat
/// shows a hugetlb file; `smaps` and `numa_maps` only for processes with a candidate
/// mapping, parsed only for the candidates. These three are streamed (`readLines`), never held
/// whole: memory stays flat however many mappings a process has. A process with hugetlb
/// mappings and more than one thread also has each other thread's `task/TID/status` and
/// `task/TID/numa_maps` read (task policies and cpusets are per thread); no other process has
/// its `task/` listed. Processes are read on every core when the source allows it
/// (`ProcessReader`), and merged in PID order.
struct ConsumerScanner {
    /// Bound for the files walked on all hugetlbfs mounts together.
    static let mountWalkLimit = 10_000

    let source: SystemSource
    /// Page sizes with a pool, in kB.
    let pageSizes: Set<Int>
    let mounts: [HugetlbfsMount]
    var warnings: [String] = []
    var report = ScanReport()
    /// hugetlbfs superblocks by device, with the mount point and page size where known.
    var hugetlbfsDevices: [DeviceNumber: (mountPoint: String?, pageSizeKB: Int?)] = [:]
    var objects: [ObjectID: HugetlbObject] = [:]

    init(source: SystemSource, pageSizes: Set<Int>, mounts: [HugetlbfsMount]) {
        self.source = source
        self.pageSizes = pageSizes
        self.mounts = mounts
    }

    mutating func scan() -> ConsumerSnapshot {
        var result = ConsumerSnapshot()
        let pids: [Int]
        do {
            pids = try source.entries(in: KernelPath.processes) { KernelPath.isDigits($0) }
                .compactMap { Int($0) }.sorted()
        } catch {
            warnings.append("\(error.description): no process scan")
            report.attempted = false
            result.scan = report
            return result
        }
        if pids.isEmpty {
            report.attempted = false
        }
        var readings = readProcesses(pids)
        for index in readings.indices {
            if let process = merge(&readings[index]) { result.processes.append(process) }
        }
        result.segments = readSegments()
        // The attached segments by shmid (a SysV object's inode number), each found at once.
        var sysvByShmid: [UInt64: ObjectID] = [:]
        for (id, object) in objects where object.kind == .sysvShm {
            if let known = sysvByShmid[id.inode], known < id { continue }
            sysvByShmid[id.inode] = id
        }
        for segment in result.segments { noteSegment(segment, sysvByShmid: sysvByShmid) }
        walkMounts()
        result.objects = objects
        result.scan = report
        return result
    }

    // MARK: - Reading the processes

    /// Every process, read on every core when the source allows it, with the hugetlbfs
    /// superblocks of hugectl's mount namespace as the devices that make a maps line a
    /// candidate. A process in another namespace may see hugetlbfs mounts hugectl does not:
    /// each other namespace's are learnt afterwards from its first process's mountinfo, in
    /// PID order, and only a process with a maps line on one of those devices is read again,
    /// with every superblock known: the scan is the one that learnt every namespace first,
    /// without a pass over every process's `ns/mnt` before the processes are read.
    private mutating func readProcesses(_ pids: [Int]) -> [ProcessReading] {
        learnHugetlbfsDevices(from: KernelPath.selfMountinfo)
        let ownDevices = Set(hugetlbfsDevices.keys)
        let reader = UncheckedSendable(ProcessReader(source: source, pageSizes: pageSizes,
                                                     devices: ownDevices, mountPaths: mounts.map(\.path)))
        var readings = concurrentMap(pids.count, concurrently: source.readsConcurrently) { reader.value.read(pids[$0]) }
        var namespacesSeen: Set<String> = []
        if let own = try? source.linkTarget(of: KernelPath.selfMountNamespace) { namespacesSeen.insert(own) }
        for reading in readings {
            if let namespace = reading.namespace, namespacesSeen.insert(namespace).inserted {
                learnHugetlbfsDevices(from: KernelPath.process(reading.pid, "mountinfo"))
            }
        }
        let learnt = Set(hugetlbfsDevices.keys).subtracting(ownDevices)
        guard !learnt.isEmpty else { return readings }
        let again = readings.indices.filter { readings[$0].otherDevices.contains(where: learnt.contains) }
        let wider = UncheckedSendable(ProcessReader(source: source, pageSizes: pageSizes,
                                                    devices: Set(hugetlbfsDevices.keys), mountPaths: mounts.map(\.path)))
        let reread = concurrentMap(again.count, concurrently: source.readsConcurrently) { wider.value.read(pids[again[$0]]) }
        for (index, reading) in zip(again, reread) { readings[index] = reading }
        return readings
    }

    private mutating func learnHugetlbfsDevices(from path: String) {
        guard let bytes = try? source.read(path) else { return }
        for entry in MountinfoParser.parse(bytes.all).entries where entry.fsType == "hugetlbfs" {
            var pageSize: Int?
            for option in entry.superOptions.split(separator: ",") where option.hasPrefix("pagesize=") {
                pageSize = PageSize.parse(String(option.dropFirst("pagesize=".count)))
            }
            if hugetlbfsDevices[entry.device] == nil {
                hugetlbfsDevices[entry.device] = (entry.mountPoint, pageSize)
            }
        }
    }

    // MARK: - Merging a process

    /// What one process showed, counted and its objects noted as a scan in PID order would:
    /// its open files first, then its mappings (an object not known yet is stat(2)ed through
    /// its first mapping, `noteMappedObject`).
    /// Moves the reading's open objects out (to `objects` when new).
    mutating func merge(_ reading: inout ProcessReading) -> HugetlbProcess? {
        report.processesSeen += 1
        if reading.scanned {
            report.processesScanned += 1
            report.candidates += reading.candidates
        }
        // Room for the more of its open objects and its mappings at once: a process of 60,000
        // files grows the table once. Not their sum: a DPDK process maps the files it holds
        // open, and room for both would leave half of the table empty, yet faulted in.
        objects.reserveCapacity(objects.count + max(reading.openObjects.count, reading.process?.mappings.count ?? 0))
        var lastOpenDevice: DeviceNumber?
        // Moved out, not copied (each swapped for an object of no Strings): a copy retained
        // two Strings of each of 60,000 objects, and released them again with the readings.
        for index in reading.openObjects.indices {
            var object = Self.movedOut
            swap(&object, &reading.openObjects[index])
            let id = object.id
            // Looked up once for each run of objects on one superblock, as the mappings below.
            if id.device != lastOpenDevice, hugetlbfsDevices[id.device] == nil {
                hugetlbfsDevices[id.device] = (nil, object.pageSizeKB)
            }
            lastOpenDevice = id.device
            // One lookup for a new object (most are): put in, and the object seen first put
            // back in the rare case one was there.
            if let earlier = objects.updateValue(consume object, forKey: id) { objects[id] = earlier }
        }
        if let mappings = reading.process?.mappings {
            let mapFiles = KernelPath.process(reading.pid, "map_files/")
            var lastDevice: DeviceNumber?
            for m in mappings.indices {
                // Looked up once for each run of mappings on one superblock (most of a process).
                let device = mappings[m].object.device
                if device != lastDevice, hugetlbfsDevices[device] == nil {
                    // An internal superblock (anonymous, SysV, memfd objects), learnt from smaps.
                    hugetlbfsDevices[device] = (nil, mappings[m].pageSizeKB)
                }
                lastDevice = device
                if objects.index(forKey: mappings[m].object) == nil { noteMappedObject(mapFiles, mappings[m]) }
            }
        }
        report.unreadable += reading.unreadable
        switch reading.gone {
        case .vanished: report.vanished += 1
        case .notRecorded: report.notRecorded += 1
        case nil: break
        }
        warnings += reading.warnings
        return reading.process
    }

    /// What `merge` leaves in a reading's place of an object it moved out.
    private static let movedOut = HugetlbObject(id: ObjectID(device: DeviceNumber(major: 0, minor: 0), inode: 0),
                                                kind: .file, pageSizeKB: 0, path: nil, sizeBytes: 0, instantiated: nil)

    /// The object of `mapping`, not known yet, stat(2)ed through `mapFiles` (the process's
    /// `/proc/PID/map_files/`).
    private mutating func noteMappedObject(_ mapFiles: String, _ mapping: HugetlbMapping) {
        let kind: HugetlbObject.Kind
        switch mapping.kind {
        case .anonShared, .anonPrivate: kind = .anon
        case .sysvShm: kind = .sysvShm
        case .memfdShared, .memfdPrivate: kind = .memfd
        case .fileShared, .filePrivate: kind = .file
        }
        // The object's size and page-cache pages, through the mapping itself (map_files
        // follows to the object whatever mount namespace the process is in).
        var status = source.answersFileStatus
            ? try? source.fileStatus(of: KernelPath.mapFile(mapFiles, start: mapping.start, end: mapping.end)) : nil
        if status.map({ ObjectID(device: $0.device, inode: $0.inode) != mapping.object }) == true { status = nil }
        var sizeBytes = status?.size ?? 0
        if kind == .anon || (kind == .sysvShm && status == nil) {
            sizeBytes = max(sizeBytes, UInt64(mapping.pages) * UInt64(mapping.pageSizeKB) * 1024)
        }
        var object = HugetlbObject(
            id: mapping.object, kind: kind, pageSizeKB: mapping.pageSizeKB, path: mapping.path,
            shmid: kind == .sysvShm ? Int(exactly: mapping.object.inode) : nil, sizeBytes: sizeBytes,
            instantiated: status.map { Self.pages(blocks: $0.blocks, pageSizeKB: mapping.pageSizeKB) },
            mountPoint: hugetlbfsDevices[mapping.object.device]?.mountPoint ?? nil)
        // Without the stat (refused without CAP_SYS_ADMIN, or not in a tree) a file's or
        // memfd's size is unknown, never 0: the ledger bounds its owed pages instead.
        object.sizeKnown = status != nil || kind == .anon || kind == .sysvShm
        objects[mapping.object] = object
    }

    /// `st_blocks` counts 512-byte units: a 2M page is 4096 of them.
    static func pages(blocks: UInt64, pageSizeKB: Int) -> Int {
        let perPage = UInt64(pageSizeKB) * 2
        return perPage > 0 ? Int(clamping: blocks / perPage) : 0
    }
}
