#if canImport(Glibc)
import Glibc
#endif

/// Reads the system through a `SystemSource` into a `SystemSnapshot`. Each kernel file goes
/// through its own parser; anything unreadable or malformed becomes a warning naming the file,
/// and the rest carries on. Only a system without hugetlb support at all is fatal.
public struct SnapshotCollector {
    /// How many times the pool counters are read at most while waiting for two consecutive
    /// reads to agree (hugeadm re-reads until stable in the same way).
    public static let counterReadAttempts = 5

    private(set) var reader: WarningReader
    private var source: SystemSource { reader.source }
    /// Whether the NUMA nodes (and each pool's per-node shares) and the mounts' `statfs`
    /// usage are read: `features` needs neither.
    private var readsNodes = true
    private var readsMountUsage = true

    private init(source: SystemSource) {
        reader = WarningReader(source: source)
    }

    /// Reads everything `status` shows. Throws only when the root has no hugetlb pools directory.
    /// `cgroups`: hugetlb cgroups to read as well as the scanned processes' (`admit --cgroup`).
    public static func collect(from source: SystemSource, scanProcesses: Bool = true,
                               cgroups extra: Set<String> = []) throws(ReadError) -> SystemSnapshot {
        var collector = SnapshotCollector(source: source)
        var snapshot = try collector.run()
        if scanProcesses {
            var scanner = ConsumerScanner(source: source, pageSizes: Set(snapshot.pools.map(\.pageSizeKB)),
                                          mounts: snapshot.mounts)
            snapshot.consumers = scanner.scan()
            snapshot.warnings += scanner.warnings
            snapshot.cgroups = collector.readCgroups(snapshot, extra: extra)
            snapshot.warnings += collector.reader.warnings.filter { !snapshot.warnings.contains($0) }
        } else {
            snapshot.consumers.scan.attempted = false
        }
        return snapshot
    }

    /// What `features` starts from: the pools (without per-node shares), the default page
    /// size, the kernel release, the host and the hugetlbfs mounts (without `statfs`), read
    /// and warned about exactly as for `status`; no node, no process.
    public static func collectSystemWide(from source: SystemSource) throws(ReadError) -> SystemSnapshot {
        var collector = SnapshotCollector(source: source)
        collector.readsNodes = false
        collector.readsMountUsage = false
        var snapshot = try collector.run()
        snapshot.consumers.scan.attempted = false
        return snapshot
    }

    private mutating func run() throws(ReadError) -> SystemSnapshot {
        let sizes = try source.entries(in: KernelPath.hugepages) { PageSize.fromDirectoryName($0) != nil }
            .compactMap(PageSize.fromDirectoryName).sorted()
        if sizes.isEmpty {
            reader.warn("\(KernelPath.hugepages): no huge page sizes listed")
        }
        let nodeNumbers = readsNodes ? readNodeNumbers() : []
        let withMemory = readsNodes ? readNodeList(KernelPath.nodesWithMemory) : nil
        let possible = readsNodes ? readNodeList(KernelPath.possibleNodes) : nil
        if readsNodes { _ = readNodeList(KernelPath.onlineNodes) }

        var counters = readStableCounters(sizes: sizes, nodes: nodeNumbers, withMemory: withMemory)
        if !sizes.isEmpty, let gigantic = reader.giganticSizes(sizes) {
            for index in counters.pools.indices {
                counters.pools[index].giganticByBuddy = gigantic.contains(counters.pools[index].pageSizeKB)
            }
        }
        let nodes = nodeNumbers.map { readNode($0, withMemory: withMemory) }
        let defaultSize = counters.meminfo.pageSizeKB ?? (sizes.count == 1 ? sizes.first : nil)
        let mounts = readMounts(defaultPageSizeKB: defaultSize)
        let release = readKernelRelease()

        var consistent = counters.stable
        if !consistent {
            reader.warn("pool counters changed on every one of \(Self.counterReadAttempts) reads; the figures may not add up")
        } else if source.manifest?.countersConsistent == false {
            consistent = false
            reader.warn("pool counters were still changing when this snapshot was taken; the figures may not add up")
        }
        var snapshot = SystemSnapshot(
            root: source.rootPath, kernelRelease: release, defaultPageSizeKB: defaultSize,
            pools: counters.pools, nodes: nodes, possibleNodes: possible, meminfo: counters.meminfo,
            mounts: mounts, consistent: consistent, warnings: reader.warnings)
        snapshot.hostname = source.isLive ? SnapshotCapture.hostname() : source.manifest?.hostname
        snapshot.collectedAt = Int(time(nil))
        return snapshot
    }

