#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension ConsumerScanner {
    /// SysV segments (`/proc/sysvipc/shm`); a problem in the file is a warning.
    mutating func readSegments() -> [SysvSegment] {
        let path = KernelPath.sysvShm
        guard let bytes = try? source.read(path) else { return [] }
        let parsed = SysvShmParser.parse(bytes.all)
        for problem in parsed.problems { warnings.append("\(path): \(problem)") }
        return parsed.segments
    }

    /// A segment's size and resident pages complete the object its attachments showed. A
    /// segment nobody has attached cannot be told apart from a shmem one in /proc.
    mutating func noteSegment(_ segment: SysvSegment, sysvByShmid: [UInt64: ObjectID]) {
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
    mutating func walkMounts() {
        var budget = Self.mountWalkLimit
        for mount in mounts {
            guard let pageSize = mount.pageSizeKB else { continue }
            // Files already known with their page count (a process holds them open or maps
            // them, by this path on this mount's superblock) need no second stat(2): one-file-
            // per-page layouts (DPDK) have thousands. They are kept by directory and name, so
            // that an entry is looked up by its name in its directory's set (short names need
            // no allocation), and no path is made for it (`directoryAndName`).
            let prefix = mount.path + "/"
            var knownNames: [String: Set<String>] = [:]
            var lastDevice: DeviceNumber?
            var deviceHere = false
            // The names of the directory met last, most often the directory of every file.
            var directory: String?
            var namesThere: Set<String> = []
            for object in objects.values where object.mountPoint == mount.path && object.instantiated != nil {
                guard let path = object.path, path.hasPrefix(prefix) else { continue }
                if object.id.device != lastDevice {
                    lastDevice = object.id.device
                    deviceHere = hugetlbfsDevices[object.id.device]?.mountPoint == mount.path
                }
                guard deviceHere else { continue }
                Self.withDirectoryAndName(of: path) { directoryBytes, name in
                    if directory.map({ Self.sameBytes($0, directoryBytes) }) == true {
                        namesThere.insert(name)
                        return
                    }
                    if let known = directory { knownNames[known] = namesThere }
                    let next = String(decoding: directoryBytes, as: UTF8.self)
                    namesThere = knownNames.removeValue(forKey: next) ?? Set(minimumCapacity: knownNames.isEmpty ? objects.count : 0)
                    namesThere.insert(name)
                    directory = next
                }
            }
            if let known = directory { knownNames[known] = namesThere }
            var pending = [mount.path]
            while let dir = pending.popLast(), budget > 0 {
                guard let names = try? source.entries(in: dir, matching: { _ in true }) else { continue }
                let known = knownNames[dir]
                for name in names {
                    // Files known already cost no stat(2) and count against no bound.
                    if let known, known.contains(name) { continue }
                    let path = (dir == "/" ? "" : dir) + "/" + name
                    budget -= 1
                    if budget <= 0 {
                        warnings.append("hugetlbfs mounts: more than \(Self.mountWalkLimit) entries; the rest were not examined")
                        break
                    }
                    guard let status = try? source.fileStatus(of: path) else { continue }
                    if status.isDirectory {
                        pending.append(path)
                    } else if status.isRegular {
                        noteMountFile(path, status, pageSizeKB: pageSize, mountPoint: mount.path)
                    }
                }
            }
        }
    }

    /// The directory and the name the walk gives a file at `path` (the walk makes the path
    /// of a name in a directory as `directory + "/" + name`, `"/" + name` in `/`): split at
    /// its last slash, byte for byte; nil for a path the walk never makes (no slash, an empty
    /// name, or a slash doubled before the name).
    static func directoryAndName(of path: String) -> (directory: String, name: String)? {
        var split: (String, String)?
        withDirectoryAndName(of: path) { split = (String(decoding: $0, as: UTF8.self), $1) }
        return split
    }

    /// Whether `string`'s UTF-8 is `bytes`, byte for byte.
    static func sameBytes(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var string = string
        return string.withUTF8 { mine in
            mine.count == bytes.count && (mine.isEmpty || memcmp(mine.baseAddress!, bytes.baseAddress!, mine.count) == 0)
        }
    }

    /// `body` with the bytes of the directory and the name of `directoryAndName`, when there
    /// are: the directory is made a String only by whoever needs one.
    static func withDirectoryAndName(of path: String, _ body: (UnsafeBufferPointer<UInt8>, String) -> Void) {
        var path = path
        path.withUTF8 { bytes in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), slash + 1 < bytes.count else { return }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(slash + 1)...]), as: UTF8.self)
            if slash == 0 {
                body(UnsafeBufferPointer(rebasing: bytes[..<1]), name)
                return
            }
            guard bytes[slash - 1] != UInt8(ascii: "/") else { return }
            body(UnsafeBufferPointer(rebasing: bytes[..<slash]), name)
        }
    }

    /// A regular file found on a hugetlbfs mount: a new object, or the mount point and page
    /// count of one a process showed without them.
    private mutating func noteMountFile(_ path: String, _ status: FileStatus, pageSizeKB: Int, mountPoint: String) {
        let id = ObjectID(device: status.device, inode: status.inode)
        let pages = Self.pages(blocks: status.blocks, pageSizeKB: pageSizeKB)
        guard var object = objects[id] else {
            objects[id] = HugetlbObject(id: id, kind: .file, pageSizeKB: pageSizeKB, path: path, sizeBytes: status.size,
                                        instantiated: pages, mountPoint: mountPoint)
            return
        }
        object.mountPoint = mountPoint
        if object.instantiated == nil {
            object.instantiated = pages
            object.sizeBytes = status.size
            object.sizeKnown = true
        }
        objects[id] = object
    }
}
