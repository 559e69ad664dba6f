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
    /// For a tree: resolves every path inside it (links included), never outside.
    private let tree: TreeResolver?

    /// The running system.
    public static func live() -> SystemRoot {
        SystemRoot(rootPath: "/", prefix: "", isLive: true, manifest: nil, tree: nil)
    }

    private init(rootPath: String, prefix: String, isLive: Bool, manifest: SnapshotManifest?, tree: TreeResolver?) {
        self.rootPath = rootPath
        self.prefix = prefix
        self.isLive = isLive
        self.manifest = manifest
        self.tree = tree
    }

    deinit {
        if let tree { close(tree.rootFD) }
    }

    /// Where `path` (the kernel's) is for this root.
    func location(_ path: String) -> FileLocation {
        tree.map { .tree($0, path) } ?? .path(prefix + path)
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
        let rootFD = Glibc.open(trimmed, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if rootFD < 0 {
            throw ReadError(path: directory, failure: .system(.current))
        }
        let tree = TreeResolver(rootFD: rootFD)
        // A tree without a manifest is analysed as it is; one whose manifest cannot be read
        // (too large for the bound, unreadable) is refused: without it listings, stat answers
        // and read errors would silently differ from the system it was taken from. A snapshot
        // of a process holding tens of thousands of files has a manifest of many megabytes.
        var manifest: SnapshotManifest?
        do {
            manifest = SnapshotManifest.parse(try readWholeFile(.tree(tree, SnapshotManifest.path),
                                                                limit: SnapshotManifest.readLimit))
        } catch {
            if error != .system(.noSuchFile) {
                close(rootFD)
                throw ReadError(path: directory + SnapshotManifest.path, failure: error)
            }
        }
        return SystemRoot(rootPath: directory, prefix: trimmed, isLive: false, manifest: manifest, tree: tree)
    }

    public func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        if let recorded = manifest?.errors[path] {
            throw ReadError(path: path, failure: recorded)
        }
        do {
            return try readWholeFile(location(path), limit: limit)
        } catch {
            throw ReadError(path: path, failure: error)
        }
    }

    /// Through a buffer of `streamBufferSize` bytes (`readFileInLines`), whatever the file's
    /// length: memory stays flat for a maps or smaps of any size up to `limit`.
    public func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        if let recorded = manifest?.errors[path] {
            throw ReadError(path: path, failure: recorded)
        }
        do {
            try readFileInLines(location(path), limit: limit, bufferSize: Self.streamBufferSize, body)
        } catch {
            throw ReadError(path: path, failure: error)
        }
    }

    /// The read size of `readLines`: 64 KiB, sixteen seq_file pages per `read(2)`.
    public static let streamBufferSize = 64 << 10

    public func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String] {
        if let recorded = manifest?.errors[path] {
            throw ReadError(path: path, failure: recorded)
        }
        if let listed = manifest?.listings[path] {
            // Recorded sorted (`directoryNames`): checked in one pass, sorted only if not.
            let kept = listed.filter(matching)
            return kept.indices.dropFirst().allSatisfy({ kept[$0 - 1] <= kept[$0] }) ? kept : kept.sorted()
        }
        let dir = try openDirectory(location(path), path: path)
        defer { closedir(dir) }
        return directoryNames(dir, matching: matching)
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
    /// A tree answers only what its manifest recorded: a stat(2) answer or an error.
    public var answersFileStatus: Bool {
        isLive || manifest?.statuses.isEmpty == false || manifest?.errors.isEmpty == false
    }

    public func fileStatus(of path: String) throws(ReadError) -> FileStatus {
        guard isLive else {
            // No key is made or hashed in a manifest that records no stat or no error at all.
            guard answersFileStatus, let manifest else { throw ReadError(path: path, failure: .notRecorded) }
            if let recorded = manifest.statuses[path] { return recorded }
            let recordedError = manifest.errors.isEmpty ? nil : manifest.errors[SnapshotManifest.statErrorKey(path)]
            throw ReadError(path: path, failure: recordedError ?? .notRecorded)
        }
        var info = stat()
        if stat(prefix + path, &info) != 0 {
            throw ReadError(path: path, failure: .system(.current))
        }
        return FileStatus(info)
    }

    public func linkTarget(of path: String) throws(ReadError) -> String {
        guard isLive else {
            if let recorded = manifest?.links[path] { return recorded }
            throw ReadError(path: path, failure: manifest?.errors[SnapshotManifest.linkErrorKey(path)] ?? .system(.noSuchFile))
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        guard let target = linkText(&buffer, { readlink(prefix + path, $0, $1) }) else {
            throw ReadError(path: path, failure: .system(.current))
        }
        return target
    }
}

/// Reads a whole file with a `read(2)` loop until it returns 0.
///
/// Foundation's whole-file readers stop at the first short read when `st_size` is 0, which
/// truncates `/proc/PID/smaps` and friends: seq_file hands out whole lines per `read()`, so a
/// short read is not the end. Only regular files are read (a FIFO or device in a hostile tree
/// would block or never end), opened non-blocking and bounded by `limit`.
func readWholeFile(_ fullPath: String, limit: Int) throws(ReadFailure) -> [UInt8] {
    try readWholeFile(.path(fullPath), limit: limit)
}

/// A file to open: a path of the running system, or a path inside a captured tree (resolved
/// by `TreeResolver`, never outside it).
enum FileLocation {
    case path(String)
    case tree(TreeResolver, String)

    func open(_ flags: Int32) throws(ReadFailure) -> Int32 {
        switch self {
        case .path(let fullPath):
            let fd = Glibc.open(fullPath, flags | O_CLOEXEC)
            if fd < 0 { throw .system(.current) }
            return fd
        case .tree(let tree, let path):
            return try tree.open(path, flags: flags)
        }
    }
}

func readWholeFile(_ location: FileLocation, limit: Int) throws(ReadFailure) -> [UInt8] {
    let (fd, size) = try openRegularFile(location)
    defer { close(fd) }
    // sysfs reports 4096 for every attribute and proc reports 0: a hint, never a promise.
    var capacity = max(4096, min(size, limit) + 1)
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

/// Opens a regular file for reading: non-blocking, close-on-exec, never a controlling
/// terminal; anything but a regular file is refused before a byte is read. Returns the
/// descriptor and `st_size` (a hint only: proc files say 0).
func openRegularFile(_ location: FileLocation) throws(ReadFailure) -> (fd: Int32, size: Int) {
    let fd = try location.open(O_RDONLY | O_NOCTTY | O_NONBLOCK)
    var info = stat()
    if fstat(fd, &info) != 0 {
        let failure = ReadFailure.system(.current)
        close(fd)
        throw failure
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG:
        return (fd, Int(clamping: info.st_size))
    case S_IFDIR:
        close(fd)
        throw .system(.isDirectory)
    default:
        close(fd)
        throw .notRegularFile
    }
}

/// Reads a file with a `read(2)` loop until it returns 0, as `readWholeFile` does, but hands
/// it to `body` in pieces that end at a newline (the last may lack one) instead of keeping
/// it: one buffer of `bufferSize` bytes is reused, and the incomplete line at its end is
/// moved to its front before the next read. A line longer than the buffer grows it (doubling,
/// never past `limit + 1` bytes). More than `limit` bytes in all throw `.tooLarge`, like
/// `readWholeFile`, possibly after some pieces were handed over.
func readFileInLines(_ fullPath: String, limit: Int, bufferSize: Int, _ body: (Bytes) -> Void) throws(ReadFailure) {
    try readFileInLines(.path(fullPath), limit: limit, bufferSize: bufferSize, body)
}

func readFileInLines(_ location: FileLocation, limit: Int, bufferSize: Int, _ body: (Bytes) -> Void) throws(ReadFailure) {
    let (fd, _) = try openRegularFile(location)
    defer { close(fd) }
    try readOpenFileInLines(fd, limit: limit, bufferSize: bufferSize, body)
}

/// `readFileInLines` on a descriptor already open (and left open) at its start.
func readOpenFileInLines(_ fd: Int32, limit: Int, bufferSize: Int, _ body: (Bytes) -> Void) throws(ReadFailure) {
    // Never more than limit + 1 bytes: a line that fills that much is already too long.
    let ceiling = limit < Int.max ? max(1, limit + 1) : limit
    // Left uninitialised: only the bytes read(2) wrote are ever looked at (no memset of the
    // whole buffer for each of the thousands of maps files a scan reads).
    let size = max(1, min(bufferSize, ceiling))
    var buffer = [UInt8](unsafeUninitializedCapacity: size) { _, count in count = size }
    /// Bytes at the front of `buffer` not yet handed over: part of one line, no newline in it.
    var carried = 0
    var total = 0
    while true {
        if carried == buffer.count {
            // One line fills the whole buffer: grow it, bounded as the file is.
            if buffer.count >= ceiling { throw .tooLarge(limit: limit) }
            let grownSize = buffer.count <= ceiling / 2 ? buffer.count * 2 : ceiling
            var grown = [UInt8](unsafeUninitializedCapacity: grownSize) { _, count in count = grownSize }
            grown.withUnsafeMutableBytes { target in
                buffer.withUnsafeBytes { source in
                    if let to = target.baseAddress, let from = source.baseAddress { _ = memcpy(to, from, carried) }
                }
            }
            buffer = grown
        }
        let got = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return Glibc.read(fd, base + carried, raw.count - carried)
        }
        if got < 0 {
            let err = Errno.current
            if err == .interrupted { continue }
            throw .system(err)
        }
        if got == 0 { break }
        total += got
        if total > limit { throw .tooLarge(limit: limit) }
        let filled = carried + got
        // The end of the last line among the new bytes (the carried ones have no newline),
        // found from the end: seq_file hands out whole lines, so it is almost always the last
        // byte, and no read looks at a byte twice.
        let lineEnd = buffer.withUnsafeBufferPointer { bytes -> Int in
            var end = filled
            while end > carried && bytes[end - 1] != ASCII.newline { end -= 1 }
            return end > carried ? end : 0
        }
        if lineEnd == 0 {
            carried = filled
            continue
        }
        body(buffer[0..<lineEnd])
        let rest = filled - lineEnd
        if rest > 0 {
            buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                _ = memmove(base, base + lineEnd, rest)
            }
        }
        carried = rest
    }
    if carried > 0 { body(buffer[0..<carried]) }
}
