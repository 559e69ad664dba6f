import Foundation
import Testing
@testable import HugectlCore

/// Issue 14: the live scan's pre-filter (`PROCMAP_QUERY`, Linux 6.11+). A process none of whose
/// file-backed VMAs has a page size above the base page has no hugetlb VMA: its maps text is
/// not read. Any failure reads the text, as before.
@Suite("Maps pre-filter by page size (PROCMAP_QUERY)")
struct ProcmapQueryTests {
    typealias Answer = ProcmapQuery.Answer

    /// Answers `answers` in turn, recording each address asked.
    final class Script {
        var answers: [Answer]
        var asked: [UInt64] = []
        init(_ answers: [Answer]) { self.answers = answers }
        func query(_ address: UInt64) -> Answer {
            asked.append(address)
            return answers.isEmpty ? .none : answers.removeFirst()
        }
    }

    @Test func onlyBasePagesMeanNoHugetlbVMA() {
        let script = Script([.vma(end: 0x5000, pageSize: 4096), .vma(end: 0x9000, pageSize: 4096), .none])
        #expect(ProcmapQuery.hasLargePages(basePageSize: 4096, query: script.query) == false)
        // Each query starts where the last VMA ended.
        #expect(script.asked == [0, 0x5000, 0x9000])
    }

    /// A hugetlb VMA starts at a multiple of the smallest huge page size: after a VMA the walk
    /// asks from its end rounded up to that, and a VMA covering that address is still seen.
    @Test func theWalkSkipsToTheNextHugePageBoundary() {
        let script = Script([.vma(end: 0x5000, pageSize: 4096), .vma(end: 0x40_1000, pageSize: 4096),
                             .vma(end: 0x60_3000, pageSize: 4096), .vma(end: 0xa0_0000, pageSize: 2 << 20)])
        #expect(ProcmapQuery.hasLargePages(basePageSize: 4096, alignment: 2 << 20, query: script.query) == true)
        #expect(script.asked == [0, 0x20_0000, 0x60_0000, 0x80_0000])
        let top = Script([.vma(end: UInt64.max - 4095, pageSize: 4096)])
        #expect(ProcmapQuery.hasLargePages(basePageSize: 4096, alignment: 2 << 20, query: top.query) == nil)
    }

    @Test func aHugePageSizeStopsTheWalk() {
        let script = Script([.vma(end: 0x5000, pageSize: 4096), .vma(end: 0x40_0000, pageSize: 2 << 20),
                             .vma(end: 0x50_0000, pageSize: 4096)])
        #expect(ProcmapQuery.hasLargePages(basePageSize: 4096, query: script.query) == true)
        #expect(script.asked.count == 2)
    }

    @Test(arguments: [Errno(ENOTTY), Errno(EINVAL), Errno.noSuchProcess, Errno.permissionDenied])
    func aFailedQueryDecidesNothing(error: Errno) {
        let script = Script([.vma(end: 0x5000, pageSize: 4096), .failed(error)])
        #expect(ProcmapQuery.hasLargePages(basePageSize: 4096, query: script.query) == nil)
    }

    /// Answers that do not move forward, or never end, are no walk: the text decides.
    @Test func aWalkThatDoesNotAdvanceDecidesNothing() {
        let stuck = Script([.vma(end: 0x5000, pageSize: 4096), .vma(end: 0x5000, pageSize: 4096)])
        #expect(ProcmapQuery.hasLargePages(basePageSize: 4096, query: stuck.query) == nil)
        var next: UInt64 = 0
        let endless = ProcmapQuery.hasLargePages(basePageSize: 4096, maxSteps: 1000) { _ in
            next += 4096
            return .vma(end: next, pageSize: 4096)
        }
        #expect(endless == nil)
    }

