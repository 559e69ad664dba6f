/// Why a file under the root could not be read.
public enum ReadFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call failed with this errno.
    case system(Errno)
    /// The path names something other than a regular file (a FIFO, a device, a socket).
    case notRegularFile
    /// The file is longer than the bound for this kind of file, in bytes.
    case tooLarge(limit: Int)
    /// The snapshot being analysed did not record this (e.g. `statfs` of a mount).
    case notRecorded

    public var description: String {
        switch self {
        case .system(let errno): return errno.description
        case .notRegularFile: return "not a regular file"
        case .tooLarge(let limit): return "file larger than \(limit) bytes"
        case .notRecorded: return "not recorded in this snapshot"
        }
    }

    /// A failure a snapshot should carry so that replaying it gives the same answer:
    /// everything but "the file is not there", which an absent file replays by itself.
    var isWorthRecording: Bool {
        if case .system(let errno) = self, errno == .noSuchFile { return false }
        return true
    }
}

/// A failed read: the path as hugectl names it (relative to the root) and why.
/// Prints as `PATH: REASON`, the second half of the `hugectl: <what>: <why>` error line.
public struct ReadError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let failure: ReadFailure

    public init(path: String, failure: ReadFailure) {
        self.path = path
        self.failure = failure
    }

    public var description: String { "\(path): \(failure)" }
}

/// What `statfs(2)` says of a mounted file system, as hugectl uses it.
public struct FilesystemUsage: Equatable, Sendable {
    /// `f_bsize`: the huge page size in bytes on hugetlbfs.
    public var blockSize: UInt64
    /// `f_blocks`: the subpool's `size=` limit in pages, all ones when only `min_size=` is set,
    /// 0 when the mount has no subpool.
    public var blocks: UInt64
    /// `f_bfree`: limit minus pages used, same conventions.
    public var blocksFree: UInt64
    public var blocksAvailable: UInt64
    public var files: UInt64
    public var filesFree: UInt64

    public init(blockSize: UInt64, blocks: UInt64, blocksFree: UInt64, blocksAvailable: UInt64,
                files: UInt64, filesFree: UInt64) {
        self.blockSize = blockSize
        self.blocks = blocks
        self.blocksFree = blocksFree
        self.blocksAvailable = blocksAvailable
        self.files = files
        self.filesFree = filesFree
    }
}

/// What `stat(2)` says of a file, as hugectl uses it: the identity of a hugetlbfs object and
/// how many huge pages it holds (`st_blocks`, in 512-byte units, counts the huge pages in its
/// page cache).
public struct FileStatus: Equatable, Sendable {
    public var device: DeviceNumber
    public var inode: UInt64
    /// `st_mode`: file type and permissions.
    public var mode: UInt32
    public var size: UInt64
    public var blocks: UInt64
    /// `st_blksize`: the huge page size in bytes on hugetlbfs, a base page elsewhere.
    public var blockSize: UInt64

    public init(device: DeviceNumber, inode: UInt64, mode: UInt32, size: UInt64, blocks: UInt64, blockSize: UInt64) {
        self.device = device
        self.inode = inode
        self.mode = mode
        self.size = size
        self.blocks = blocks
        self.blockSize = blockSize
    }

    public var isDirectory: Bool { mode & 0o170000 == 0o040000 }
    public var isRegular: Bool { mode & 0o170000 == 0o100000 }
}

/// The one way hugectl reads the system. Every path is absolute as the kernel names it
/// (`/proc/meminfo`) and is resolved under a root: `/` for the running system, or a captured
/// tree given with `--root`, the way util-linux's `lscpu --sysroot` works.
public protocol SystemSource: AnyObject {
    /// The root as the operator gave it (`/` for the live system).
    var rootPath: String { get }

    /// True when this reads the running kernel rather than a captured tree.
    var isLive: Bool { get }

    /// What a snapshot recorded about its capture; `nil` for the live system.
    var manifest: SnapshotManifest? { get }

