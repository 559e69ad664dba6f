import Foundation
import Testing
@testable import HugectlCore

/// Issue #13: where files no process maps or holds open hold pages of a size, the hints that
/// would grow that pool name the files, their pages and the `rm` that frees them first, and
/// grow the pool only by what `rm` cannot give back.
///
/// The trees are `shortfall-2node` (6 pages owed to mappings bound to node 1, which has 4
/// free: a certain shortfall of 2) with files added on its `/dev/hugepages` and the pool's
/// counters moved to hold them.
@Suite("Hints name files nobody maps before growing the pool")
struct FilesFirstHintTests {
    /// `shortfall-2node` with `files` one-page files written on /dev/hugepages (`rtemap_N`),
    /// and each node's total raised by its pages in use (`inUse[node]`), free unchanged.
    /// With `unreadable`, a third process whose maps root could not read (EACCES).
    func tree(_ base: String, files: Int, inUse: [Int: Int], unreadable: Bool = false) throws -> SystemSnapshot {
        let tree = base + "/tree"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try copyFixture("shortfall-2node", to: tree)
        let freeByNode = [0: 8, 1: 4]
        let totalByNode = freeByNode.merging(inUse, uniquingKeysWith: +)
        let total = totalByNode.values.reduce(0, +), free = 12
        let pool = "/sys/kernel/mm/hugepages/hugepages-2048kB/"
        var writes = [pool + "nr_hugepages": "\(total)\n", pool + "nr_hugepages_mempolicy": "\(total)\n",
                      pool + "free_hugepages": "\(free)\n"]
        for (node, pages) in totalByNode {
            let dir = "/sys/devices/system/node/node\(node)/hugepages/hugepages-2048kB/"
            writes[dir + "nr_hugepages"] = "\(pages)\n"
            let meminfo = try String(contentsOfFile: tree + "/sys/devices/system/node/node\(node)/meminfo", encoding: .utf8)
            writes["/sys/devices/system/node/node\(node)/meminfo"] = meminfo
                .replacingOccurrences(of: "HugePages_Total:              \(freeByNode[node] ?? 0)",
                                      with: "HugePages_Total:              \(pages)")
        }
        let meminfo = try String(contentsOfFile: tree + "/proc/meminfo", encoding: .utf8)
        writes["/proc/meminfo"] = meminfo
            .replacingOccurrences(of: "HugePages_Total:           12", with: "HugePages_Total:           \(total)")
            .replacingOccurrences(of: "Hugetlb:                24576 kB", with: "Hugetlb:                \(total * 2048) kB")
        try writeTree(tree, writes)
        let names = (0..<files).map { "rtemap_\($0)" }
        var manifest = try String(contentsOfFile: tree + "/hugectl/manifest", encoding: .utf8)
        manifest += "list /dev/hugepages " + names.joined(separator: " ") + "\n"
        for (index, name) in names.enumerated() {
            manifest += "stat /dev/hugepages/\(name) dev=0:39 ino=\(9000 + index) mode=100600 size=2097152 blocks=4096 blksize=2097152\n"
        }
        if unreadable { manifest += "list /proc 4001 4002 4003\nerror EACCES /proc/4003/maps\n" }
        try writeTree(tree, ["/hugectl/manifest": manifest])
        return try SnapshotCollector.collect(from: SystemRoot.open(tree))
    }

    func finding(_ id: String, _ s: SystemSnapshot) -> Finding? {
        Analysis.findings(for: s).first { $0.id == id }
    }

    /// The tree is what it says: the files are found, hold their pages, and the shortfall is
    /// still there (rm of files changes no owed page).
    func checkTree(_ s: SystemSnapshot, files: Int) {
        let all = Analysis.findings(for: s)
        #expect(all.first { $0.id == UnmappedFiles.id }?.pages == files, "\(all.map(\.message))")
        #expect(all.first { $0.id == ReservationShortfall.certainID }?.pages == 2, "\(all.map(\.message))")
        #expect(!all.contains { $0.id == CounterConsistency.id }, "\(all.map(\.message))")
    }

