import Foundation
import Testing
@testable import HugectlCore

/// Issue 14: the process scan reads each file once, costs at most a `readlink(2)` and a
/// `stat(2)` per descriptor (the stat only for one naming a memfd or a hugetlbfs file), and
/// reading processes on every core gives exactly the scan read in order. Counts, not times.
@Suite("Consumer scan: what it reads")
struct ConsumerScannerTests {
    /// A tree with processes, descriptors (pipes, sockets, a hugetlbfs file) and mappings.
    static let tree = fixturesDirectory + "/host-1node"

    func scan(_ source: SystemSource) throws -> (ConsumerSnapshot, [String]) {
        let snapshot = try SnapshotCollector.collect(from: source)
        return (snapshot.consumers, snapshot.warnings)
    }

    /// Every process file is read once, every directory listed once, every descriptor's link
    /// read once, and stat(2) made once through each descriptor that names a memfd or a file on
    /// a hugetlbfs mount, through no other.
    @Test func eachFileIsReadOnce() throws {
        let counting = CountingSource(try SystemRoot.open(Self.tree))
        let (consumers, _) = try scan(counting)
        #expect(!consumers.processes.isEmpty)
        // The process files (the pools' counters are read twice on purpose: a stable reading).
        let calls = counting.calls.filter { $0.key.path.hasPrefix("/proc/") && $0.key.path.dropFirst(6).first?.isNumber == true }
        #expect(calls.count > 100)
        let repeated = calls.filter { $0.value > 1 }.map { "\($0.key.kind) \($0.key.path) x\($0.value)" }.sorted()
        #expect(repeated.isEmpty, "called more than once: \(repeated)")
        let links = calls.keys.filter { $0.kind == "link" && $0.path.contains("/fd/") }.map(\.path)
        let stats = calls.keys.filter { $0.kind == "stat" && $0.path.contains("/fd/") }.map(\.path)
        #expect(links.count > 20)
        #expect(Set(stats).isSubset(of: Set(links)))
        let mounts = try SnapshotCollector.collect(from: SystemRoot.open(Self.tree)).mounts.map { $0.path + "/" }
        let named = links.filter { path in
            guard let target = try? counting.inner.linkTarget(of: path) else { return false }
            return target.hasPrefix("/memfd:") || mounts.contains { target.hasPrefix($0) }
        }
        #expect(!named.isEmpty)
        #expect(Set(stats) == Set(named), "stat(2) exactly through the descriptors naming a memfd or hugetlbfs file")
    }

    /// Read on every core (`readsConcurrently`) or in order, the scan is the same: processes,
    /// objects, counts and warnings, in the same order.
    @Test(arguments: ["host-1node", "shortfall-2node", "two-node"])
    func concurrentScanIsTheOrderedScan(fixture: String) throws {
        let root = try SystemRoot.open(fixturesDirectory + "/" + fixture)
        let ordered = try scan(CountingSource(root))
        let concurrent = try scan(CountingSource(root, concurrent: true))
        #expect(root.readsConcurrently)
        #expect(!RecordingSource(root).readsConcurrently && !RedactingSource(root).readsConcurrently)
        #expect(ordered.0 == concurrent.0)
        #expect(ordered.1 == concurrent.1)
    }

