import Foundation
import Glibc
import Testing
@testable import HugectlCore

@Suite("Reading files through the root")
struct ReadTests {
    /// seq_file hands out whole lines per read(), which Foundation's readers take for end of
    /// file; the read(2) loop must return all of a long /proc file.
    @Test func readsLongProcFilesWhole() throws {
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        let viaHandle = try handle.readToEnd() ?? Data()
        let root = SystemRoot.live()
        let ours = try root.read("/proc/self/smaps", limit: 64 << 20)
        #expect(viaHandle.count > 8192, "a test process has a long smaps")
        // The mappings can change a little between the two reads; the lengths stay close.
        #expect(abs(ours.count - viaHandle.count) < viaHandle.count / 4)
        #expect(ours.count > 8192)
    }

    @Test func refusesDirectoriesFifosAndOversizedFiles() throws {
        try withTemporaryDirectory { dir in
            let root = try SystemRoot.open(dir)
            try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
            #expect(throws: ReadError(path: "/d", failure: .system(.isDirectory))) { try root.read("/d") }
            #expect(mkfifo(dir + "/fifo", 0o600) == 0)
            #expect(throws: ReadError(path: "/fifo", failure: .notRegularFile)) { try root.read("/fifo") }
            try Data(repeating: 0x41, count: 10_000).write(to: URL(fileURLWithPath: dir + "/big"))
            #expect(throws: ReadError(path: "/big", failure: .tooLarge(limit: 4096))) { try root.read("/big", limit: 4096) }
            #expect(try root.read("/big", limit: 10_000).count == 10_000)
            #expect(symlink("loop", dir + "/loop") == 0)
            #expect(throws: ReadError(path: "/loop", failure: .system(.tooManyLinks))) { try root.read("/loop") }
            #expect(throws: ReadError(path: "/missing", failure: .system(.noSuchFile))) { try root.read("/missing") }
        }
    }

    @Test func rootMustBeAnExistingDirectory() throws {
        #expect(throws: ReadError(path: "/nonexistent/hugectl", failure: .system(.noSuchFile))) {
            try SystemRoot.open("/nonexistent/hugectl")
        }
        #expect(throws: ReadError(path: "/proc/meminfo", failure: .system(Errno(ENOTDIR)))) {
            try SystemRoot.open("/proc/meminfo")
        }
        #expect(try SystemRoot.open("/").isLive)
        #expect(try SystemRoot.open("//").isLive)
        #expect(try !SystemRoot.open(fixturesDirectory + "/two-node/").isLive)
    }

    @Test func treeReplaysRecordedErrorsAndStatfs() throws {
        let root = try SystemRoot.open(fixturesDirectory + "/two-node")
        let usage = try root.filesystemUsage(of: "/mnt/db huge")
        #expect(usage.blocks == 8)
        #expect(usage.blocksFree == 5)
        #expect(throws: ReadError(path: "/mnt/none", failure: .notRecorded)) { try root.filesystemUsage(of: "/mnt/none") }
        try withTemporaryDirectory { dir in
            try writeTree(dir, ["/hugectl/manifest": "format 1\nerror EACCES /proc/meminfo\n", "/proc/meminfo": "HugePages_Total: 1\n"])
            let replay = try SystemRoot.open(dir)
            #expect(throws: ReadError(path: "/proc/meminfo", failure: .system(.permissionDenied))) { try replay.read("/proc/meminfo") }
        }
    }

    /// A tree whose manifest records no stat(2) answer and no error can only fail a stat:
    /// it says so (`answersFileStatus`, which spares the scan its map_files paths); one that
    /// records either answers, and so does the live system.
    @Test func treeSaysWhetherItAnswersFileStatus() throws {
        #expect(SystemRoot.live().answersFileStatus)
        try withTemporaryDirectory { dir in
            try writeTree(dir, ["/hugectl/manifest": "format 1\nlist /proc 7\n", "/proc/meminfo": "x\n"])
            let bare = try SystemRoot.open(dir)
            #expect(!bare.answersFileStatus)
            #expect(throws: ReadError(path: "/proc/7/map_files/1-2", failure: .notRecorded)) {
                try bare.fileStatus(of: "/proc/7/map_files/1-2")
            }
        }
        try withTemporaryDirectory { dir in
            try writeTree(dir, ["/hugectl/manifest": "format 1\nerror EACCES stat:/proc/7/map_files/1-2\n", "/proc/meminfo": "x\n"])
            let refused = try SystemRoot.open(dir)
            #expect(refused.answersFileStatus)
            #expect(throws: ReadError(path: "/proc/7/map_files/1-2", failure: .system(.permissionDenied))) {
                try refused.fileStatus(of: "/proc/7/map_files/1-2")
            }
        }
        let recorded = try SystemRoot.open(fixturesDirectory + "/four-node")
        #expect(recorded.answersFileStatus)
        #expect(try recorded.fileStatus(of: "/proc/3001/map_files/81ee40000000-81ee42000000").inode == 5001)
    }

    @Test func entriesAreFilteredAndSorted() throws {
        let root = try SystemRoot.open(fixturesDirectory + "/four-node")
        let nodes = try root.entries(in: KernelPath.nodes) { $0.hasPrefix("node") }
        #expect(nodes == ["node0", "node1", "node2", "node3"])
        #expect(throws: ReadError.self) { try root.entries(in: "/nope") { _ in true } }
    }

    /// The map_files link names are the kernel's `%lx-%lx`, as `String(_:radix:)` writes them.
    @Test func mapFileNamesTheLinkInHex() {
        let values: [UInt64] = [0, 1, 9, 10, 15, 16, 0xabc, 0x7f00_0000_0000, 0x7fff_ffff_f000, UInt64.max]
        for start in values {
            for end in values {
                #expect(KernelPath.mapFile("/proc/7/map_files/", start: start, end: end)
                    == "/proc/7/map_files/" + String(start, radix: 16) + "-" + String(end, radix: 16))
            }
        }
    }

    @Test func errnoNames() {
        #expect(Errno.permissionDenied.name == "EACCES")
        #expect(Errno(name: "EACCES") == .permissionDenied)
        #expect(Errno(name: "E200") == Errno(200))
        #expect(Errno(name: "bogus") == nil)
        #expect(Errno.noSuchFile.description == "No such file or directory")
    }
}
