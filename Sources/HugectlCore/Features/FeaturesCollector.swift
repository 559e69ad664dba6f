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

    /// Starts from what `status` reads (`SnapshotCollector.collectSystemWide`: pools, default
    /// size, kernel release, hugetlbfs mounts, with its warnings) and adds the boot
    /// parameters, the file systems, the cgroup controller and userfaultfd.
    private mutating func run() throws(ReadError) -> FeaturesReport {
        let snapshot = try SnapshotCollector.collectSystemWide(from: source)
        reader.warnings = snapshot.warnings
        var report = FeaturesReport(root: source.rootPath, isLive: source.isLive)
        report.kernelRelease = snapshot.kernelRelease
        report.defaultPageSizeKB = snapshot.defaultPageSizeKB
        report.hostname = snapshot.hostname
        report.generatedAt = snapshot.collectedAt
        report.sizes = snapshot.pools.map { size($0, defaultKB: snapshot.defaultPageSizeKB) }
        report.boot = readBoot(version: report.kernelVersion)
        report.hugetlbfs = readHugetlbfs(snapshot.mounts)
        report.cgroup = readCgroup(mounts: readMountEntries(), sizes: snapshot.pools.map(\.pageSizeKB))
        report.userfaultfd = readUserfaultfd()
        report.warnings = reader.warnings
        return report
    }

    // MARK: - Sizes and boot

    private func size(_ pool: HugePagePool, defaultKB: Int?) -> SizeFeatures {
        var size = SizeFeatures(pageSizeKB: pool.pageSizeKB, isDefault: pool.pageSizeKB == defaultKB)
        size.giganticByBuddy = pool.giganticByBuddy
        size.poolTotal = pool.total
        size.poolFree = pool.free
        size.poolReserved = pool.reserved
        size.demoteSizeKB = pool.demoteSizeKB
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

    /// Every mount, for the cgroup hierarchies; `/proc/mounts`' problems were warned about
    /// when the hugetlbfs mounts were read.
    private mutating func readMountEntries() -> [MountEntry] {
        guard let bytes = try? source.read(KernelPath.mounts) else { return [] }
        return Mounts.parse(bytes[...]).entries
    }

    private mutating func readHugetlbfs(_ mounts: [HugetlbfsMount]) -> HugetlbfsFeatures {
        var features = HugetlbfsFeatures()
        if let bytes = reader.bytes(KernelPath.filesystems, quietIfMissing: true) {
            features.available = bytes.lines.contains { line in
                line.fields.last.map { $0.equals("hugetlbfs") } ?? false
            }
        }
        features.mounts = mounts.map { mount in
            HugetlbfsMountFeatures(path: mount.path, pageSizeKB: mount.pageSizeKB, sizeLimitPages: mount.sizeLimitPages,
                                   minSizePages: mount.minSizePages, maxInodes: mount.inodeLimit, options: mount.options)
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
