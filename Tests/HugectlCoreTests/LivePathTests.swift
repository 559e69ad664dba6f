import Foundation
import Testing
@testable import HugectlCore

/// A process that exits while a snapshot is taken: listed, then gone before its files are
/// read. The live scan counts it as vanished; the snapshot records the failed read, so its
/// replay counts it as vanished too, not as a process the tree merely lacks (not recorded).
@Suite("Snapshots of processes that exit meanwhile")
struct VanishedRecordingTests {
    @Test func exitedProcessReplaysAsVanished() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            // 9999 is listed in /proc, and nothing of it is in the tree: read "live", it is gone.
            try ProcessTreeTests().makeTree(dir)
            let live = ExitedSinceListed(try SystemRoot.open(dir))
            let result = try SnapshotCapture.capture(from: live, now: 0)
            #expect(result.report.consumers.scan.vanished == 1 && result.report.consumers.scan.notRecorded == 0)
            #expect(result.manifest.errors["/proc/9999/maps"] == .system(.noSuchFile))
            try SnapshotWriter.write(result.contents, to: base + "/snap")
            let replay = try SnapshotCollector.collect(from: SystemRoot.open(base + "/snap"))
            #expect(replay.consumers.scan.vanished == 1 && replay.consumers.scan.notRecorded == 0)
            let replayed = StatusReport(snapshot: replay)
            #expect(replayed.consumers.scan == result.report.consumers.scan)
            #expect(replayed.consumers.processes == result.report.consumers.processes)
        }
    }

    /// The same tree captured as a tree: 9999 stays not recorded, in the snapshot as in the tree.
    @Test func absentProcessOfATreeStaysNotRecorded() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try ProcessTreeTests().makeTree(dir)
            let result = try SnapshotCapture.capture(from: SystemRoot.open(dir), now: 0)
            #expect(result.manifest.errors["/proc/9999/maps"] == nil)
            try SnapshotWriter.write(result.contents, to: base + "/snap")
            let replay = try SnapshotCollector.collect(from: SystemRoot.open(base + "/snap"))
            #expect(replay.consumers.scan.vanished == 0 && replay.consumers.scan.notRecorded == 1)
        }
    }

    @Test func processFilePaths() {
        #expect(RecordingSource.isProcessFile("/proc/9999/maps"))
        #expect(RecordingSource.isProcessFile("/proc/1/task/2/status"))
        #expect(!RecordingSource.isProcessFile("/proc/self/maps"))
        #expect(!RecordingSource.isProcessFile("/proc/meminfo"))
        #expect(!RecordingSource.isProcessFile("/proc//maps"))
        #expect(!RecordingSource.isProcessFile("/sys/kernel/mm/hugepages"))
    }
}

/// A tree read as if it were the running system: a file it lacks is one that has gone; with
/// `concurrent`, read from several threads at once, as the live `SystemRoot` is.
final class ExitedSinceListed: ForwardingSource, @unchecked Sendable {
    let concurrent: Bool
    init(_ inner: SystemRoot, concurrent: Bool = false) {
        self.concurrent = concurrent
        super.init(inner)
    }
    override var isLive: Bool { true }
    override var readsConcurrently: Bool { concurrent }
}

/// A live process with many candidate mappings has its smaps read on a thread of its own
/// while its descriptors and numa_maps are read (`ProcessReader.readObjectsAndMappingsSplit`):
/// the same mappings, objects, warnings and unreadable files as the serial read, in the same
/// order, damaged files and a process that exits included.
@Suite("A big live process read on two threads")
struct SplitReadTests {
    static let count = ProcessReader.splitThreshold + 6

    /// `count` anonymous shared hugetlb VMAs of one page each, a base-page file VMA between
    /// each two; `numaSkip` leaves that VMA's numa_maps line out.
    /// `plainAt`: that VMA is not hugetlb (no `ht` in smaps) and its numa_maps line has a
    /// policy no kernel writes; `weirdAt`: that hugetlb VMA's numa_maps line has one.
    static func files(badSmapsLine: Bool = false, numaSkip: Int? = nil, plainAt: Int? = nil,
                      weirdAt: Int? = nil) -> [String: String] {
        var maps = "", smaps = "", numa = ""
        for index in 0..<count {
            let start = 0x7f00_0000_0000 + UInt64(index) * 0x40_0000
            let hex = String(start, radix: 16), end = String(start + 0x20_0000, radix: 16)
            let small = String(start + 0x20_0000, radix: 16), smallEnd = String(start + 0x20_1000, radix: 16)
            let header = "\(hex)-\(end) rw-s 00000000 00:0f \(1000 + index) /anon_hugepage (deleted)\n"
            let file = "\(small)-\(smallEnd) r--p 00000000 fe:00 77 /usr/lib/libc.so\n"
            maps += header + file
            smaps += header + "Size:               2048 kB\nKernelPageSize:     2048 kB\n"
                + (badSmapsLine && index == 7 ? "Shared_Hugetlb:        x kB\n" : "Shared_Hugetlb:        0 kB\n")
                + "Private_Hugetlb:    \(index % 2 == 0 ? 2048 : 0) kB\nVmFlags: rd wr sh mr mw me ms de\(index == plainAt ? "" : " ht")\n"
                + file + "Size:                  4 kB\nKernelPageSize:        4 kB\nVmFlags: rd mr mw me\n"
            if index != numaSkip {
                numa += "\(hex) \(index == 3 ? "bind:1" : index == plainAt || index == weirdAt ? "weird" : "default") file=/anon_hugepage\\040(deleted) huge dirty=1 N0=1 kernelpagesize_kB=2048\n"
            }
            numa += "\(small) default file=/usr/lib/libc.so mapped=1 N0=1 kernelpagesize_kB=4\n"
        }
        return ["/proc/4242/maps": maps, "/proc/4242/smaps": smaps, "/proc/4242/numa_maps": numa]
    }

