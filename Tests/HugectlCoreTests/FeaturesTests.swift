import Foundation
import Testing
@testable import HugectlCore

/// `hugectl features`: the readers on fixture trees in the kernel's formats, the rules that turn
/// probe outcomes into a recommendation, and both renderers.
@Suite("Features: readers, model and rendering")
struct FeaturesTests {
    static let fixtures = featuresFixtures

    func collect(_ root: String) throws -> FeaturesReport {
        var report = try FeaturesCollector.collect(from: SystemRoot.open(root))
        report.root = "FIXTURE"
        report.generatedAt = 1_764_547_200  // not the time of the run (2025-12-01T00:00:00Z)
        report.markNotProbed(FeaturesReport.snapshotReason)
        return report
    }

    // MARK: - Golden output

    @Test(arguments: fixtures)
    func goldenText(fixture: String) throws {
        let report = try collect(fixturesDirectory + "/" + fixture)
        try compare(FeaturesText.render(report).rendered(), "\(fixturesDirectory)/\(fixture)/expected/features.txt")
    }

    @Test(arguments: fixtures)
    func goldenJSON(fixture: String) throws {
        let report = try collect(fixturesDirectory + "/" + fixture)
        let json = FeaturesJSON.document(report).serialized()
        try compare(json, "\(fixturesDirectory)/\(fixture)/expected/features.json")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(parsed["schema_version"] as? Int == 1)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    // MARK: - What the readers found

    @Test func v2HostWithLimitsPerScope() throws {
        let report = try collect(fixturesDirectory + "/features-v2-6.1")
        #expect(report.kernelVersion == KernelVersion(6, 1, 0))
        #expect(report.defaultPageSizeKB == 2048)
        #expect(report.sizes.map(\.pageSizeKB) == [2048, 1_048_576])
        #expect(report.sizes[1].demoteSizeKB == 2048 && report.sizes[1].isGigantic && !report.sizes[1].overcommitAllowed)
        #expect(report.sizes[0].runtimeAllocation == true && report.sizes[1].runtimeAllocation == nil)
        #expect(report.boot.perNodeSyntax == true)
        #expect(report.boot.parameters == ["default_hugepagesz=2M", "hugepagesz=1G", "hugepages=0:2,1:2",
                                           "hugepagesz=2M", "hugepages=512"])
        #expect(report.hugetlbfs.available == true)
        #expect(report.hugetlbfs.mounts.map(\.path) == ["/dev/hugepages", "/srv/vm ram"])
        #expect(report.hugetlbfs.mounts[1].minSizePages == 1 && report.hugetlbfs.mounts[1].sizeLimitPages == 2)
        #expect(report.hugetlbfs.minSizeInUse)

