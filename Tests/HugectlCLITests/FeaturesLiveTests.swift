import Foundation
import Glibc
import HugectlCore
import HugectlProbe
import Testing

/// The probe's fds (its memfds and userfaultfds) and mappings (memfd mappings and the
/// anonymous ones it names) in this process. Other tests running meanwhile open files of their
/// own, so only these are counted.
func probeDescriptors() -> [String] {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0) }
        .filter { $0.contains("hugectl-probe") || $0.contains("userfaultfd") }
}

func probeMappings() -> [String] {
    let maps = (try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? ""
    return maps.split(separator: "\n").filter { $0.contains("hugectl-probe") }.map(String.init)
}

/// The pool counters and hugetlbfs mounts as they are now.
func hugetlbState() throws -> [String] {
    var state: [String] = []
    for size in try FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/mm/hugepages").sorted() {
        for name in ["nr_hugepages", "free_hugepages", "resv_hugepages", "surplus_hugepages", "nr_overcommit_hugepages"] {
            state.append("\(size)/\(name)=\(try readSys("/sys/kernel/mm/hugepages/\(size)/\(name)"))")
        }
    }
    let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
    state += mounts.split(separator: "\n").filter { $0.contains(" hugetlbfs ") }.map(String.init)
    let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
    state += leftovers.filter { $0.hasPrefix("hugectl-probe-") }
    return state
}

var liveKernel: KernelVersion? {
    (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)).flatMap(KernelVersion.init(release:))
}

extension LiveSystemTests {
/// `hugectl features` against the running kernel. Every probe test checks that the pools,
/// counters and mounts are exactly as before, and puts the 2M pool back itself (withPool).
@Suite("Features probes")
struct FeaturesLiveTests {
    func features(_ arguments: [String] = []) throws -> [String: Any] {
        let r = try hugectl(["features", "--json"] + arguments)
        #expect(r.status == 0, "\(r.stderr)")
        return try jsonObject(r.stdout)
    }

    func discard(_ doc: [String: Any], _ memory: String, _ kB: Int) -> [String: Any]? {
        (doc["discard"] as? [[String: Any]])?.first { $0["memory"] as? String == memory && $0["page_size_kb"] as? Int == kB }
    }

    func call(_ entry: [String: Any]?, _ name: String) -> [String: Any]? {
        (entry?["calls"] as? [[String: Any]])?.first { $0["call"] as? String == name }
    }

    /// Without --probe: what sysfs, procfs and /dev say, and nothing is changed.
    @Test func readOnlyAgreesWithTheSystem() throws {
        let before = try hugetlbState()
        let doc = try features()
        #expect(try hugetlbState() == before)
        let sizes = try FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/mm/hugepages")
            .compactMap { PageSize.fromDirectoryName($0) }.sorted()
        let reported = try #require(doc["sizes"] as? [[String: Any]])
        #expect(reported.map { $0["page_size_kb"] as? Int } == sizes)
        for size in reported {
            let kB = try #require(size["page_size_kb"] as? Int)
            let dir = "/sys/kernel/mm/hugepages/hugepages-\(kB)kB"
            #expect(size["demote"] as? Bool == FileManager.default.fileExists(atPath: dir + "/demote_size"))
            #expect(size["pool_total"] as? Int == (try readSys(dir + "/nr_hugepages")))
        }
        let release = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
        #expect(doc["kernel_release"] as? String == release.trimmingCharacters(in: .whitespacesAndNewlines))
        let uffd = try #require(doc["userfaultfd"] as? [String: Any])
        #expect(uffd["dev_present"] as? Bool == FileManager.default.fileExists(atPath: "/dev/userfaultfd"))
        if FileManager.default.fileExists(atPath: "/proc/sys/vm/unprivileged_userfaultfd") {
            #expect(uffd["unprivileged_sysctl"] as? Int == (try readSys("/proc/sys/vm/unprivileged_userfaultfd")))
        }
        #expect(uffd["probed"] as? Bool == false && (doc["discard"] as? [Any])?.isEmpty == true)
        #expect((doc["probe"] as? [String: Any])?["ran"] as? Bool == false)
        #expect((doc["boot"] as? [String: Any])?["per_node_syntax"] as? Bool == ((liveKernel ?? KernelVersion(0, 0)) >= KernelVersion(5, 16)))
    }

