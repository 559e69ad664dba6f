import Foundation
import Testing
@testable import HugectlCore

@Suite("Gigantic page sizes from the buddy allocator")
struct GiganticTests {
    func buddyinfo(columns: Int) -> Bytes {
        let counts = (0..<columns).map { _ in "     3" }.joined()
        return bytes("Node 0, zone      DMA\(counts) \nNode 0, zone   Normal\(counts) \n")
    }

    @Test func columnsAreOrders() {
        #expect(BuddyInfo.orders(buddyinfo(columns: 11)) == .success(11))
        #expect(BuddyInfo.orders(buddyinfo(columns: 13)) == .success(13))
        #expect(BuddyInfo.orders(bytes("")) == .failure(.empty))
        #expect(BuddyInfo.orders(bytes("Node 0, zone Normal 1 2 x\n")) == .failure(.malformed("Node 0, zone Normal 1 2 x")))
        #expect(BuddyInfo.orders(bytes("Node 0, zone DMA 1 2\nNode 0, zone Normal 1 2 3\n")) == .failure(.inconsistent))
    }

    /// x86-64 (4K, 11 orders): 4M is order 10, the largest block; 8M and 1G are gigantic.
    /// arm64 with 64K pages (13 orders on 6.1: MAX_ORDER 13... and 14 since): 512M is order 13.
    /// ppc64 with 64K pages (9 orders): 16M is order 8, not gigantic, though above 4M.
    @Test func orderAgainstTheLargestBlock() {
        #expect(!BuddyInfo.isGigantic(pageSizeKB: 2048, basePageKB: 4, orders: 11))
        #expect(!BuddyInfo.isGigantic(pageSizeKB: 4096, basePageKB: 4, orders: 11))
        #expect(BuddyInfo.isGigantic(pageSizeKB: 8192, basePageKB: 4, orders: 11))
        #expect(BuddyInfo.isGigantic(pageSizeKB: 1 << 20, basePageKB: 4, orders: 11))
        #expect(!BuddyInfo.isGigantic(pageSizeKB: 4096, basePageKB: 4, orders: 13), "13 orders: order 10 fits")
        #expect(BuddyInfo.isGigantic(pageSizeKB: 512 << 10, basePageKB: 64, orders: 13))
        #expect(!BuddyInfo.isGigantic(pageSizeKB: 512 << 10, basePageKB: 64, orders: 14))
        #expect(!BuddyInfo.isGigantic(pageSizeKB: 16 << 10, basePageKB: 64, orders: 9))
        #expect(BuddyInfo.isGigantic(pageSizeKB: 16 << 20, basePageKB: 64, orders: 9))
        #expect(!BuddyInfo.isGigantic(pageSizeKB: 2048, basePageKB: 0, orders: 11))
    }

