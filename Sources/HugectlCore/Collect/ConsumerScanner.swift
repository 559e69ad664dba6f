import Dispatch

/// Finds every hugetlb consumer: the mappings of every process, the hugetlb files and memfds
/// held open, SysV segments, and files left on hugetlbfs mounts. All reads go through the
/// `SystemSource`; what cannot be read is counted in the `ScanReport`, never hidden.
///
/// Cost: `/proc/PID/maps` for every process (no page-table walk); `smaps` and `numa_maps`
/// only for processes with a candidate mapping, parsed only for the candidates. These three
/// are streamed (`readLines`), never held whole: memory stays flat however many mappings a
/// process has. A process with hugetlb mappings and more than one thread also has each other
/// thread's `task/TID/status` and `task/TID/numa_maps` read (task policies and cpusets are per
/// thread); no other process has its `task/` listed.
struct ConsumerScanner {
    /// Bound for `/proc/PID/maps`, `smaps` and `numa_maps` of one process.
    static let processFileLimit = 256 << 20
    /// Bound for the files walked on all hugetlbfs mounts together.
    static let mountWalkLimit = 10_000

    let source: SystemSource
    /// Page sizes with a pool, in kB.
    let pageSizes: Set<Int>
    let mounts: [HugetlbfsMount]
    var warnings: [String] = []
    private var report = ScanReport()
    private var vanishedPIDs: Set<Int> = []
    /// hugetlbfs superblocks by device, with the mount point and page size where known.
    private var hugetlbfsDevices: [DeviceNumber: (mountPoint: String?, pageSizeKB: Int?)] = [:]
    private var objects: [ObjectID: HugetlbObject] = [:]

    init(source: SystemSource, pageSizes: Set<Int>, mounts: [HugetlbfsMount]) {
        self.source = source
        self.pageSizes = pageSizes
        self.mounts = mounts
    }

