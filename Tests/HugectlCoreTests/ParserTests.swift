import Testing
@testable import HugectlCore

@Suite("Parsers on real and broken kernel text")
struct ParserTests {
    @Test func meminfoFromCapture() throws {
        let text = try captureSection("A_map_shared_hugetlbfs_file.txt", after: "---- [before] /proc/meminfo (Huge*) ----")
        let info = Meminfo.parse(bytes(text))
        #expect(info["HugePages_Total"] == 8)
        #expect(info["HugePages_Free"] == 8)
        #expect(info["HugePages_Rsvd"] == 0)
        #expect(info["Hugepagesize"] == 2048)
        #expect(info["Hugetlb"] == 16384)
        #expect(info.problems.isEmpty)
    }

    @Test func nodeMeminfoDropsTheNodePrefix() throws {
        let text = try captureSection("A_map_shared_hugetlbfs_file.txt", after: "---- [before] /sys/devices/system/node/node0/meminfo (Huge*) ----")
        let info = Meminfo.parse(bytes(text))
        #expect(info["HugePages_Total"] == 8)
        #expect(info["HugePages_Surp"] == 0)
        let twoDigit = Meminfo.parse(bytes("Node 12 MemTotal:       8151756 kB\nNode 12 MemFree:  123 kB\n"))
        #expect(twoDigit["MemTotal"] == 8151756)
        #expect(twoDigit["MemFree"] == 123)
    }

    @Test func meminfoKeepsGoodLinesAndNamesBadOnes() {
        let info = Meminfo.parse(bytes("HugePages_Total: 99999999999999999999999\nHugePages_Free: -3\nno colon here\nHugePages_Rsvd:\nHugepagesize: 2048 kB\nHugePages_Surp: 0x10\n"))
        #expect(info["Hugepagesize"] == 2048)
        #expect(info["HugePages_Total"] == nil)
        #expect(info["HugePages_Free"] == nil)
        #expect(info.problems.count == 5)
        #expect(info.problems[0].contains("out of range"))
        #expect(info.problems[1].contains("negative"))
        #expect(info.problems[2].contains("no ':'"))
        #expect(info.problems[3].contains("no value"))
        #expect(info.problems[4].contains("not a number"))
    }

    @Test func meminfoTruncatedMidLine() {
        let info = Meminfo.parse(bytes("HugePages_Total:       8\nHugePages_Fr"))
        #expect(info["HugePages_Total"] == 8)
        #expect(info.problems.count == 1)
    }

    @Test func meminfoNonUTF8DoesNotTrap() {
        var raw = Array("HugePages_Total: 4\n".utf8)
        raw += [0xFF, 0xFE, 0x3A, 0x20, 0x31, 0x0A]
        let info = Meminfo.parse(raw[...])
        #expect(info["HugePages_Total"] == 4)
        #expect(info.values.count == 2)
    }

    @Test(arguments: [
        ("8\n", 8), ("0", 0), ("  12  \n", 12), ("9223372036854775807\n", Int.max),
    ])
    func countersThatParse(text: String, value: Int) throws {
        #expect(try Counter.parse(bytes(text)).get() == value)
    }

    @Test(arguments: ["", "\n", "-1\n", "abc", "9223372036854775808", "8 9", "8\n9\n", "1.5"])
    func countersThatDoNot(text: String) {
        #expect(throws: NumberProblem.self) { try Counter.parse(bytes(text)).get() }
    }

    @Test func demoteSize() throws {
        #expect(try KilobyteValue.parse(bytes("2048kB\n")).get() == 2048)
        #expect(try KilobyteValue.parse(bytes("1048576kB")).get() == 1048576)
        #expect(throws: NumberProblem.self) { try KilobyteValue.parse(bytes("kB")).get() }
    }

    @Test func nodeLists() throws {
        #expect(try NodeList.parse(bytes("0-3,8,10-11\n")).get() == [0, 1, 2, 3, 8, 10, 11])
        #expect(try NodeList.parse(bytes("0\n")).get() == [0])
        #expect(try NodeList.parse(bytes("\n")).get() == [])
        #expect(try NodeList.parse(bytes("3,1,1-2")).get() == [1, 2, 3])
        for bad in ["0-", "-1", "a", "3-1", "0--2", "1,,2", "0-99999999999999999999", "0-70000", "1 2"] {
            #expect(throws: NodeList.Problem.self, "\(bad)") { try NodeList.parse(bytes(bad)).get() }
        }
        // Node lists from the kernel stop at MAX_NUMNODES - 1 = 1023; CPU lists go on to 65536.
        #expect(try NodeList.parse(bytes("0-1023"), maximum: NodeList.maximumNode).get().count == 1024)
        for bad in ["1024", "0-1024", "0-65536"] {
            #expect(NodeList.parse(bytes(bad), maximum: NodeList.maximumNode) == .failure(.outOfRange(bad)), "\(bad)")
        }
        #expect(try NodeList.parse(bytes("0-65536")).get().count == 65537)
        #expect(NodeList.format([0, 1, 2, 3, 8, 10, 11]) == "0-3,8,10-11")
        #expect(NodeList.format([5]) == "5")
        #expect(NodeList.format([]) == "")
    }

