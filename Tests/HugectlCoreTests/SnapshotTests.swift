import Foundation
import Glibc
import Testing
@testable import HugectlCore

@Suite("Snapshots: capture, write, archive, replay")
struct SnapshotTests {
    func statusJSON(_ root: String) throws -> String {
        var snapshot = try SnapshotCollector.collect(from: SystemRoot.open(root))
        snapshot.root = "ROOT"
        // When it was read is now for both trees: the two reads may straddle a second.
        snapshot.collectedAt = 0
        return StatusJSON.document(StatusReport(snapshot: snapshot)).serialized()
    }

    /// A snapshot of a tree analyses exactly like the tree itself, statfs answers included;
    /// it records everything `features` reads too (the boot command line, hugetlbfs, the
    /// cgroup hierarchy and its limits, the userfaultfd settings), so its features report is
    /// the tree's as well.
    @Test(arguments: fixtureTrees)
    func snapshotOfATreeReplaysIt(fixture: String) throws {
        let source = fixturesDirectory + "/" + fixture
        try withTemporaryDirectory { dir in
            let result = try SnapshotCapture.capture(from: SystemRoot.open(source), now: 0)
            try SnapshotWriter.write(result.contents, to: dir + "/snap")
            #expect(try statusJSON(dir + "/snap") == statusJSON(source))
            #expect(try featuresJSON(dir + "/snap") == featuresJSON(source))
            if FileManager.default.fileExists(atPath: source + "/dev") {
                #expect(result.manifest.listings["/dev"] != nil, "the /dev listing is recorded, with or without userfaultfd")
            }
            let manifest = SnapshotManifest.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/snap/hugectl/manifest"))))
            #expect(manifest.time == "1970-01-01T00:00:00Z")
            #expect(manifest.source == source)
            #expect(manifest.hugectlVersion == HugectlVersion.current)
        }
    }

    func featuresJSON(_ root: String) throws -> String {
        var report = try FeaturesCollector.collect(from: SystemRoot.open(root))
        report.root = "ROOT"
        report.generatedAt = 0
        report.markNotProbed(FeaturesReport.snapshotReason)
        return FeaturesJSON.document(report).serialized()
    }