    mutating func scan() -> ConsumerSnapshot {
        var result = ConsumerSnapshot()
        let pids: [Int]
        do {
            pids = try source.entries(in: KernelPath.processes) { $0.allSatisfy { $0.isASCII && $0.isNumber } }
                .compactMap { Int($0) }.sorted()
        } catch {
            warnings.append("\(error.description): no process scan")
            report.attempted = false
            result.scan = report
            return result
        }
        learnHugetlbfsDevices(from: KernelPath.selfMountinfo)
        // A process in another mount namespace may see hugetlbfs mounts hugectl does not:
        // each other namespace's mounts are read once, from its first process.
        var namespacesSeen: Set<String> = []
        if let own = try? source.linkTarget(of: KernelPath.selfMountNamespace) { namespacesSeen.insert(own) }
        if pids.isEmpty {
            report.attempted = false
        }
        for pid in pids {
            if let namespace = try? source.linkTarget(of: KernelPath.process(pid, "ns/mnt")),
               namespacesSeen.insert(namespace).inserted {
                learnHugetlbfsDevices(from: KernelPath.process(pid, "mountinfo"))
            }
        }
        // Every process's maps and descriptor links, on every core (the kernel's making of
        // the text and its /proc lookups dominate), then the rest in PID order: results,
        // warnings and counts as a sequential scan.
        let prefetched = Self.prefetch(pids, source: source, devices: Set(hugetlbfsDevices.keys),
                                       mountPaths: mounts.map(\.path))
        for (pid, found) in zip(pids, prefetched) {
            report.processesSeen += 1
            if let process = scanProcess(pid, found) { result.processes.append(process) }
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

    // MARK: - Devices

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

    // MARK: - One process

    /// Notes a failed read of a process file: a process gone since it was listed counts as
    /// vanished, anything else as unreadable.
    private mutating func failed(_ pid: Int, _ error: ReadError) {
        if !source.isLive, error.failure == .system(.noSuchFile), source.manifest?.errors[error.path] == nil {
            // A tree lacking the file (not a recorded ENOENT): not recorded, not gone.
            if vanishedPIDs.insert(pid).inserted { report.notRecorded += 1 }
        } else if case .system(let errno) = error.failure, errno == .noSuchFile || errno == .noSuchProcess {
            if vanishedPIDs.insert(pid).inserted { report.vanished += 1 }
        } else {
            report.unreadable.append(.init(pid: pid, path: error.path, reason: error.failure.description))
        }
    }

    /// Notes a process file that was read but is not what the kernel writes: the process is
    /// unreadable (`scan.complete` is false) and what the verdict needed from it unknown.
    private mutating func malformed(_ pid: Int, _ name: String, _ reason: String) {
        report.unreadable.append(.init(pid: pid, path: KernelPath.process(pid, name), reason: "malformed: " + reason,
                                       malformed: true))
    }

    /// A task whose `maps` is closed to hugectl (unprivileged: `ptrace_may_access` refuses
    /// other users' tasks and kernel threads alike) but whose world-readable `status` shows it
    /// has no mm: a kernel thread cannot hold hugetlb memory, so it is not a process that
    /// could not be read.
    private func isTaskWithoutMemory(_ pid: Int, _ error: ReadError) -> Bool {
        guard case .system(let errno) = error.failure, errno == .permissionDenied,
              let bytes = try? source.read(KernelPath.process(pid, "status"), limit: Self.processFileLimit) else { return false }
        let status = ProcStatus.parse(bytes.all)
        return status.isWellFormed && status.hasNoMemory
    }

    /// What one process's maps and descriptors showed, read on any core.
    struct Prefetched {
        /// The candidate mappings in its maps, or why the maps could not be read.
        var maps: Result<[MapsEntry], ReadError>
        /// Its descriptors that name a memfd or a file on a hugetlbfs mount, or why
        /// /proc/PID/fd could not be listed (not looked at when the maps could not be read).
        var descriptors: Result<[HugetlbDescriptor], ReadError> = .success([])
    }

    /// A descriptor whose link names a memfd or a file on a hugetlbfs mount.
    struct HugetlbDescriptor {
        var path: String
        var target: String
        /// The mount the target is on (none for a memfd).
        var mountPoint: String?
    }

    /// `prefetch(_:source:devices:mountPaths:)` of each process, in the order of `pids`. Read
    /// concurrently, on as many threads as the machine has cores, from a source that may be
    /// read from several at once (`SystemRoot`: no state but its root); a source that records
    /// or transforms what it reads (`RecordingSource`, `RedactingSource`) is read in order on
    /// this thread.
    static func prefetch(_ pids: [Int], source: SystemSource, devices: Set<DeviceNumber>,
                         mountPaths: [String]) -> [Prefetched] {
        guard let root = source as? SystemRoot, pids.count > 1 else {
            return pids.map { prefetch($0, source: source, devices: devices, mountPaths: mountPaths) }
        }
        final class Slots: @unchecked Sendable {
            var items: [Prefetched]
            init(_ count: Int) { items = Array(repeating: Prefetched(maps: .success([])), count: count) }
        }
        let slots = Slots(pids.count)
        let shared = UncheckedSendable(root)
        // Each iteration writes its own slot only.
        slots.items.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            DispatchQueue.concurrentPerform(iterations: pids.count) { index in
                out.value[index] = prefetch(pids[index], source: shared.value, devices: devices, mountPaths: mountPaths)
            }
        }
        return slots.items
    }

    /// One process's candidate mappings and, when its maps could be read, its hugetlb
    /// descriptors: one listing of /proc/PID/fd and one readlink(2) per descriptor.
    static func prefetch(_ pid: Int, source: SystemSource, devices: Set<DeviceNumber>,
                         mountPaths: [String]) -> Prefetched {
        var found = Prefetched(maps: candidateMappings(of: pid, source: source, devices: devices))
        guard case .success = found.maps else { return found }
        found.descriptors = hugetlbDescriptors(of: pid, source: source, mountPaths: mountPaths)
        return found
    }

    /// The descriptors of `pid` whose link names a memfd or a file on one of the mounts.
    static func hugetlbDescriptors(of pid: Int, source: SystemSource, mountPaths: [String])
        -> Result<[HugetlbDescriptor], ReadError> {
        let dir = KernelPath.process(pid, "fd")
        let fds: [String]
        do {
            fds = try source.entries(in: dir) { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        } catch {
            return .failure(error)
        }
        // Each mount's directory prefix, made once rather than for every descriptor.
        let prefixes = mountPaths.filter { $0 != "/" }.map { (prefix: $0 + "/", path: $0) }
        let rootMounted = mountPaths.contains("/")
        var found: [HugetlbDescriptor] = []
        let prefix = dir + "/"
        for fd in fds {
            let path = prefix + fd
            guard let target = try? source.linkTarget(of: path) else { continue }
            let mountPoint = prefixes.first { target.hasPrefix($0.prefix) }?.path
            guard target.hasPrefix("/memfd:") || mountPoint != nil || (rootMounted && target.hasPrefix("/")) else { continue }
            found.append(HugetlbDescriptor(path: path, target: target, mountPoint: mountPoint))
        }
        return .success(found)
    }

    /// One process's candidate mappings, streamed from its maps.
    static func candidateMappings(of pid: Int, source: SystemSource, devices: Set<DeviceNumber>)
        -> Result<[MapsEntry], ReadError> {
        var maps = MapsParser.CandidateScan(hugetlbfsDevices: devices)
        do {
            try source.readLines(KernelPath.process(pid, "maps"), limit: processFileLimit) { maps.feed($0) }
        } catch {
            return .failure(error)
        }
        return .success(maps.result.entries)
    }

    private mutating func scanProcess(_ pid: Int, _ prefetched: Prefetched) -> HugetlbProcess? {
        let entries: [MapsEntry]
        switch prefetched.maps {
        case .success(let list): entries = list
        case .failure(let error):
            if !isTaskWithoutMemory(pid, error) { failed(pid, error) }
            return nil
        }
        report.processesScanned += 1
        report.candidates += entries.count
        let open = openHugetlbObjects(pid, prefetched.descriptors)
        if entries.isEmpty && open.isEmpty { return nil }

        var process = HugetlbProcess(pid: pid, openObjects: open)
        if !entries.isEmpty {
            process.mappings = readMappings(pid, candidates: entries)
        }
        if process.mappings.isEmpty && open.isEmpty { return nil }
        if let bytes = readProcessFile(pid, "status") {
            let status = ProcStatus.parse(bytes.all)
            if !status.isWellFormed {
                malformed(pid, "status", status.problems.first ?? "no Name, PPid or Uid line")
            }
            process.name = status.name
            process.ppid = status.ppid
            process.uid = status.uid
            process.memsAllowed = status.memsAllowed
            process.cpusAllowed = status.cpusAllowed
            process.hugetlbPagesKB = status.hugetlbPagesKB
        }
        if !process.mappings.isEmpty {
            readThreads(&process)
            process.startTime = (try? source.read(KernelPath.process(pid, "stat"), limit: Self.processFileLimit))
                .flatMap { ProcStatParser.startTime($0.all) }
        }
        if let bytes = readProcessFile(pid, "cmdline") {
            process.commandLine = CommandLineParser.parse(bytes.all)
        }
        readCgroup(into: &process)
        return process
    }

    /// The hugetlb cgroup the process's faults charge (`/proc/PID/cgroup`). A kernel without
    /// cgroups has no such file: nil, quietly; another failure is a warning, and nil.
    private mutating func readCgroup(into process: inout HugetlbProcess) {
        do {
            let bytes = try source.read(KernelPath.process(process.pid, "cgroup"), limit: 1 << 20)
            process.cgroup = ProcCgroup.hugetlbPath(bytes.all)?.path
        } catch {
            if error.failure != .system(.noSuchFile) && error.failure != .system(.noSuchProcess) {
                warnings.append(error.description)
            }
        }
    }

    private mutating func readProcessFile(_ pid: Int, _ name: String) -> [UInt8]? {
        do {
            return try source.read(KernelPath.process(pid, name), limit: Self.processFileLimit)
        } catch {
            failed(pid, error)
            return nil
        }
    }

    /// Streams a process file to `body` piece by piece (`SystemSource.readLines`), so that a
    /// process with tens of thousands of mappings never has its maps or smaps in memory whole.
    /// False when the read failed, possibly part-way: the caller then drops what `body` made
    /// of the pieces, so that each file counts wholly or not at all, as a whole read did.
    private mutating func readProcessLines(_ pid: Int, _ name: String, _ body: (Bytes) -> Void) -> Bool {
        do {
            try source.readLines(KernelPath.process(pid, name), limit: Self.processFileLimit, body)
            return true
        } catch {
            failed(pid, error)
            return false
        }
    }

    /// The hugetlb VMAs among the candidates, from smaps (which decides: VmFlags `ht`) and
    /// numa_maps (policy and per-node pages).
    private mutating func readMappings(_ pid: Int, candidates: [MapsEntry]) -> [HugetlbMapping] {
        let candidateStarts = Set(candidates.map(\.start))
        var smaps = SmapsParser.HugetlbScan(onlyStarts: candidateStarts)
        guard readProcessLines(pid, "smaps", { smaps.feed($0) }) else { return [] }
        let parsed = smaps.result
        for problem in parsed.problems { warnings.append("\(KernelPath.process(pid, "smaps")): \(problem)") }
        // An smaps that is empty belongs to a task whose mm went away after maps was read:
        // the process exited. One that lacks mappings maps listed, or has lines that are not
        // what the kernel writes, is damaged: what could be read is kept, and the process is
        // unreadable, never silently left out.
        if smaps.lineCount == 0 {
            if vanishedPIDs.insert(pid).inserted { report.vanished += 1 }
            return []
        }
        let missing = candidateStarts.subtracting(smaps.startsSeen)
        if let problem = parsed.problems.first {
            malformed(pid, "smaps", problem)
        } else if !missing.isEmpty {
            malformed(pid, "smaps", "\(missing.count) of the \(candidates.count) candidate mappings maps lists are not in it")
        }
        if parsed.vmas.isEmpty { return [] }
        var numa: [UInt64: NumaMapsEntry] = [:]
        numa.reserveCapacity(parsed.vmas.count)
        var numaMaps = NumaMapsParser.EntryScan(onlyStarts: Set(parsed.vmas.map(\.mapping.start)))
        if readProcessLines(pid, "numa_maps", { numaMaps.feed($0) }) {
            for entry in numaMaps.result.entries { numa[entry.start] = entry }
            // numa_maps lists every VMA (show_numa_map): a hugetlb VMA without its line has an
            // unknown policy, which is never taken to be the default one silently.
            let unlisted = parsed.vmas.filter { numa[$0.mapping.start] == nil }.count
            if numaMaps.lineCount == 0 {
                if vanishedPIDs.insert(pid).inserted { report.vanished += 1 }
            } else if let problem = numaMaps.result.problems.first {
                malformed(pid, "numa_maps", problem)
            } else if unlisted > 0 {
                malformed(pid, "numa_maps", "\(unlisted) of the \(parsed.vmas.count) hugetlb mappings smaps lists are not in it")
            }
        }
        var mappings: [HugetlbMapping] = []
        mappings.reserveCapacity(parsed.vmas.count)
        objects.reserveCapacity(objects.count + parsed.vmas.count)
        for vma in parsed.vmas {
            guard vma.kernelPageSizeKB > 0 else { continue }
            let entry = vma.mapping
            let kind = MappingKind.classify(path: entry.path, shared: entry.shared)
            let object = ObjectID(device: entry.device, inode: entry.inode)
            let numaEntry = numa[entry.start]
            let deleted = entry.path?.hasSuffix(" (deleted)") ?? false
            var mapping = HugetlbMapping(
                start: entry.start, end: entry.end, pageSizeKB: vma.kernelPageSizeKB, kind: kind,
                path: deleted ? entry.path.map(Self.withoutDeleted) : entry.path, object: object, offset: entry.offset,
                shared: entry.shared, noreserve: vma.noReserve, pages: vma.sizeKB / vma.kernelPageSizeKB,
                faultedPages: vma.mappedPages, anonPages: numaEntry?.anon ?? vma.mappedPages,
                policy: numaEntry?.policy, nodePages: numaEntry?.nodePages ?? [:])
            mapping.deleted = deleted
            mappings.append(mapping)
            if hugetlbfsDevices[entry.device] == nil {
                // An internal superblock (anonymous, SysV, memfd objects), learnt from smaps.
                hugetlbfsDevices[entry.device] = (nil, vma.kernelPageSizeKB)
            }
            noteMappedObject(pid, mapping)
        }
        return mappings
    }

    /// The other threads of a process with hugetlb mappings, where they fault under other rules
    /// than the main thread: `task/TID/status` for the cpuset and CPUs, `task/TID/numa_maps`
    /// for the policy each hugetlb VMA has when that thread faults. A VMA with a policy of its
    /// own (`mbind`) shows it in every thread; one without shows the thread's task policy
    /// (`get_task_policy`), so a VMA whose policy differs between threads follows the faulting
    /// thread's. A thread that exits meanwhile is skipped; one that cannot be read is reported.
    private mutating func readThreads(_ process: inout HugetlbProcess) {
        let pid = process.pid
        let dir = KernelPath.process(pid, "task")
        let tids: [Int]
        do {
            tids = try source.entries(in: dir) { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
                .compactMap { Int($0) }.filter { $0 != pid }
        } catch {
            if !Self.isGone(error) {
                report.unreadable.append(.init(pid: pid, path: error.path, reason: error.failure.description))
            }
            return
        }
        guard !tids.isEmpty else { return }
        let policyAt = Dictionary(process.mappings.map { ($0.start, $0.policy) }, uniquingKeysWith: { first, _ in first })
        let starts = Set(policyAt.keys)
        var follows: Set<UInt64> = []
        for tid in tids {
            let base = "\(dir)/\(tid)"
            var thread = HugetlbThread(tid: tid, memsAllowed: process.memsAllowed, cpusAllowed: process.cpusAllowed)
            do {
                let status = ProcStatus.parse(try source.read(base + "/status", limit: Self.processFileLimit).all)
                thread.memsAllowed = status.memsAllowed ?? process.memsAllowed
                thread.cpusAllowed = status.cpusAllowed ?? process.cpusAllowed
                var scan = NumaMapsParser.EntryScan(onlyStarts: starts)
                try source.readLines(base + "/numa_maps", limit: Self.processFileLimit) { scan.feed($0) }
                for entry in scan.result.entries {
                    let policy = entry.policy
                    guard let main = policyAt[entry.start], main != policy else { continue }
                    follows.insert(entry.start)
                    if thread.taskPolicy == nil { thread.taskPolicy = policy }
                }
            } catch {
                if !Self.isGone(error) {
                    report.unreadable.append(.init(pid: pid, path: error.path, reason: error.failure.description))
                }
                continue
            }
            if thread.taskPolicy != nil || thread.memsAllowed != process.memsAllowed
                || thread.cpusAllowed != process.cpusAllowed {
                process.threads.append(thread)
            }
        }
        for index in process.mappings.indices where follows.contains(process.mappings[index].start) {
            process.mappings[index].followsThreadPolicy = true
        }
    }

    /// A thread or process that exited between being listed and being read.
    static func isGone(_ error: ReadError) -> Bool {
        if case .system(let errno) = error.failure, errno == .noSuchFile || errno == .noSuchProcess { return true }
        return false
    }

    /// `" (deleted)"` ends the name of an unlinked file; it is not part of the path.
    static func withoutDeleted(_ path: String) -> String {
        path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path
    }

    private mutating func noteMappedObject(_ pid: Int, _ mapping: HugetlbMapping) {
        guard objects[mapping.object] == nil else { return }
        let kind: HugetlbObject.Kind
        switch mapping.kind {
        case .anonShared, .anonPrivate: kind = .anon
        case .sysvShm: kind = .sysvShm
        case .memfdShared, .memfdPrivate: kind = .memfd
        case .fileShared, .filePrivate: kind = .file
        }
        // The object's size and page-cache pages, through the mapping itself (map_files
        // follows to the object whatever mount namespace the process is in).
        let range = String(mapping.start, radix: 16) + "-" + String(mapping.end, radix: 16)
        var status = try? source.fileStatus(of: KernelPath.process(pid, "map_files/\(range)"))
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

    // MARK: - File descriptors

    /// Hugetlb files and memfds the process holds open (which keep their reservations even
    /// with no mapping left), from its descriptors that name one (`hugetlbDescriptors`).
    private mutating func openHugetlbObjects(_ pid: Int, _ descriptors: Result<[HugetlbDescriptor], ReadError>) -> [ObjectID] {
        let fds: [HugetlbDescriptor]
        switch descriptors {
        case .success(let list): fds = list
        case .failure(let error):
            failed(pid, error)
            return []
        }
        var found: [ObjectID] = []
        var foundSet: Set<ObjectID> = []
        for fd in fds {
            guard let status = try? source.fileStatus(of: fd.path), status.isRegular else { continue }
            // hugetlbfs reports the huge page size as st_blksize; shmem memfds a base page.
            let pageSizeKB = Int(clamping: status.blockSize / 1024)
            guard pageSizes.contains(pageSizeKB) else { continue }
            let id = ObjectID(device: status.device, inode: status.inode)
            if hugetlbfsDevices[id.device] == nil { hugetlbfsDevices[id.device] = (nil, pageSizeKB) }
            if objects[id] == nil {
                objects[id] = HugetlbObject(
                    id: id, kind: fd.target.hasPrefix("/memfd:") ? .memfd : .file, pageSizeKB: pageSizeKB,
                    path: Self.withoutDeleted(fd.target), sizeBytes: status.size,
                    instantiated: Self.pages(blocks: status.blocks, pageSizeKB: pageSizeKB),
                    mountPoint: fd.mountPoint)
            }
            if foundSet.insert(id).inserted { found.append(id) }
        }
        return found
    }

    // MARK: - SysV segments and mounts

    private mutating func readSegments() -> [SysvSegment] {
        let path = KernelPath.sysvShm
        guard let bytes = try? source.read(path) else { return [] }
        let parsed = SysvShmParser.parse(bytes.all)
        for problem in parsed.problems { warnings.append("\(path): \(problem)") }
        return parsed.segments
    }

    /// A segment's size and resident pages complete the object its attachments showed. A
    /// segment nobody has attached cannot be told apart from a shmem one in /proc.
    private mutating func noteSegment(_ segment: SysvSegment, sysvByShmid: [UInt64: ObjectID]) {
        guard let id = sysvByShmid[UInt64(segment.shmid)], var object = objects[id] else { return }
        object.sizeBytes = segment.sizeBytes
        // The page count from stat(2) of the attachment is exact; rss is the fallback. Recent
        // kernels count a hugetlb segment's rss 512 times too high (shm_add_rss_swap
        // multiplies the base-page count `nrpages` by the pages per huge page again), so a
        // figure beyond the segment's size is divided back.
        if object.instantiated == nil, let rss = segment.rssBytes {
            var pages = Int(clamping: rss / (UInt64(object.pageSizeKB) * 1024))
            let basePagesPerHuge = max(1, object.pageSizeKB / 4)
            if pages > object.sizePages { pages /= basePagesPerHuge }
            object.instantiated = pages
        }
        objects[id] = object
    }

    /// Files on hugetlbfs mounts, mapped or not: a file keeps its reservations after every
    /// mapper is gone, until it is truncated or unlinked.
    private mutating func walkMounts() {
        var budget = Self.mountWalkLimit
        for mount in mounts {
            guard let pageSize = mount.pageSizeKB else { continue }
            // Files already known with their page count (a process holds them open or maps
            // them, by this path on this mount's superblock) need no second stat(2): one-file-
            // per-page layouts (DPDK) have thousands.
            var known: Set<String> = []
            for object in objects.values where object.mountPoint == mount.path && object.instantiated != nil {
                guard let path = object.path, path.hasPrefix(mount.path + "/"),
                      hugetlbfsDevices[object.id.device]?.mountPoint == mount.path else { continue }
                known.insert(path)
            }
            var pending = [mount.path]
            while let dir = pending.popLast(), budget > 0 {
                guard let names = try? source.entries(in: dir, matching: { _ in true }) else { continue }
                for name in names {
                    let path = (dir == "/" ? "" : dir) + "/" + name
                    // Files known already cost no stat(2) and count against no bound.
                    if known.contains(path) { continue }
                    budget -= 1
                    if budget <= 0 {
                        warnings.append("hugetlbfs mounts: more than \(Self.mountWalkLimit) entries; the rest were not examined")
                        break
                    }
                    guard let status = try? source.fileStatus(of: path) else { continue }
                    if status.isDirectory {
                        pending.append(path)
                    } else if status.isRegular {
                        let id = ObjectID(device: status.device, inode: status.inode)
                        if objects[id] == nil {
                            objects[id] = HugetlbObject(
                                id: id, kind: .file, pageSizeKB: pageSize, path: path, sizeBytes: status.size,
                                instantiated: Self.pages(blocks: status.blocks, pageSizeKB: pageSize),
                                mountPoint: mount.path)
                        } else {
                            objects[id]?.mountPoint = mount.path
                            if objects[id]?.instantiated == nil {
                                objects[id]?.instantiated = Self.pages(blocks: status.blocks, pageSizeKB: pageSize)
                                objects[id]?.sizeBytes = status.size
                                objects[id]?.sizeKnown = true
                            }
                        }
                    }
                }
            }
        }
    }
}


/// A value handed to `DispatchQueue.concurrentPerform`'s iterations, each of which touches
/// only its own part of it (see `ConsumerScanner.candidateMappings`).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