    // MARK: - Reading

    private mutating func readNodeList(_ path: String) -> [Int]? {
        guard let bytes = reader.bytes(path, quietIfMissing: true) else { return nil }
        switch NodeList.parse(bytes, maximum: NodeList.maximumNode) {
        case .success(let list): return list
        case .failure(let problem):
            reader.warn("\(path): \(problem)")
            return nil
        }
    }

    private mutating func readNodeNumbers() -> [Int] {
        do {
            return try source.entries(in: KernelPath.nodes) { KernelPath.nodeNumber(fromDirectoryName: $0) != nil }
                .compactMap(KernelPath.nodeNumber(fromDirectoryName:)).sorted()
        } catch {
            if error.failure == .system(.noSuchFile) {
                reader.warn("\(KernelPath.nodes): missing (kernel without NUMA support?): no per-node figures")
            } else {
                reader.warn(error.description)
            }
            return []
        }
    }

    // MARK: - Pool counters

    private struct CounterReading: Equatable {
        var pools: [HugePagePool] = []
        var meminfo = MeminfoHugePages()
    }

    /// Reads every pool counter until two consecutive reads agree, at most
    /// `counterReadAttempts` times. Warnings are kept from the last read only.
    private mutating func readStableCounters(sizes: [Int], nodes: [Int], withMemory: [Int]?)
        -> (pools: [HugePagePool], meminfo: MeminfoHugePages, stable: Bool) {
        let before = reader.warnings
        var previous: CounterReading?
        var current = CounterReading()
        for _ in 0..<Self.counterReadAttempts {
            reader.warnings = before
            current = readCounters(sizes: sizes, nodes: nodes, withMemory: withMemory)
            if current == previous { return (current.pools, current.meminfo, true) }
            previous = current
        }
        return (current.pools, current.meminfo, false)
    }

    private mutating func readCounters(sizes: [Int], nodes: [Int], withMemory: [Int]?) -> CounterReading {
        var reading = CounterReading()
        reading.meminfo = readMeminfo()
        for size in sizes {
            let dir = KernelPath.pool(kB: size)
            let counters = PoolCounterTable.read(dir, PoolCounterFile.allCases, source: source)
            counters.problems.forEach { reader.warn($0) }
            var pool = HugePagePool(
                pageSizeKB: size, total: counters[.total], free: counters[.free], reserved: counters[.reserved],
                surplus: counters[.surplus], overcommit: counters[.overcommit], mempolicyTotal: counters[.mempolicyTotal])
            if let demote = reader.bytes(dir + "/demote_size", quietIfMissing: true) {
                switch KilobyteValue.parse(demote) {
                case .success(let kB): pool.demoteSizeKB = kB
                case .failure(let problem): reader.warn("\(dir)/demote_size: \(problem)")
                }
            }
            for node in nodes {
                // Nodes without memory may have no pools at all; that is not a problem.
                // The kernel registers per-node pools only for nodes with memory
                // (hugetlb_register_node); a CPU-only node has none, which is no problem.
                let quiet = !(withMemory?.contains(node) ?? true)
                let perNode = PoolCounterTable.read(KernelPath.nodePool(node, kB: size), PoolCounterFile.perNode,
                                                    quietIfMissing: quiet, source: source)
                perNode.problems.forEach { reader.warn($0) }
                let share = NodePool(node: node, total: perNode[.total], free: perNode[.free], surplus: perNode[.surplus])
                if quiet && share.total == nil && share.free == nil && share.surplus == nil { continue }
                pool.nodes.append(share)
            }
            reading.pools.append(pool)
        }
        return reading
    }

    private mutating func readMeminfo() -> MeminfoHugePages {
        guard let bytes = reader.bytes(KernelPath.meminfo) else { return MeminfoHugePages() }
        let parsed = Meminfo.parse(bytes)
        for problem in parsed.problems { reader.warn("\(KernelPath.meminfo): \(problem)") }
        let info = MeminfoHugePages(
            total: parsed["HugePages_Total"], free: parsed["HugePages_Free"],
            reserved: parsed["HugePages_Rsvd"], surplus: parsed["HugePages_Surp"],
            pageSizeKB: parsed["Hugepagesize"], hugetlbKB: parsed["Hugetlb"])
        if info.pageSizeKB == nil {
            reader.warn("\(KernelPath.meminfo): no Hugepagesize line")
        }
        return info
    }

    // MARK: - Nodes

