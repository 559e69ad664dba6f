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
        return report
    }

    // MARK: - Reading

    // MARK: - Sizes and boot

    private mutating func readSize(_ kB: Int, defaultKB: Int?, gigantic: Set<Int>?) -> SizeFeatures {
        let dir = KernelPath.pool(kB: kB)
        var size = SizeFeatures(pageSizeKB: kB, isDefault: kB == defaultKB)
        size.giganticByBuddy = gigantic.map { $0.contains(kB) }
        size.poolTotal = reader.counter(dir + "/nr_hugepages")
        size.poolFree = reader.counter(dir + "/free_hugepages")
        size.poolReserved = reader.counter(dir + "/resv_hugepages")
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
        if let bytes = reader.bytes("/proc/filesystems", quietIfMissing: true) {
            features.available = bytes.lines.contains { line in
                line.fields.last.map { $0.equals("hugetlbfs") } ?? false
            }
        }
        for entry in mounts where entry.fsType == "hugetlbfs" {
            let limits = reader.hugetlbfsLimits(entry, defaultPageSizeKB: defaultKB)
            features.mounts.append(HugetlbfsMountFeatures(
                path: entry.mountPoint, pageSizeKB: limits.pageSizeKB, sizeLimitPages: limits.sizePages,
                minSizePages: limits.minSizePages, maxInodes: entry.option("nr_inodes").flatMap { Int($0) },
                options: entry.options))
        }
        // A mount seen means the file system is there, even when /proc/filesystems is not.
        if features.available == nil && !features.mounts.isEmpty { features.available = true }
        return features
    }

    // MARK: - cgroup

    private mutating func readCgroup(mounts: [MountEntry], sizes: [Int]) -> CgroupFeatures {
        var cgroup = CgroupFeatures()
        if let bytes = reader.bytes("/proc/cgroups", quietIfMissing: true) {
            cgroup.controllerKnown = bytes.lines.contains { $0.fields.first.map { $0.equals("hugetlb") } ?? false }
        }
        let v1 = mounts.first { entry in
            entry.fsType == "cgroup" && entry.options.split(separator: ",").contains("hugetlb")
        }
        var v2: MountEntry?
        for entry in mounts where entry.fsType == "cgroup2" {
            guard let controllers = reader.text(entry.mountPoint + "/cgroup.controllers", quietIfMissing: true) else { continue }
            if controllers.split(separator: " ").contains("hugetlb") {
                v2 = entry
                break
            }
        }
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

    /// Names a cgroup directory holds that are interface files, not child cgroups: every
    /// `<controller>.<name>` of the controllers hugectl knows, and v1's unprefixed ones.
    static func isInterfaceFile(_ name: String) -> Bool {
        if ["tasks", "notify_on_release", "release_agent"].contains(name) { return true }
        guard let dot = name.firstIndex(of: ".") else { return false }
        let prefix = name[..<dot]
        return ["cgroup", "hugetlb", "memory", "cpu", "cpuset", "cpuacct", "io", "blkio", "pids", "rdma",
                "misc", "irq", "devices", "freezer", "net_cls", "net_prio", "perf_event", "dmem"].contains(String(prefix))
    }

    /// `hugetlb.2MB.rsvd.max` -> (2048, "rsvd.max"); the kernel names sizes with `mem_fmt`
    /// (`64KB`, `2MB`, `1GB`).
    static func hugetlbFile(_ name: String) -> (kB: Int, rest: String)? {
        guard name.hasPrefix("hugetlb.") else { return nil }
        let parts = name.dropFirst("hugetlb.".count).split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let kB = PageSize.parse(String(parts[0])) else { return nil }
        return (kB, String(parts[1]))
    }

    /// A limit file's value: nil for `max` and the kernel's "unlimited" figures (an unset
    /// limit reads `max` in v2, but 9223372036854771712 — the page counter's maximum in bytes
    /// — in v1 and for some v2 rsvd files: J1, J2). Anything at or above 2^62 bytes is that.
    static func limitValue(_ text: String) -> (value: Int?, valid: Bool) {
        if text == "max" { return (nil, true) }
        guard !text.isEmpty, text.utf8.allSatisfy(ASCII.isDigit) else { return (nil, false) }
        // Past Int.max is unlimited too.
        guard let value = Array(text.utf8)[...].decimal else { return (nil, true) }
        return value >= 1 << 62 ? (nil, true) : (value, true)
    }

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
            for name in names where !Self.isInterfaceFile(name) {
                if depth + 1 > Self.maxCgroupDepth {
                    cgroup.truncated = true
                    continue
                }
                queue.append((path == "/" ? "/" + name : path + "/" + name, depth + 1))
            }
        }
    }

    private mutating func readLimits(_ path: String, names: [String], version: Int, into cgroup: inout CgroupFeatures) {
        let files = Set(names)
        var sizes: Set<Int> = []
        for name in names {
            if let (kB, _) = Self.hugetlbFile(name) { sizes.insert(kB) }
        }
        if sizes.isEmpty { return }
        cgroup.cgroupsWithController += 1
        let maxName = version == 1 ? "limit_in_bytes" : "max"
        for kB in sizes.sorted() {
            let label = Self.cgroupSizeName(kB)
            let rsvdFile = "hugetlb.\(label).rsvd.\(maxName)"
            let hasRsvd = files.contains(rsvdFile)
            walkSizes.append((kB, hasRsvd))
            func limit(_ file: String) -> Int? {
                guard files.contains(file), let value = reader.text(path + "/" + file) else { return nil }
                let parsed = Self.limitValue(value)
                if !parsed.valid { reader.warn("\(path)/\(file): not a limit: '\(value.clipped)'") }
                return parsed.value
            }
            let max = limit("hugetlb.\(label).\(maxName)")
            let rsvd = hasRsvd ? limit(rsvdFile) : nil
            if max != nil || rsvd != nil {
                cgroup.limits.append(CgroupLimit(path: path, pageSizeKB: kB, maxBytes: max, rsvdMaxBytes: rsvd,
                                                 rsvdFilesPresent: hasRsvd))
            }
        }
    }

    /// 2048 -> `2MB`, 1048576 -> `1GB`, 64 -> `64KB`: the kernel's `mem_fmt`.
    static func cgroupSizeName(_ kB: Int) -> String {
        if kB >= 1 << 20 && kB % (1 << 20) == 0 { return "\(kB >> 20)GB" }
        if kB >= 1 << 10 && kB % (1 << 10) == 0 { return "\(kB >> 10)MB" }
        return "\(kB)KB"
    }

    // MARK: - userfaultfd

    private mutating func readUserfaultfd() -> UserfaultfdFeatures {
        var uffd = UserfaultfdFeatures()
        uffd.unprivilegedSysctl = reader.counter("/proc/sys/vm/unprivileged_userfaultfd", quietIfMissing: true)
        do {
            uffd.devicePresent = !(try source.entries(in: "/dev") { $0 == "userfaultfd" }).isEmpty
        } catch {
            if error.failure != .system(.noSuchFile) { reader.warn(error.description) }
        }
        if uffd.devicePresent == true, let status = try? source.fileStatus(of: "/dev/userfaultfd") {
            uffd.deviceMode = status.mode & 0o7777
        }
        return uffd
    }
}
