import Foundation
import Testing
@testable import HugectlCore

@Suite("Collecting a snapshot from trees")
struct CollectorTests {
    func snapshot(_ fixture: String) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture))
    }

    @Test func twoNodeTree() throws {
        let s = try snapshot("two-node")
        #expect(s.warnings == [])
        #expect(s.consistent)
        #expect(s.kernelRelease == "6.12.48+deb13-amd64")
        #expect(s.defaultPageSizeKB == 2048)
        #expect(s.pools.map(\.pageSizeKB) == [2048, 1048576])
        let small = try #require(s.pool(kB: 2048))
        #expect(small.total == 16 && small.free == 10 && small.reserved == 6 && small.surplus == 1)
        #expect(small.overcommit == 4 && small.mempolicyTotal == 16 && small.inUse == 6)
        #expect(small.nodes == [NodePool(node: 0, total: 5, free: 3, surplus: 1), NodePool(node: 1, total: 11, free: 7, surplus: 0)])
        #expect(!small.isGigantic)
        let giant = try #require(s.pool(kB: 1048576))
        #expect(giant.isGigantic && giant.demoteSizeKB == 2048)
        #expect(s.nodes.map(\.node) == [0, 1])
        #expect(s.nodes[1].cpus == [2, 3])
        #expect(s.nodes[1].distances == [21, 10])
        #expect(s.nodes[1].memFreeKB == 5001332)
        #expect(s.nodes[0].numastat?.first == NamedCount(name: "numa_hit", value: 1001234))
        #expect(s.meminfo.total == 16 && s.meminfo.hugetlbKB == 16 * 2048 + 1048576)
        #expect(s.mounts.map(\.path) == ["/dev/hugepages", "/mnt/db huge", "/mnt/huge1g"])
        let db = s.mounts[1]
        #expect(db.pageSizeKB == 2048 && db.sizeLimitPages == 8 && db.minSizePages == 2 && db.usedPages == 3)
        #expect(s.mounts[0].usedPages == nil && s.mounts[0].sizeLimitPages == nil)
        #expect(s.mounts[2].pageSizeKB == 1048576)
    }

    @Test func fourNodeTreeWithACPUOnlyNode() throws {
        let s = try snapshot("four-node")
        #expect(s.warnings == [])
        #expect(s.nodes.map(\.node) == [0, 1, 2, 3])
        #expect(s.nodes.map(\.hasMemory) == [true, true, true, false])
        #expect(s.possibleNodes == Array(0...7))
        let small = try #require(s.pool(kB: 2048))
        #expect(small.nodes.map(\.node) == [0, 1, 2], "no per-node pool on a node without memory")
        #expect(s.mounts[1].sizeLimitPages == 2 && s.mounts[1].usedPages == 2)
        #expect(Analysis.findings(for: s).isEmpty, "a healthy layout: every owed page can be served")
    }

    /// Made by Tests/Fixtures/make-host-snapshot: a 16-page pool, a size=16M,min_size=4M
    /// mount, and holders of a shared file there (4 pages, 1 faulted), shared anonymous memory
    /// (2, 1 faulted), private anonymous memory (3, 1 faulted) and that one's fork child.
    @Test func hostSnapshotMadeOnThisMachine() throws {
        let s = try snapshot("host-1node")
        #expect(s.warnings == [])
        let pool = try #require(s.pool(kB: 2048))
        #expect(pool.total == 16)
        #expect(pool.reserved == 6, "3 file + 1 shared anonymous + 2 private; min_size is covered by the file")
        let mount = try #require(s.mounts.first)
        #expect(mount.minSizePages == 2 && mount.sizeLimitPages == 8 && mount.usedPages == 4)
        let report = StatusReport(snapshot: s)
        let kinds = report.consumers.processes.flatMap { $0.mappings.map(\.kind) }.sorted { $0.rawValue < $1.rawValue }
        #expect(kinds == [.anonPrivate, .anonPrivate, .anonShared, .fileShared])
        #expect(report.consumers.processes.filter(\.holdsInheritedPrivate).count == 1)
        #expect(report.ledgers.first { $0.pageSizeKB == 2048 }?.unattributed == 0)
    }

    @Test func noHugetlbSupportIsFatal() throws {
        try withTemporaryDirectory { dir in
            try writeTree(dir, ["/proc/meminfo": "MemTotal: 1 kB\n"])
            #expect(throws: ReadError(path: KernelPath.hugepages, failure: .system(.noSuchFile))) {
                try SnapshotCollector.collect(from: SystemRoot.open(dir))
            }
        }
    }

    @Test func brokenFilesBecomeWarningsNamingTheFile() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try copyFixture("two-node", to: dir)
            let pool = dir + KernelPath.pool(kB: 2048)
            try "abc\n".write(toFile: pool + "/free_hugepages", atomically: false, encoding: .utf8)
            try FileManager.default.removeItem(atPath: pool + "/resv_hugepages")
            try FileManager.default.createDirectory(atPath: pool + "/resv_hugepages", withIntermediateDirectories: false)
            try "99999999999999999999999\n".write(toFile: pool + "/surplus_hugepages", atomically: false, encoding: .utf8)
            try FileManager.default.removeItem(atPath: dir + "/sys/devices/system/node/node1/numastat")
            try Data([0x48, 0x75, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: dir + "/proc/meminfo"))
            let s = try SnapshotCollector.collect(from: SystemRoot.open(dir))
            let p = try #require(s.pool(kB: 2048))
            #expect(p.free == nil && p.reserved == nil && p.surplus == nil && p.total == 16)
            #expect(p.inUse == nil)
            let expected = [
                "\(KernelPath.pool(kB: 2048))/free_hugepages: not a number: 'abc'",
                "\(KernelPath.pool(kB: 2048))/resv_hugepages: Is a directory",
                "\(KernelPath.pool(kB: 2048))/surplus_hugepages: number out of range: '99999999999999999999999'",
                "/sys/devices/system/node/node1/numastat: No such file or directory",
            ]
            for line in expected { #expect(s.warnings.contains(line), "\(line) in \(s.warnings)") }
            #expect(s.warnings.contains { $0.hasPrefix("/proc/meminfo: ") })
            #expect(s.defaultPageSizeKB == nil)
            #expect(s.nodes[1].numastat == nil)
            // Rendering a snapshot with holes never traps and shows unknowns as '?'.
            let text = StatusText.render(StatusReport(snapshot: s)).rendered()
            #expect(text.contains("?"))
            _ = StatusJSON.document(StatusReport(snapshot: s)).serialized()
        }
    }

    @Test func treeWithoutNodeDirectory() throws {
        try withTemporaryDirectory { dir in
            try writeTree(dir, [
                "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "2\n",
                "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages": "2\n",
                "/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages": "0\n",
                "/sys/kernel/mm/hugepages/hugepages-2048kB/surplus_hugepages": "0\n",
                "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages": "0\n",
            ])
            let s = try SnapshotCollector.collect(from: SystemRoot.open(dir))
            #expect(s.nodes.isEmpty)
            #expect(s.defaultPageSizeKB == 2048, "the only size is the default")
            #expect(s.warnings.contains { $0.contains("kernel without NUMA support") })
            #expect(s.warnings.contains("/proc/meminfo: No such file or directory"))
            #expect(s.pool(kB: 2048)?.total == 2)
        }
    }

    @Test func manifestCanMarkCountersInconsistent() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try copyFixture("two-node", to: dir)
            let manifest = dir + SnapshotManifest.path
            var text = try String(contentsOfFile: manifest, encoding: .utf8)
            text = text.replacingOccurrences(of: "counters-consistent yes", with: "counters-consistent no")
            try text.write(toFile: manifest, atomically: false, encoding: .utf8)
            let s = try SnapshotCollector.collect(from: SystemRoot.open(dir))
            #expect(!s.consistent)
            #expect(s.warnings.contains { $0.contains("still changing when this snapshot was taken") })
        }
    }
}