    /// The whole file, read with `read(2)` until end of file, at most `limit` bytes.
    func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8]

    /// The file in consecutive pieces, for files too long to hold whole (`/proc/PID/maps`,
    /// `smaps`, `numa_maps` of a process with tens of thousands of mappings). Each piece ends
    /// just after a newline, except that the last may lack one when the file does; no piece is
    /// empty, and the pieces put together are the file. A piece is only valid during the call.
    /// Bounded by `limit` and failing exactly as `read` does (`.tooLarge` past `limit` bytes,
    /// the same errno for a vanished process), but a failure may come after some pieces were
    /// handed over: the caller must then drop whatever it made of them.
    ///
    /// The default reads the whole file with `read` and hands it over in one piece, so a
    /// source that transforms or records whole files (`RecordingSource`, `RedactingSource`)
    /// does so unchanged. `SystemRoot` reads through a fixed-size buffer instead.
    func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError)

    /// A `/proc/PID/maps` streamed as `readLines` streams it (nil), unless the source can list
    /// without its text the VMAs whose page size is above the base page, the only ones that
    /// can be hugetlb: then they are returned as maps lines would show them (none when the
    /// process has no such VMA), and nothing is handed over. Only the running system can, on
    /// Linux 6.11+ (`ProcmapQuery`); the default always reads, so a tree, and a snapshot being
    /// recorded (`RecordingSource`), see and keep every maps whole.
    func largePageMappings(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) -> [MapsEntry]?

    /// Names in the directory `path` accepted by `matching`, sorted by name.
    func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String]

    /// `statfs(2)` of a mount point; a captured tree answers from its manifest.
    func filesystemUsage(of path: String) throws(ReadError) -> FilesystemUsage

    /// `stat(2)` (following links, as for `/proc/PID/fd/N`); a tree answers from its manifest.
    func fileStatus(of path: String) throws(ReadError) -> FileStatus

    /// `readlink(2)`, for `/proc/PID/fd/N` and `/proc/PID/ns/mnt`; a tree answers from its manifest.
    func linkTarget(of path: String) throws(ReadError) -> String

    /// The symbolic links in the directory `path` (`/proc/PID/fd`) whose names `matching`
    /// accepts, whose target `targetMatches` accepts and whose `stat(2)` through the link
    /// `keeping` accepts, sorted by name, each with its target and status: what
    /// `entries(in:matching:)`, then `linkTarget(of:)` and, for a target `targetMatches`
    /// accepts, `fileStatus(of:)` of each `path/NAME` give. A link that cannot be read or
    /// stat(2)ed (a descriptor closed meanwhile) is left out. The default makes exactly those
    /// calls, in that order (so `RecordingSource` records each, and a tree replays them);
    /// `SystemRoot` makes them relative to the directory, opened once, and in the other order:
    /// `fstatat(2)` of every entry, then `readlinkat(2)` and `targetMatches` only for those
    /// `keeping` accepts, which spares the kernel the `d_path` of every descriptor that could
    /// not be kept anyway. Either order keeps the same links: both tests must pass.
    /// `knownTarget` may name, from the status of a kept link, the target its `readlink(2)`
    /// would give (the path the process's maps line showed for the same file): the live source
    /// then takes it instead of calling `readlinkat` for a file with one name (`st_nlink` at
    /// most 1); the default reads every link, so a snapshot records each.
    func links(in path: String, matching: (String) -> Bool, targetMatches: (String) -> Bool,
               keeping: (FileStatus) -> Bool, knownTarget: (FileStatus) -> String?) throws(ReadError) -> [DirectoryLink]

    /// True when several threads may call this source at once: it keeps no state but what it
    /// was made with (`SystemRoot`). A source that records or transforms what it reads
    /// (`RecordingSource`, `RedactingSource`) is read from one thread; that is the default.
    var readsConcurrently: Bool { get }

    /// False when `fileStatus(of:)` can only fail, whatever the path: a tree whose manifest
    /// records no stat(2) answer and no error. The caller may then spare itself the path (the
    /// scan names a `map_files` link for each of 60,000 objects). The default is true.
    var answersFileStatus: Bool { get }
}

/// Upper bounds on what one read may return, so a hostile tree cannot make hugectl hang or swell.
public enum ReadLimit {
    /// Counters, meminfo, node lists, mounts: far above any real one.
    public static let smallFile = 4 << 20
}

extension SystemSource {
    public var readsConcurrently: Bool { false }

    public var answersFileStatus: Bool { true }

    public func read(_ path: String) throws(ReadError) -> [UInt8] {
        try read(path, limit: ReadLimit.smallFile)
    }

    /// The whole file through `read`, in one piece (`readWhole`).
    public func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        try readWhole(path, limit: limit, body)
    }

    /// The whole file through `read`, handed over in one piece (none for an empty file): the
    /// default `readLines`, under a name a source that streams can still call.
    public func readWhole(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        let bytes = try read(path, limit: limit)
        if !bytes.isEmpty { body(bytes.all) }
    }

    /// Always the text, through `readLines`: only the live system can tell without it.
    public func largePageMappings(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) -> [MapsEntry]? {
        try readLines(path, limit: limit, body)
        return nil
    }
}
