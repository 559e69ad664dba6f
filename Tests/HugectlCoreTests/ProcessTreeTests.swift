import Foundation
import Testing
@testable import HugectlCore

/// The process scan on hand-made trees: the same code path as the live system.
@Suite("Process scan on trees")
struct ProcessTreeTests {
    static let smaps = """
        55d28e326000-55d28e328000 r--p 00000000 fe:00 1234                       /usr/bin/db
        Size:                  8 kB
        KernelPageSize:        4 kB
        Shared_Hugetlb:        0 kB
        Private_Hugetlb:       0 kB
        VmFlags: rd mr mw me dw
        7fcc97000000-7fcc97800000 rw-s 00000000 00:27 39042                      /mnt/huge/shared.dat
        Size:               8192 kB
        KernelPageSize:     2048 kB
        Shared_Hugetlb:        0 kB
        Private_Hugetlb:    4096 kB
        VmFlags: rd wr sh mr mw me ms de ht
        7f4009a00000-7f4009e00000 rw-p 00000000 00:11 116847                     /anon_hugepage (deleted)
        Size:               4096 kB
        KernelPageSize:     2048 kB
        Shared_Hugetlb:        0 kB
        Private_Hugetlb:    2048 kB
        VmFlags: rd wr mr mw me de ht

        """

    static let maps = """
        55d28e326000-55d28e328000 r--p 00000000 fe:00 1234                       /usr/bin/db
        7fcc97000000-7fcc97800000 rw-s 00000000 00:27 39042                      /mnt/huge/shared.dat
        7f4009a00000-7f4009e00000 rw-p 00000000 00:11 116847                     /anon_hugepage (deleted)

        """