    /// 4 pages in use on node 1, all in the files (node 0 has none in use): rm frees at least
    /// the 2 missing there, and the hint asks for no pool change.
    @Test func filesCoverTheShortfall() throws {
        try withTemporaryDirectory { base in
            let s = try tree(base, files: 4, inUse: [1: 4])
            checkTree(s, files: 4)
            let hint = try #require(finding(ReservationShortfall.certainID, s)?.hint)
            #expect(hint.hasPrefix("remove the 4 files on /dev/hugepages that no process maps or holds open, "
                + "which hold 4 2M pages (4 in use, 0 reserved) (finding unmapped-files-hold-pages): "
                + "rm -- /dev/hugepages/rtemap_0 /dev/hugepages/rtemap_1 /dev/hugepages/rtemap_2 /dev/hugepages/rtemap_3"), "\(hint)")
            #expect(hint.hasSuffix("; that frees at least the 2 pages missing on node 1, with no pool change"), "\(hint)")
            #expect(!hint.contains("hugectl pool set"), "\(hint)")
        }
    }

    /// One page of the files on node 1: rm frees 1 of the 2 missing, and the pool grows by
    /// the other one (node 1 from 5 to 6), not by 2.
    @Test func filesCoverPartOfTheShortfall() throws {
        try withTemporaryDirectory { base in
            let s = try tree(base, files: 1, inUse: [1: 1])
            checkTree(s, files: 1)
            let hint = try #require(finding(ReservationShortfall.certainID, s)?.hint)
            #expect(hint.hasPrefix("remove the 1 file on /dev/hugepages that no process maps or holds open, "
                + "which holds 1 2M page (1 in use, 0 reserved) (finding unmapped-files-hold-pages): rm -- /dev/hugepages/rtemap_0; "
                + "that frees at least 1 of the 2 pages missing on node 1; then give node 1 1 more 2M page: "
                + "hugectl pool set 2M 0:8,1:6 (or echo 6 > "), "\(hint)")
        }
    }

    /// Two files, one page in use on node 0 and one on node 1: one of them is on node 1, and
    /// the pool grows by the 1 page still missing. One file with the same pages in use may be
    /// on either node: nothing certain, the growth is "at most" the 2 pages.
    @Test func filesMaybeOnOtherNodes() throws {
        try withTemporaryDirectory { base in
            let s = try tree(base, files: 2, inUse: [0: 1, 1: 1])
            let hint = try #require(finding(ReservationShortfall.certainID, s)?.hint)
            #expect(hint.contains("that frees at least 1 of the 2 pages missing on node 1; "
                + "then give node 1 1 more 2M page: hugectl pool set 2M 0:9,1:6"), "\(hint)")
            let some = try tree(base + "/b", files: 1, inUse: [0: 1, 1: 1])
            let unsure = try #require(finding(ReservationShortfall.certainID, some)?.hint)
            #expect(unsure.contains("hugectl cannot tell how many of the 2 pages missing on node 1 that frees; "
                + "then for the pages still missing (at most 2), give node 1 2 more 2M pages: hugectl pool set 2M 0:9,1:7"),
                    "\(unsure)")
        }
    }

    /// The files' pages are all on node 0 (node 1 has none in use): rm cannot help the faults
    /// bound to node 1, and the hint does not name the files.
    @Test func filesOnOtherNodesAreNotNamed() throws {
        try withTemporaryDirectory { base in
            let s = try tree(base, files: 2, inUse: [0: 2])
            checkTree(s, files: 2)
            let hint = try #require(finding(ReservationShortfall.certainID, s)?.hint)
            #expect(hint.hasPrefix("give node 1 2 more 2M pages: hugectl pool set 2M 0:10,1:6"), "\(hint)")
        }
    }

    /// A process hugectl could not read may map or hold the files open: the finding and the
    /// hints say "no process hugectl could read", and the finding's hint asks to check it.
    @Test func unreadProcessesAreSaid() throws {
        try withTemporaryDirectory { base in
            let s = try tree(base, files: 4, inUse: [1: 4], unreadable: true)
            let all = Analysis.findings(for: s)
            let unmapped = try #require(all.first { $0.id == UnmappedFiles.id })
            #expect(unmapped.message.hasPrefix("4 files on /dev/hugepages that no process hugectl could read maps or holds open"))
            #expect(unmapped.hint.hasPrefix("check that none of the 1 processes hugectl could not read uses them, then remove them"))
            // The owed pages are no longer proved by Rsvd: the shortfall is only possible.
            let hint = try #require(all.first { $0.id == ReservationShortfall.possibleID }?.hint, "\(all.map(\.id))")
            #expect(hint.hasPrefix("remove the 4 files on /dev/hugepages that no process hugectl could read maps or holds open"), "\(hint)")
        }
    }

    /// `--min-free` and `--require` on the same trees: min-free counts what rm gives back
    /// (free − reserved rises by the files' pages), require counts the pool's size, which rm
    /// does not change: the files come first, the write stays whole.
    @Test func expectationHints() throws {
        try withTemporaryDirectory { base in
            let s = try tree(base, files: 4, inUse: [1: 4])
            var expectations = Expectations()
            try expectations.add("min-free", "2M=10")
            try expectations.add("require", "2M=20")
            let result = CheckResult.run(s, expectations: expectations, threshold: .error, started: 0)
            let hints = result.report.findings.filter { $0.id == Expectations.id }.map(\.hint)
            #expect(hints.count == 2, "\(hints)")
            // free 12 - reserved 6 = 6 free and unreserved, 10 required: rm gives back 4 of 4.
            #expect(hints.contains { $0.hasPrefix("remove the 4 files on /dev/hugepages") && $0.hasSuffix(
                "rm -- /dev/hugepages/rtemap_0 /dev/hugepages/rtemap_1 /dev/hugepages/rtemap_2 /dev/hugepages/rtemap_3; "
                    + "that gives back at least the 4 pages missing") }, "\(hints)")
            #expect(hints.contains { $0.hasPrefix("remove the 4 files on /dev/hugepages") && $0.hasSuffix(
                "that gives their pages back to the pool but does not change its size, which the requirement counts: "
                    + "echo 20 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") }, "\(hints)")
        }
    }

    /// The min-free arithmetic: what rm gives back is the pages in use and the reservations
    /// read exactly, less the surplus pages (a freed page leaves the pool while there are
    /// some); an estimated part makes the growth "at most".
    @Test func minFreeGrowsByWhatRemains() {
        let pool = HugePagePool(pageSizeKB: 2048, total: 600, free: 0, reserved: 0, surplus: 0)
        var files = FreeableFiles(pageSizeKB: 2048, mounts: ["/dev/hugepages"], paths: ["/dev/hugepages/a"], inUse: 4)
        #expect(Expectations.minFreeHint(pool, kB: 2048, missing: 10, files: files)
            .hasSuffix("rm -- /dev/hugepages/a; then grow the 2M pool by 6 pages"))
        files.reserved = 2
        #expect(Expectations.minFreeHint(pool, kB: 2048, missing: 10, files: files)
            .hasSuffix("then grow the 2M pool by the pages still missing (at most 6)"), "the 2 reserved are an estimate")
        files.reservedExact = 2
        #expect(Expectations.minFreeHint(pool, kB: 2048, missing: 10, files: files).hasSuffix("then grow the 2M pool by 4 pages"))
        var surplus = pool
        surplus.surplus = 3
        #expect(Expectations.minFreeHint(surplus, kB: 2048, missing: 10, files: files)
            .hasSuffix("then grow the 2M pool by the pages still missing (at most 7)"))
        #expect(Expectations.minFreeHint(pool, kB: 2048, missing: 3, files: nil) == "grow the 2M pool by 3 pages")
    }

    /// `freed(on:)`: the least is what cannot be on other nodes, the most what is in use on
    /// these; unknown counts give nothing certain.
    @Test func freedPagesBounds() {
        let files = FreeableFiles(pageSizeKB: 2048, mounts: ["/m"], paths: ["/m/a"], inUse: 5)
        let pool = HugePagePool(pageSizeKB: 2048, total: 20, free: 12, reserved: 0, surplus: 0, nodes: [
            NodePool(node: 0, total: 10, free: 8), NodePool(node: 1, total: 10, free: 4)])
        #expect(files.freed(on: [1], pool) == (3, 5))
        #expect(files.freed(on: [0], pool) == (0, 2))
        #expect(files.freed(on: [], pool) == (5, 5))
        var unknown = pool
        unknown.nodes[0].free = nil
        #expect(files.freed(on: [1], unknown) == (0, 5))
        var surplus = pool
        surplus.surplus = 2
        #expect(files.freed(on: [1], surplus) == (1, 5))
    }
}
