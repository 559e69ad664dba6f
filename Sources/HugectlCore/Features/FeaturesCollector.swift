#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads what `hugectl features` can know without trying anything: page sizes and pools, the
/// boot syntax, hugetlbfs mounts, the cgroup hugetlb controller and its limits, and how
/// userfaultfd is configured. Everything goes through the `SystemSource`, so a captured tree
/// (`--root`) is read exactly like the running system. Files that only some kernels or trees
/// have are quietly `nil` when missing; other failures become warnings naming the file.
public struct FeaturesCollector {
    /// Bounds on the cgroup walk, so a huge or hostile tree cannot make it run for ever.
    public static let maxCgroups = 4096
    public static let maxCgroupDepth = 32

    private var reader: WarningReader
    private var source: SystemSource { reader.source }

    private init(source: SystemSource) {
        reader = WarningReader(source: source)
    }

    /// Throws only when the root has no huge page sizes directory at all.
    public static func collect(from source: SystemSource) throws(ReadError) -> FeaturesReport {
        var collector = FeaturesCollector(source: source)
        return try collector.run()
    }

    private mutating func run() throws(ReadError) -> FeaturesReport {
        var report = FeaturesReport(root: source.rootPath, isLive: source.isLive)
        let sizes = try source.entries(in: KernelPath.hugepages) { PageSize.fromDirectoryName($0) != nil }
            .compactMap(PageSize.fromDirectoryName).sorted()
        if sizes.isEmpty { reader.warn("\(KernelPath.hugepages): no huge page sizes listed") }

        report.kernelRelease = reader.text(KernelPath.osRelease).flatMap { $0.isEmpty ? nil : $0 }
        if let bytes = reader.bytes(KernelPath.meminfo) {
            report.defaultPageSizeKB = Meminfo.parse(bytes)["Hugepagesize"]
        }
        if report.defaultPageSizeKB == nil && sizes.count == 1 { report.defaultPageSizeKB = sizes.first }

        let gigantic = sizes.isEmpty ? nil : reader.giganticSizes(sizes)
        report.sizes = sizes.map { readSize($0, defaultKB: report.defaultPageSizeKB, gigantic: gigantic) }
        report.boot = readBoot(version: report.kernelVersion)
        let mounts = readMounts()
        report.hugetlbfs = readHugetlbfs(mounts: mounts, defaultKB: report.defaultPageSizeKB)
        report.cgroup = readCgroup(mounts: mounts, sizes: sizes)
        report.userfaultfd = readUserfaultfd()
        report.warnings = reader.warnings
        report.hostname = source.isLive ? SnapshotCapture.hostname() : source.manifest?.hostname
        report.generatedAt = Int(time(nil))
        return report
    }

    // MARK: - Reading

    // MARK: - Sizes and boot

    private mutating func readSize(_ kB: Int, defaultKB: Int?, gigantic: Set<Int>?) -> SizeFeatures {
        let dir = KernelPath.pool(kB: kB)
        var size = SizeFeatures(pageSizeKB: kB, isDefault: kB == defaultKB)
        size.giganticByBuddy = gigantic.map { $0.contains(kB) }
        let counters = PoolCounterTable.read(dir, [.total, .free, .reserved], source: reader.source)
        counters.problems.forEach { reader.warn($0) }
        size.poolTotal = counters[.total]
        size.poolFree = counters[.free]
        size.poolReserved = counters[.reserved]
        if let demote = reader.bytes(dir + "/demote_size", quietIfMissing: true) {
            switch KilobyteValue.parse(demote) {
            case .success(let value): size.demoteSizeKB = value
            case .failure(let problem): reader.warn("\(dir)/demote_size: \(problem)")
            }
        }
        if !size.isGigantic {
            // Buddy-allocator sizes are always allocated at run time (a pool write, surplus
            // pages under overcommit); only gigantic sizes need contiguous memory to be found.
            size.runtimeAllocation = true
            size.runtimeAllocationNote = "from the buddy allocator"
        }
        return size
    }

