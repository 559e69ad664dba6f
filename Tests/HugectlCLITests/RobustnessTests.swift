import Foundation
import Glibc
import Testing
@testable import HugectlCore

// Hostile input: the fuzzers' crashers replayed in-process, and captured trees broken in every
// way a file tree can be broken, run through the built binary with a time bound.
// docs/fuzzing.md describes the fuzz targets; docs/threat-model.md what a hostile tree can do.

/// The repository, found from the fixtures.
let repositoryDirectory = ((fixturesDirectory as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent

// MARK: - Fuzz regressions

/// Every input a fuzz target once crashed or hung on (Fuzz/regressions/<target>/), through
/// the same code the target calls. A crash here kills the test process, which fails the run.
@Suite("Fuzz regressions")
struct RobustnessFuzzRegressions {
    static let regressions = repositoryDirectory + "/Fuzz/regressions"
    /// In a debug build; the fixed parsers take milliseconds on every file.
    static let bound: Duration = .seconds(10)

    /// What each fuzz target (Fuzz/targets/<name>.swift) runs, minus libFuzzer.
    static let parsers: [String: @Sendable ([UInt8]) -> Void] = [
        "meminfo": { _ = Meminfo.parse($0[...]) },
        "counter": { _ = Counter.parse($0[...]) },
        "kilobyte": { _ = KilobyteValue.parse($0[...]) },
        "nodelist": { bytes in
            if case .success(let list) = NodeList.parse(bytes[...]) { _ = NodeList.parse(Array(NodeList.format(list).utf8)[...]) }
        },
        "mounts": { bytes in
            for entry in Mounts.parse(bytes[...]).entries {
                _ = entry.option("pagesize").flatMap(PageSize.parse)
                _ = entry.option("size").flatMap { ByteSize.parse($0) }
            }
        },
        "unescape-octal": { _ = escapeOctal(unescapeOctal($0[...])) },
        "smaps": { bytes in
            let all = SmapsParser.hugetlbVMAs(bytes[...])
            for vma in all.vmas where vma.kernelPageSizeKB > 0 { _ = vma.sizeKB / vma.kernelPageSizeKB + vma.mappedPages }
            _ = SmapsParser.hugetlbVMAs(bytes[...], onlyStarts: Set(all.vmas.prefix(4).map(\.mapping.start)))
        },
        "maps": { bytes in
            _ = MapsParser.candidates(bytes.dropFirst()[...], hugetlbfsDevices: [DeviceNumber(major: 0, minor: 0x27)])
        },
        "numa-maps": { bytes in
            for entry in NumaMapsParser.parse(bytes[...]).entries { _ = entry.policy.text }
        },
        "status": { _ = ProcStatus.parse($0[...]); _ = CommandLineParser.parse($0[...]) },
        "sysv-shm": { _ = SysvShmParser.parse($0[...]) },
        "mountinfo": { _ = MountinfoParser.parse($0[...]) },
        "manifest": { bytes in
            var first = SnapshotManifest.parse(bytes)
            var second = SnapshotManifest.parse(Array(first.serialized().utf8))
            if !second.problems.isEmpty { Issue.record("serialized manifest has problems: \(second.problems)") }
            first.problems = []
            second.problems = []
            if first != second { Issue.record("manifest round trip: \(first) became \(second)") }
        },
        "expectations": { bytes in
            var expectations = Expectations()
            try? expectations.add(file: bytes, name: "regression")
            _ = expectations.findings(in: SystemSnapshot(root: "/", pools: [HugePagePool(pageSizeKB: 2048, total: 8, free: 6, reserved: 2)]))
        },
        "page-size": { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            if let kB = PageSize.parse(text) { _ = PageSize.parse(PageSize.format(kB: kB)) }
            _ = PageSize.fromDirectoryName(text)
        },
        "byte-size": { bytes in
            _ = ByteSize.parse(String(decoding: bytes.dropFirst(), as: UTF8.self), defaultScale: (bytes.first ?? 0) & 1 == 0 ? 1 : 1024)
        },
        "numastat": { _ = Numastat.parse($0[...]); _ = DistanceRow.parse($0[...]) },
        "tree": { runWholePipeline(PackedTree($0)) },
    ]
    /// Targets whose code is not in HugectlCore: run through the binary instead.
    static let throughTheBinary: Set<String> = ["pool-count"]

    static func regressionFiles() -> [(target: String, path: String)] {
        let fm = FileManager.default
        var files: [(String, String)] = []
        for target in ((try? fm.contentsOfDirectory(atPath: regressions)) ?? []).sorted() {
            let dir = regressions + "/" + target
            for name in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            where !name.hasPrefix(".") && !name.hasSuffix(".md") {
                files.append((target, dir + "/" + name))
            }
        }
        return files
    }

    @Test func everyTargetCanBeReplayed() throws {
        let targets = try FileManager.default.contentsOfDirectory(atPath: repositoryDirectory + "/Fuzz/targets")
            .filter { $0.hasSuffix(".swift") }.map { String($0.dropLast(6)) }
        #expect(!targets.isEmpty)
        for target in targets {
            #expect(Self.parsers[target] != nil || Self.throughTheBinary.contains(target),
                    "Fuzz/targets/\(target).swift has no replay in RobustnessTests")
        }
        for (target, path) in Self.regressionFiles() {
            #expect(targets.contains(target), "\(path): no fuzz target \(target)")
        }
    }

    @Test func everyRegressionParsesInBoundedTime() throws {
        let clock = ContinuousClock()
        for (target, path) in Self.regressionFiles() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            if let parse = Self.parsers[target] {
                let elapsed = clock.measure { parse(bytes) }
                #expect(elapsed < Self.bound, "\(path) took \(elapsed)")
            } else if target == "pool-count", canReadLive2MPool {
                let text = String(decoding: bytes, as: UTF8.self)
                let r = try runBounded(["pool", "set", "2M", text, "--dry-run"], timeout: 30)
                #expect(r.exitedNormally && !r.timedOut && (0...3).contains(r.status), "\(path): \(r)")
            }
        }
    }
}