    private mutating func readNode(_ node: Int, withMemory: [Int]?) -> NumaNode {
        let dir = KernelPath.node(node)
        var result = NumaNode(node: node, hasMemory: withMemory?.contains(node) ?? true)
        if let bytes = reader.bytes(dir + "/cpulist") {
            switch NodeList.parse(bytes) {
            case .success(let cpus): result.cpus = cpus
            case .failure(let problem): reader.warn("\(dir)/cpulist: \(problem)")
            }
        }
        if let bytes = reader.bytes(dir + "/meminfo") {
            let parsed = Meminfo.parse(bytes)
            for problem in parsed.problems { reader.warn("\(dir)/meminfo: \(problem)") }
            result.memTotalKB = parsed["MemTotal"]
            result.memFreeKB = parsed["MemFree"]
        }
        if let bytes = reader.bytes(dir + "/distance") {
            switch DistanceRow.parse(bytes) {
            case .success(let row): result.distances = row
            case .failure(let problem): reader.warn("\(dir)/distance: \(problem)")
            }
        }
        if let bytes = reader.bytes(dir + "/numastat") {
            let parsed = Numastat.parse(bytes)
            for problem in parsed.problems { reader.warn("\(dir)/numastat: \(problem)") }
            result.numastat = parsed.counters.map { NamedCount(name: $0.name, value: $0.value) }
        }
        // Absent before 6.9 (no weighted interleave) and without CONFIG_SYSFS: unknown, quietly.
        let weight = KernelPath.interleaveWeight(node)
        if let bytes = reader.bytes(weight, quietIfMissing: true) {
            switch InterleaveWeight.parse(bytes) {
            case .success(let value): result.interleaveWeight = value
            case .failure(let problem): reader.warn("\(weight): \(problem)")
            }
        }
        return result
    }

    // MARK: - Mounts and kernel

    private mutating func readMounts(defaultPageSizeKB: Int?) -> [HugetlbfsMount] {
        guard let bytes = reader.bytes(KernelPath.mounts) else { return [] }
        let parsed = Mounts.parse(bytes)
        for problem in parsed.problems { reader.warn("\(KernelPath.mounts): \(problem)") }
        return parsed.entries.filter { $0.fsType == "hugetlbfs" }.map { entry in
            hugetlbfsMount(entry, defaultPageSizeKB: defaultPageSizeKB)
        }
    }

    private mutating func hugetlbfsMount(_ entry: MountEntry, defaultPageSizeKB: Int?) -> HugetlbfsMount {
        let options = reader.hugetlbfsOptions(entry, defaultPageSizeKB: defaultPageSizeKB)
        var mount = HugetlbfsMount(
            path: entry.mountPoint, source: entry.source, pageSizeKB: options.pageSizeKB,
            sizeLimitPages: options.sizePages, minSizePages: options.minSizePages, usedPages: nil,
            options: entry.options)
        mount.inodeLimit = options.inodeLimit
        if let mode = options.mode { mount.mode = mode }
        if let uid = options.uid { mount.uid = uid }
        if let gid = options.gid { mount.gid = gid }
        guard readsMountUsage else { return mount }
        do {
            let usage = try source.filesystemUsage(of: entry.mountPoint)
            // hugetlbfs_statfs: with a size= subpool, f_blocks is the limit and f_bfree what is
            // left; all ones with only min_size=; zero without a subpool.
            if usage.blocks > 0, usage.blocks != UInt64.max, usage.blocksFree <= usage.blocks {
                mount.usedPages = Int(exactly: usage.blocks - usage.blocksFree)
            }
        } catch {
            reader.warn("statfs \(error.description)")
        }
        return mount
    }

    /// The hugetlb cgroups of the scanned processes (`HugetlbCgroupReader`), when any process
    /// has one.
    mutating func readCgroups(_ snapshot: SystemSnapshot, extra: Set<String> = []) -> HugetlbCgroups {
        let paths = Set(snapshot.consumers.processes.compactMap(\.cgroup)).union(extra)
        guard !paths.isEmpty, let bytes = reader.bytes(KernelPath.mounts) else { return HugetlbCgroups() }
        return HugetlbCgroupReader.collect(paths: paths, sizes: Set(snapshot.pools.map(\.pageSizeKB)),
                                           mounts: Mounts.parse(bytes).entries, &reader)
    }

    private mutating func readKernelRelease() -> String? {
        reader.text(KernelPath.osRelease).flatMap { $0.isEmpty ? nil : $0 }
    }
}
