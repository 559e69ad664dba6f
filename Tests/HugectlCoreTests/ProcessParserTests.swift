import Testing
@testable import HugectlCore

@Suite("Per-process parsers on real and broken text")
struct ProcessParserTests {
    /// The smaps entry of capture A after two faults: 4 pages mapped shared, 2 faulted.
    @Test func smapsFromCapture() throws {
        let text = try captureSection("A_map_shared_hugetlbfs_file.txt", after: "---- [after-partial-fault] /proc/self/smaps entry for 0x7fcc97000000 ----")
        let parsed = SmapsParser.hugetlbVMAs(bytes(text))
        #expect(parsed.problems.isEmpty)
        let vma = try #require(parsed.vmas.first)
        #expect(vma.mapping.start == 0x7fcc97000000 && vma.mapping.end == 0x7fcc97800000)
        #expect(vma.mapping.shared)
        #expect(vma.mapping.device == DeviceNumber(major: 0, minor: 0x27))
        #expect(vma.mapping.inode == 39042)
        #expect(vma.mapping.path == "/mnt/hugetlb-lab/mnt/shared.dat")
        #expect(vma.sizeKB == 8192 && vma.kernelPageSizeKB == 2048)
        #expect(vma.privateHugetlbKB == 4096 && vma.mappedPages == 2)
        #expect(vma.isHugetlb && !vma.noReserve)
    }

    @Test func smapsNoreserveAndNonHugetlbEntries() throws {
        let text = try captureSection("D_map_noreserve.txt", after: "/proc/self/smaps entry")
        let vma = try #require(SmapsParser.hugetlbVMAs(bytes(text)).vmas.first)
        #expect(vma.noReserve)
        let plain = """
            55d28e326000-55d28e328000 r--p 00000000 fe:00 1234   /usr/bin/cat
            Size:                  8 kB
            KernelPageSize:        4 kB
            VmFlags: rd mr mw me dw
            """
        #expect(SmapsParser.hugetlbVMAs(bytes(plain)).vmas.isEmpty)
    }

    @Test func smapsFilterAndDamage() {
        let text = """
            7f0000000000-7f0000400000 rw-s 00000000 00:11 5   /anon_hugepage (deleted)
            Size:               4096 kB
            KernelPageSize:     2048 kB
            Shared_Hugetlb:     oops kB
            Private_Hugetlb:    2048 kB
            VmFlags: rd wr sh mr mw me ms de ht
            7f1000000000-7f10zz000000 rw-s 00000000 00:11 6   /anon_hugepage (deleted)
            Size: 2048 kB
            VmFlags: ht
            7f2000000000-7f2000200000 rw-p 00000000 00:11 7   /anon_hugepage (deleted)
            Size:               2048 kB
            KernelPageSize:     2048 kB
            VmFlags: rd wr mr mw me de ht
            """
        let all = SmapsParser.hugetlbVMAs(bytes(text))
        #expect(all.vmas.map(\.mapping.inode) == [5, 7])
        #expect(all.vmas[0].mappedPages == 1, "the bad Shared_Hugetlb value is refused, not guessed")
        #expect(all.problems.count == 2)
        let filtered = SmapsParser.hugetlbVMAs(bytes(text), onlyStarts: [0x7f2000000000])
        #expect(filtered.vmas.map(\.mapping.inode) == [7])
    }

    @Test func mapsCandidates() {
        let text = """
            55d28e326000-55d28e328000 r--p 00000000 fe:00 1234                       /usr/bin/cat
            7fcc97000000-7fcc97800000 rw-s 00000000 00:27 39042                      /mnt/hugetlb-lab/mnt/shared.dat
            7f4009a00000-7f4009c00000 rw-p 00000000 00:11 116847                     /anon_hugepage (deleted)
            7f8372000000-7f8372800000 rw-s 00000000 00:11 1                          /SYSV00000000 (deleted)
            7ff713600000-7ff713e00000 rw-s 00000000 00:11 3                          /memfd:db cache (deleted)
            7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
            ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
            garbage line
            """
        let none = MapsParser.candidates(bytes(text), hugetlbfsDevices: [])
        #expect(none.entries.map(\.inode) == [116847, 1, 3])
        #expect(none.entries.last?.path == "/memfd:db cache (deleted)")
        #expect(none.problems.count == 1)
        let withMount = MapsParser.candidates(bytes(text), hugetlbfsDevices: [DeviceNumber(major: 0, minor: 0x27)])
        #expect(withMount.entries.map(\.inode) == [39042, 116847, 1, 3])
        #expect(withMount.entries[0].shared && !withMount.entries[1].shared)
        #expect(withMount.entries[0].length == 8 << 20)
    }