    @Test func mountsWithEscapesAndHugetlbfsOptions() {
        let text = """
            none /mnt/hugetlb-lab/mnt_min hugetlbfs rw,relatime,pagesize=2M,min_size=4194304 0 0
            none /mnt/db\\040huge hugetlbfs rw,relatime,mode=1770,nr_inodes=2,pagesize=2M,size=8388608 0 0
            proc /proc proc rw 0 0
            short line
            """
        let mounts = Mounts.parse(bytes(text))
        #expect(mounts.entries.count == 3)
        #expect(mounts.problems.count == 1)
        #expect(mounts.entries[1].mountPoint == "/mnt/db huge")
        #expect(mounts.entries[1].option("size") == "8388608")
        #expect(mounts.entries[1].option("mode") == "1770")
        #expect(mounts.entries[0].option("min_size") == "4194304")
        #expect(mounts.entries[0].option("size") == nil)
        #expect(unescapeOctal(bytes("a\\134b\\011c\\999\\04")) == "a\\b\tc\\999\\04")
        #expect(escapeOctal("/mnt/a b\\c") == "/mnt/a\\040b\\134c")
        // Non-ASCII characters pass through as UTF-8 and survive the round trip.
        #expect(escapeOctal("/mnt/données\u{0C}") == "/mnt/données\\014")
        for path in ["/mnt/données", "/tmp/巨大な", "/a\u{7F}b\u{0B}c\u{0C}d\\e f", "\u{1F600}"] {
            #expect(unescapeOctal(Array(escapeOctal(path).utf8)[...]) == path)
        }
    }

    @Test func numastatAndDistance() throws {
        let stat = Numastat.parse(bytes("numa_hit 2275504\nnuma_miss 0\nbogus\nother_node x\nnuma_hit 3\n"))
        #expect(stat.counters.map(\.name) == ["numa_hit", "numa_miss"])
        #expect(stat.counters.map(\.value) == [2275504, 0])
        #expect(stat.problems.count == 3)
        #expect(try DistanceRow.parse(bytes("10 21\n")).get() == [10, 21])
        #expect(throws: NumberProblem.self) { try DistanceRow.parse(bytes("10 -1")).get() }
    }

    @Test func pageSizes() {
        #expect(PageSize.fromDirectoryName("hugepages-2048kB") == 2048)
        #expect(PageSize.fromDirectoryName("hugepages-1048576kB") == 1048576)
        for bad in ["hugepages-kB", "hugepages--1kB", "hugepages-0kB", "hugepages-2048", "other",
                    "hugepages-99999999999999999999999kB"] {
            #expect(PageSize.fromDirectoryName(bad) == nil, "\(bad)")
        }
        #expect(PageSize.format(kB: 2048) == "2M")
        #expect(PageSize.format(kB: 1048576) == "1G")
        #expect(PageSize.format(kB: 64) == "64K")
        #expect(PageSize.format(kB: 16 * 1048576) == "16G")
        for (text, kB) in [("2M", 2048), ("2MB", 2048), ("2048kB", 2048), ("2048K", 2048), ("1G", 1048576),
                           ("1024M", 1048576), ("2048", 2048), ("1GiB", 1048576)] {
            #expect(PageSize.parse(text) == kB, "\(text)")
        }
        for bad in ["", "M", "2X", "-2M", "99999999999999999999G", "0M", "1K5"] {
            #expect(PageSize.parse(bad) == nil, "\(bad)")
        }
        #expect(ByteSize.parse("8388608") == 8388608)
        #expect(ByteSize.parse("16E") == nil)
    }

    @Test func manifestRoundTrip() {
        var manifest = SnapshotManifest()
        manifest.time = "2026-11-22T02:30:00Z"
        manifest.hostname = "db 7\u{0C}\u{0B}"
        manifest.kernelRelease = "6.18.44"
        manifest.hugectlVersion = "0.1.0"
        manifest.source = "/"
        manifest.countersConsistent = false
        manifest.errors = ["/proc/1/smaps": .system(.permissionDenied), "/x y": .notRegularFile,
                           "/big": .tooLarge(limit: 10), SnapshotManifest.statfsErrorKey("/mnt/h"): .system(.permissionDenied)]
        manifest.filesystems = ["/mnt/a b": FilesystemUsage(blockSize: 2097152, blocks: UInt64.max, blocksFree: UInt64.max,
                                                              blocksAvailable: 3, files: 4, filesFree: 5)]
        let parsed = SnapshotManifest.parse(Array(manifest.serialized().utf8))
        #expect(parsed == manifest)
    }

    @Test func manifestToleratesJunk() {
        let parsed = SnapshotManifest.parse(Array("format 1\nerror EWHAT\nstatfs /x bsize=1\nfuture-key 3\n\u{FF}\n".utf8))
        #expect(parsed.format == 1)
        #expect(parsed.errors.isEmpty)
        #expect(parsed.filesystems.isEmpty)
        #expect(parsed.problems.count == 4)
    }
}
