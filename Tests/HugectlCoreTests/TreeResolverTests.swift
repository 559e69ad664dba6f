import Foundation
import Glibc
import Testing
@testable import HugectlCore

/// A `--root` tree is resolved as if it were `/`: its symbolic links never reach a file of the
/// host (docs/threat-model.md).
@Suite("Paths inside a --root tree")
struct TreeResolverTests {
    /// A tree under `dir/tree` and, beside it, `dir/secret` standing for a host file.
    private func makeTree(_ dir: String) throws -> (tree: String, secret: String) {
        let fm = FileManager.default
        let tree = dir + "/tree"
        for sub in ["proc", "data", "sys/kernel/mm/hugepages/hugepages-2048kB", "real"] {
            try fm.createDirectory(atPath: tree + "/" + sub, withIntermediateDirectories: true)
        }
        try "secret contents\n".write(toFile: dir + "/secret", atomically: true, encoding: .utf8)
        try "in the tree\n".write(toFile: tree + "/data/meminfo", atomically: true, encoding: .utf8)
        try "0\n".write(toFile: tree + "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", atomically: true, encoding: .utf8)
        return (tree, dir + "/secret")
    }

    private func link(_ target: String, at path: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    private func readText(_ root: SystemRoot, _ path: String) -> Result<String, ReadError> {
        do throws(ReadError) {
            return .success(String(decoding: try root.read(path), as: UTF8.self))
        } catch {
            return .failure(error)
        }
    }

    @Test func absoluteLinkToAHostFileStaysInTheTree() throws {
        try withTemporaryDirectory { dir in
            let (tree, secret) = try makeTree(dir)
            try link(secret, at: tree + "/proc/meminfo")
            let root = try SystemRoot.open(tree)
            guard case .failure(let error) = readText(root, "/proc/meminfo") else {
                Issue.record("read the host's file through an absolute link")
                return
            }
            #expect(error.failure == .system(.noSuchFile))
            // The same link target, present inside the tree, is what is read.
            try FileManager.default.createDirectory(atPath: tree + (secret as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try "tree's own copy\n".write(toFile: tree + secret, atomically: true, encoding: .utf8)
            #expect(try readText(root, "/proc/meminfo").get() == "tree's own copy\n")
        }
    }

    @Test func dotDotNeverClimbsAboveTheTree() throws {
        try withTemporaryDirectory { dir in
            let (tree, _) = try makeTree(dir)
            try link("../../../../../../../../secret", at: tree + "/proc/meminfo")
            let root = try SystemRoot.open(tree)
            #expect(throws: ReadError.self) { _ = try readText(root, "/proc/meminfo").get() }
            #expect(throws: ReadError.self) { _ = try readText(root, "/../secret").get() }
            // A relative link that stays inside works as on the real system.
            try link("../data/meminfo", at: tree + "/proc/stat")
            #expect(try readText(root, "/proc/stat").get() == "in the tree\n")
            try link("/data/meminfo", at: tree + "/proc/absolute")
            #expect(try readText(root, "/proc/absolute").get() == "in the tree\n")
        }
    }

    @Test func linkedDirectoriesAreResolvedInTheTreeToo() throws {
        try withTemporaryDirectory { dir in
            let (tree, _) = try makeTree(dir)
            // sys/kernel/mm/hugepages would be the host's directory if followed naively.
            try FileManager.default.removeItem(atPath: tree + "/sys/kernel/mm/hugepages")
            try link("/sys/kernel/mm/hugepages", at: tree + "/sys/kernel/mm/hugepages")
            let root = try SystemRoot.open(tree)
            // The link points at itself inside the tree: a loop, never the host's pools.
            #expect(throws: ReadError.self) { _ = try root.entries(in: "/sys/kernel/mm/hugepages") { _ in true } }
            try FileManager.default.removeItem(atPath: tree + "/sys/kernel/mm/hugepages")
            try FileManager.default.createDirectory(atPath: tree + "/real/pools/hugepages-1048576kB", withIntermediateDirectories: true)
            try link("../../../real/pools", at: tree + "/sys/kernel/mm/hugepages")
            #expect(try root.entries(in: "/sys/kernel/mm/hugepages") { _ in true } == ["hugepages-1048576kB"])
        }
    }

    @Test func linkLoopsEndWithELOOP() throws {
        try withTemporaryDirectory { dir in
            let (tree, _) = try makeTree(dir)
            try link("b", at: tree + "/proc/a")
            try link("a", at: tree + "/proc/b")
            let root = try SystemRoot.open(tree)
            guard case .failure(let error) = readText(root, "/proc/a") else {
                Issue.record("a link loop was read")
                return
            }
            #expect(error.failure == .system(.tooManyLinks))
        }
    }

    /// The whole command: status on a tree whose meminfo is a link to a host file prints
    /// nothing of that file.
    @Test func statusOnATreeNeverShowsAHostFile() throws {
        try withTemporaryDirectory { dir in
            let (tree, secret) = try makeTree(dir)
            try "HugePages_Total: 0\nMARKER-4d1f\n".write(toFile: secret, atomically: true, encoding: .utf8)
            try link(secret, at: tree + "/proc/meminfo")
            let root = try SystemRoot.open(tree)
            let snapshot = try SnapshotCollector.collect(from: root)
            #expect(!snapshot.warnings.joined().contains("MARKER-4d1f"), "\(snapshot.warnings)")
            #expect(snapshot.warnings.contains { $0.hasPrefix("/proc/meminfo: No such file or directory") }, "\(snapshot.warnings)")
        }
    }
}
