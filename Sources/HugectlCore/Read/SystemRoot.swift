#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The running system (root `/`) or a captured tree (`--root DIR`): every path is the root's
/// directory followed by the kernel's path. A tree made by `hugectl snapshot` also answers
/// `statfs` and replays read errors from its manifest, so that analysing it gives exactly the
/// answer the live system gave.
public final class SystemRoot: SystemSource {
    public let rootPath: String
    public let isLive: Bool
    public let manifest: SnapshotManifest?
    /// `rootPath` without a trailing slash; empty for `/`.
    private let prefix: String

    /// The running system.
    public static func live() -> SystemRoot {
        SystemRoot(rootPath: "/", prefix: "", isLive: true, manifest: nil)
    }

    private init(rootPath: String, prefix: String, isLive: Bool, manifest: SnapshotManifest?) {
        self.rootPath = rootPath
        self.prefix = prefix
        self.isLive = isLive
        self.manifest = manifest
    }

    /// A root given by the operator. `/` is the live system; anything else must be an existing
    /// directory and is treated as a captured tree.
    public static func open(_ directory: String) throws(ReadError) -> SystemRoot {
        var trimmed = directory
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed == "/" { return live() }
        guard !trimmed.isEmpty else {
            throw ReadError(path: directory, failure: .system(.noSuchFile))
        }
        var info = stat()
        if stat(trimmed, &info) != 0 {
            throw ReadError(path: directory, failure: .system(.current))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ReadError(path: directory, failure: .system(Errno(ENOTDIR)))
        }
        var manifest: SnapshotManifest?
        if let bytes = try? readWholeFile(trimmed + SnapshotManifest.path, limit: ReadLimit.smallFile) {
            manifest = SnapshotManifest.parse(bytes)
        }
        return SystemRoot(rootPath: directory, prefix: trimmed, isLive: false, manifest: manifest)
    }

    public func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        if let recorded = manifest?.errors[path] {
            throw ReadError(path: path, failure: recorded)
        }
        do {
            return try readWholeFile(prefix + path, limit: limit)
        } catch {
            throw ReadError(path: path, failure: error)
        }
    }

    public func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String] {
        if let recorded = manifest?.errors[path] {
            throw ReadError(path: path, failure: recorded)
        }
        if let listed = manifest?.listings[path] {
            return listed.filter(matching).sorted()
        }
        guard let dir = opendir(prefix + path) else {
            throw ReadError(path: path, failure: .system(.current))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if matching(name) { names.append(name) }
        }
        return names.sorted()
    }

    public func filesystemUsage(of path: String) throws(ReadError) -> FilesystemUsage {
        guard isLive else {
            if let recorded = manifest?.filesystems[path] { return recorded }
            if let failure = manifest?.errors[SnapshotManifest.statfsErrorKey(path)] {
                throw ReadError(path: path, failure: failure)
            }
            throw ReadError(path: path, failure: .notRecorded)
        }
        // statvfs(3) is statfs(2) with the same counts; Glibc's module map exposes only it.
        var info = statvfs()
        if statvfs(prefix + path, &info) != 0 {
            throw ReadError(path: path, failure: .system(.current))
        }
        return FilesystemUsage(
            blockSize: UInt64(truncatingIfNeeded: info.f_bsize),
            blocks: UInt64(truncatingIfNeeded: info.f_blocks),
            blocksFree: UInt64(truncatingIfNeeded: info.f_bfree),
            blocksAvailable: UInt64(truncatingIfNeeded: info.f_bavail),
            files: UInt64(truncatingIfNeeded: info.f_files),
            filesFree: UInt64(truncatingIfNeeded: info.f_ffree))
    }
}

extension SystemRoot {
    public func fileStatus(of path: String) throws(ReadError) -> FileStatus {
        guard isLive else {
            if let recorded = manifest?.statuses[path] { return recorded }
            throw ReadError(path: path, failure: manifest?.errors[SnapshotManifest.statErrorKey(path)] ?? .notRecorded)
        }
        var info = stat()
        if stat(prefix + path, &info) != 0 {
            throw ReadError(path: path, failure: .system(.current))
        }
        return FileStatus(
            device: DeviceNumber(encoded: UInt64(truncatingIfNeeded: info.st_dev)),
            inode: UInt64(truncatingIfNeeded: info.st_ino), mode: UInt32(truncatingIfNeeded: info.st_mode),
            size: UInt64(truncatingIfNeeded: info.st_size), blocks: UInt64(truncatingIfNeeded: info.st_blocks),
            blockSize: UInt64(truncatingIfNeeded: info.st_blksize))
    }

    public func linkTarget(of path: String) throws(ReadError) -> String {
        guard isLive else {
            if let recorded = manifest?.links[path] { return recorded }
            throw ReadError(path: path, failure: manifest?.errors[SnapshotManifest.linkErrorKey(path)] ?? .system(.noSuchFile))
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBufferPointer { raw -> Int in
            raw.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: raw.count) { readlink(prefix + path, $0, raw.count) }
            } ?? -1
        }
        if count < 0 { throw ReadError(path: path, failure: .system(.current)) }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

/// Reads a whole file with a `read(2)` loop until it returns 0.
///
/// Foundation's whole-file readers stop at the first short read when `st_size` is 0, which
/// truncates `/proc/PID/smaps` and friends: seq_file hands out whole lines per `read()`, so a
/// short read is not the end. Only regular files are read (a FIFO or device in a hostile tree
/// would block or never end), opened non-blocking and bounded by `limit`.
func readWholeFile(_ fullPath: String, limit: Int) throws(ReadFailure) -> [UInt8] {
    let fd = Glibc.open(fullPath, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
    if fd < 0 { throw .system(.current) }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw .system(.current) }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw .system(.isDirectory)
    default: throw .notRegularFile
    }
    // sysfs reports 4096 for every attribute and proc reports 0: a hint, never a promise.
    let hinted = Int(clamping: info.st_size)
    var capacity = max(4096, min(hinted + 1, limit + 1))
    var buffer = [UInt8](repeating: 0, count: capacity)
    var count = 0
    while true {
        if count == capacity {
            if capacity > limit { throw .tooLarge(limit: limit) }
            capacity = min(capacity * 2, limit + 1)
            buffer.append(contentsOf: repeatElement(0, count: capacity - buffer.count))
        }
        let got = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return Glibc.read(fd, base + count, capacity - count)
        }
        if got < 0 {
            let err = Errno.current
            if err == .interrupted { continue }
            throw .system(err)
        }
        if got == 0 { break }
        count += got
    }
    if count > limit { throw .tooLarge(limit: limit) }
    buffer.removeSubrange(count...)
    return buffer
}