    @Test func mapsRefusesAbsurdFields() {
        for line in ["1-2 rw-s 0 00:27", "ffffffffffffffffff-1 rw-s 0 00:27 1 /x", "1-2 rw 0 00:27 1 /x",
                     "1-2 rw-s 0 0027 1 /x", "1-2 rw-s 0 00:27 -1 /x", "1-2 rw-s 0 100000000:0 1 /x"] {
            let parsed = MapsParser.candidates(bytes(line + "\n"), hugetlbfsDevices: [DeviceNumber(major: 0, minor: 0x27)])
            #expect(parsed.entries.isEmpty && parsed.problems.count == 1, "\(line)")
        }
    }

    /// Every policy form numa_maps prints (capture H), flags and all.
    @Test func numaMapsPolicies() throws {
        let capture = try String(contentsOfFile: capturesDirectory + "/H_mempolicy_numa_maps_strings.txt", encoding: .utf8)
        let lines = capture.split(separator: "\n").compactMap { line -> String? in
            guard let arrow = line.range(of: "-> ") else { return nil }
            return String(line[arrow.upperBound...])
        }
        #expect(lines.count >= 20)
        let parsed = NumaMapsParser.parse(bytes(lines.joined(separator: "\n")))
        #expect(parsed.problems.isEmpty)
        #expect(parsed.entries.count == lines.count)
        let policies = Set(parsed.entries.map(\.policy.text))
        for expected in ["default", "prefer:0", "bind:0", "interleave:0", "local", "prefer (many):0",
                         "weighted interleave:0", "bind=static:0", "interleave=relative:0", "bind=balancing:0",
                         "prefer (many)=balancing:0", "bind=static|balancing:0"] {
            #expect(policies.contains(expected), "\(expected)")
        }
        let faulted = try #require(parsed.entries.first { $0.anon == 1 })
        #expect(faulted.nodePages == [0: 1] && faulted.dirty == 1 && faulted.kernelPageSizeKB == 2048 && faulted.huge)
        let many = try #require(parsed.entries.first { $0.policy.mode == .preferredMany })
        #expect(many.policy.nodes == [0])
        let combined = try #require(parsed.entries.first { $0.policy.flags == ["static", "balancing"] })
        #expect(combined.policy.mode == .bind)
    }

    @Test func numaMapsMultiNodeAndDamage() {
        let text = """
            7f0000000000 bind:1-3 file=/mnt/h/db\\040file huge anon=3 dirty=3 mapmax=2 N1=2 N3=1 kernelpagesize_kB=2048
            7f1000000000 frobnicate:0 file=/x huge
            zzzz default
            7f2000000000 interleave:0-99999999999 huge
            7f3000000000 prefer:1 huge N99999999999=1 N2=x
            7f4000000000 bind:0-1024 huge
            7f5000000000 interleave:1023 huge
            """
        let parsed = NumaMapsParser.parse(bytes(text))
        #expect(parsed.entries.count == 3)
        // bind:0-1024 names a node no kernel can have (MAX_NUMNODES is at most 1024): damage.
        #expect(parsed.problems.count == 4)
        #expect(parsed.entries[2].policy == MemoryPolicy(mode: .interleave, nodes: [1023]))
        #expect(parsed.entries[0].policy == MemoryPolicy(mode: .bind, nodes: [1, 2, 3]))
        #expect(parsed.entries[0].nodePages == [1: 2, 3: 1] && parsed.entries[0].mapmax == 2)
        #expect(parsed.entries[1].nodePages.isEmpty)
    }

