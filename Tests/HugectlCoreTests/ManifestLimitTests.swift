import Foundation
import Glibc
import Testing
@testable import HugectlCore

/// A snapshot's manifest is read whole or the tree is refused: a manifest above the small-file
/// bound (4 MiB: a snapshot of a process holding tens of thousands of hugetlb files open) was
/// silently dropped, and the tree analysed without its listings, stat answers and read errors.
@Suite("Snapshot manifest bound")
struct ManifestLimitTests {
    @Test func largeManifestIsRead() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/hugectl", withIntermediateDirectories: true)
            var text = "format 1\nlist /proc 4242\n"
            let filler = String(repeating: "#", count: 99) + "\n"
            text += String(repeating: filler, count: 60_000)      // 6 MB
            try text.write(toFile: dir + "/hugectl/manifest", atomically: true, encoding: .utf8)
            #expect(text.utf8.count > ReadLimit.smallFile)
            let root = try SystemRoot.open(dir)
            #expect(root.manifest?.listings["/proc"] == ["4242"])
        }
    }

    @Test func unreadableManifestRefusesTheTree() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/hugectl/manifest", withIntermediateDirectories: true)
            #expect(throws: ReadError.self) { try SystemRoot.open(dir) }
        }
        try withTemporaryDirectory { dir in
            let root = try SystemRoot.open(dir)
            #expect(root.manifest == nil, "no manifest: a tree as it is")
        }
    }
}
