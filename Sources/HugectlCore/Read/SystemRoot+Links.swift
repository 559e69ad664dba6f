#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SystemRoot {
    /// Its files are read through descriptors it opens and closes in each call, and it keeps
    /// no other state: any number of threads may read it at once.
    public var readsConcurrently: Bool { true }

    /// The running system's links through the directory opened once: `fstatat(2)` of each
    /// name, then `readlinkat(2)` of those `keeping` accepts and `targetMatches` of their
    /// targets, which spares the kernel the walk of the whole path (`/proc`, the PID, `fd`) for
    /// every descriptor, and the `d_path` of every descriptor that cannot be kept (most are
    /// pipes, sockets, terminals and ordinary files). The links kept are those the one-by-one
    /// order keeps (`linksOneByOne`, target first): a link is kept when its target passes
    /// `targetMatches` and its status `keeping`, whichever is asked first. A tree answers from
    /// its manifest, one call at a time, in that order. A kept descriptor whose file has one
    /// name (`st_nlink` at most 1: no other link to it that a descriptor could have been
    /// opened by) and whose target `knownTarget` gives (the process's maps showed the same
    /// file) costs no `readlinkat` either: a DPDK process holds hundreds of such files.
    public func links(in path: String, matching: (String) -> Bool, targetMatches: (String) -> Bool,
                      keeping: (FileStatus) -> Bool, knownTarget: (FileStatus) -> String?) throws(ReadError) -> [DirectoryLink] {
        guard isLive else {
            guard let manifest else {
                return try linksOneByOne(in: path, matching: matching, targetMatches: targetMatches, keeping: keeping)
            }
            return try replayedLinks(in: path, manifest, matching: matching, targetMatches: targetMatches, keeping: keeping)
        }
        let dir = try openDirectory(location(path), path: path)
        defer { closedir(dir) }
        let dirFD = dirfd(dir)
        var found: [DirectoryLink] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for name in directoryNames(dir, matching: matching) {
            var info = stat()
            guard fstatat(dirFD, name, &info, 0) == 0 else { continue }
            let status = FileStatus(info)
            guard keeping(status) else { continue }
            let known = info.st_nlink <= 1 ? knownTarget(status) : nil
            guard let target = known ?? linkText(&buffer, { readlinkat(dirFD, name, $0, $1) }),
                  targetMatches(target) else { continue }
            found.append(DirectoryLink(name: name, target: target, status: status))
        }
        return found
    }
}

extension SystemRoot {
    /// A tree's links, answered from its manifest as `linksOneByOne` answers them through
    /// `linkTarget(of:)` and `fileStatus(of:)` (a recorded answer, or none), but with each
    /// entry's path looked up as `path/` + name without making that String: a process of the
    /// tree may hold 60,000 descriptors.
    private func replayedLinks(in path: String, _ manifest: SnapshotManifest, matching: (String) -> Bool,
                               targetMatches: (String) -> Bool, keeping: (FileStatus) -> Bool) throws(ReadError) -> [DirectoryLink] {
        let names = try entries(in: path, matching: matching)
        let prefix = path + "/"
        var found: [DirectoryLink] = []
        found.reserveCapacity(names.count)
        // The names come sorted, as the manifest's lines: each most often right after the last.
        var linkHint = -1, statusHint = -1
        for name in names {
            guard let target = manifest.links.value(prefix: prefix, name: name, hint: &linkHint), targetMatches(target),
                  let status = manifest.statuses.value(prefix: prefix, name: name, hint: &statusHint), keeping(status)
            else { continue }
            found.append(DirectoryLink(name: name, target: target, status: status))
        }
        return found
    }
}

/// A directory stream on `location` (`path` names it in errors), non-blocking and close-on-exec.
func openDirectory(_ location: FileLocation, path: String) throws(ReadError) -> OpaquePointer {
    let dirFD: Int32
    do {
        dirFD = try location.open(O_RDONLY | O_DIRECTORY | O_NONBLOCK)
    } catch {
        throw ReadError(path: path, failure: error)
    }
    guard let dir = fdopendir(dirFD) else {
        let failure = ReadFailure.system(.current)
        close(dirFD)
        throw ReadError(path: path, failure: failure)
    }
    return dir
}

/// The names in a directory stream, but `.` and `..`, that `matching` accepts, sorted.
func directoryNames(_ dir: OpaquePointer, matching: (String) -> Bool) -> [String] {
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name != "." && name != ".." && matching(name) { names.append(name) }
    }
    return names.sorted()
}

extension FileStatus {
    /// What `stat(2)` filled in.
    init(_ info: stat) {
        self.init(device: DeviceNumber(encoded: UInt64(truncatingIfNeeded: info.st_dev)),
                  inode: UInt64(truncatingIfNeeded: info.st_ino), mode: UInt32(truncatingIfNeeded: info.st_mode),
                  size: UInt64(truncatingIfNeeded: info.st_size), blocks: UInt64(truncatingIfNeeded: info.st_blocks),
                  blockSize: UInt64(truncatingIfNeeded: info.st_blksize))
    }
}

/// What a `readlink(2)`-like `call` (given the buffer and its size) wrote into `buffer`, as
/// text; nil when it failed (`errno` says why).
func linkText(_ buffer: inout [UInt8], _ call: (UnsafeMutablePointer<CChar>, Int) -> Int) -> String? {
    let count = buffer.withUnsafeMutableBufferPointer { raw -> Int in
        raw.baseAddress.map { base in
            base.withMemoryRebound(to: CChar.self, capacity: raw.count) { call($0, raw.count) }
        } ?? -1
    }
    return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
}