    func makeTree(_ dir: String, extraManifest: String = "") throws {
        try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: dir)
        let base = "/proc/4242"
        try writeTree(dir, [
            "/proc/self/mountinfo": "40 22 0:39 / /mnt/huge rw,relatime - hugetlbfs none rw,pagesize=2M\n",
            base + "/maps": Self.maps,
            base + "/smaps": Self.smaps,
            base + "/numa_maps": "7fcc97000000 bind:1 file=/mnt/huge/shared.dat huge dirty=2 N1=2 kernelpagesize_kB=2048\n"
                + "7f4009a00000 default file=/anon_hugepage\\040(deleted) huge anon=1 dirty=1 N0=1 kernelpagesize_kB=2048\n",
            base + "/status": "Name:\tdb\nPPid:\t1\nUid:\t999\t999\t999\t999\nCpus_allowed_list:\t0-3\nMems_allowed_list:\t0-1\nHugetlbPages:\t6144 kB\n",
            base + "/cmdline": "db\u{0}--huge\u{0}",
            "/proc/77/maps": "55d28e326000-55d28e328000 r--p 00000000 fe:00 1234   /usr/bin/cat\n",
        ])
        let manifest = dir + SnapshotManifest.path
        var text = try String(contentsOfFile: manifest, encoding: .utf8)
        // 39042 is 0:27 hex = 0:39 decimal; 9999 has gone since it was listed; 1 is unreadable.
        text += "list /proc 1 77 4242 9999 meminfo\nlist /proc/77/fd\nlist /proc/4242/fd 0\n"
        text += "link /proc/4242/fd/0 /dev/null\n"
        text += "error EACCES /proc/1/maps\n"
        text += "stat /proc/4242/map_files/7fcc97000000-7fcc97800000 dev=0:39 ino=39042 mode=100600 size=8388608 blocks=8192 blksize=2097152\n"
        text += extraManifest
        try text.write(toFile: manifest, atomically: false, encoding: .utf8)
    }

    @Test func findsMappingsAndAttributes() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try makeTree(dir)
            let snapshot = try SnapshotCollector.collect(from: SystemRoot.open(dir))
            let scan = snapshot.consumers.scan
            #expect(scan.processesSeen == 4)
            #expect(scan.processesScanned == 2)
            #expect(scan.vanished == 0 && scan.notRecorded == 1, "9999 is listed, but nothing of it is in the tree")
            #expect(scan.unreadable == [.init(pid: 1, path: "/proc/1/maps", reason: "Permission denied")])
            #expect(!scan.complete)
            #expect(scan.candidates == 2)
            let report = StatusReport(snapshot: snapshot)
            let process = try #require(report.consumers.processes.first)
            #expect(process.pid == 4242 && process.name == "db" && process.uid == 999 && process.memsAllowed == [0, 1])
            #expect(process.commandLine == "db --huge")
            #expect(process.mappings.map(\.kind) == [.fileShared, .anonPrivate])
            let shared = process.mappings[0]
            #expect(shared.pages == 4 && shared.faultedPages == 2 && shared.reservedPending == 2)
            #expect(shared.policy == MemoryPolicy(mode: .bind, nodes: [1]) && shared.nodePages == [1: 2])
            let anon = process.mappings[1]
            #expect(anon.pages == 2 && anon.faultedPages == 1 && anon.reservedPending == 1 && anon.path == "/anon_hugepage")
            let ledger = try #require(report.ledgers.first { $0.pageSizeKB == 2048 })
            #expect(ledger.sharedObjects == 2 && ledger.privateOwners == 1)
            // The two-node tree's pool says 6 reserved; its min_size mount holds 2 of them
            // unless its files use them (statfs says 3 pages are used, so none are left).
            #expect(ledger.minSize == 0)
            #expect(ledger.unattributed == 3)
            let text = StatusText.render(report).rendered()
            #expect(text.contains("RSVD 2M: 6 reserved; 3 attributed (2 shared objects + 1 private + 0 min_size + 0 orphaned); 3 unattributed"))
            #expect(text.contains("Process scan incomplete: 1 of 4 processes"))
            let json = StatusJSON.document(report).serialized()
            let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let vma = ((doc?["processes"] as? [[String: Any]])?.first?["vmas"] as? [[String: Any]])?.first
            #expect(vma?["start"] as? String == "7fcc97000000")
            #expect(vma?["device"] as? String == "00:27", "as /proc/PID/maps writes it")
            #expect((vma?["node_pages"] as? [String: Int]) == ["1": 2])
        }
    }

    /// A process that exits between its maps and its smaps (a recorded ENOENT) is counted as
    /// vanished and left out; one whose smaps is refused is named as unreadable; one whose
    /// files the tree simply lacks is not recorded, never vanished.
    /// A hugetlbfs mount only another mount namespace sees (a container's): its superblock,
    /// learnt from that namespace's first process after the processes were read, makes the
    /// process that maps a file on it read again, so that the file is found as when every
    /// namespace was learnt first; a process with no line on that device is not read again.
    @Test func mountOfAnotherNamespace() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try makeTree(dir, extraManifest: "link /proc/self/ns/mnt mnt:[1]\nlink /proc/4242/ns/mnt mnt:[2]\n"
                                + "link /proc/77/ns/mnt mnt:[1]\n")
            try writeTree(dir, [
                "/proc/self/mountinfo": "22 27 0:21 / /proc rw,relatime - proc proc rw\n",
                "/proc/4242/mountinfo": "40 22 0:39 / /mnt/huge rw,relatime - hugetlbfs none rw,pagesize=2M\n",
            ])
            let source = CountingSource(try SystemRoot.open(dir), concurrent: true)
            let snapshot = try SnapshotCollector.collect(from: source)
            let process = try #require(snapshot.consumers.processes.first { $0.pid == 4242 })
            #expect(process.mappings.map(\.kind) == [.fileShared, .anonPrivate])
            #expect(process.mappings.first?.path == "/mnt/huge/shared.dat")
            #expect(snapshot.consumers.scan.candidates == 2 && snapshot.consumers.scan.processesSeen == 4)
            let reads = { (path: String) in source.calls[.init(kind: "read", path: path)] ?? 0 }
            #expect(reads("/proc/4242/maps") == 2 && reads("/proc/77/maps") == 1)
            #expect(reads("/proc/4242/mountinfo") == 1)
        }
    }

    @Test func processesThatVanishOrRefuse() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try makeTree(dir, extraManifest: "list /proc/5151/fd\nlist /proc/6161/fd\nerror EACCES /proc/6161/smaps\n"
                + "error ENOENT /proc/5151/smaps\nerror ENOENT /proc/9999/maps\n")
            try writeTree(dir, ["/proc/5151/maps": Self.maps, "/proc/6161/maps": Self.maps])
            let manifest = dir + SnapshotManifest.path
            let text = try String(contentsOfFile: manifest, encoding: .utf8)
                .replacingOccurrences(of: "list /proc 1 77 4242 9999 meminfo", with: "list /proc 1 77 4242 5151 6161 9999 meminfo")
            try text.write(toFile: manifest, atomically: false, encoding: .utf8)
            let snapshot = try SnapshotCollector.collect(from: SystemRoot.open(dir))
            let scan = snapshot.consumers.scan
            #expect(scan.vanished == 2, "9999 before its maps, 5151 after")
            #expect(scan.unreadable.contains(.init(pid: 6161, path: "/proc/6161/smaps", reason: "Permission denied")))
            #expect(snapshot.consumers.processes.map(\.pid) == [4242])
        }
    }

    /// Broken smaps and numa_maps lines are reported; the rest of the process still counts.
    @Test func malformedProcessFiles() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try makeTree(dir)
            let smaps = Self.smaps.replacingOccurrences(of: "Private_Hugetlb:    4096 kB", with: "Private_Hugetlb:    lots kB")
                + "zzzz-1 garbage\n"
            try writeTree(dir, [
                "/proc/4242/smaps": smaps,
                "/proc/4242/numa_maps": "7fcc97000000 sideways:1 huge\n\u{FF}\u{FE}\n",
            ])
            let snapshot = try SnapshotCollector.collect(from: SystemRoot.open(dir))
            let mappings = try #require(snapshot.consumers.processes.first).mappings
            #expect(mappings.count == 2)
            #expect(mappings[0].faultedPages == 0 && mappings[0].policy == nil)
            #expect(snapshot.warnings.contains { $0.hasPrefix("/proc/4242/smaps: ") && $0.contains("Private_Hugetlb") })
        }
    }

    /// The snapshot of such a tree replays it exactly, process files and all.
    @Test func snapshotCarriesTheProcessScan() throws {
        try withTemporaryDirectory { base in
            let dir = base + "/tree"
            try makeTree(dir)
            let result = try SnapshotCapture.capture(from: SystemRoot.open(dir))
            try SnapshotWriter.write(result.contents, to: base + "/snap")
            func document(_ root: String) throws -> String {
                var snapshot = try SnapshotCollector.collect(from: SystemRoot.open(root))
                snapshot.root = "ROOT"
                // When it was read is now for both: the two reads may straddle a second
                // (CI failed on it once: generated_at 15:08:48Z against 15:08:49Z).
                snapshot.collectedAt = 0
                return StatusJSON.document(StatusReport(snapshot: snapshot)).serialized()
            }
            #expect(try document(base + "/snap") == document(dir))
            #expect(FileManager.default.fileExists(atPath: base + "/snap/proc/4242/smaps"))
        }
    }
}
