import Foundation
import Glibc
import Testing

/// True when this process may change hugetlb pools and mount hugetlbfs, and was asked to:
/// the live suites resize pools, mount hugetlbfs and start holders, so they run only with
/// `HUGECTL_LIVE=1` (`make test` sets it); a plain `swift test` as root changes nothing.
let canTuneHugetlb: Bool = ProcessInfo.processInfo.environment["HUGECTL_LIVE"] == "1" && getuid() == 0
    && FileManager.default.fileExists(atPath: "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")

func readSys(_ path: String) throws -> Int {
    let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    guard let value = Int(text) else { throw CocoaError(.fileReadCorruptFile) }
    return value
}

func writeSys(_ path: String, _ value: Int) throws {
    try "\(value)\n".write(toFile: path, atomically: false, encoding: .utf8)
}

/// Runs `body` with the 2M pool at `pages`, then puts the old size back whatever happens.
func withPool<T>(_ pages: Int, _ body: () throws -> T) throws -> T {
    let path = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
    let old = try readSys(path)
    defer { try? writeSys(path, old) }
    try writeSys(path, pages)
    return try body()
}

/// Mounts a hugetlbfs with `options` on a fresh directory; unmounts and removes it afterwards.
func withHugetlbfs<T>(_ options: String, _ body: (String) throws -> T) throws -> T {
    let dir = NSTemporaryDirectory() + "hugectl-mnt-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { rmdir(dir) }
    guard mount("none", dir, "hugetlbfs", 0, options) == 0 else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    defer { umount(dir) }
    return try body(dir)
}

/// Every test against the running kernel. They change the 2M pool, mount hugetlbfs and start
/// holders, so all of them — the suites nested in here, wherever they are written — run one
/// at a time, and each restores what it changed on every path.
@Suite("Live system (root and hugetlb)", .serialized, .enabled(if: canTuneHugetlb, "needs HUGECTL_LIVE=1, root and a kernel with 2M huge pages"))
struct LiveSystemTests {}

extension LiveSystemTests {
@Suite("Pools and mounts")
struct PoolAndMountLiveTests {
    /// Every pool and node figure in `status --json` is what sysfs and meminfo say.
    @Test func statusAgreesWithSysfs() throws {
        try withPool(6) {
            let r = try hugectl(["status", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let doc = try jsonObject(r.stdout)
            #expect(doc["consistent"] as? Bool == true)
            let pools = try #require(doc["pools"] as? [[String: Any]])
            let sizes = try FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/mm/hugepages")
                .compactMap { name -> Int? in
                    guard name.hasPrefix("hugepages-"), name.hasSuffix("kB") else { return nil }
                    return Int(name.dropFirst(10).dropLast(2))
                }.sorted()
            #expect(pools.map { $0["page_size_kb"] as? Int } == sizes)
            for pool in pools {
                let kB = try #require(pool["page_size_kb"] as? Int)
                let dir = "/sys/kernel/mm/hugepages/hugepages-\(kB)kB/"
                #expect(pool["total"] as? Int == (try readSys(dir + "nr_hugepages")))
                #expect(pool["free"] as? Int == (try readSys(dir + "free_hugepages")))
                #expect(pool["reserved"] as? Int == (try readSys(dir + "resv_hugepages")))
                #expect(pool["surplus"] as? Int == (try readSys(dir + "surplus_hugepages")))
                #expect(pool["overcommit"] as? Int == (try readSys(dir + "nr_overcommit_hugepages")))
                for node in try #require(pool["nodes"] as? [[String: Any]]) {
                    let n = try #require(node["node"] as? Int)
                    let nodeDir = "/sys/devices/system/node/node\(n)/hugepages/hugepages-\(kB)kB/"
                    #expect(node["total"] as? Int == (try readSys(nodeDir + "nr_hugepages")))
                    #expect(node["free"] as? Int == (try readSys(nodeDir + "free_hugepages")))
                }
            }
            let twoMeg = try #require(pools.first { $0["page_size_kb"] as? Int == 2048 })
            #expect(twoMeg["total"] as? Int == 6)
            let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
            let line = meminfo.split(separator: "\n").first { $0.hasPrefix("HugePages_Total:") }
            let fromMeminfo = line.flatMap { Int($0.split(separator: " ").last ?? "") }
            if doc["default_page_size_kb"] as? Int == 2048 {
                #expect((doc["meminfo"] as? [String: Any])?["huge_pages_total"] as? Int == fromMeminfo)
                #expect(fromMeminfo == 6)
            }
            let text = try hugectl(["status"])
            #expect(text.stdout.contains("\n2M        6     6"))
        }
    }

    /// A snapshot of the live system, analysed with --root, says what the live run said.
    @Test func snapshotReplaysTheLiveAnswer() throws {
        try withPool(4) {
            try withHugetlbfs("pagesize=2M,size=8M,min_size=2M") { mountPoint in
                try withTemporaryDirectory { dir in
                    let live = try hugectl(["status", "--json"])
                    let snap = try hugectl(["snapshot", dir + "/snap"])
                    #expect(snap.status == 0, "\(snap.stderr)")
                    let replay = try hugectl(["--root", dir + "/snap", "status", "--json"])
                    let recorded = try String(contentsOfFile: dir + "/snap/hugectl/status.json", encoding: .utf8)
                    #expect(withoutRoot(replay.stdout) == withoutRoot(recorded))
                    // Pools and mounts do not move between the two runs here (only numastat
                    // and free memory do), so they match the separate live run as well.
                    let liveDoc = try jsonObject(live.stdout), replayDoc = try jsonObject(replay.stdout)
                    #expect(NSDictionary(dictionary: ["p": liveDoc["pools"] ?? 0, "m": liveDoc["mounts"] ?? 0])
                        == NSDictionary(dictionary: ["p": replayDoc["pools"] ?? 0, "m": replayDoc["mounts"] ?? 0]))
                    let mounts = try #require(replayDoc["mounts"] as? [[String: Any]])
                    let ours = try #require(mounts.first { $0["path"] as? String == mountPoint })
                    #expect(ours["size_limit_pages"] as? Int == 4)
                    #expect(ours["min_size_pages"] as? Int == 1)
                    #expect(ours["used_pages"] as? Int == 0)
                    let pools = try #require(replayDoc["pools"] as? [[String: Any]])
                    #expect(pools.first { $0["page_size_kb"] as? Int == 2048 }?["reserved"] as? Int == 1,
                            "min_size=2M reserves one page at mount time")
                }
            }
        }
    }

    /// A page faulted in a size-limited mount shows as used by statfs.
    @Test func mountUsageFollowsFaults() throws {
        try withPool(4) {
            try withHugetlbfs("pagesize=2M,size=8M") { mountPoint in
                let path = mountPoint + "/data"
                let fd = open(path, O_CREAT | O_RDWR, 0o600)
                #expect(fd >= 0)
                defer { close(fd); unlink(path) }
                let size = 2 << 20
                let map = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                #expect(map != MAP_FAILED)
                guard let map, map != MAP_FAILED else { return }
                defer { munmap(map, size) }
                map.storeBytes(of: 1, as: UInt8.self)
                let doc = try jsonObject(try hugectl(["--json"]).stdout)
                let mount = (doc["mounts"] as? [[String: Any]])?.first { $0["path"] as? String == mountPoint }
                #expect(mount?["used_pages"] as? Int == 1)
                let pool = (doc["pools"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 }
                #expect(pool?["in_use"] as? Int == 1)
                #expect(pool?["free"] as? Int == 3)
            }
        }
    }
}
}