    /// A tree (`--root`, not live) is read on two threads as well: what it finds is what the
    /// read in order finds, a damaged numa_maps line included, whether of a hugetlb VMA or of
    /// a candidate smaps shows is not hugetlb (which the read in order never parses).
    /// Skipped, not passed, with one core online: no read is split there.
    @Test(.enabled(if: severalCoresOnline, "the split read is taken only with two cores online"), arguments: [0, 1, 2, 3, 4])
    func treeSplitReadIsTheSerialRead(variant: Int) throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try ProcessTreeTests().makeTree(dir)
            var files = Self.files(badSmapsLine: variant == 1, numaSkip: variant == 2 ? 5 : nil, plainAt: variant == 4 ? 4 : nil)
            if variant == 3 { files["/proc/4242/numa_maps"] = "7f0000000000 weird huge N0=1\n" }
            try writeTree(dir, files)
            let tree = try SystemRoot.open(dir)
            #expect(!tree.isLive && tree.readsConcurrently)
            let split = try SnapshotCollector.collect(from: tree)
            let serial = try SnapshotCollector.collect(from: ForwardingSource(try SystemRoot.open(dir)))
            #expect(split.consumers.scan == serial.consumers.scan)
            #expect(split.consumers.processes == serial.consumers.processes)
            #expect(split.consumers.objects == serial.consumers.objects)
            #expect(split.warnings == serial.warnings)
            let process = split.consumers.processes.first { $0.pid == 4242 }
            let numaUnreadable = split.consumers.scan.unreadable.contains { $0.path == "/proc/4242/numa_maps" }
            #expect(numaUnreadable == (variant == 2 || variant == 3))
            #expect(process?.mappings.count == Self.count - (variant == 4 ? 1 : 0))
        }
    }

    func collect(_ dir: String, concurrent: Bool) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: ExitedSinceListed(try SystemRoot.open(dir), concurrent: concurrent))
    }

    /// Variants 4 and 5: a damaged numa_maps line of a candidate smaps shows is not hugetlb,
    /// which the serial read never parses, alone and before a damaged line of a hugetlb VMA.
    /// Skipped, not passed, with one core online: no read is split there.
    @Test(.enabled(if: severalCoresOnline, "the split read is taken only with two cores online"), arguments: [0, 1, 2, 3, 4, 5])
    func splitReadIsTheSerialRead(variant: Int) throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try ProcessTreeTests().makeTree(dir)
            var files = Self.files(badSmapsLine: variant == 1, numaSkip: variant == 2 ? 5 : nil,
                                   plainAt: variant >= 4 ? 4 : nil, weirdAt: variant == 5 ? 6 : nil)
            if variant == 3 { files["/proc/4242/smaps"] = "" }  // it exited after its maps was read
            try writeTree(dir, files)
            let split = try collect(dir, concurrent: true), serial = try collect(dir, concurrent: false)
            #expect(split.consumers.scan == serial.consumers.scan)
            #expect(split.consumers.processes == serial.consumers.processes)
            #expect(split.consumers.objects == serial.consumers.objects)
            #expect(split.warnings == serial.warnings)
            let process = split.consumers.processes.first { $0.pid == 4242 }
            switch variant {
            case 0:
                #expect(process?.mappings.count == Self.count && split.consumers.scan.unreadable.map(\.path) == ["/proc/1/maps"])
                #expect(process?.mappings[3].policy == MemoryPolicy(mode: .bind, nodes: [1]))
            case 1, 2:
                #expect(split.consumers.scan.unreadable.map(\.path) == ["/proc/1/maps", "/proc/4242/" + (variant == 1 ? "smaps" : "numa_maps")])
            case 4, 5:
                #expect(process?.mappings.count == Self.count - 1)
                let numa = split.consumers.scan.unreadable.filter { $0.path == "/proc/4242/numa_maps" }
                // The line of VMA 6 (line 13 of numa_maps), never that of VMA 4 (line 9).
                #expect(numa.count == (variant == 5 ? 1 : 0))
                #expect(numa.allSatisfy { $0.reason.contains("line 13:") })
            default:
                #expect(process == nil && split.consumers.scan.vanished == 2, "9999, listed only, and 4242")
            }
        }
    }
}