        let cgroup = report.cgroup
        #expect(cgroup.version == 2 && cgroup.v2Mount == "/sys/fs/cgroup" && cgroup.v1Mount == nil)
        #expect(cgroup.controllerKnown == true)
        #expect(cgroup.cgroupsScanned == 7 && cgroup.cgroupsWithController == 6 && !cgroup.truncated)
        #expect(cgroup.rsvdFiles == [RsvdFiles(pageSizeKB: 2048, present: true), RsvdFiles(pageSizeKB: 1_048_576, present: true)])
        #expect(cgroup.limits == [
            CgroupLimit(path: "/sys/fs/cgroup/machine.slice/vm1.scope", pageSizeKB: 2048, maxBytes: 536_870_912,
                        rsvdMaxBytes: nil, rsvdFilesPresent: true),
            CgroupLimit(path: "/sys/fs/cgroup/machine.slice/vm2.scope", pageSizeKB: 2048, maxBytes: 268_435_456,
                        rsvdMaxBytes: 268_435_456, rsvdFilesPresent: true),
            CgroupLimit(path: "/sys/fs/cgroup/system.slice", pageSizeKB: 1_048_576, maxBytes: 2_147_483_648,
                        rsvdMaxBytes: nil, rsvdFilesPresent: true),
        ])
        #expect(cgroup.unboundedReservations.map(\.path) == ["/sys/fs/cgroup/machine.slice/vm1.scope", "/sys/fs/cgroup/system.slice"])

        #expect(report.userfaultfd.unprivilegedSysctl == 0)
        #expect(report.userfaultfd.devicePresent == true)
        #expect(report.userfaultfd.probed == false && report.discard.isEmpty)
    }

    @Test func v1HostWithoutRsvdFiles() throws {
        let report = try collect(fixturesDirectory + "/features-v1-5.4")
        #expect(report.boot.perNodeSyntax == false)
        #expect(report.boot.parameters == ["hugepages=1024"])
        #expect(report.sizes.allSatisfy { $0.demoteSizeKB == nil })
        #expect(report.cgroup.version == 1 && report.cgroup.v1Mount == "/sys/fs/cgroup/hugetlb")
        #expect(report.cgroup.cgroupsScanned == 3 && report.cgroup.cgroupsWithController == 3)
        #expect(report.cgroup.rsvdFiles.map(\.present) == [false, false])
        #expect(report.cgroup.limits == [CgroupLimit(path: "/sys/fs/cgroup/hugetlb/kubepods", pageSizeKB: 2048,
                                                     maxBytes: 4_294_967_296, rsvdMaxBytes: nil, rsvdFilesPresent: false)])
        #expect(report.userfaultfd.unprivilegedSysctl == 1 && report.userfaultfd.devicePresent == false)
    }

    /// A tree made by a `hugectl snapshot` that did not record the features-only files yet:
    /// everything they would say is unknown, quietly, and the rest is read.
    @Test func statusSnapshotTreeReadsQuietly() throws {
        try withTemporaryDirectory { dir in
            let report = try collect(try statusOnlySnapshot(in: dir, fixtures: fixturesDirectory))
            #expect(report.warnings.isEmpty, "\(report.warnings)")
            #expect(report.kernelRelease?.isEmpty == false)
            #expect(report.boot.commandLineRead == false && report.cgroup.version == nil)
            #expect(report.cgroup.controllerKnown == nil && report.userfaultfd.unprivilegedSysctl == nil)
            #expect(report.userfaultfd.devicePresent == nil)
            let text = FeaturesText.render(report).rendered()
            #expect(text.contains("boot parameters              ? (/proc/cmdline not read)"))
        }
    }

    /// host-1node was captured by a snapshot that records them: they are known.
    @Test func snapshotTreeRecordsWhatFeaturesReads() throws {
        let report = try collect(fixturesDirectory + "/host-1node")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.boot.commandLineRead == true && report.cgroup.version != nil)
        #expect(report.userfaultfd.unprivilegedSysctl != nil && report.userfaultfd.devicePresent == true)
    }

    @Test func noHugepagesDirectoryIsFatal() throws {
        try withTemporaryDirectory { root in
            try writeTree(root, ["/proc/meminfo": "MemTotal: 1 kB\n"])
            #expect(throws: ReadError.self) { try FeaturesCollector.collect(from: SystemRoot.open(root)) }
        }
    }

    /// Hostile trees: nesting past the bound, garbage in limit files, odd names. Nothing traps,
    /// the walk stops, and each problem is one warning naming the file.
    @Test func hostileCgroupTree() throws {
        try withTemporaryDirectory { root in
            var files: [String: String] = [
                "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "-3\n",
                "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages": "99999999999999999999999\n",
                "/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages": "0\n",
                "/sys/kernel/mm/hugepages/hugepages-02048kB/nr_hugepages": "1\n",
                "/proc/sys/kernel/osrelease": "not-a-version\n",
                "/proc/mounts": "cgroup2 /cg cgroup2 rw 0 0\nnone /m hugetlbfs rw,pagesize=3X 0 0\nshort line\n",
                "/cg/cgroup.controllers": "hugetlb\n",
                "/cg/a/hugetlb.2MB.max": "lots\n",
                "/cg/a/hugetlb.2MB.rsvd.max": "-1\n",
                "/cg/a/hugetlb.banana.max": "1\n",
                "/cg/a/hugetlb.2MB.current": "0\n",
            ]
            var deep = "/cg/a"
            for level in 0..<(FeaturesCollector.maxCgroupDepth + 5) {
                deep += "/d\(level)"
                files[deep + "/hugetlb.2MB.max"] = "2097152\n"
            }
            try writeTree(root, files)
            let report = try FeaturesCollector.collect(from: SystemRoot.open(root))
            #expect(report.kernelVersion == nil && report.boot.perNodeSyntax == nil)
            #expect(report.sizes.first?.poolTotal == nil && report.sizes.first?.poolFree == nil)
            #expect(report.cgroup.truncated)
            #expect(report.cgroup.cgroupsScanned == FeaturesCollector.maxCgroupDepth + 1)
            #expect(report.warnings.contains { $0.hasPrefix("/cg/a/hugetlb.2MB.max: not a limit") })
            #expect(report.warnings.contains { $0.hasPrefix("/cg/a/hugetlb.2MB.rsvd.max: not a limit") })
            #expect(report.warnings.contains { $0.contains("bad pagesize '3X'") })
            #expect(report.warnings.contains { $0.hasPrefix("/proc/mounts: line 3") })
            // The bogus limits are unknown, not limits.
            #expect(!report.cgroup.limits.contains { $0.path == "/cg/a" })
            _ = FeaturesText.render(report)
            _ = FeaturesJSON.document(report).serialized()
        }
    }

    // MARK: - Small parsers

    @Test func kernelVersions() {
        #expect(KernelVersion(release: "6.18.44-fc-v669") == KernelVersion(6, 18, 44))
        #expect(KernelVersion(release: "5.10.0-28-amd64") == KernelVersion(5, 10, 0))
        #expect(KernelVersion(release: "6.12.117+deb12-amd64") == KernelVersion(6, 12, 117))
        #expect(KernelVersion(release: "5.16") == KernelVersion(5, 16, 0))
        #expect(KernelVersion(release: "5.16-rc1") == KernelVersion(5, 16, 0))
        #expect(KernelVersion(release: "4") == nil)
        #expect(KernelVersion(release: "linux") == nil)
        #expect(KernelVersion(release: "99999999999.1") == nil)
        // hugepages=0:N,1:M came with commit b5389086ad7b, merged for 5.16 (not 5.13).
        #expect(BootFeatures.perNodeSyntaxSince == KernelVersion(5, 16, 0))
        #expect(KernelVersion(5, 15, 189) < BootFeatures.perNodeSyntaxSince)
        #expect(KernelVersion(5, 13, 0) < BootFeatures.perNodeSyntaxSince)
        #expect(!(KernelVersion(5, 16, 0) < BootFeatures.perNodeSyntaxSince))
    }

    @Test func bootParameters() {
        #expect(FeaturesCollector.bootParameters(
            "BOOT_IMAGE=/vmlinuz hugepagesz=1G hugepages=0:2,1:2 default_hugepagesz=2M hugetlb_cma=4G "
                + "hugetlb_free_vmemmap=on transparent_hugepage=never quiet -- hugepages=3\n")
            == ["hugepagesz=1G", "hugepages=0:2,1:2", "default_hugepagesz=2M", "hugetlb_cma=4G", "hugetlb_free_vmemmap=on"])
        #expect(FeaturesCollector.bootParameters("").isEmpty)
    }

    @Test func cgroupFileNames() {
        #expect(HugetlbCgroupReader.hugetlbFile("hugetlb.2MB.rsvd.max").map { "\($0.kB) \($0.rest)" } == "2048 rsvd.max")
        #expect(HugetlbCgroupReader.hugetlbFile("hugetlb.1GB.limit_in_bytes").map { "\($0.kB) \($0.rest)" } == "1048576 limit_in_bytes")
        #expect(HugetlbCgroupReader.hugetlbFile("hugetlb.64KB.max").map { "\($0.kB) \($0.rest)" } == "64 max")
        #expect(HugetlbCgroupReader.hugetlbFile("hugetlb.2MB") == nil)
        #expect(HugetlbCgroupReader.hugetlbFile("memory.max") == nil)
        #expect(HugetlbCgroupReader.sizeName(2048) == "2MB")
        #expect(HugetlbCgroupReader.sizeName(1_048_576) == "1GB")
        #expect(HugetlbCgroupReader.sizeName(64) == "64KB")
        #expect(HugetlbCgroupReader.sizeName(16 * 1_048_576) == "16GB")
        #expect(HugetlbCgroupReader.isInterfaceFile("cgroup.procs") && HugetlbCgroupReader.isInterfaceFile("tasks"))
        #expect(HugetlbCgroupReader.isInterfaceFile("hugetlb.2MB.max"))
        #expect(!HugetlbCgroupReader.isInterfaceFile("machine.slice") && !HugetlbCgroupReader.isInterfaceFile("vm1"))
    }

    @Test func limitValues() {
        #expect(HugetlbCgroupReader.limitValue("max").value == nil && HugetlbCgroupReader.limitValue("max").valid)
        #expect(HugetlbCgroupReader.limitValue("9223372036854771712").value == nil && HugetlbCgroupReader.limitValue("9223372036854771712").valid)
        #expect(HugetlbCgroupReader.limitValue("99999999999999999999999").value == nil && HugetlbCgroupReader.limitValue("99999999999999999999999").valid)
        #expect(HugetlbCgroupReader.limitValue("2097152").value == 2_097_152 && HugetlbCgroupReader.limitValue("2097152").valid)
        #expect(HugetlbCgroupReader.limitValue("0").value == 0 && HugetlbCgroupReader.limitValue("0").valid)
        #expect(HugetlbCgroupReader.limitValue("-1").valid == false)
        #expect(HugetlbCgroupReader.limitValue("").valid == false)
    }

    @Test func uffdNames() {
        #expect(UffdNames.features(0x1ffff).count == 17)
        #expect(UffdNames.features(0x1fff).last == "WP_HUGETLBFS_SHMEM")
        #expect(UffdNames.features(1 << 17 | 1) == ["PAGEFAULT_FLAG_WP", "bit17"])
        #expect(UffdNames.ioctls(0x8000000000000003) == ["REGISTER", "UNREGISTER", "API"])
        #expect(UffdNames.ioctls(0x1cc) == ["WAKE", "COPY", "WRITEPROTECT", "CONTINUE", "POISON"])
        #expect(UffdNames.ioctls(1 << 20) == ["bit20"])
        #expect(UffdNames.ioctlBit("MOVE") == 5)
        #expect(CallResult(name: "ok") == .ok && CallResult(name: "EACCES") == .failed(Errno(EACCES)))
    }

    // MARK: - The recommended discard

    typealias Outcome = DiscardProbe.Outcome

    @Test func recommendationPrefersWhatDiscardsAndKeepsTheReservation() {
        // hugetlb private on 6.8+ (host): DONTNEED and the hole punch both restore; DONTNEED wins.
        var probe = DiscardProbe(memory: .hugetlbPrivate, pageSizeKB: 2048, outcomes: [
            Outcome(call: .dontneed, result: .ok, zeroed: true, freed: true, reservation: .restored),
            Outcome(call: .remove, result: .failed(Errno(EACCES))),
            Outcome(call: .punchHole, result: .ok, zeroed: true, freed: true, reservation: .restored),
            Outcome(call: .punchHoleDontneed, result: .ok, zeroed: true, freed: true, reservation: .restored),
        ])
        #expect(probe.recommended == .dontneed)
        // A kernel where DONTNEED loses the reservation but something else keeps it.
        probe.outcomes[0].reservation = .lost
        #expect(probe.recommended == .punchHole)
        // hugetlb shared: DONTNEED keeps the page; both others lose the reservation; the punch.
        let shared = DiscardProbe(memory: .hugetlbShared, pageSizeKB: 2048, outcomes: [
            Outcome(call: .dontneed, result: .ok, zeroed: false, freed: false, reservation: .kept),
            Outcome(call: .remove, result: .ok, zeroed: true, freed: true, reservation: .lost),
            Outcome(call: .punchHole, result: .ok, zeroed: true, freed: true, reservation: .lost),
        ])
        #expect(shared.recommended == .punchHole)
        // shmem private: only the combination frees both the copy and the file's page.
        let shmem = DiscardProbe(memory: .shmemPrivate, pageSizeKB: 4, outcomes: [
            Outcome(call: .dontneed, result: .ok, zeroed: true, freed: false),
            Outcome(call: .remove, result: .failed(Errno(EACCES))),
            Outcome(call: .punchHole, result: .ok, zeroed: false, freed: false),
            Outcome(call: .punchHoleDontneed, result: .ok, zeroed: true, freed: true),
        ])
        #expect(shmem.recommended == .punchHoleDontneed)
        // Nothing works: no recommendation (2017's hugetlb: DONTNEED EINVAL, no fallocate).
        let old = DiscardProbe(memory: .hugetlbPrivate, pageSizeKB: 2048, outcomes: [
            Outcome(call: .dontneed, result: .failed(Errno(EINVAL))),
            Outcome(call: .punchHole, result: .ok, zeroed: false, freed: false, reservation: .kept),
        ])
        #expect(old.recommended == nil)
        // Unknown effects never count as a discard.
        let unknown = DiscardProbe(memory: .anonymous, pageSizeKB: 4, outcomes: [
            Outcome(call: .dontneed, result: .ok, zeroed: nil, freed: true),
        ])
        #expect(unknown.recommended == nil)
    }

    @Test func applicableCalls() {
        #expect(DiscardProbe.Call.applicable(to: .anonymous) == [.dontneed, .remove])
        #expect(DiscardProbe.Call.applicable(to: .hugetlbShared) == [.dontneed, .remove, .punchHole])
        #expect(DiscardProbe.Call.applicable(to: .shmemPrivate).last == .punchHoleDontneed)
    }

    // MARK: - A probed report, as the 6.1 guest gave it

    static func probedReport() throws -> FeaturesReport {
        var report = try FeaturesCollector.collect(from: SystemRoot.open(fixturesDirectory + "/features-v2-6.1"))
        report.root = "/"
        report.isLive = true
        report.probe.requested = true
        report.probe.ran = true
        report.probe.uid = 0
        report.probe.poolChanges = [ProbeStatus.PoolGrowth(pageSizeKB: 1_048_576, before: 4, grownTo: 4, restoredTo: 4)]
        report.probe.countersRestored = true
        report.sizes[1].runtimeAllocation = false
        report.sizes[1].runtimeAllocationNote = "the kernel could not allocate one at run time"
        report.hugetlbfs.options = [MountOptionProbe(option: "pagesize=2M", result: .ok),
                                    MountOptionProbe(option: "hugectl_no_such_option=1", expected: false, result: .failed(Errno(EINVAL)))]
        var uffd = report.userfaultfd
        uffd.probed = true
        uffd.uid = 0
        uffd.methods = [UffdMethod(kind: .syscall, result: .ok), UffdMethod(kind: .userModeOnly, result: .ok),
                        UffdMethod(kind: .device, result: .failed(Errno(EACCES)))]
        uffd.api = 0xaa
        uffd.featureMask = 0x1fff
        uffd.apiIoctlMask = 0x8000000000000003
        uffd.pageSizeKB = 2048
        let registrations: [UffdMappingProbe.Registration] = [
            .init(mode: .missing, result: .ok, ioctlMask: 0x0c), .init(mode: .wp, result: .ok, ioctlMask: 0x4c),
            .init(mode: .minor, result: .ok, ioctlMask: 0x8c),
        ]
        let ioctls: [UffdMappingProbe.Ioctl] = [
            .init(name: "COPY", offered: true, result: .ok), .init(name: "WRITEPROTECT", offered: true, result: .ok),
            .init(name: "CONTINUE", offered: true, result: .ok), .init(name: "POISON", offered: false, result: nil),
            .init(name: "MOVE", offered: false, result: nil),
        ]
        uffd.mappings = [UffdMappingProbe(mapping: .hugetlbShared, registrations: registrations, ioctls: ioctls),
                         UffdMappingProbe(mapping: .hugetlbPrivate, skipped: "mmap: ENOMEM")]
        report.userfaultfd = uffd
        report.discard = [
            DiscardProbe(memory: .anonymous, pageSizeKB: 4, outcomes: [
                Outcome(call: .dontneed, result: .ok, zeroed: true, freed: true),
                Outcome(call: .remove, result: .failed(Errno(EINVAL))),
            ]),
            DiscardProbe(memory: .hugetlbPrivate, pageSizeKB: 2048, outcomes: [
                Outcome(call: .dontneed, result: .ok, zeroed: true, freed: true, reservation: .lost),
                Outcome(call: .remove, result: .failed(Errno(EACCES))),
                Outcome(call: .punchHole, result: .ok, zeroed: true, freed: true, reservation: .lost),
                Outcome(call: .punchHoleDontneed, result: .ok, zeroed: true, freed: true, reservation: .lost),
            ]),
            DiscardProbe(memory: .hugetlbShared, pageSizeKB: 1_048_576, skipped: "no free unreserved 1G page"),
            DiscardProbe(memory: .hugetlbPrivate, pageSizeKB: 1_048_576, skipped: "no free unreserved 1G page"),
        ]
        return report
    }

    @Test func probedReportText() throws {
        let text = FeaturesText.render(try Self.probedReport()).rendered()
        #expect(text.contains("probes                       ran as uid 0; 1G pool 4 -> 4 -> 4; every counter restored\n"))
        #expect(text.contains("1G                4     2     0  yes       no          to 2M   no             yes\n"))
        #expect(text.contains("hugectl_no_such_option=1  rejected (EINVAL), as an unknown option should be\n"))
        #expect(text.contains("/dev/userfaultfd                  EACCES\n"))
        #expect(text.contains("userfaultfd API 0xaa features: PAGEFAULT_FLAG_WP EVENT_FORK"))
        #expect(text.contains("hugetlb shared   2M    ok       ok  ok     ok    ok            ok        no      no\n"))
        #expect(text.contains("hugetlb private  2M    skipped  -   -      -     -             -         -       -\n"))
        #expect(text.contains("Skipped hugetlb private: mmap: ENOMEM\n"))
        #expect(text.contains("hugetlb private  2M    MADV_DONTNEED                        ok       yes     yes    lost         *\n"))
        #expect(text.contains("Skipped hugetlb shared, hugetlb private 1G: no free unreserved 1G page\n"))
        let plain = FeaturesText.render(try Self.probedReport(), headers: false).rendered()
        #expect(!plain.contains("FEATURE") && !plain.contains("MEMORY "))
    }

    @Test func probedReportJSON() throws {
        let report = try Self.probedReport()
        let json = FeaturesJSON.document(report).serialized()
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        // Top-level keys, in the contract's order.
        let keys = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == ["schema_version", "hugectl_version", "root", "kernel_release", "default_page_size_kb", "probe",
                         "sizes", "boot", "hugetlbfs", "cgroup", "userfaultfd", "discard", "warnings", "generated_at", "hostname"])
        let uffd = try #require(doc["userfaultfd"] as? [String: Any])
        #expect(uffd["features_mask"] as? Int == 0x1fff)
        #expect((uffd["methods"] as? [[String: Any]])?.last?["result"] as? String == "EACCES")
        let mappings = try #require(uffd["mappings"] as? [[String: Any]])
        #expect(mappings.first?["mapping"] as? String == "hugetlb_shared")
        #expect((mappings.first?["modes"] as? [[String: Any]])?[1]["ioctls"] as? [String] == ["WAKE", "COPY", "WRITEPROTECT"])
        #expect(mappings.last?["skipped"] as? String == "mmap: ENOMEM")
        let discard = try #require(doc["discard"] as? [[String: Any]])
        #expect(discard.map { $0["recommended"] as? String } == ["MADV_DONTNEED", "MADV_DONTNEED", nil, nil])
        let calls = try #require(discard[1]["calls"] as? [[String: Any]])
        #expect(calls.map { $0["call"] as? String } == ["MADV_DONTNEED", "MADV_REMOVE", "FALLOC_PUNCH_HOLE",
                                                          "FALLOC_PUNCH_HOLE+MADV_DONTNEED"])
        #expect(calls[0]["reservation"] as? String == "lost" && calls[1]["zeroed"] is NSNull)
        let probe = try #require(doc["probe"] as? [String: Any])
        #expect((probe["pool_changes"] as? [[String: Any]])?.first?["restored"] as? Bool == true)
        let sizes = try #require(doc["sizes"] as? [[String: Any]])
        #expect(sizes[1]["runtime_allocation"] as? Bool == false)
    }
    // MARK: - The recorded kernels

    /// Tests/Fixtures/features-vm holds what --probe said on 6.1, 6.12 and 6.18: the
    /// differences docs/features.md reports must be what those documents say.
    @Test func recordedKernelsSayWhatTheDocsSay() throws {
        func load(_ name: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: fixturesDirectory + "/features-vm/" + name))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        func reservation(_ doc: [String: Any], _ memory: String, _ call: String) -> String? {
            let entry = (doc["discard"] as? [[String: Any]])?.first { $0["memory"] as? String == memory && $0["page_size_kb"] as? Int == 2048 }
            return (entry?["calls"] as? [[String: Any]])?.first { $0["call"] as? String == call }?["reservation"] as? String
        }
        func poison(_ doc: [String: Any]) -> [Bool?] {
            let mappings = ((doc["userfaultfd"] as? [String: Any])?["mappings"] as? [[String: Any]]) ?? []
            return mappings.map { mapping in
                (mapping["ioctls"] as? [[String: Any]])?.first { $0["ioctl"] as? String == "POISON" }?["offered"] as? Bool
            }
        }
        func features(_ doc: [String: Any]) -> [String] { ((doc["userfaultfd"] as? [String: Any])?["features"] as? [String]) ?? [] }
        func gigantic(_ doc: [String: Any]) -> Bool? {
            (doc["sizes"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 1_048_576 }?["runtime_allocation"] as? Bool
        }
        let old = try load("6.1.json"), mid = try load("6.12.json"), host = try load("6.18-host.json")
        #expect(old["kernel_release"] as? String == "6.1.0-56-amd64")
        #expect(features(old).last == "WP_HUGETLBFS_SHMEM" && features(old).count == 13)
        #expect(features(mid).suffix(4) == ["WP_UNPOPULATED", "POISON", "WP_ASYNC", "MOVE"] && features(host) == features(mid))
        #expect(poison(old) == [false, false] && poison(mid) == [true, true] && poison(host) == [true, true])
        for call in ["MADV_DONTNEED", "FALLOC_PUNCH_HOLE"] {
            #expect(reservation(old, "hugetlb_private", call) == "lost")
            #expect(reservation(mid, "hugetlb_private", call) == "restored")
            #expect(reservation(host, "hugetlb_private", call) == "restored")
        }
        for doc in [old, mid, host] {
            #expect(reservation(doc, "hugetlb_shared", "MADV_DONTNEED") == "kept")
            #expect(reservation(doc, "hugetlb_shared", "FALLOC_PUNCH_HOLE") == "lost")
            #expect((doc["probe"] as? [String: Any])?["counters_restored"] as? Bool == true)
        }
        #expect(gigantic(old) == false && gigantic(mid) == false && gigantic(host) == true)
        let nobody = try load("6.1-nobody.json")
        let methods = ((nobody["userfaultfd"] as? [String: Any])?["methods"] as? [[String: Any]])?.map { $0["result"] as? String }
        #expect(methods == ["EPERM", "ok", "EACCES"])
        #expect(((nobody["probe"] as? [String: Any])?["pool_changes"] as? [Any])?.isEmpty == true)
        #expect(reservation(nobody, "hugetlb_private", "MADV_DONTNEED") == "lost")
    }
}
