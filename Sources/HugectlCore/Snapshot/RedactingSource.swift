/// `hugectl snapshot --redact`: the system as hugectl reads it, minus what a bug report should
/// not carry — command lines (the kernel's keeps only its hugetlb parameters), and the names
/// of files and directories (in maps, smaps, numa_maps, open file descriptors, on hugetlbfs
/// mounts, and the child cgroups of the cgroup hierarchies). Names become `redacted-N`, the
/// same name always the same N, under the same mount point, so the analysis of the snapshot is
/// the analysis of the system. The kernel's own names for internal objects (`/anon_hugepage`,
/// `/SYSV...`, `/memfd:`) and the cgroup interface files (`hugetlb.2MB.max`) are kept: they
/// say what a mapping or a limit is.
public final class RedactingSource: SystemSource {
    private let inner: SystemSource
    private var names: [String: String] = [:]
    private var realNames: [String: String] = [:]
    /// hugetlbfs mount points, whose prefix a redacted path keeps.
    private var mountPoints: [String] = []
    /// cgroup and cgroup2 mount points: the child cgroups' names below them are redacted.
    private var cgroupMounts: [String] = []
    private var cgroupEntries: [MountEntry] = []

    public init(_ inner: SystemSource) {
        self.inner = inner
    }

    public var rootPath: String { inner.rootPath }
    public var isLive: Bool { inner.isLive }
    public var manifest: SnapshotManifest? { inner.manifest }

    /// `/dev/hugepages/db.buf` -> `/dev/hugepages/redacted-3`; `/usr/lib/x.so` -> `/redacted-4`.
    func redact(_ path: String) -> String {
        let deleted = path.hasSuffix(" (deleted)")
        let bare = deleted ? String(path.dropLast(" (deleted)".count)) : path
        if bare.isEmpty || !bare.hasPrefix("/") || bare.hasPrefix("/anon_hugepage") || bare.hasPrefix("/SYSV")
            || bare.hasPrefix("/memfd:") { return path }
        let mount = mountPoints.filter { bare.hasPrefix($0 + "/") }.max { $0.count < $1.count }
        let key = bare
        let fake: String
        if let known = names[key] {
            fake = known
        } else {
            fake = (mount ?? "") + "/redacted-\(names.count + 1)"
            names[key] = fake
            realNames[fake] = key
        }
        return deleted ? fake + " (deleted)" : fake
    }

    /// `/proc/cmdline` with only its hugetlb parameters (`hugepages=`, `hugepagesz=`,
    /// `default_hugepagesz=`, `hugetlb*`: what `hugectl features` reports), before any `--`.
    static func redactKernelCommandLine(_ bytes: [UInt8]) -> [UInt8] {
        let kept = FeaturesCollector.bootParameters(String(decoding: bytes, as: UTF8.self))
        return Array((kept.joined(separator: " ") + "\n").utf8)
    }

    /// A path as the system names it: a redacted directory, or a name in one, mapped back.
    private func realPath(_ path: String) -> String {
        if let real = realNames[path] { return real }
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex,
              let parent = realNames[String(path[..<slash])] else { return path }
        return parent + path[slash...]
    }

