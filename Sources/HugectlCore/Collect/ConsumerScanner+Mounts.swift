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
            // per-page layouts (DPDK) have thousands. Those right in the mount's directory are
            // kept by name (short names need no allocation, and no path is made to look one
            // up), the others by path.
            let prefix = mount.path + "/"
            let byName = mount.path != "/"
            var knownNames: Set<String> = []
            var knownPaths: Set<String> = []
            knownNames.reserveCapacity(objects.count)
            var lastDevice: DeviceNumber?
            var deviceHere = false
            for object in objects.values where object.mountPoint == mount.path && object.instantiated != nil {
                guard let path = object.path, path.hasPrefix(prefix) else { continue }
                if object.id.device != lastDevice {
                    lastDevice = object.id.device
                    deviceHere = hugetlbfsDevices[object.id.device]?.mountPoint == mount.path
                }
                guard deviceHere else { continue }
                if byName, let name = Self.name(of: path, in: prefix) {
                    knownNames.insert(name)
                } else {
                    knownPaths.insert(path)
                }
            }
            var pending = [mount.path]
            while let dir = pending.popLast(), budget > 0 {
                guard let names = try? source.entries(in: dir, matching: { _ in true }) else { continue }
                let top = byName && dir == mount.path
                for name in names {
                    // Files known already cost no stat(2) and count against no bound.
                    if top && knownNames.contains(name) { continue }
                    let path = (dir == "/" ? "" : dir) + "/" + name
                    if !knownPaths.isEmpty && knownPaths.contains(path) { continue }
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

    /// The name of the entry `path` is right below `prefix` (a directory with its slash),
    /// byte for byte; nil when its bytes do not start with the prefix's or it is further down.
    static func name(of path: String, in prefix: String) -> String? {
        var path = path
        var prefix = prefix
        return path.withUTF8 { whole in
            prefix.withUTF8 { head -> String? in
                guard whole.count > head.count, let wholeBase = whole.baseAddress, let headBase = head.baseAddress,
                      memcmp(wholeBase, headBase, head.count) == 0 else { return nil }
                let rest = UnsafeBufferPointer(rebasing: whole[head.count...])
                return rest.contains(UInt8(ascii: "/")) ? nil : String(decoding: rest, as: UTF8.self)
            }
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