let canReadLive2MPool = FileManager.default.fileExists(atPath: "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")

// MARK: - Malformed trees

/// One way of breaking a fixture tree, and what hugectl must say about it.
struct Breakage: Sendable, CustomStringConvertible {
    var name: String
    var fixture = "at-risk-2node"
    /// Breaks the copy of the fixture at the given root.
    var breakTree: @Sendable (String) throws -> Void
    /// For `status --json`: each entry's parts must all appear in one stderr line. A part
    /// starting with `/` is a kernel path, shown under the root.
    var stderrNames: [[String]] = []
    /// Paths (kernel paths) with the reason the JSON scan must list as unreadable.
    var unreadable: [(path: String, reason: String)] = []
    var timeout: Double = 30
    /// Checks on the `status --json` document.
    var document: (@Sendable ([String: Any]) -> Void)?
    /// A crash this suite knows about in code outside the parsers; see docs/fuzzing.md.
    var knownCrash: String?

    var description: String { name }
}

// Small helpers for building broken trees.
/// Tree editing for the damaged-tree suites (malformed trees here, FailsClosedTests).
func write(_ root: String, _ path: String, _ bytes: [UInt8]) throws {
    let full = root + path
    try? FileManager.default.removeItem(atPath: full)
    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: full))
}

func write(_ root: String, _ path: String, _ text: String) throws {
    try write(root, path, Array(text.utf8))
}

func replace(_ root: String, _ path: String, _ pattern: String, with replacement: String) throws {
    let text = try String(contentsOfFile: root + path, encoding: .utf8)
    let changed = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
    #expect(changed != text, "\(path): '\(pattern)' did not match")
    try write(root, path, changed)
}

private func remove(_ root: String, _ path: String) throws {
    try FileManager.default.removeItem(atPath: root + path)
}

private func symlink(_ root: String, _ path: String, to target: String) throws {
    try? FileManager.default.removeItem(atPath: root + path)
    try FileManager.default.createSymbolicLink(atPath: root + path, withDestinationPath: target)
}

