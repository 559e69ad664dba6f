import Foundation
import Testing
@testable import HugectlCore

/// Issue 14: the live scan's pre-filter (`PROCMAP_QUERY`, Linux 6.11+). A process none of whose
/// file-backed VMAs has a page size above the base page has no hugetlb VMA: its maps text is
/// not read. Any failure reads the text, as before.
@Suite("Maps pre-filter by page size (PROCMAP_QUERY)")
struct ProcmapQueryTests {
    typealias Answer = ProcmapQuery.Answer

    /// A VMA of a hugetlbfs file (`start` its inode) as maps shows it, with its path when `named`.
    static func entry(_ start: UInt64, _ end: UInt64, named: Bool = true) -> MapsEntry {
        MapsEntry(start: start, end: end, shared: true, offset: 0, device: DeviceNumber(major: 0, minor: 15),
                  inode: start, path: named ? "/dev/hugepages/f\(start)" : nil)
    }

    /// A process's file-backed VMAs (start, end, page size), answered as the kernel answers
    /// `PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_FILE_BACKED_VMA` (the first VMA ending
    /// above the address), each query recorded: its address, and whether it asked for the name.
    final class Script {
        let vmas: [(start: UInt64, end: UInt64, pageSize: UInt64)]
        var failAt: UInt64?
        var asked: [(address: UInt64, named: Bool)] = []
        init(_ vmas: [(UInt64, UInt64, UInt64)], failAt: UInt64? = nil) {
            self.vmas = vmas.map { (start: $0.0, end: $0.1, pageSize: $0.2) }
            self.failAt = failAt
        }
        func query(_ address: UInt64, _ named: Bool) -> Answer {
            asked.append((address, named))
            if let failAt, address >= failAt { return .failed(.noSuchProcess) }
            guard let vma = vmas.first(where: { $0.end > address }) else { return .none }
            return .vma(ProcmapQueryTests.entry(vma.start, vma.end, named: named), pageSize: vma.pageSize)
        }
        var addresses: [UInt64] { asked.map(\.address) }
        var names: [Bool] { asked.map(\.named) }
    }

    /// A process whose file-backed VMAs all have the base page has none listed: [], each
    /// query from where the last VMA ended, none with a name.
    @Test func onlyBasePagesMeanNoHugetlbVMA() {
        let script = Script([(0x1000, 0x5000, 4096), (0x5000, 0x9000, 4096)])
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: nil, query: script.query) == [])
        #expect(script.addresses == [0, 0x5000, 0x9000])
        #expect(!script.names.contains(true))
    }

    /// A hugetlb VMA starts at a multiple of the smallest huge page size: after a VMA the walk
    /// asks from its end rounded up to that, and a VMA covering that address is still seen.
    @Test func theWalkSkipsToTheNextHugePageBoundary() {
        let script = Script([(0x1000, 0x5000, 4096), (0x20_0000, 0x40_1000, 4096), (0x40_1000, 0x60_3000, 4096),
                             (0x80_0000, 0xa0_0000, 2 << 20)])
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: 2 << 20, query: script.query)
            == [Self.entry(0x80_0000, 0xa0_0000)])
        #expect(script.addresses == [0, 0x20_0000, 0x60_0000, 0x80_0000, 0x80_0000, 0xa0_0000])
        let top = Script([(0, UInt64.max - 4095, 4096)])
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: 2 << 20, query: top.query) == nil)
    }

    /// One walk: without names up to the first VMA with a large page size, which is asked
    /// again with its name, and with names from there on. The VMAs with a large page size are
    /// listed in order, whole; those with the base page between them are stepped over.
    @Test func theWalkAsksForNamesFromTheFirstLargePage() {
        let script = Script([(0x1000, 0x3000, 4096), (0x20_0000, 0x40_0000, 2 << 20), (0x40_0000, 0x40_1000, 4096),
                             (0x60_0000, 0x80_0000, 2 << 20)])
        let entries = ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: 2 << 20, query: script.query)
        #expect(entries == [Self.entry(0x20_0000, 0x40_0000), Self.entry(0x60_0000, 0x80_0000)])
        #expect(script.addresses == [0, 0x20_0000, 0x20_0000, 0x40_0000, 0x60_0000, 0x80_0000])
        #expect(script.names == [false, false, true, true, true, true])
    }

    /// A failed query, before or after the walk found a large page (`ESRCH`: the process exited;
    /// `ENOTTY`: no ioctl), decides nothing: nil, and the text is read.
    @Test(arguments: [Errno(ENOTTY), Errno(EINVAL), Errno.noSuchProcess, Errno.permissionDenied])
    func aFailedQueryDecidesNothing(error: Errno) {
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096) { address, _ in
            address == 0 ? .vma(Self.entry(0x1000, 0x5000), pageSize: 4096) : .failed(error)
        } == nil)
        let late = Script([(0x20_0000, 0x40_0000, 2 << 20), (0x40_0000, 0x60_0000, 2 << 20)], failAt: 0x40_0000)
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: 2 << 20, query: late.query) == nil)
        #expect(late.names == [false, true, true])
    }

    /// Answers that do not move forward, or never end, are no walk: the text decides.
    @Test func aWalkThatDoesNotAdvanceDecidesNothing() {
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096) { _, _ in .vma(Self.entry(0, 0), pageSize: 4096) } == nil)
        let stuck = Script([(0x1000, 0x5000, 4096)])
        #expect(ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: nil) { address, named in
            stuck.query(min(address, 0x1000), named)
        } == nil)
        var next: UInt64 = 0
        let endless = ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: nil, maxSteps: 1000) { _, named in
            next += 4096
            return .vma(Self.entry(next - 4096, next, named: named), pageSize: 4096)
        }
        #expect(endless == nil)
        // Nor does an endless walk of large pages, which asks with names from its first answer.
        var huge: UInt64 = 0
        let endlessHuge = ProcmapQuery.largePageEntries(basePageSize: 4096, alignment: nil, maxSteps: 1000) { _, named in
            huge += 2 << 20
            return .vma(Self.entry(huge - (2 << 20), huge, named: named), pageSize: 2 << 20)
        }
        #expect(endlessHuge == nil)
    }

    /// The run's first answer decides whether the ioctl is used at all: a kernel before 6.11
    /// answers `ENOTTY` (the maps file has no ioctl) and every maps is then read as text.
    @Test func aKernelWithoutTheIoctlReadsText() {
        #expect(!ProcmapQuery.isAvailable(firstAnswer: .failed(Errno(ENOTTY))))
        #expect(!ProcmapQuery.isAvailable(firstAnswer: .failed(.invalid)))
        #expect(ProcmapQuery.isAvailable(firstAnswer: .none))
        #expect(ProcmapQuery.isAvailable(firstAnswer: .vma(Self.entry(0, 0x1000, named: false), pageSize: 4096)))
    }

    /// On this kernel, if it has the ioctl, this test process (no hugetlb VMA) is one whose
    /// maps text need not be read.
    @Test func thisProcessHasNoLargePages() throws {
        guard ProcmapQuery.isAvailable else { return }
        let fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(ProcmapQuery.largePageEntries(in: fd) == [])
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