    /// `SystemRoot`'s links through the directory opened once (`fstatat` first, `readlinkat`
    /// only of what `keeping` keeps) say what `readlink(2)` and `stat(2)` of each whole path
    /// say, and keep exactly the links the one-by-one order (readlink, then stat) keeps.
    @Test func liveLinksAreThePathByPathOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hugectl-links-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        for index in 0..<5 {
            let fd = open(directory + "/file-\(index)", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            try #require(fd >= 0)
            try #require(ftruncate(fd, off_t(index)) == 0)
            opened.append(fd)
        }
        let live = SystemRoot.live()
        let fdDirectory = "/proc/\(getpid())/fd"
        let inDirectory: (String) -> Bool = { $0.hasPrefix(directory) }
        let links = try live.links(in: fdDirectory, matching: { _ in true }, targetMatches: inDirectory, keeping: { _ in true })
        for fd in opened {
            let link = try #require(links.first { $0.name == String(fd) })
            let path = fdDirectory + "/\(fd)"
            #expect(link.target == (try live.linkTarget(of: path)))
            #expect(link.status == (try live.fileStatus(of: path)))
        }
        #expect(links.count == opened.count)
        #expect(links.map { $0.name } == links.map { $0.name }.sorted())
        // Kept by their status: the files of two bytes or more, whichever order asks first.
        let large: (FileStatus) -> Bool = { $0.isRegular && $0.size >= 2 }
        let kept = try live.links(in: fdDirectory, matching: { _ in true }, targetMatches: inDirectory, keeping: large)
        let oneByOne = try live.linksOneByOne(in: fdDirectory, matching: { _ in true }, targetMatches: inDirectory, keeping: large)
        #expect(kept.map { $0.name } == opened[2...].map { String($0) }.sorted())
        #expect(kept == oneByOne)
    }

    /// A descriptor of a file the process maps, with one name: its maps line's path is taken
    /// (no `readlinkat`); a file with a second name (a hard link the descriptor may have been
    /// opened by) is `readlinkat`ed whatever maps said. A tree reads every link.
    @Test func knownTargetsSpareTheReadlink() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hugectl-known-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let single = open(directory + "/single", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        let linked = open(directory + "/linked", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(single); close(linked) }
        try #require(single >= 0 && linked >= 0 && link(directory + "/linked", directory + "/other") == 0)
        let live = SystemRoot.live()
        let fdDirectory = "/proc/\(getpid())/fd"
        let mine: Set<String> = [String(single), String(linked)]
        let links = try live.links(in: fdDirectory, matching: { mine.contains($0) }, targetMatches: { _ in true },
                                   keeping: { _ in true }, knownTarget: { _ in "/as-maps-said" })
        #expect(links.first { $0.name == String(single) }?.target == "/as-maps-said")
        #expect(links.first { $0.name == String(linked) }?.target == directory + "/linked")
        // What maps gives: one path per file, none with a backslash (an escaped newline).
        let entry = MapsEntry(start: 0, end: 1, shared: true, offset: 0, device: DeviceNumber(major: 0, minor: 9),
                              inode: 7, path: "/dev/hugepages/a (deleted)")
        var other = entry
        other.inode = 8
        other.path = "/dev/hugepages/new\\012line"
        var renamed = entry
        renamed.start = 5
        renamed.path = "/dev/hugepages/b"
        #expect(ProcessReader.knownPaths([entry, entry]) == [ObjectID(device: entry.device, inode: 7): "/dev/hugepages/a (deleted)"])
        #expect(ProcessReader.knownPaths([other]).isEmpty)
        #expect(ProcessReader.knownPaths([entry, renamed]).isEmpty)
        // Dropped once, a file stays dropped, whatever lines follow; other files are kept.
        var escaped = entry
        escaped.start = 9
        escaped.path = "/dev/hugepages/a\\012 (deleted)"
        let kept = [ObjectID(device: entry.device, inode: 8): "/dev/hugepages/c"]
        var third = entry
        third.inode = 8
        third.path = "/dev/hugepages/c"
        #expect(ProcessReader.knownPaths([entry, renamed, entry, third]) == kept)
        #expect(ProcessReader.knownPaths([escaped, entry, third, entry]) == kept)
        #expect(ProcessReader.knownPaths([entry, escaped, third]) == kept)
        #expect(ProcessReader.hasBackslash("/a\\b") && !ProcessReader.hasBackslash("/dev/hugepages/rtemap_0"))
    }
}

/// A source that counts every call by kind and path (`read` counts `readLines` too), passing
/// each to a `SystemRoot`; `concurrent` says whether the scan may read it from several
/// threads (the counts are then kept under a lock).
final class CountingSource: ForwardingSource, @unchecked Sendable {
    let concurrent: Bool
    private let lock = NSLock()
    private var counts: [Key: Int] = [:]