    @Test func statusFromCapture() throws {
        let text = try captureSection("A_map_shared_hugetlbfs_file.txt", after: "---- [after-partial-fault] /proc/self/status (selected) ----")
        let status = ProcStatus.parse(bytes(text))
        #expect(status.hugetlbPagesKB == 4096)
        #expect(status.memsAllowed == [0])
        #expect(status.cpusAllowed == [0, 1])
        let full = ProcStatus.parse(bytes("Name:\tdb worker\nUmask:\t0022\nPPid:\t41\nUid:\t1000\t1000\t1000\t1000\nMems_allowed_list:\t0-1,bad\n"))
        #expect(full.name == "db worker" && full.ppid == 41 && full.uid == 1000)
        #expect(full.memsAllowed == nil && full.problems.count == 1)
        let beyond = ProcStatus.parse(bytes("Name:\tdb\nMems_allowed_list:\t0-1024\nCpus_allowed_list:\t0-1024\n"))
        #expect(beyond.memsAllowed == nil && beyond.problems.count == 1 && beyond.cpusAllowed?.count == 1025)
    }

    @Test func sysvSegments() {
        let text = """
                   key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
                     0          3   600               8388608  4100  4100      1     0     0     0     0 1763779000          0 1763779000               2097152                     0
            -559038737         4   600               4194304  4101     0      0  1000  1000  1000  1000          0          0 1763779001                     0                     0
                     x          5   600               4194304  4101     0      0  1000  1000  1000  1000          0          0 1763779001                     0                     0
            """
        let parsed = SysvShmParser.parse(bytes(text))
        #expect(parsed.segments.count == 2)
        #expect(parsed.problems.count == 1)
        #expect(parsed.segments[0] == SysvSegment(key: 0, shmid: 3, sizeBytes: 8388608, cpid: 4100, lpid: 4100,
                                                  nattch: 1, uid: 0, rssBytes: 2097152))
        #expect(parsed.segments[1].key == -559038737 && parsed.segments[1].nattch == 0)
        #expect(SysvShmParser.parse(bytes("nonsense header\n1 2 3\n")).problems.count == 1)
        #expect(SysvShmParser.parse(bytes("")).segments.isEmpty)
    }

    @Test func mountinfoHugetlbfs() {
        let text = """
            22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            40 22 0:39 / /mnt/huge\\040db rw,relatime shared:20 - hugetlbfs none rw,pagesize=2M,size=8388608
            41 22 0:40 / /dev/hugepages rw,relatime - hugetlbfs hugetlbfs rw,pagesize=1024M
            broken
            """
        let parsed = MountinfoParser.parse(bytes(text))
        #expect(parsed.problems.count == 1)
        let huge = parsed.entries.filter { $0.fsType == "hugetlbfs" }
        #expect(huge.map(\.device) == [DeviceNumber(major: 0, minor: 39), DeviceNumber(major: 0, minor: 40)])
        #expect(huge[0].mountPoint == "/mnt/huge db")
        #expect(huge[1].superOptions == "rw,pagesize=1024M")
    }

    @Test func deviceNumbers() {
        #expect(DeviceNumber(encoded: 0x27) == DeviceNumber(major: 0, minor: 0x27))
        #expect(DeviceNumber(encoded: (254 << 8) | 1) == DeviceNumber(major: 254, minor: 1))
        // glibc's makedev(0x1234, 0x56789): major bits 0-11 at 8, the rest at 44; minor bits
        // 0-7 at 0, the rest at 20.
        let major: UInt64 = 0x1234, minor: UInt64 = 0x56789
        let dev = ((major & 0xfff) << 8) | ((major & ~0xfff) << 32) | (minor & 0xff) | ((minor & ~0xff) << 12)
        #expect(DeviceNumber(encoded: dev) == DeviceNumber(major: 0x1234, minor: 0x56789))
        #expect(CommandLineParser.parse(bytes("postgres\u{0}-D\u{0}/var/lib/db\u{0}")) == "postgres -D /var/lib/db")
    }
}
