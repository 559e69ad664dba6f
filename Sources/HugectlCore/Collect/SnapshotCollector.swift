/// Reads the system through a `SystemSource` into a `SystemSnapshot`. Each kernel file goes
/// through its own parser; anything unreadable or malformed becomes a warning naming the file,
/// and the rest carries on. Only a system without hugetlb support at all is fatal.
public struct SnapshotCollector {
    /// How many times the pool counters are read at most while waiting for two consecutive
    /// reads to agree (hugeadm re-reads until stable in the same way).
    public static let counterReadAttempts = 5

    private let source: SystemSource
    private var warnings: [String] = []

    private init(source: SystemSource) {
        self.source = source
    }

    /// Reads everything `status` shows. Throws only when the root has no hugetlb pools directory.
    public static func collect(from source: SystemSource, scanProcesses: Bool = true) throws(ReadError) -> SystemSnapshot {
        var collector = SnapshotCollector(source: source)
        var snapshot = try collector.run()
        if scanProcesses {
            var scanner = ConsumerScanner(source: source, pageSizes: Set(snapshot.pools.map(\.pageSizeKB)),
                                          mounts: snapshot.mounts)
            snapshot.consumers = scanner.scan()
            snapshot.warnings += scanner.warnings
        } else {
            snapshot.consumers.scan.attempted = false
        }
        return snapshot
    }

    private mutating func run() throws(ReadError) -> SystemSnapshot {
        let sizes = try source.entries(in: KernelPath.hugepages) { PageSize.fromDirectoryName($0) != nil }
            .compactMap(PageSize.fromDirectoryName).sorted()
        if sizes.isEmpty {
            warnings.append("\(KernelPath.hugepages): no huge page sizes listed")
        }
        let nodeNumbers = readNodeNumbers()
        let withMemory = readNodeList(KernelPath.nodesWithMemory)
        let possible = readNodeList(KernelPath.possibleNodes)
        _ = readNodeList(KernelPath.onlineNodes)

        let counters = readStableCounters(sizes: sizes, nodes: nodeNumbers, withMemory: withMemory)
        let nodes = nodeNumbers.map { readNode($0, withMemory: withMemory) }
        let defaultSize = counters.meminfo.pageSizeKB ?? (sizes.count == 1 ? sizes.first : nil)
        let mounts = readMounts(defaultPageSizeKB: defaultSize)
        let release = readKernelRelease()

        var consistent = counters.stable
        if !consistent {
            warnings.append("pool counters changed on every one of \(Self.counterReadAttempts) reads; the figures may not add up")
        } else if source.manifest?.countersConsistent == false {
            consistent = false
            warnings.append("pool counters were still changing when this snapshot was taken; the figures may not add up")
        }
        return SystemSnapshot(
            root: source.rootPath, kernelRelease: release, defaultPageSizeKB: defaultSize,
            pools: counters.pools, nodes: nodes, possibleNodes: possible, meminfo: counters.meminfo,
            mounts: mounts, consistent: consistent, warnings: warnings)
    }

    // MARK: - Reading with warnings

    /// The file's bytes, or nil with a warning. `quietIfMissing` is for files that exist only
    /// on some kernels or sizes (`demote_size`).
    private mutating func bytes(_ path: String, quietIfMissing: Bool = false) -> Bytes? {
        do {
            return try source.read(path).all
        } catch {
            if !(quietIfMissing && error.failure == .system(.noSuchFile)) {
                warn(error.description)
            }
            return nil
        }
    }

    private mutating func warn(_ message: String) {
        if !warnings.contains(message) { warnings.append(message) }
    }

    private mutating func counter(_ path: String, quietIfMissing: Bool = false) -> Int? {
        guard let bytes = bytes(path, quietIfMissing: quietIfMissing) else { return nil }
        switch Counter.parse(bytes) {
        case .success(let value): return value
        case .failure(let problem):
            warn("\(path): \(problem)")
            return nil
        }
    }

    private mutating func readNodeList(_ path: String) -> [Int]? {
        guard let bytes = bytes(path, quietIfMissing: true) else { return nil }
        switch NodeList.parse(bytes) {
        case .success(let list): return list
        case .failure(let problem):
            warn("\(path): \(problem)")
            return nil
        }
    }