    struct Key: Hashable {
        var kind: String
        var path: String
    }

    init(_ inner: SystemRoot, concurrent: Bool = false) {
        self.concurrent = concurrent
        super.init(inner)
    }

    var calls: [Key: Int] { lock.withLock { counts } }

    private func count(_ kind: String, _ path: String) {
        lock.withLock { counts[Key(kind: kind, path: path), default: 0] += 1 }
    }

    override var readsConcurrently: Bool { concurrent }

    override func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        count("read", path)
        return try inner.read(path, limit: limit)
    }

    override func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        count("read", path)
        try inner.readLines(path, limit: limit, body)
    }

    override func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String] {
        count("list", path)
        return try inner.entries(in: path, matching: matching)
    }

    override func filesystemUsage(of path: String) throws(ReadError) -> FilesystemUsage {
        count("statfs", path)
        return try inner.filesystemUsage(of: path)
    }

    override func fileStatus(of path: String) throws(ReadError) -> FileStatus {
        count("stat", path)
        return try inner.fileStatus(of: path)
    }

    override func linkTarget(of path: String) throws(ReadError) -> String {
        count("link", path)
        return try inner.linkTarget(of: path)
    }
}

/// The mount walk stats only what no process showed: a file known with its page count (held
/// open or mapped, by this path on this mount's superblock) costs no second stat(2), right in
/// the mount's directory or further down, and an unknown one is stat'ed and becomes an object.
@Suite("Mount walk: what it stats")
struct MountWalkTests {
    @Test func knownFilesAreNotStatedAtAnyDepth() throws {
        let mountPath = FileManager.default.temporaryDirectory.appendingPathComponent("hugectl-walk-\(getpid())").path
        try FileManager.default.createDirectory(atPath: mountPath + "/dpdk/deeper", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPath) }
        let files = ["top-known", "top-new", "dpdk/rtemap_0", "dpdk/rtemap_1", "dpdk/rtemap_2", "dpdk/deeper/known",
                     "dpdk/deeper/new"]
        for file in files { try #require(FileManager.default.createFile(atPath: mountPath + "/" + file, contents: nil)) }
        let device = DeviceNumber(major: 0, minor: 4242)
        let mount = HugetlbfsMount(path: mountPath, source: "none", pageSizeKB: 2048, sizeLimitPages: nil,
                                   minSizePages: nil, usedPages: nil, options: "")
        let counting = CountingSource(SystemRoot.live())
        var scanner = ConsumerScanner(source: counting, pageSizes: [2048], mounts: [mount])
        scanner.hugetlbfsDevices[device] = (mountPath, 2048)
        let known = ["top-known", "dpdk/rtemap_0", "dpdk/rtemap_2", "dpdk/deeper/known"]
        for (inode, file) in known.enumerated() {
            let id = ObjectID(device: device, inode: UInt64(inode + 1))
            scanner.objects[id] = HugetlbObject(id: id, kind: .file, pageSizeKB: 2048, path: mountPath + "/" + file,
                                                sizeBytes: 0, instantiated: 0, mountPoint: mountPath)
        }
        // Known without its page count: stat'ed for it.
        let unknownPages = ObjectID(device: device, inode: 99)
        scanner.objects[unknownPages] = HugetlbObject(id: unknownPages, kind: .file, pageSizeKB: 2048,
                                                      path: mountPath + "/dpdk/rtemap_1", sizeBytes: 0,
                                                      instantiated: nil, mountPoint: mountPath)
        scanner.walkMounts()
        let stated = Set(counting.calls.keys.filter { $0.kind == "stat" }.map { String($0.path.dropFirst(mountPath.count + 1)) })
        #expect(stated == ["top-new", "dpdk", "dpdk/rtemap_1", "dpdk/deeper", "dpdk/deeper/new"])
        #expect(counting.calls.filter { $0.key.kind == "stat" }.allSatisfy { $0.value == 1 })
        let found = Set(scanner.objects.values.compactMap(\.path).map { String($0.dropFirst(mountPath.count + 1)) })
        #expect(found == Set(known + ["dpdk/rtemap_1", "top-new", "dpdk/deeper/new"]))
        #expect(scanner.warnings.isEmpty)
    }
}