    /// With --redact the kernel command line keeps only its hugetlb parameters, and the child
    /// cgroups are renamed; features of the redacted snapshot says what the tree says otherwise.
    @Test func redactedSnapshotKeepsOnlyHugetlbBootParameters() throws {
        try withTemporaryDirectory { base in
            let tree = base + "/tree"
            try copyFixture("features-v2-6.1", to: tree)
            try ("BOOT_IMAGE=/boot/vmlinuz-6.1 root=UUID=4e1a7a6c ro quiet secret_token=hunter2 hugepagesz=1G "
                + "hugepages=0:2,1:2 hugetlb_cma=4G hugetlb_free_vmemmap=on transparent_hugepage=never "
                + "default_hugepagesz=2M -- hugepages=3 init_secret=x\n")
                .write(toFile: tree + "/proc/cmdline", atomically: false, encoding: .utf8)
            let result = try SnapshotCapture.capture(from: SystemRoot.open(tree), redact: true)
            try SnapshotWriter.write(result.contents, to: base + "/snap")
            #expect(try String(contentsOfFile: base + "/snap/proc/cmdline", encoding: .utf8)
                == "hugepagesz=1G hugepages=0:2,1:2 hugetlb_cma=4G hugetlb_free_vmemmap=on default_hugepagesz=2M\n")
            // Nothing of the other parameters, and no cgroup name, anywhere in the snapshot.
            let files = FileManager.default.enumerator(atPath: base + "/snap")?.compactMap { $0 as? String } ?? []
            for file in files {
                guard let text = try? String(contentsOfFile: base + "/snap/" + file, encoding: .utf8) else { continue }
                for word in ["BOOT_IMAGE", "4e1a7a6c", "secret_token", "hunter2", "transparent_hugepage", "init_secret",
                             "machine.slice", "vm1.scope", "system.slice", "sshd.service"] {
                    #expect(!text.contains(word) && !file.contains(word), "\(word) in \(file)")
                }
            }
            let original = try FeaturesCollector.collect(from: SystemRoot.open(tree))
            let replay = try FeaturesCollector.collect(from: SystemRoot.open(base + "/snap"))
            #expect(replay.boot == original.boot)
            #expect(replay.sizes == original.sizes && replay.hugetlbfs == original.hugetlbfs
                && replay.userfaultfd == original.userfaultfd)
            #expect(replay.cgroup.limits.allSatisfy { $0.path.hasPrefix("/sys/fs/cgroup/redacted-") })
            func unnamed(_ cgroup: CgroupFeatures) -> CgroupFeatures {
                var copy = cgroup
                copy.limits = cgroup.limits.map { var limit = $0; limit.path = ""; return limit }
                    .sorted { ($0.pageSizeKB, $0.maxBytes ?? 0) < ($1.pageSizeKB, $1.maxBytes ?? 0) }
                return copy
            }
            #expect(unnamed(replay.cgroup) == unnamed(original.cgroup))
            #expect(original.cgroup.limits.count == 3)
        }
    }

    @Test func snapshotKeepsReadErrorsForReplay() throws {
        try withTemporaryDirectory { base in
            let tree = base + "/tree"
            try copyFixture("two-node", to: tree)
            let numastat = tree + "/sys/devices/system/node/node1/numastat"
            try FileManager.default.removeItem(atPath: numastat)
            try FileManager.default.createDirectory(atPath: numastat, withIntermediateDirectories: false)
            let result = try SnapshotCapture.capture(from: SystemRoot.open(tree))
            #expect(result.manifest.errors["/sys/devices/system/node/node1/numastat"] == .system(.isDirectory))
            try SnapshotWriter.write(result.contents, to: base + "/snap")
            let replay = try SnapshotCollector.collect(from: SystemRoot.open(base + "/snap"))
            #expect(replay.warnings.contains("/sys/devices/system/node/node1/numastat: Is a directory"))
            #expect(try statusJSON(base + "/snap") == statusJSON(tree))
        }
    }

    @Test func writerRefusesNonEmptyTargetsAndLinks() throws {
        let result = try SnapshotCapture.capture(from: SystemRoot.open(fixturesDirectory + "/two-node"))
        try withTemporaryDirectory { dir in
            try writeTree(dir, ["/full/x": "x"])
            #expect(throws: SnapshotWriteError.self) { try SnapshotWriter.write(result.contents, to: dir + "/full") }
            #expect(FileManager.default.fileExists(atPath: dir + "/full/proc") == false)
            try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: false)
            #expect(symlink(dir + "/elsewhere", dir + "/link") == 0)
            #expect(throws: SnapshotWriteError.self) { try SnapshotWriter.write(result.contents, to: dir + "/link") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/elsewhere").isEmpty)
        }
    }

    @Test func writtenTreeIsPrivate() throws {
        let result = try SnapshotCapture.capture(from: SystemRoot.open(fixturesDirectory + "/two-node"))
        try withTemporaryDirectory { dir in
            try SnapshotWriter.write(result.contents, to: dir + "/snap")
            var info = stat()
            #expect(stat(dir + "/snap/proc", &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700)
            #expect(stat(dir + "/snap/proc/meminfo", &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
        }
    }

    /// The archive unpacks with the system's tar into one directory that replays the tree.
    @Test func tarArchiveUnpacksToAReplayableTree() throws {
        let source = fixturesDirectory + "/two-node"
        let result = try SnapshotCapture.capture(from: SystemRoot.open(source))
        let archive = try TarArchive.archive(result.contents, topDirectory: "bug-42", mtime: 1_700_000_000)
        #expect(archive.count % 512 == 0)
        try withTemporaryDirectory { dir in
            try TarArchive.write(archive, to: dir + "/bug-42.tar")
            #expect(throws: SnapshotWriteError.self) { try TarArchive.write(archive, to: dir + "/bug-42.tar") }
            let tar = try runProcess("/bin/tar", ["-xf", dir + "/bug-42.tar", "-C", dir])
            #expect(tar.exitedNormally && tar.status == 0)
            #expect(try statusJSON(dir + "/bug-42") == statusJSON(source))
        }
    }

    @Test func longPathsSplitIntoUstarPrefix() throws {
        let long = "/sys/" + String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 60)
        var contents = try SnapshotCapture.capture(from: SystemRoot.open(fixturesDirectory + "/two-node")).contents
        contents.files.append((long, Array("1\n".utf8)))
        let archive = try TarArchive.archive(contents, topDirectory: "t", mtime: 0)
        try withTemporaryDirectory { dir in
            try TarArchive.write(archive, to: dir + "/t.tar")
            let tar = try runProcess("/bin/tar", ["-xf", dir + "/t.tar", "-C", dir])
            #expect(tar.exitedNormally && tar.status == 0)
            #expect(try String(contentsOfFile: dir + "/t" + long, encoding: .utf8) == "1\n")
        }
    }
}