    private mutating func readNodeNumbers() -> [Int] {
        do {
            return try source.entries(in: KernelPath.nodes) { KernelPath.nodeNumber(fromDirectoryName: $0) != nil }
                .compactMap(KernelPath.nodeNumber(fromDirectoryName:)).sorted()
        } catch {
            if error.failure == .system(.noSuchFile) {
                warn("\(KernelPath.nodes): missing (kernel without NUMA support?): no per-node figures")
            } else {
                warn(error.description)
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
        let before = warnings
        var previous: CounterReading?
        var current = CounterReading()
        for _ in 0..<Self.counterReadAttempts {
            warnings = before
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
            var pool = HugePagePool(pageSizeKB: size)
            pool.total = counter(dir + "/nr_hugepages")
            pool.free = counter(dir + "/free_hugepages")
            pool.reserved = counter(dir + "/resv_hugepages")
            pool.surplus = counter(dir + "/surplus_hugepages")
            pool.overcommit = counter(dir + "/nr_overcommit_hugepages")
            pool.mempolicyTotal = counter(dir + "/nr_hugepages_mempolicy", quietIfMissing: true)
            if let demote = bytes(dir + "/demote_size", quietIfMissing: true) {
                switch KilobyteValue.parse(demote) {
                case .success(let kB): pool.demoteSizeKB = kB
                case .failure(let problem): warn("\(dir)/demote_size: \(problem)")
                }
            }
            for node in nodes {
                // Nodes without memory may have no pools at all; that is not a problem.
                // The kernel registers per-node pools only for nodes with memory
                // (hugetlb_register_node); a CPU-only node has none, which is no problem.
                let quiet = !(withMemory?.contains(node) ?? true)
                let nodeDir = KernelPath.nodePool(node, kB: size)
                let share = NodePool(
                    node: node,
                    total: counter(nodeDir + "/nr_hugepages", quietIfMissing: quiet),
                    free: counter(nodeDir + "/free_hugepages", quietIfMissing: quiet),
                    surplus: counter(nodeDir + "/surplus_hugepages", quietIfMissing: quiet))
                if quiet && share.total == nil && share.free == nil && share.surplus == nil { continue }
                pool.nodes.append(share)
            }
            reading.pools.append(pool)
        }
        return reading
    }

    private mutating func readMeminfo() -> MeminfoHugePages {
        guard let bytes = bytes(KernelPath.meminfo) else { return MeminfoHugePages() }
        let parsed = Meminfo.parse(bytes)
        for problem in parsed.problems { warn("\(KernelPath.meminfo): \(problem)") }
        let info = MeminfoHugePages(
            total: parsed["HugePages_Total"], free: parsed["HugePages_Free"],
            reserved: parsed["HugePages_Rsvd"], surplus: parsed["HugePages_Surp"],
            pageSizeKB: parsed["Hugepagesize"], hugetlbKB: parsed["Hugetlb"])
        if info.pageSizeKB == nil {
            warn("\(KernelPath.meminfo): no Hugepagesize line")
        }
        return info
    }

    // MARK: - Nodes

    private mutating func readNode(_ node: Int, withMemory: [Int]?) -> NumaNode {
        let dir = KernelPath.node(node)
        var result = NumaNode(node: node, hasMemory: withMemory?.contains(node) ?? true)
        if let bytes = bytes(dir + "/cpulist") {
            switch NodeList.parse(bytes) {
            case .success(let cpus): result.cpus = cpus
            case .failure(let problem): warn("\(dir)/cpulist: \(problem)")
            }
        }
        if let bytes = bytes(dir + "/meminfo") {
            let parsed = Meminfo.parse(bytes)
            for problem in parsed.problems { warn("\(dir)/meminfo: \(problem)") }
            result.memTotalKB = parsed["MemTotal"]
            result.memFreeKB = parsed["MemFree"]
        }
        if let bytes = bytes(dir + "/distance") {
            switch DistanceRow.parse(bytes) {
            case .success(let row): result.distances = row
            case .failure(let problem): warn("\(dir)/distance: \(problem)")
            }
        }
        if let bytes = bytes(dir + "/numastat") {
            let parsed = Numastat.parse(bytes)
            for problem in parsed.problems { warn("\(dir)/numastat: \(problem)") }
            result.numastat = parsed.counters.map { NamedCount(name: $0.name, value: $0.value) }
        }
        return result
    }

    // MARK: - Mounts and kernel

    private mutating func readMounts(defaultPageSizeKB: Int?) -> [HugetlbfsMount] {
        guard let bytes = bytes(KernelPath.mounts) else { return [] }
        let parsed = Mounts.parse(bytes)
        for problem in parsed.problems { warn("\(KernelPath.mounts): \(problem)") }
        return parsed.entries.filter { $0.fsType == "hugetlbfs" }.map { entry in
            hugetlbfsMount(entry, defaultPageSizeKB: defaultPageSizeKB)
        }
    }

    private mutating func hugetlbfsMount(_ entry: MountEntry, defaultPageSizeKB: Int?) -> HugetlbfsMount {
        var pageSize = defaultPageSizeKB
        if let option = entry.option("pagesize") {
            pageSize = PageSize.parse(option)
            if pageSize == nil { warn("\(KernelPath.mounts): \(entry.mountPoint): bad pagesize '\(option.clipped)'") }
        }
        func pages(_ name: String) -> Int? {
            guard let text = entry.option(name), let bytes = ByteSize.parse(text),
                  let pageSize, pageSize > 0 else { return nil }
            return bytes / (pageSize * 1024)
        }
        var mount = HugetlbfsMount(
            path: entry.mountPoint, source: entry.source, pageSizeKB: pageSize,
            sizeLimitPages: pages("size"), minSizePages: pages("min_size"), usedPages: nil,
            options: entry.options)
        do {
            let usage = try source.filesystemUsage(of: entry.mountPoint)
            // hugetlbfs_statfs: with a size= subpool, f_blocks is the limit and f_bfree what is
            // left; all ones with only min_size=; zero without a subpool.
            if usage.blocks > 0, usage.blocks != UInt64.max, usage.blocksFree <= usage.blocks {
                mount.usedPages = Int(exactly: usage.blocks - usage.blocksFree)
            }
        } catch {
            warn("statfs \(error.description)")
        }
        return mount
    }

    private mutating func readKernelRelease() -> String? {
        guard let bytes = bytes(KernelPath.osRelease) else { return nil }
        let text = bytes.trimmed.text
        return text.isEmpty ? nil : text
    }
}