/// `merge` moves each reading's open objects into the scan's objects: the first process to
/// show an object gives it, as when they were copied, on whichever superblocks they live.
@Suite("Consumer scan: merging readings")
struct MergeTests {
    @Test func firstReadingOfAnObjectGivesIt() {
        let mount = DeviceNumber(major: 0, minor: 50), other = DeviceNumber(major: 0, minor: 51)
        func object(_ device: DeviceNumber, _ inode: UInt64, _ path: String) -> HugetlbObject {
            HugetlbObject(id: ObjectID(device: device, inode: inode), kind: .file, pageSizeKB: 2048, path: path,
                          sizeBytes: 2 << 20, instantiated: 1, mountPoint: "/mnt/h")
        }
        var scanner = ConsumerScanner(source: SystemRoot.live(), pageSizes: [2048], mounts: [])
        var first = ProcessReading(pid: 10), second = ProcessReading(pid: 11)
        first.openObjects = [object(mount, 1, "/mnt/h/a"), object(mount, 2, "/mnt/h/b"), object(other, 1, "/mnt/i/a")]
        second.openObjects = [object(mount, 2, "/mnt/h/b-again"), object(mount, 3, "/mnt/h/c"), object(other, 1, "/x")]
        let expected = first.openObjects + [second.openObjects[1]]
        _ = scanner.merge(&first)
        _ = scanner.merge(&second)
        #expect(scanner.objects.count == 4)
        for object in expected { #expect(scanner.objects[object.id] == object) }
        #expect(scanner.hugetlbfsDevices[mount]?.pageSizeKB == 2048 && scanner.hugetlbfsDevices[other]?.pageSizeKB == 2048)
    }
    /// Mappings in the order of the open objects need no lookup; one out of that order, or
    /// of an object not held open, is still found or noted from its mapping.
    @Test func mappingsOfOpenAndOtherObjects() {
        let device = DeviceNumber(major: 0, minor: 52)
        func id(_ inode: UInt64) -> ObjectID { ObjectID(device: device, inode: inode) }
        func mapping(_ inode: UInt64, at slot: UInt64) -> HugetlbMapping {
            HugetlbMapping(start: 0x7f00_0000_0000 + slot << 21, end: 0x7f00_0020_0000 + slot << 21, pageSizeKB: 2048,
                           kind: .fileShared, path: "/mnt/h/f\(inode)", object: id(inode), shared: true,
                           noreserve: false, pages: 1, faultedPages: 1)
        }
        var scanner = ConsumerScanner(source: SystemRoot.live(), pageSizes: [2048], mounts: [])
        var reading = ProcessReading(pid: 12)
        reading.openObjects = [1, 2, 3].map {
            HugetlbObject(id: id($0), kind: .file, pageSizeKB: 2048, path: "/mnt/h/f\($0)", sizeBytes: 2 << 20,
                          instantiated: 1, mountPoint: "/mnt/h")
        }
        let open = reading.openObjects
        reading.process = HugetlbProcess(pid: 12, mappings: [mapping(1, at: 0), mapping(7, at: 1), mapping(3, at: 2),
                                                             mapping(2, at: 3), mapping(8, at: 4)],
                                         openObjects: open.map(\.id))
        _ = scanner.merge(&reading)
        #expect(Set(scanner.objects.keys) == Set([1, 2, 3, 7, 8].map(id)))
        for object in open { #expect(scanner.objects[object.id] == object) }
        #expect(scanner.objects[id(7)]?.path == "/mnt/h/f7" && scanner.objects[id(8)]?.path == "/mnt/h/f8")
    }
}