    func auxv(_ pairs: [(UInt64, UInt64)], width: Int, bigEndian: Bool) -> [UInt8] {
        pairs.flatMap { [$0.0, $0.1] }.flatMap { word -> [UInt8] in
            let little = (0..<width).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) }
            return bigEndian ? little.reversed() : little
        }
    }

    @Test func pageSizeFromTheAuxiliaryVector() {
        let vector: [(UInt64, UInt64)] = [(33, 0x7ffd_1234_0000), (16, 0xbfebfbff), (6, 65536), (17, 100), (0, 0)]
        #expect(AuxiliaryVector.pageSizeKB(auxv(vector, width: 8, bigEndian: false)) == 64)
        #expect(AuxiliaryVector.pageSizeKB(auxv(vector, width: 8, bigEndian: true)) == 64)
        let small: [(UInt64, UInt64)] = [(16, 0xbfebfbff), (6, 4096), (0, 0)]
        #expect(AuxiliaryVector.pageSizeKB(auxv(small, width: 4, bigEndian: false)) == 4)
        #expect(AuxiliaryVector.pageSizeKB(auxv([(16, 1), (0, 0)], width: 8, bigEndian: false)) == nil, "no AT_PAGESZ")
        #expect(AuxiliaryVector.pageSizeKB(auxv([(6, 3000), (0, 0)], width: 8, bigEndian: false)) == nil)
        #expect(AuxiliaryVector.pageSizeKB(Array(auxv(small, width: 8, bigEndian: false).prefix(20))) == nil, "no AT_NULL")
        #expect(AuxiliaryVector.pageSizeKB([]) == nil)
        // The redacted copy keeps only the page size.
        let redacted = RedactingSource.redactAuxiliaryVector(auxv(vector, width: 8, bigEndian: false))
        #expect(redacted.count == 32 && AuxiliaryVector.pageSizeKB(redacted) == 64)
    }

    /// A tree with buddyinfo and auxv decides by order: 16M with 64K base pages and 9 orders is
    /// not gigantic (a ppc64), 16G is; without them, above 4M is, and a size where the two
    /// rules may differ is a warning.
    @Test func collectorReadsThem() throws {
        try withTemporaryDirectory { root in
            var files = [
                "/proc/meminfo": "HugePages_Total:       0\nHugepagesize:      16384 kB\n",
                "/proc/mounts": "",
                "/proc/buddyinfo": "Node 0, zone   Normal      1      2      3      4      5      6      7      8      9 \n",
            ]
            for kB in [16384, 16 << 20] {
                for name in ["nr_hugepages", "free_hugepages", "resv_hugepages", "surplus_hugepages", "nr_overcommit_hugepages"] {
                    files["/sys/kernel/mm/hugepages/hugepages-\(kB)kB/\(name)"] = "0\n"
                }
            }
            try writeTree(root, files)
            let vector = auxv([(6, 65536), (0, 0)], width: 8, bigEndian: false)
            try FileManager.default.createDirectory(atPath: root + "/proc/self", withIntermediateDirectories: true)
            try Data(vector).write(to: URL(fileURLWithPath: root + "/proc/self/auxv"))
            let s = try SnapshotCollector.collect(from: SystemRoot.open(root), scanProcesses: false)
            #expect(s.pools.map(\.isGigantic) == [false, true], "\(s.warnings)")
            #expect(!s.warnings.contains { $0.contains("buddyinfo") })
            try FileManager.default.removeItem(atPath: root + "/proc/buddyinfo")
            let fallback = try SnapshotCollector.collect(from: SystemRoot.open(root), scanProcesses: false)
            #expect(fallback.pools.map(\.isGigantic) == [true, true])
            #expect(fallback.warnings.contains {
                $0 == "/proc/buddyinfo unreadable: gigantic page sizes taken to be those above 4M, which may be wrong for 16M"
            }, "\(fallback.warnings)")
            // 2M and 1G are gigantic or not on every architecture alike: no doubt, no warning.
            try writeTree(root, ["/proc/buddyinfo": "Node 0, zone Normal 1 2\nNode 0, zone DMA 1 2 3\n"])
            var sure = try SnapshotCollector.collect(from: SystemRoot.open(root), scanProcesses: false)
            #expect(sure.warnings.contains("/proc/buddyinfo: zones list different numbers of orders: gigantic page sizes taken to be those above 4M, which may be wrong for 16M"))
            try FileManager.default.removeItem(atPath: root + "/sys/kernel/mm/hugepages/hugepages-16384kB")
            try FileManager.default.removeItem(atPath: root + "/proc/buddyinfo")
            sure = try SnapshotCollector.collect(from: SystemRoot.open(root), scanProcesses: false)
            #expect(sure.pools.map(\.isGigantic) == [true] && !sure.warnings.contains { $0.contains("gigantic") }, "\(sure.warnings)")
        }
    }

    /// A snapshot records both files and replays the decision: the 2-node guest of scenario
    /// 35 (6.1, x86-64: 11 orders of 4K pages) has a 2M and a 1G size.
    @Test func snapshotsRecordThem() throws {
        try withTemporaryDirectory { scratch in
            let root = try VMFixtureTests.unpack("35-mount-size-limit-noreserve", into: scratch)
            let s = try SnapshotCollector.collect(from: SystemRoot.open(root), scanProcesses: false)
            #expect(s.pools.map(\.pageSizeKB) == [2048, 1 << 20])
            #expect(s.pools.map(\.giganticByBuddy) == [false, true])
        }
    }
}
