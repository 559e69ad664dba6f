import Foundation
import Glibc
import Testing
@testable import HugectlCore

@Suite("Snapshots: capture, write, archive, replay")
struct SnapshotTests {
    func statusJSON(_ root: String) throws -> String {
        var snapshot = try SnapshotCollector.collect(from: SystemRoot.open(root))
        snapshot.root = "ROOT"
        return StatusJSON.document(StatusReport(snapshot: snapshot)).serialized()
    }

    /// A snapshot of a tree analyses exactly like the tree itself, statfs answers included.
    @Test(arguments: ["two-node", "four-node", "host-1node"])
    func snapshotOfATreeReplaysIt(fixture: String) throws {
        let source = fixturesDirectory + "/" + fixture
        try withTemporaryDirectory { dir in
            let result = try SnapshotCapture.capture(from: SystemRoot.open(source), now: 0)
            try SnapshotWriter.write(result.contents, to: dir + "/snap")
            #expect(try statusJSON(dir + "/snap") == statusJSON(source))
            let manifest = SnapshotManifest.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/snap/hugectl/manifest"))))
            #expect(manifest.time == "1970-01-01T00:00:00Z")
            #expect(manifest.source == source)
            #expect(manifest.hugectlVersion == HugectlVersion.current)
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
            let tar = Process()
            tar.executableURL = URL(fileURLWithPath: "/bin/tar")
            tar.arguments = ["-xf", dir + "/bug-42.tar", "-C", dir]
            try tar.run()
            tar.waitUntilExit()
            #expect(tar.terminationStatus == 0)
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
            let tar = Process()
            tar.executableURL = URL(fileURLWithPath: "/bin/tar")
            tar.arguments = ["-xf", dir + "/t.tar", "-C", dir]
            try tar.run()
            tar.waitUntilExit()
            #expect(tar.terminationStatus == 0)
            #expect(try String(contentsOfFile: dir + "/t" + long, encoding: .utf8) == "1\n")
        }
    }
}