    /// The whole probe with empty pools: each pool grows by one page for it and is put back;
    /// every counter and mount is as before; the matrix says what this kernel does.
    @Test func probeGrowsEmptyPoolsAndPutsThemBack() throws {
        try withPool(0) {
            let before = try hugetlbState()
            let doc = try features(["--probe"])
            #expect(try hugetlbState() == before)
            let probe = try #require(doc["probe"] as? [String: Any])
            #expect(probe["ran"] as? Bool == true && probe["counters_restored"] as? Bool == true, "\(probe)")
            let changes = try #require(probe["pool_changes"] as? [[String: Any]])
            let twoMeg = try #require(changes.first { $0["page_size_kb"] as? Int == 2048 })
            #expect(twoMeg["before"] as? Int == 0 && twoMeg["grown_to"] as? Int == 1 && twoMeg["restored_to"] as? Int == 0)
            #expect(changes.allSatisfy { $0["restored"] as? Bool == true })

            // Ordinary memory: the answers QEMU relies on.
            #expect(discard(doc, "anonymous", 4)?["recommended"] as? String == "MADV_DONTNEED")
            #expect(discard(doc, "shmem_shared", 4)?["recommended"] as? String == "FALLOC_PUNCH_HOLE")
            #expect(discard(doc, "shmem_private", 4)?["recommended"] as? String == "FALLOC_PUNCH_HOLE+MADV_DONTNEED")
            // hugetlb shared: DONTNEED keeps the page cache page; the hole punch frees the page and
            // its reservation goes with it (L).
            let shared = discard(doc, "hugetlb_shared", 2048)
            #expect(shared?["skipped"] is NSNull)
            #expect(call(shared, "MADV_DONTNEED")?["zeroed"] as? Bool == false)
            #expect(call(shared, "MADV_DONTNEED")?["reservation"] as? String == "kept")
            #expect(call(shared, "FALLOC_PUNCH_HOLE")?["zeroed"] as? Bool == true)
            #expect(call(shared, "FALLOC_PUNCH_HOLE")?["reservation"] as? String == "lost")
            #expect(shared?["recommended"] as? String == "FALLOC_PUNCH_HOLE")
            // hugetlb private: MADV_DONTNEED frees the page; since v6.8 the reservation comes back.
            let privately = discard(doc, "hugetlb_private", 2048)
            #expect(call(privately, "MADV_DONTNEED")?["result"] as? String == "ok")
            #expect(call(privately, "MADV_DONTNEED")?["zeroed"] as? Bool == true)
            #expect(call(privately, "MADV_REMOVE")?["result"] as? String == "EACCES")
            if let kernel = liveKernel, kernel >= KernelVersion(6, 8) {
                #expect(call(privately, "MADV_DONTNEED")?["reservation"] as? String == "restored")
            }
            #expect(privately?["recommended"] as? String == "MADV_DONTNEED")

            // userfaultfd on both hugetlb kinds (K): every mode registers, COPY/WRITEPROTECT/
            // CONTINUE work; POISON since 6.6; MOVE is never offered on hugetlb.
            let uffd = try #require(doc["userfaultfd"] as? [String: Any])
            #expect((uffd["methods"] as? [[String: Any]])?.first?["result"] as? String == "ok", "root may use the syscall")
            #expect(uffd["page_size_kb"] as? Int == 2048)
            let mappings = try #require(uffd["mappings"] as? [[String: Any]])
            #expect(mappings.map { $0["mapping"] as? String } == ["hugetlb_shared", "hugetlb_private"])
            for mapping in mappings {
                #expect(mapping["skipped"] is NSNull)
                #expect((mapping["modes"] as? [[String: Any]])?.allSatisfy { $0["result"] as? String == "ok" } == true)
                let ioctls = try #require(mapping["ioctls"] as? [[String: Any]])
                func result(_ name: String) -> String? { ioctls.first { $0["ioctl"] as? String == name }?["result"] as? String }
                #expect(result("COPY") == "ok" && result("WRITEPROTECT") == "ok" && result("CONTINUE") == "ok", "\(ioctls)")
                if let kernel = liveKernel, kernel >= KernelVersion(6, 6) { #expect(result("POISON") == "ok") }
                #expect(ioctls.first { $0["ioctl"] as? String == "MOVE" }?["offered"] as? Bool == false)
                #expect(ioctls.allSatisfy { $0["note"] is NSNull || !($0["note"] as? String ?? "").contains("read back") })
            }
            // Mount options: everything the kernel documents is accepted, nonsense is not.
            let options = try #require((doc["hugetlbfs"] as? [String: Any])?["options"] as? [[String: Any]])
            #expect(options.count >= 9)
            #expect(options.allSatisfy { ($0["accepted"] as? Bool) == ($0["expected"] as? Bool) }, "\(options)")
        }
    }

    /// With free pages in the 2M pool, that pool is used as it is and never written.
    @Test func probeUsesFreePagesWithoutGrowing() throws {
        try withPool(3) {
            let before = try hugetlbState()
            let doc = try features(["--probe"])
            #expect(try hugetlbState() == before)
            let changes = try #require((doc["probe"] as? [String: Any])?["pool_changes"] as? [[String: Any]])
            #expect(!changes.contains { $0["page_size_kb"] as? Int == 2048 })
            #expect(discard(doc, "hugetlb_private", 2048)?["skipped"] is NSNull)
        }
    }

    /// --no-grow: an empty pool is left alone and its probes are skipped with the reason.
    @Test func noGrowSkipsEmptyPools() throws {
        try withPool(0) {
            let before = try hugetlbState()
            let doc = try features(["--probe", "--no-grow"])
            #expect(try hugetlbState() == before)
            let probe = try #require(doc["probe"] as? [String: Any])
            #expect((probe["pool_changes"] as? [Any])?.isEmpty == true)
            let skipped = discard(doc, "hugetlb_shared", 2048)?["skipped"] as? String
            #expect(skipped == "no free unreserved 2M page (--no-grow)")
            let uffd = try #require(doc["userfaultfd"] as? [String: Any])
            #expect((uffd["skipped"] as? String)?.hasPrefix("no free huge page") == true)
            #expect((uffd["mappings"] as? [Any])?.isEmpty == true)
            let giant = (doc["sizes"] as? [[String: Any]])?.first { $0["gigantic"] as? Bool == true }
            if let giant { #expect(giant["runtime_allocation"] is NSNull) }
        }
    }

    /// SIGTERM while the 1G pool is grown for the probe: the signal waits until every pool is
    /// back, then ends hugectl (no report is printed).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/env")))
    func terminatedMidProbePutsThePoolsBack() throws {
        let giant = "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
        try withPool(0) {
            let before = try hugetlbState()
            let old = try readSys(giant)
            // (ChildProcess starts it with SIGTERM at its default, whatever the test runner's.)
            let process = try ChildProcess(hugectlPath, ["features", "--probe", "--json"], environment: testEnvironment())
            var grown = false
            for _ in 0..<600 where process.isRunning {
                if ((try? readSys(giant)) ?? old) > old {
                    grown = true
                    break
                }
                usleep(20_000)
            }
            process.terminate()
            let end = process.wait()
            let after = try hugetlbState()
            #expect(after == before, "\(after) != \(before)")
            if grown {
                #expect(end.signal == SIGTERM)
            }
        }
    }

    /// A pool that cannot be written (here: nr_hugepages bind-mounted read-only in a private
    /// mount namespace, which nothing outside it sees) is skipped with the reason, and is not
    /// mistaken for a kernel that cannot allocate the page.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")))
    func unwritablePoolIsSkipped() throws {
        try withPool(0) {
            let before = try hugetlbState()
            let script = """
                for s in /sys/kernel/mm/hugepages/hugepages-*; do
                    mount --bind "$s/nr_hugepages" "$s/nr_hugepages" && mount -o remount,bind,ro "$s/nr_hugepages" || exit 99
                done
                exec "$0" features --probe --json
                """
            let r = try run("/usr/bin/unshare", ["-m", "--propagation", "private", "sh", "-c", script, hugectlPath])
            #expect(r.status == 0, "\(r.stderr)")
            let after = try hugetlbState()
            #expect(after == before, "\(after) != \(before)")
            let doc = try jsonObject(r.stdout)
            #expect(((doc["probe"] as? [String: Any])?["pool_changes"] as? [Any])?.isEmpty == true)
            let skipped = discard(doc, "hugetlb_shared", 2048)?["skipped"] as? String
            #expect(skipped?.hasPrefix("no free unreserved 2M page, and the pool could not be grown: ") == true, "\(skipped ?? "nil")")
            #expect(skipped?.hasSuffix("Read-only file system") == true)
            if let giant = (doc["sizes"] as? [[String: Any]])?.first(where: { $0["gigantic"] as? Bool == true }) {
                #expect(giant["runtime_allocation"] is NSNull)
                #expect((giant["runtime_allocation_note"] as? String)?.hasPrefix("not tried: the pool could not be written") == true)
            }
        }
    }

    /// As nobody: the syscall is refused (with vm.unprivileged_userfaultfd=0), the user-mode-only
    /// fd works and is what the mapping probes use, /dev/userfaultfd is root's, no pool is grown
    /// and mounting is not tried.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func unprivileged() throws {
        func asNobody(_ arguments: [String]) throws -> [String: Any] {
            let r = try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", hugectlPath, "features", "--json"] + arguments)
            #expect(r.status == 0, "\(r.stderr)")
            return try jsonObject(r.stdout)
        }
        try withPool(2) {
            let before = try hugetlbState()
            let doc = try asNobody(["--probe"])
            #expect(try hugetlbState() == before)
            let probe = try #require(doc["probe"] as? [String: Any])
            #expect(probe["uid"] as? Int == 65534 && (probe["pool_changes"] as? [Any])?.isEmpty == true)
            let uffd = try #require(doc["userfaultfd"] as? [String: Any])
            let methods = try #require(uffd["methods"] as? [[String: Any]])
            func method(_ name: String) -> String? { methods.first { $0["method"] as? String == name }?["result"] as? String }
            if (try? readSys("/proc/sys/vm/unprivileged_userfaultfd")) == 0 { #expect(method("syscall") == "EPERM") }
            if let kernel = liveKernel, kernel >= KernelVersion(5, 11) { #expect(method("syscall_user_mode_only") == "ok") }
            if FileManager.default.fileExists(atPath: "/dev/userfaultfd") { #expect(method("dev_userfaultfd") == "EACCES") }
            #expect((uffd["mappings"] as? [[String: Any]])?.count == 2)
            #expect(discard(doc, "hugetlb_private", 2048)?["recommended"] as? String == "MADV_DONTNEED")
            let giant = (doc["sizes"] as? [[String: Any]])?.first { $0["gigantic"] as? Bool == true }
            if let giant {
                #expect(giant["runtime_allocation_note"] as? String == "not tried: needs root")
                let kB = try #require(giant["page_size_kb"] as? Int)
                #expect((discard(doc, "hugetlb_shared", kB)?["skipped"] as? String)?.hasSuffix("only root may grow the pool") == true)
            }
            #expect((doc["hugetlbfs"] as? [String: Any])?["options_skipped"] as? String == "needs root (mounting needs CAP_SYS_ADMIN)")
        }
        try withPool(0) {
            let before = try hugetlbState()
            let doc = try asNobody(["--probe"])
            #expect(try hugetlbState() == before)
            #expect(discard(doc, "hugetlb_shared", 2048)?["skipped"] as? String == "no free unreserved 2M page, and only root may grow the pool")
        }
    }

    /// In this process: after the probe, and after a failure injected at every single resource
    /// acquisition in turn, no fd, mapping, mount or pool change is left.
    @Test func nothingLeftBehindOnAnyPath() throws {
        func report() throws -> FeaturesReport {
            var report = try FeaturesCollector.collect(from: SystemRoot.live())
            report.sizes = report.sizes.filter { $0.pageSizeKB == 2048 }  // the 1G page takes seconds per fault
            return report
        }
        func check(_ options: FeaturesProbe.Options) throws -> FeaturesReport {
            #expect(probeDescriptors().isEmpty && probeMappings().isEmpty)
            let state = try hugetlbState()
            var probed = try report()
            FeaturesProbe.run(&probed, options: options)
            #expect(probeDescriptors().isEmpty, "fds with \(options): \(probeDescriptors())")
            #expect(probeMappings().isEmpty, "mappings with \(options): \(probeMappings())")
            #expect(try hugetlbState() == state, "state with \(options)")
            return probed
        }
        try withPool(1) {
            let clean = try check(.init(growPools: false, failAt: 100_000))
            #expect(clean.discard.allSatisfy { $0.skipped == nil })
            let total = Int(clean.probe.notes.last?.split(separator: " ").last ?? "") ?? 0
            #expect(total > 40, "\(clean.probe.notes)")
            for failAt in 1...total {
                _ = try check(.init(growPools: false, failAt: failAt))
            }
        }
        // And with a pool to grow and put back, under the tests' lock, never the host's.
        let hostLock = "/run/hugectl.lock"
        let hostLockBefore = FileManager.default.fileExists(atPath: hostLock)
        defer {
            #expect(FileManager.default.fileExists(atPath: hostLock) == hostLockBefore, "the probe created or removed \(hostLock)")
        }
        try withPool(0) {
            for failAt in [1, 5, 12, 30, 60, 100_000] {
                let probed = try check(.init(growPools: true, failAt: failAt, lockPath: testLockPath))
                #expect(probed.probe.poolChanges.allSatisfy { $0.restored })
            }
        }
    }

    /// A hugetlbfs mount with min_size= is reported as reserving pages.
    @Test func minSizeMount() throws {
        try withPool(2) {
            try withHugetlbfs("pagesize=2M,min_size=2M,nr_inodes=8") { mountPoint in
                let doc = try features()
                let fs = try #require(doc["hugetlbfs"] as? [String: Any])
                #expect(fs["min_size_in_use"] as? Bool == true)
                let mount = (fs["mounts"] as? [[String: Any]])?.first { $0["path"] as? String == mountPoint }
                #expect(mount?["min_size_pages"] as? Int == 1 && mount?["nr_inodes"] as? Int == 8)
            }
        }
    }

    /// cgroup v2: a hugetlb fault limit without a reservation limit is reported, and is no
    /// longer once the reservation limit is set. The controller is enabled for the test and put
    /// back as it was.
    @Test func cgroupV2Limits() throws {
        var v2: String?
        for line in try String(contentsOfFile: "/proc/mounts", encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 2, fields[2] == "cgroup2" else { continue }
            let controllers = (try? String(contentsOfFile: fields[1] + "/cgroup.controllers", encoding: .utf8)) ?? ""
            if controllers.contains("hugetlb") {
                v2 = fields[1]
                break
            }
        }
        guard let root = v2 else { return }   // no cgroup2 with the controller here
        let control = root + "/cgroup.subtree_control"
        let enabledBefore = try String(contentsOfFile: control, encoding: .utf8).split(separator: " ")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.contains("hugetlb")
        if !enabledBefore { try "+hugetlb".write(toFile: control, atomically: false, encoding: .utf8) }
        defer { if !enabledBefore { try? "-hugetlb".write(toFile: control, atomically: false, encoding: .utf8) } }
        let group = root + "/hugectl-features-test-\(getpid())"
        #expect(mkdir(group, 0o755) == 0)
        defer { rmdir(group) }
        try "4194304".write(toFile: group + "/hugetlb.2MB.max", atomically: false, encoding: .utf8)

        func limit() throws -> [String: Any]? {
            let cgroup = try #require(try features()["cgroup"] as? [String: Any])
            #expect(cgroup["version"] as? Int == 2 && cgroup["v2_mount"] as? String == root)
            let files = (cgroup["rsvd_files"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 }
            #expect(files?["present"] as? Bool == FileManager.default.fileExists(atPath: group + "/hugetlb.2MB.rsvd.max"))
            return (cgroup["limits"] as? [[String: Any]])?.first { $0["cgroup"] as? String == group }
        }
        let unbounded = try limit()
        #expect(unbounded?["max_bytes"] as? Int == 4_194_304 && unbounded?["rsvd_max_bytes"] is NSNull)
        #expect(unbounded?["reservation_unbounded"] as? Bool == true)
        let text = try hugectl(["features"])
        #expect(text.stdout.contains(group) && text.stdout.contains("unbounded: SIGBUS at fault"))
        if FileManager.default.fileExists(atPath: group + "/hugetlb.2MB.rsvd.max") {
            try "4194304".write(toFile: group + "/hugetlb.2MB.rsvd.max", atomically: false, encoding: .utf8)
            let bounded = try limit()
            #expect(bounded?["rsvd_max_bytes"] as? Int == 4_194_304 && bounded?["reservation_unbounded"] as? Bool == false)
        }
    }
}
}
