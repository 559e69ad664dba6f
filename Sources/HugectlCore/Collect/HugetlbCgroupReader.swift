/// The one reader of the hugetlb cgroup controller's files (mm/hugetlb_cgroup.c), for
/// `features` (the limits anywhere in the hierarchy) and for the analysis (the limits and usage
/// of the cgroups hugetlb holders are in). Per page size, named with the kernel's `mem_fmt`
/// (`2MB`, `1GB`): cgroup2 `hugetlb.<size>.max`, `.current`, `.rsvd.max`, `.rsvd.current`;
/// v1 `limit_in_bytes`, `usage_in_bytes`, `rsvd.limit_in_bytes`, `rsvd.usage_in_bytes`; all in
/// bytes. Everything goes through the `WarningReader`'s source.
enum HugetlbCgroupReader {
    /// What one of the files says.
    enum Value: Equatable {
        /// Not in the directory (the controller is not enabled there, or the kernel lacks it).
        case absent
        /// `max`, or the page counter's maximum.
        case unlimited
        case bytes(Int)
        /// A warning names the file.
        case unreadable

        var bytes: Int? {
            if case .bytes(let n) = self { return n }
            return nil
        }

        /// Whole huge pages (`hugetlb_cgroup_write` rounds a limit down to them); absent is
        /// unlimited: no counter, no limit.
        func limit(kB: Int) -> CgroupPageLimit? {
            switch self {
            case .absent, .unlimited: return .unlimited
            case .bytes(let n): return .pages(n / max(1, kB * 1024))
            case .unreadable: return nil
            }
        }

        func usage(kB: Int) -> Int? { bytes.map { $0 / max(1, kB * 1024) } }
    }

    /// One page size's files in one cgroup directory.
    struct SizeFiles: Equatable {
        var pageSizeKB: Int
        var limit: Value
        var reservationLimit: Value
        var usage: Value
        var reservationUsage: Value
        var rsvdFilesPresent: Bool
    }

    /// The v1 hierarchy with the `hugetlb` controller, and the first cgroup2 mount whose root
    /// offers it (`cgroup.controllers`). The kernel binds a controller to one hierarchy: a v1
    /// mount takes it off cgroup2.
    static func hierarchies(_ mounts: [MountEntry], _ reader: inout WarningReader) -> (v1: MountEntry?, v2: MountEntry?) {
        let v1 = mounts.first { entry in
            entry.fsType == "cgroup" && entry.options.split(separator: ",").contains("hugetlb")
        }
        for entry in mounts where entry.fsType == "cgroup2" {
            guard let controllers = reader.text(entry.mountPoint + "/cgroup.controllers", quietIfMissing: true) else { continue }
            if controllers.split(separator: " ").contains("hugetlb") { return (v1, entry) }
        }
        return (v1, nil)
    }

    /// The hierarchy in use: (version, mount point), or nil.
    static func hierarchy(_ mounts: [MountEntry], _ reader: inout WarningReader) -> (version: Int, mountPoint: String)? {
        let found = hierarchies(mounts, &reader)
        if let v1 = found.v1 { return (1, v1.mountPoint) }
        if let v2 = found.v2 { return (2, v2.mountPoint) }
        return nil
    }

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

    /// 2048 -> `2MB`, 1048576 -> `1GB`, 64 -> `64KB`: the kernel's `mem_fmt`.
    static func sizeName(_ kB: Int) -> String {
        if kB >= 1 << 20 && kB % (1 << 20) == 0 { return "\(kB >> 20)GB" }
        if kB >= 1 << 10 && kB % (1 << 10) == 0 { return "\(kB >> 10)MB" }
        return "\(kB)KB"
    }

    /// The hugetlb files of the cgroup directory `path`, whose listing is `names`: for each
    /// page size there (or only `sizes`, when given), the limits, and with `usage` the
    /// current figures too.
    static func read(_ path: String, names: [String], version: Int, usage: Bool, sizes wanted: Set<Int>? = nil,
                     _ reader: inout WarningReader) -> [SizeFiles] {
        let files = Set(names)
        var sizes: Set<Int> = []
        for name in names {
            if let (kB, _) = hugetlbFile(name), wanted?.contains(kB) ?? true { sizes.insert(kB) }
        }
        let (maxName, usageName) = version == 1 ? ("limit_in_bytes", "usage_in_bytes") : ("max", "current")
        var result: [SizeFiles] = []
        for kB in sizes.sorted() {
            let prefix = "hugetlb.\(sizeName(kB))."
            func value(_ file: String, limit: Bool) -> Value {
                guard files.contains(file) else { return .absent }
                guard let text = reader.text(path + "/" + file) else { return .unreadable }
                let parsed = limitValue(text)
                // A usage file never says max; a figure past 2^62 is no usage either.
                guard parsed.valid, limit || parsed.value != nil else {
                    reader.warn("\(path)/\(file): not a \(limit ? "limit" : "number"): '\(text.clipped)'")
                    return .unreadable
                }
                return parsed.value.map(Value.bytes) ?? .unlimited
            }
            let rsvdFile = prefix + "rsvd." + maxName
            let hasRsvd = files.contains(rsvdFile)
            result.append(SizeFiles(
                pageSizeKB: kB, limit: value(prefix + maxName, limit: true),
                reservationLimit: hasRsvd ? value(rsvdFile, limit: true) : .absent,
                usage: usage ? value(prefix + usageName, limit: false) : .absent,
                reservationUsage: usage && hasRsvd ? value(prefix + "rsvd." + usageName, limit: false) : .absent,
                rsvdFilesPresent: hasRsvd))
        }
        return result
    }

    /// The cgroups of `paths` (as `/proc/PID/cgroup` names them) and every ancestor, with
    /// their limits and usage for `sizes`, from the hugetlb hierarchy among `mounts`.
    static func collect(paths: Set<String>, sizes: Set<Int>, mounts: [MountEntry], _ reader: inout WarningReader)
        -> HugetlbCgroups {
        guard let (version, mountPoint) = hierarchy(mounts, &reader) else { return HugetlbCgroups() }
        var all: Set<String> = []
        for path in paths.sorted() {
            var current: String? = path
            while let at = current, all.count < FeaturesCollector.maxCgroups, all.insert(at).inserted {
                current = HugetlbCgroup(path: at).parentPath
            }
        }
        var groups: [HugetlbCgroup] = []
        for path in all.sorted() {
            let dir = path == "/" ? mountPoint : (mountPoint == "/" ? "" : mountPoint) + path
            var group = HugetlbCgroup(path: path)
            do {
                let names = try reader.source.entries(in: dir) { hugetlbFile($0) != nil }
                // The cgroup2 root has only numa_stat: no counter to charge, no limit.
                let found = read(dir, names: names, version: version, usage: true, sizes: sizes, &reader)
                group.sizes = found.filter { $0.limit != .absent }.map { files in
                    let kB = files.pageSizeKB
                    return HugetlbCgroupUsage(
                        pageSizeKB: kB, limit: files.limit.limit(kB: kB), usage: files.usage.usage(kB: kB),
                        reservationLimit: files.reservationLimit.limit(kB: kB),
                        reservationUsage: files.reservationUsage.usage(kB: kB))
                }
            } catch {
                reader.warn(error.description)
                group.unreadable = true
            }
            groups.append(group)
        }
        return HugetlbCgroups(version: version, mountPoint: mountPoint, groups: groups)
    }
}