    public func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        let bytes = try inner.read(realPath(path), limit: limit)
        if path == KernelPath.mounts {
            let entries = Mounts.parse(bytes.all).entries
            mountPoints = entries.filter { $0.fsType == "hugetlbfs" }.map(\.mountPoint)
            cgroupEntries = entries.filter { $0.fsType == "cgroup" || $0.fsType == "cgroup2" }
            cgroupMounts = cgroupEntries.map(\.mountPoint)
            return bytes
        }
        guard path.hasPrefix(KernelPath.processes + "/") else { return bytes }
        if path == KernelPath.commandLine { return Self.redactKernelCommandLine(bytes) }
        if path == KernelPath.selfAuxv { return Self.redactAuxiliaryVector(bytes) }
        if path.hasSuffix("/cmdline") { return [] }
        if path.hasSuffix("/maps") || path.hasSuffix("/smaps") { return redactMaps(bytes) }
        if path.hasSuffix("/numa_maps") { return redactNumaMaps(bytes) }
        if path.hasSuffix("/cgroup") { return redactCgroupFile(bytes) }
        return bytes
    }

    /// `/proc/self/auxv` with only `AT_PAGESZ` (the rest holds addresses of hugectl's own
    /// process): `AT_PAGESZ`, size, `AT_NULL`, 0 in 8-byte words of this machine's byte order.
    static func redactAuxiliaryVector(_ bytes: [UInt8]) -> [UInt8] {
        guard let kB = AuxiliaryVector.pageSizeKB(bytes) else { return [] }
        return [AuxiliaryVector.pageSizeType, UInt64(kB) * 1024, 0, 0].flatMap { word in
            withUnsafeBytes(of: word) { Array($0) }
        }
    }

    /// Header lines keep their first five fields; the path after them is redacted.
    private func redactMaps(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for line in bytes.all.lines {
            let fields = line.fields
            if fields.count >= 6, fields[0].contains(ASCII.dash), !fields[0].contains(ASCII.colon),
               let pathStart = fields[5].first.map({ _ in fields[5].startIndex }) {
                out += line[line.startIndex..<pathStart]
                out += Array(redact(line[pathStart...].text).utf8)
            } else {
                out += line
            }
            out.append(ASCII.newline)
        }
        return out
    }

    /// `file=PATH` (escaped like /proc/mounts) is redacted; everything else is kept.
    private func redactNumaMaps(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        let marker = Array(" file=".utf8)
        for line in bytes.all.lines {
            let raw = Array(line)
            var at: Int?
            if raw.count >= marker.count {
                for i in 0...(raw.count - marker.count) where Array(raw[i..<(i + marker.count)]) == marker {
                    at = i
                    break
                }
            }
            if let at {
                let valueStart = at + marker.count
                var valueEnd = valueStart
                while valueEnd < raw.count && raw[valueEnd] != ASCII.space { valueEnd += 1 }
                let path = unescapeOctal(raw[valueStart..<valueEnd])
                out += raw[..<valueStart]
                out += Array(escapeOctal(redact(path)).utf8)
                out += raw[valueEnd...]
            } else {
                out += raw
            }
            out.append(ASCII.newline)
        }
        return out
    }

    public func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String] {
        let real = realPath(path)
        let found = try inner.entries(in: real, matching: matching)
        func below(_ mounts: [String]) -> Bool { mounts.contains { real == $0 || real.hasPrefix($0 + "/") } }
        // Names on hugetlbfs mounts are file names, and in a cgroup hierarchy every name but
        // the interface files is a child cgroup: redacted like paths.
        let inCgroup = below(cgroupMounts)
        guard below(mountPoints) || inCgroup else { return found }
        return found.map { name in
            if inCgroup && HugetlbCgroupReader.isInterfaceFile(name) { return name }
            return fakeName(name, realParent: real, fakeParent: path)
        }
    }

    /// The redacted name of `name` in the directory `realParent`, which reads as `fakeParent`.
    private func fakeName(_ name: String, realParent: String, fakeParent: String) -> String {
        let realChild = (realParent == "/" ? "" : realParent) + "/" + name
        let fakeChild: String
        if let known = names[realChild], known.hasPrefix(fakeParent + "/") {
            fakeChild = known
        } else {
            fakeChild = fakeParent + "/redacted-\(names.count + 1)"
            names[realChild] = fakeChild
            realNames[fakeChild] = realChild
        }
        return String(fakeChild.dropFirst(fakeParent.count + 1))
    }

    /// `/proc/PID/cgroup` with each cgroup path named as the listing of its hierarchy names it
    /// (`0::/redacted-3/redacted-4`), so the analysis finds the same directories; a path on a
    /// hierarchy that is not mounted becomes `/`.
    private func redactCgroupFile(_ bytes: [UInt8]) -> [UInt8] {
        var out = ""
        for line in bytes.all.lines where !line.isEmpty {
            let text = line.text
            let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let controllers = parts[1].split(separator: ",").map(String.init)
            let mount = cgroupEntries.first { entry in
                controllers.isEmpty ? entry.fsType == "cgroup2"
                    : entry.fsType == "cgroup" && controllers.allSatisfy { entry.options.split(separator: ",").contains(Substring($0)) }
            }?.mountPoint
            var realDir = mount ?? "", fakeDir = mount ?? "", fakePath = ""
            if mount != nil {
                for component in parts[2].split(separator: "/") {
                    let name = fakeName(String(component), realParent: realDir, fakeParent: fakeDir)
                    realDir = (realDir == "/" ? "" : realDir) + "/" + component
                    fakeDir = (fakeDir == "/" ? "" : fakeDir) + "/" + name
                    fakePath += "/" + name
                }
            }
            out += "\(parts[0]):\(parts[1]):\(fakePath.isEmpty ? "/" : fakePath)\n"
        }
        return Array(out.utf8)
    }

    public func filesystemUsage(of path: String) throws(ReadError) -> FilesystemUsage {
        try inner.filesystemUsage(of: path)
    }

    public func fileStatus(of path: String) throws(ReadError) -> FileStatus {
        try inner.fileStatus(of: realPath(path))
    }

    public func linkTarget(of path: String) throws(ReadError) -> String {
        let target = try inner.linkTarget(of: path)
        return path.contains("/fd/") ? redact(target) : target
    }
}