private func fifo(_ root: String, _ path: String) throws {
    try? FileManager.default.removeItem(atPath: root + path)
    #expect(mkfifo(root + path, 0o644) == 0)
}

private func directory(_ root: String, _ path: String) throws {
    try FileManager.default.removeItem(atPath: root + path)
    try FileManager.default.createDirectory(atPath: root + path, withIntermediateDirectories: false)
}

private let pool2M = "/sys/kernel/mm/hugepages/hugepages-2048kB"
private let nodeDir = "/sys/devices/system/node"

extension Breakage {
    static let all: [Breakage] = [
        Breakage(name: "truncated files", breakTree: { root in
            try write(root, "/proc/meminfo", "HugePages_Total:    8\nHugePages_Fr")
            try write(root, pool2M + "/free_hugepages", "")
            let smaps = try Data(contentsOf: URL(fileURLWithPath: root + "/proc/5001/smaps"))
            try write(root, "/proc/5001/smaps", [UInt8](smaps.prefix(300)))
            try write(root, "/proc/5002/numa_maps", "83e280000000 bin")
            try write(root, "/proc/sysvipc/shm", "       key      shmid perms       size  cpid")
        }, stderrNames: [["/proc/meminfo", "no ':' in 'HugePages_Fr'"], ["/proc/meminfo", "no Hugepagesize line"],
                         [pool2M + "/free_hugepages", "empty where a number was expected"],
                         ["/proc/5001/smaps: line", "Size: bad value"]]),

        Breakage(name: "missing files", breakTree: { root in
            for path in ["/proc/meminfo", pool2M + "/resv_hugepages", "/proc/mounts", nodeDir + "/node1/cpulist",
                         "/proc/5002/smaps", "/proc/self/mountinfo"] {
                try remove(root, path)
            }
        }, stderrNames: [["/proc/meminfo", "No such file or directory"],
                         [pool2M + "/resv_hugepages", "No such file or directory"],
                         ["/proc/mounts", "No such file or directory"],
                         [nodeDir + "/node1/cpulist", "No such file or directory"]]),

        Breakage(name: "directories where files should be", breakTree: { root in
            for path in ["/proc/meminfo", pool2M + "/nr_hugepages", "/proc/mounts", "/proc/5001/smaps", "/proc/5002/status"] {
                try directory(root, path)
            }
        }, stderrNames: [["/proc/meminfo", "Is a directory"], [pool2M + "/nr_hugepages", "Is a directory"],
                         ["/proc/mounts", "Is a directory"]],
        unreadable: [("/proc/5001/smaps", "Is a directory")]),

        Breakage(name: "numbers past 64 bits", breakTree: { root in
            try write(root, pool2M + "/nr_hugepages", "18446744073709551616\n")
            try write(root, nodeDir + "/node1/hugepages/hugepages-2048kB/free_hugepages", "99999999999999999999999\n")
            try replace(root, "/proc/meminfo", "HugePages_Rsvd: *[0-9]+", with: "HugePages_Rsvd: 36893488147419103232")
            try replace(root, "/proc/5001/smaps", "Size: +8192 kB", with: "Size:   18446744073709551615 kB")
            try replace(root, "/proc/5002/numa_maps", "huge", with: "huge N0=18446744073709551616 anon=99999999999999999999")
            try replace(root, "/proc/5002/status", "Uid:\t1000", with: "Uid:\t18446744073709551616")
        }, stderrNames: [[pool2M + "/nr_hugepages", "number out of range: '18446744073709551616'"],
                         [nodeDir + "/node1/hugepages/hugepages-2048kB/free_hugepages", "number out of range"],
                         ["/proc/meminfo", "HugePages_Rsvd: number out of range"],
                         ["/proc/5001/smaps", "Size: bad value '18446744073709551615 kB'"]]),

        // Values that parse (they fit in an Int) but are past any machine: the arithmetic
        // after parsing must not overflow. (This crashed in ConsumerScanner before the smaps
        // parser refused kB figures past a 64-bit address space.)
        Breakage(name: "smaps sizes past the address space", breakTree: { root in
            for pid in ["5001", "5002"] {
                try replace(root, "/proc/\(pid)/smaps", "Size: +[0-9]+ kB\nKernelPageSize: +2048 kB",
                            with: "Size: 9223372036854775807 kB\nKernelPageSize: 1 kB")
                try replace(root, "/proc/\(pid)/smaps", "Private_Hugetlb: +0 kB", with: "Private_Hugetlb: 9223372036854775807 kB")
            }
        }, stderrNames: [["/proc/5001/smaps", "Size: bad value '9223372036854775807 kB'"],
                         ["/proc/5002/smaps", "Private_Hugetlb: bad value"]]),

        Breakage(name: "numa_maps counts past the address space", breakTree: { root in
            for pid in ["5001", "5002"] {
                try replace(root, "/proc/\(pid)/numa_maps", "huge", with: "huge N0=9223372036854775807 N1=9223372036854775807 anon=9223372036854775807 kernelpagesize_kB=9223372036854775807")
            }
        }),

        Breakage(name: "largest counters in every pool file", fixture: "two-node", breakTree: { root in
            for path in try FileManager.default.subpathsOfDirectory(atPath: root + "/sys") where path.hasSuffix("_hugepages") {
                try write(root, "/sys/" + path, "9223372036854775807\n")
            }
        }),

        // plan --headroom 10% trapped on these (arithmetic overflow adding up the plan).
        Breakage(name: "every node's nr_hugepages at 2^62", fixture: "two-node", breakTree: { root in
            for node in ["node0", "node1"] {
                try write(root, "/sys/devices/system/node/\(node)/hugepages/hugepages-2048kB/nr_hugepages", "4611686018427387904\n")
            }
        }),

        Breakage(name: "nr_hugepages at Int.max under a size= mount", fixture: "two-node", breakTree: { root in
            try write(root, pool2M + "/nr_hugepages", "9223372036854775807\n")
        }),

        // The kernel accepts any unsigned long here, and "unlimited" overcommit is a real setting.
        Breakage(name: "overcommit at Int.max", breakTree: { root in
            try write(root, pool2M + "/nr_overcommit_hugepages", "9223372036854775807\n")
        }),

        Breakage(name: "negative numbers", breakTree: { root in
            try write(root, pool2M + "/free_hugepages", "-1\n")
            try write(root, pool2M + "/surplus_hugepages", "-9223372036854775808\n")
            try replace(root, "/proc/meminfo", "HugePages_Free: *[0-9]+", with: "HugePages_Free: -3")
            try replace(root, "/proc/5002/smaps", "KernelPageSize: +2048 kB", with: "KernelPageSize: -2048 kB")
            try write(root, nodeDir + "/node0/distance", "10 -20\n")
            try write(root, nodeDir + "/node1/cpulist", "-1-3\n")
        }, stderrNames: [[pool2M + "/free_hugepages", "negative number '-1'"],
                         [pool2M + "/surplus_hugepages", "negative number '-9223372036854775808'"],
                         ["/proc/meminfo", "HugePages_Free: negative number '-3'"],
                         ["/proc/5002/smaps", "KernelPageSize: bad value '-2048 kB'"],
                         [nodeDir + "/node0/distance", "negative number"],
                         [nodeDir + "/node1/cpulist", "malformed list"]]),

        Breakage(name: "bytes that are not UTF-8", breakTree: { root in
            try write(root, pool2M + "/nr_overcommit_hugepages", [0xFF, 0xFE, 0x0A])
            let meminfo = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/proc/meminfo")))
            try write(root, "/proc/meminfo", meminfo + [0x48, 0xFF, 0x3A, 0x20, 0xC3, 0x28, 0x0A])
            let mounts = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/proc/mounts")))
            try write(root, "/proc/mounts", mounts + Array("none /mnt/".utf8) + [0xC3, 0x28, 0x1B]
                + Array(" hugetlbfs rw,pagesize=2M,size=".utf8) + [0xFF] + Array(" 0 0\n".utf8))
            try write(root, "/proc/5001/status", Array("Name:\tba".utf8) + [0xFF, 0x01, 0x1B] + Array("[31m\nPPid:\t1\nMems_allowed_list:\t0-".utf8) + [0xFF, 0x0A])
            try write(root, "/proc/5001/cmdline", [0x78, 0xFF, 0x00, 0x22, 0x5C, 0x00])
            let smaps = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/proc/5002/smaps")))
            let marker = Array("/anon_hugepage".utf8)
            var changed = smaps
            if let at = smaps.indices.first(where: { smaps[$0...].starts(with: marker) }) {
                changed.insert(contentsOf: [0xFE, 0xFF, 0x22, 0x5C, 0x09, 0x7F], at: at + marker.count)
            }
            try write(root, "/proc/5002/smaps", changed)
            try write(root, "/hugectl/manifest", Array("format 1\nlist /proc 5001 5002 \u{7F}".utf8) + [0xFF, 0x0A, 0x00, 0x0A])
        }, stderrNames: [[pool2M + "/nr_overcommit_hugepages", "not a number"]]),

        // 100 MB of ordinary mappings before the one hugetlb VMA: read, parsed, and found.
        Breakage(name: "a 100 MB smaps", breakTree: { root in
            let original = try String(contentsOfFile: root + "/proc/5001/smaps", encoding: .utf8)
            guard let hugetlb = original.range(of: "83e240000000-") else { return }
            let block = { (i: Int) -> String in
                let start = String(0x1000_0000 + i * 0x2000, radix: 16), end = String(0x1000_2000 + i * 0x2000, radix: 16)
                return "\(start)-\(end) r--p 00000000 fe:00 1234                       /usr/lib/libfoo.so.1\n"
                    + "Size:                  8 kB\nKernelPageSize:        4 kB\nMMUPageSize:           4 kB\n"
                    + "Rss:                   8 kB\nPss:                   8 kB\nShared_Clean:          0 kB\n"
                    + "Private_Clean:         8 kB\nReferenced:            8 kB\nAnonymous:             0 kB\n"
                    + "Shared_Hugetlb:        0 kB\nPrivate_Hugetlb:       0 kB\nVmFlags: rd mr mw me dw\n"
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/proc/5001/smaps"))
            defer { try? handle.close() }
            try handle.truncate(atOffset: 0)
            var written = 0
            var i = 0
            while written < 100 << 20 {
                var chunk = ""
                for _ in 0..<4096 { chunk += block(i); i += 1 }
                let data = Data(chunk.utf8)
                try handle.write(contentsOf: data)
                written += data.count
            }
            try handle.write(contentsOf: Data(original[hugetlb.lowerBound...].utf8))
        }, timeout: 90, document: { doc in
            let pids = (doc["processes"] as? [[String: Any]])?.compactMap { $0["pid"] as? Int }
            #expect(pids?.contains(5001) == true, "the hugetlb VMA after 100 MB is still found")
        }),

        // Sparse: bigger than the bounds without using the disk.
        Breakage(name: "files past the read bounds", breakTree: { root in
            #expect(truncate(root + "/proc/5001/smaps", off_t(300 << 20)) == 0)
            #expect(truncate(root + "/proc/meminfo", off_t(5 << 20)) == 0)
        }, stderrNames: [["/proc/meminfo", "file larger than \(ReadLimit.smallFile) bytes"]],
        unreadable: [("/proc/5001/smaps", "file larger than \(256 << 20) bytes")]),

        Breakage(name: "symbolic link loops and devices", breakTree: { root in
            try symlink(root, "/proc/meminfo", to: "meminfo")
            try symlink(root, "/proc/a", to: "b")
            try symlink(root, "/proc/b", to: "a")
            try symlink(root, "/proc/mounts", to: "a")
            try symlink(root, pool2M + "/free_hugepages", to: "../hugepages-2048kB/free_hugepages")
            try symlink(root, nodeDir + "/node0/loop", to: "..")
            try symlink(root, nodeDir + "/node7", to: "node1")
            // Absolute links resolve inside the tree (TreeResolver): to its own /dev/zero (a
            // FIFO here) and /dev/urandom (a directory here), never to the host's devices.
            try FileManager.default.createDirectory(atPath: root + "/dev/urandom", withIntermediateDirectories: true)
            try fifo(root, "/dev/zero")
            try symlink(root, "/proc/5001/smaps", to: "/dev/zero")
            try symlink(root, "/proc/5002/maps", to: "/dev/urandom")
        }, stderrNames: [["/proc/meminfo", "Too many levels of symbolic links"],
                         ["/proc/mounts", "Too many levels of symbolic links"],
                         [pool2M + "/free_hugepages", "Too many levels of symbolic links"]],
        unreadable: [("/proc/5001/smaps", "not a regular file"), ("/proc/5002/maps", "Is a directory")]),

        Breakage(name: "FIFOs where files should be", breakTree: { root in
            for path in ["/proc/meminfo", pool2M + "/nr_hugepages", nodeDir + "/node0/cpulist", "/proc/5001/smaps",
                         "/proc/5002/maps", "/hugectl/manifest"] {
                try fifo(root, path)
            }
        }, stderrNames: [["/proc/meminfo", "not a regular file"], [pool2M + "/nr_hugepages", "not a regular file"],
                         [nodeDir + "/node0/cpulist", "not a regular file"]],
        unreadable: [("/proc/5001/smaps", "not a regular file"), ("/proc/5002/maps", "not a regular file")]),

        // As many nodes as any kernel can have (MAX_NUMNODES is at most 1 << 10).
        Breakage(name: "1024 nodes", fixture: "two-node", breakTree: { root in
            let fm = FileManager.default
            for node in 2..<1024 {
                try fm.copyItem(atPath: root + nodeDir + "/node1", toPath: root + nodeDir + "/node\(node)")
            }
            for list in ["online", "possible", "has_memory"] { try write(root, nodeDir + "/" + list, "0-1023\n") }
        }, timeout: 60, document: { doc in
            #expect((doc["nodes"] as? [Any])?.count == 1024)
            #expect(((doc["warnings"] as? [Any]) ?? []).isEmpty, "a list of nodes 0-1023 is whole, not damaged")
        }),

        // Lists repeat the largest range until the 4 MB bound: parsing must not redo the
        // range each time (this took minutes before NodeList merged ranges).
        Breakage(name: "node lists at their bounds", breakTree: { root in
            let list = String(String(repeating: "0-65536,", count: (ReadLimit.smallFile - 8) / 8).dropLast()) + "\n"
            try write(root, nodeDir + "/node0/cpulist", list)
            try write(root, nodeDir + "/possible", list)
            for pid in ["5001", "5002"] {
                try replace(root, "/proc/\(pid)/status", "Mems_allowed_list:.*", with: "Mems_allowed_list:\t0-65536")
                try replace(root, "/proc/\(pid)/status", "Cpus_allowed_list:.*", with: "Cpus_allowed_list:\t0-65536")
            }
            try replace(root, "/proc/5002/numa_maps", "bind:1", with: "bind:0-65536")
        }, timeout: 60),

        Breakage(name: "a listed process that is gone", breakTree: { root in
            try replace(root, "/hugectl/manifest", "list /proc 5001 5002", with: "list /proc 5001 5002 99999 4194305")
        }, document: { doc in
            let scan = doc["scan"] as? [String: Any]
            // Nothing of them in the tree, and no recorded error: not recorded, not vanished.
            #expect(scan?["vanished"] as? Int == 0)
            #expect(scan?["not_recorded"] as? Int == 2)
            #expect(scan?["complete"] as? Bool == false)
            #expect(scan?["processes_seen"] as? Int == 4)
            #expect((doc["processes"] as? [Any])?.count == 2, "the others are still reported")
        }),

        Breakage(name: "every file empty", breakTree: { root in
            for path in try FileManager.default.subpathsOfDirectory(atPath: root) {
                var info = stat()
                if lstat(root + "/" + path, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                    #expect(truncate(root + "/" + path, 0) == 0)
                }
            }
        }, stderrNames: [["/proc/meminfo", "no Hugepagesize line"], [pool2M + "/nr_hugepages", "empty where a number was expected"]]),

        Breakage(name: "every file random bytes", fixture: "two-node", breakTree: { root in
            var generator = SplitMix(seed: 0x6875_6765)
            for path in try FileManager.default.subpathsOfDirectory(atPath: root) {
                var info = stat()
                if lstat(root + "/" + path, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                    let count = Int.random(in: 0...512, using: &generator)
                    try write(root, "/" + path, (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
                }
            }
        }),
    ]
}

@Suite("Malformed trees")
struct RobustnessMalformedTrees {
    /// `status --json`, `procs`, `check` and `plan` on the broken tree: each ends by itself
    /// within the bound, exits normally with 0 or 3 (check and plan: 1 too), says on stderr
    /// what is wrong with which file, and prints JSON that parses.
    @Test(arguments: Breakage.all)
    func brokenTree(_ breakage: Breakage) throws {
        try withTemporaryDirectory { dir in
            let root = dir + "/tree"
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/" + breakage.fixture, toPath: root)
            // The fixtures are read-only in places; the copy must be writable to break it.
            _ = try run("/bin/chmod", ["-R", "u+w", root])
            try breakage.breakTree(root)
            if let known = breakage.knownCrash {
                withKnownIssue(Comment(rawValue: known)) { try check(breakage, root: root) }
            } else {
                try check(breakage, root: root)
            }
        }
    }

    private func check(_ breakage: Breakage, root: String) throws {
        for command in [["status", "--json"], ["procs"], ["check"], ["procs", "--json", "-v"], ["plan"],
                        ["plan", "--json", "--headroom", "10%"]] {
            let r = try runBounded(["--root", root] + command, timeout: breakage.timeout)
            let what = "\(breakage.name): hugectl \(command.joined(separator: " "))"
            #expect(!r.timedOut, "\(what): \(r)")
            #expect(r.exitedNormally, "\(what) was killed: \(r)")
            let allowed: Set<Int32> = command[0] == "check" || command[0] == "plan" ? [0, 1, 3] : [0, 3]
            #expect(allowed.contains(r.status), "\(what): \(r)")
            guard r.exitedNormally, r.status == 0 else { continue }
            if command.contains("--json") {
                let doc = try #require(try? jsonObject(r.stdout), "\(what): the JSON does not parse")
                if command[0] == "status" {
                    for parts in breakage.stderrNames {
                        let named = parts.map { $0.hasPrefix("/") ? root + $0 : $0 }
                        #expect(r.stderrLines.contains { line in line.hasPrefix("hugectl: ") && named.allSatisfy(line.contains) },
                                "\(what): no stderr line with \(named)\n\(r.stderr)")
                    }
                    let unreadable = ((doc["scan"] as? [String: Any])?["unreadable"] as? [[String: Any]]) ?? []
                    for (path, reason) in breakage.unreadable {
                        #expect(unreadable.contains { $0["path"] as? String == path && $0["reason"] as? String == reason },
                                "\(what): scan.unreadable lacks \(path): \(reason): \(unreadable)")
                    }
                    breakage.document?(doc)
                    try failsClosed(doc, root: root, what: what)
                }
            }
        }
    }

    /// A verdict never says OK when a counter it needs was unreadable: for each pool of the
    /// status document with a core counter null, check fails with counter-unreadable about
    /// that size (docs/threat-model.md, "Fails closed").
    private func failsClosed(_ doc: [String: Any], root: String, what: String) throws {
        let pools = doc["pools"] as? [[String: Any]] ?? []
        let unknownSizes = pools.filter { pool in
            ["total", "free", "reserved", "surplus", "overcommit"].contains { pool[$0] is NSNull }
                || (pool["nodes"] as? [[String: Any]] ?? []).contains { node in
                    ["total", "free", "surplus"].contains { node[$0] is NSNull }
                }
        }.compactMap { $0["page_size_kb"] as? Int }
        guard !unknownSizes.isEmpty || pools.isEmpty else {
            #expect(doc["consistent"] as? Bool != nil, "\(what): consistent is a boolean")
            return
        }
        #expect(doc["consistent"] as? Bool == false, "\(what): consistent about unknown counters")
        let r = try runBounded(["--root", root, "check", "--json"], timeout: 60)
        #expect(r.exitedNormally && r.status == 1, "\(what): check with unreadable counters did not fail: \(r)")
        guard let check = try? jsonObject(r.stdout) else { return }
        let found = (check["findings"] as? [[String: Any]] ?? []).filter { $0["id"] as? String == "counter-unreadable" }
        for kB in unknownSizes {
            #expect(found.contains { $0["page_size_kb"] as? Int == kB && $0["severity"] as? String == "error" },
                    "\(what): no counter-unreadable error for the \(kB) kB pool")
        }
        if pools.isEmpty { #expect(!found.isEmpty, "\(what): no pool could be read, and check did not say so") }
    }
}

/// Values an operator (or a script) types: absurd counts and sizes end in a usage error or an
/// answer, never a trap or a long loop.
@Suite("Absurd command-line values")
struct RobustnessCommandLine {
    static let cases: [[String]] = [
        ["check", "--require", "2M=9223372036854775807@0-65536"],
        ["check", "--min-free", "2M=9223372036854775807"],
        ["check", "--max-surplus", "2M=9223372036854775807"],
        ["check", "--require", "16E=1"],
        ["check", "--require", "9223372036854775807K=1"],
        ["check", "--ignore", "counter-inconsistent:9223372036854775807"],
        ["plan", "--headroom", "2M=9223372036854775807"],
        ["plan", "--headroom", "2M=1073741824"],
        ["plan", "--headroom", "1000%"],
        ["procs", "9223372036854775807", "-9223372036854775808", "\u{1B}[2J"],
        ["status", "--watch", "1e308", "--json"],
    ]