    /// The second walk lists the VMAs with a large page size, in order, with the same
    /// alignment steps; a failed query (`ESRCH`: the process exited) or a walk that does not
    /// move forward gives nil, and the text is read.
    @Test func theLargePageVMAsAreListed() {
        func entry(_ start: UInt64, _ end: UInt64) -> MapsEntry {
            MapsEntry(start: start, end: end, shared: true, offset: 0, device: DeviceNumber(major: 0, minor: 15),
                      inode: start, path: "/dev/hugepages/f\(start)")
        }
        var asked: [UInt64] = []
        let answers: [UInt64: ProcmapQuery.EntryAnswer] = [
            0: .vma(entry(0x1000, 0x3000), pageSize: 4096),
            0x20_0000: .vma(entry(0x20_0000, 0x40_0000), pageSize: 2 << 20),
            0x40_0000: .vma(entry(0x40_0000, 0x40_1000), pageSize: 4096),
            0x60_0000: .vma(entry(0x60_0000, 0x80_0000), pageSize: 2 << 20),
            0x80_0000: .none,
        ]
        let entries = ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: 2 << 20) { address in
            asked.append(address)
            return answers[address] ?? .failed(.invalid)
        }
        #expect(entries == [entry(0x20_0000, 0x40_0000), entry(0x60_0000, 0x80_0000)])
        #expect(asked == [0, 0x20_0000, 0x40_0000, 0x60_0000, 0x80_0000])
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096) { _ in .none } == [])
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096) { _ in .failed(.noSuchProcess) } == nil)
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096) { _ in .vma(entry(0, 0), pageSize: 4096) } == nil)
    }

    /// The run's first answer decides whether the ioctl is used at all: a kernel before 6.11
    /// answers `ENOTTY` (the maps file has no ioctl) and every maps is then read as text.
    @Test func aKernelWithoutTheIoctlReadsText() {
        #expect(!ProcmapQuery.isAvailable(firstAnswer: .failed(Errno(ENOTTY))))
        #expect(!ProcmapQuery.isAvailable(firstAnswer: .failed(.invalid)))
        #expect(ProcmapQuery.isAvailable(firstAnswer: .none))
        #expect(ProcmapQuery.isAvailable(firstAnswer: .vma(end: 0x1000, pageSize: 4096)))
    }

    /// On this kernel, if it has the ioctl, this test process (no hugetlb VMA) is one whose
    /// maps text need not be read.
    @Test func thisProcessHasNoLargePages() throws {
        guard ProcmapQuery.isAvailable else { return }
        let fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(ProcmapQuery.hasLargePages(basePageSize: ProcmapQuery.basePageSize) { ProcmapQuery.query(fd, at: $0) } == false)
    }

    /// A source that reads a tree but says "no large pages" for the PIDs given, as the live
    /// kernel would for a process with no hugetlb VMA: the scan reads neither their maps nor
    /// anything else but their descriptors, finds the same processes, mappings and objects, and
    /// counts fewer candidates (their shmem memfd or SysV lines are not looked at).
    @Test func skippedProcessesAreNotRead() throws {
        let root = try SystemRoot.open(fixturesDirectory + "/host-1node")
        let full = try SnapshotCollector.collect(from: root).consumers
        let holders = Set(full.processes.filter { !$0.mappings.isEmpty }.map(\.pid))
        #expect(!holders.isEmpty)
        let source = SmallPagesSource(root, holders: holders)
        let filtered = try SnapshotCollector.collect(from: source).consumers
        #expect(filtered.processes == full.processes)
        #expect(filtered.objects == full.objects)
        #expect(filtered.scan.processesScanned == full.scan.processesScanned)
        #expect(filtered.scan.candidates <= full.scan.candidates)
        #expect(source.skipped.count > 0)
        #expect(Set(source.listed) == holders, "the holders' candidates come from the walk, not the text")
        let readAfterSkip = source.readPaths.filter { path in
            // mountinfo: the first process of each mount namespace tells its mounts, whatever it maps.
            source.skipped.contains { path.hasPrefix("/proc/\($0)/") && !path.hasSuffix("/mountinfo") }
        }
        #expect(readAfterSkip.isEmpty, "read although the pre-filter said no: \(readAfterSkip.sorted())")
    }
}

/// A tree that answers the pre-filter as the kernel would: "no large pages" for every process
/// but `holders`, whose maps text is read (a maps that cannot be opened fails as it would).
final class SmallPagesSource: ForwardingSource, @unchecked Sendable {
    let holders: Set<Int>
    private(set) var skipped: [Int] = []
    private(set) var listed: [Int] = []
    private(set) var readPaths: [String] = []

    init(_ inner: SystemRoot, holders: Set<Int>) {
        self.holders = holders
        super.init(inner)
    }


    override func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        readPaths.append(path)
        return try inner.read(path, limit: limit)
    }

    override func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        readPaths.append(path)
        try inner.readLines(path, limit: limit, body)
    }

    /// A holder's large-page VMAs as the kernel's walk lists them: its smaps's VMAs with a
    /// page size above the base page, headers as maps shows them.
    override func largePageMappings(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) -> [MapsEntry]? {
        let pid = Int(path.split(separator: "/")[1]) ?? -1
        // The open's failure, as the live source's own open gives it; the bytes are not looked at.
        _ = try inner.read(path, limit: limit)
        if holders.contains(pid) {
            let smaps = try inner.read(KernelPath.process(pid, "smaps"), limit: limit)
            listed.append(pid)
            return SmapsParser.hugetlbVMAs(smaps[...]).vmas.filter { $0.kernelPageSizeKB > 4 }.map(\.mapping)
        }
        skipped.append(pid)
        return []
    }
}