    /// The hugetlb parameters of `/proc/cmdline`, before any `--` (what follows goes to init).
    public static func bootParameters(_ commandLine: String) -> [String] {
        var result: [String] = []
        for word in commandLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            if word == "--" { break }
            let key = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            if ["hugepages", "hugepagesz", "default_hugepagesz"].contains(key) || key.hasPrefix("hugetlb") {
                result.append(String(word))
            }
        }
        return result
    }

    private mutating func readBoot(version: KernelVersion?) -> BootFeatures {
        var boot = BootFeatures()
        boot.perNodeSyntax = version.map { $0 >= BootFeatures.perNodeSyntaxSince }
        if let line = reader.text(KernelPath.commandLine, quietIfMissing: true) {
            boot.commandLineRead = true
            boot.parameters = Self.bootParameters(line)
        }
        return boot
    }

    // MARK: - Mounts and hugetlbfs

    private mutating func readMounts() -> [MountEntry] {
        guard let bytes = reader.bytes(KernelPath.mounts) else { return [] }
        let parsed = Mounts.parse(bytes)
        for problem in parsed.problems { reader.warn("\(KernelPath.mounts): \(problem)") }
        return parsed.entries
    }

    private mutating func readHugetlbfs(mounts: [MountEntry], defaultKB: Int?) -> HugetlbfsFeatures {
        var features = HugetlbfsFeatures()
        if let bytes = reader.bytes(KernelPath.filesystems, quietIfMissing: true) {
            features.available = bytes.lines.contains { line in
                line.fields.last.map { $0.equals("hugetlbfs") } ?? false
            }
        }
        for entry in mounts where entry.fsType == "hugetlbfs" {
            let options = reader.hugetlbfsOptions(entry, defaultPageSizeKB: defaultKB)
            features.mounts.append(HugetlbfsMountFeatures(
                path: entry.mountPoint, pageSizeKB: options.pageSizeKB, sizeLimitPages: options.sizePages,
                minSizePages: options.minSizePages, maxInodes: options.inodeLimit, options: entry.options))
        }
        // A mount seen means the file system is there, even when /proc/filesystems is not.
        if features.available == nil && !features.mounts.isEmpty { features.available = true }
        return features
    }

    // MARK: - cgroup

    private mutating func readCgroup(mounts: [MountEntry], sizes: [Int]) -> CgroupFeatures {
        var cgroup = CgroupFeatures()
        if let bytes = reader.bytes(KernelPath.cgroupControllers, quietIfMissing: true) {
            cgroup.controllerKnown = bytes.lines.contains { $0.fields.first.map { $0.equals("hugetlb") } ?? false }
        }
        let (v1, v2) = HugetlbCgroupReader.hierarchies(mounts, &reader)
        cgroup.v1Mount = v1?.mountPoint
        cgroup.v2Mount = v2?.mountPoint
        // The kernel binds a controller to one hierarchy: a v1 mount takes it off cgroup2.
        if let v1 {
            cgroup.version = 1
            walk(v1.mountPoint, version: 1, into: &cgroup)
        } else if let v2 {
            cgroup.version = 2
            walk(v2.mountPoint, version: 2, into: &cgroup)
        }
        // Per size: seen with rsvd files anywhere, seen only without, or never seen.
        var seen: [Int: Bool] = [:]
        for (kB, rsvd) in walkSizes { seen[kB] = (seen[kB] ?? false) || rsvd }
        cgroup.rsvdFiles = sizes.map { RsvdFiles(pageSizeKB: $0, present: seen[$0]) }
        walkSizes = []
        cgroup.limits.sort { ($0.path, $0.pageSizeKB) < ($1.path, $1.pageSizeKB) }
        return cgroup
    }

    /// (size, has rsvd files) for every cgroup directory with hugetlb files, during a walk.
    private var walkSizes: [(Int, Bool)] = []

    private mutating func walk(_ mountPoint: String, version: Int, into cgroup: inout CgroupFeatures) {
        var queue: [(path: String, depth: Int)] = [(mountPoint, 0)]
        var index = 0
        while index < queue.count {
            let (path, depth) = queue[index]
            index += 1
            let names: [String]
            do {
                names = try source.entries(in: path) { _ in true }
            } catch {
                // A name that is not a directory is simply not a cgroup.
                if error.failure != .system(Errno(ENOTDIR)) && error.failure != .system(.noSuchFile) {
                    reader.warn(error.description)
                }
                continue
            }
            if cgroup.cgroupsScanned >= Self.maxCgroups {
                cgroup.truncated = true
                break
            }
            cgroup.cgroupsScanned += 1
            readLimits(path, names: names, version: version, into: &cgroup)
            for name in names where !HugetlbCgroupReader.isInterfaceFile(name) {
                if depth + 1 > Self.maxCgroupDepth {
                    cgroup.truncated = true
                    continue
                }
                queue.append((path == "/" ? "/" + name : path + "/" + name, depth + 1))
            }
        }
    }

    private mutating func readLimits(_ path: String, names: [String], version: Int, into cgroup: inout CgroupFeatures) {
        let sizes = HugetlbCgroupReader.read(path, names: names, version: version, usage: false, &reader)
        if sizes.isEmpty { return }
        cgroup.cgroupsWithController += 1
        for files in sizes {
            walkSizes.append((files.pageSizeKB, files.rsvdFilesPresent))
            let max = files.limit.bytes, rsvd = files.reservationLimit.bytes
            if max != nil || rsvd != nil {
                cgroup.limits.append(CgroupLimit(path: path, pageSizeKB: files.pageSizeKB, maxBytes: max, rsvdMaxBytes: rsvd,
                                                 rsvdFilesPresent: files.rsvdFilesPresent))
            }
        }
    }

    // MARK: - userfaultfd

    private mutating func readUserfaultfd() -> UserfaultfdFeatures {
        var uffd = UserfaultfdFeatures()
        uffd.unprivilegedSysctl = reader.counter(KernelPath.unprivilegedUserfaultfd, quietIfMissing: true)
        do {
            uffd.devicePresent = !(try source.entries(in: KernelPath.devices) { $0 == "userfaultfd" }).isEmpty
        } catch {
            if error.failure != .system(.noSuchFile) { reader.warn(error.description) }
        }
        if uffd.devicePresent == true, let status = try? source.fileStatus(of: KernelPath.userfaultfdDevice) {
            uffd.deviceMode = status.mode & 0o7777
        }
        return uffd
    }
}