    @Test(arguments: cases)
    func absurdValue(_ arguments: [String]) throws {
        let root = fixturesDirectory + "/two-node"
        let r = try runBounded(["--root", root] + arguments, timeout: 30)
        #expect(!r.timedOut && r.exitedNormally, "\(arguments): \(r)")
        #expect((0...3).contains(r.status), "\(arguments): \(r)")
    }

    /// `--require` on 65,537 nodes of a two-node tree: the 65,535 nodes it does not have are one
    /// finding, not one line each (which took seconds to write).
    @Test func requireOnNodesTheTreeLacks() throws {
        let root = fixturesDirectory + "/two-node"
        let r = try runBounded(["--root", root, "check", "--require", "2M=9223372036854775807@0-65536"], timeout: 30)
        #expect(!r.timedOut && r.exitedNormally && r.status == 1, "\(r)")
        #expect(r.stdout.contains("nodes 2-65536 are not on this system (its nodes: 0-1)"), "\(r.stdout)")
        #expect(r.stdout.split(separator: "\n").count < 20, "\(r.stdout)")
    }

    /// An --expect file of garbage: a usage error naming the file and the line.
    @Test func garbageExpectFile() throws {
        try withTemporaryDirectory { dir in
            let file = dir + "/gate.expect"
            var bytes = Array("# gate\nrequire 2M=4\n".utf8)
            bytes += [0xFF, 0xFE, 0x20, 0x00, 0x1B, 0x0A]
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let r = try runBounded(["--root", fixturesDirectory + "/two-node", "check", "--expect", file])
            #expect(r.exitedNormally && r.status == 2, "\(r)")
            #expect(r.stderrLines.first?.hasPrefix("hugectl: \(file): line 3: ") == true, "\(r.stderr)")
            // A FIFO as the expectations file is refused, not waited on.
            let fifoPath = dir + "/fifo.expect"
            #expect(mkfifo(fifoPath, 0o600) == 0)
            let f = try runBounded(["--root", fixturesDirectory + "/two-node", "check", "--expect", fifoPath], timeout: 10)
            #expect(!f.timedOut && f.exitedNormally && f.status == 2, "\(f)")
        }
    }
}

