import Foundation
import Testing
@testable import HugectlCore

/// hugetlb cgroup limits at fault time (`alloc_hugetlb_folio` charges the faulting task's
/// cgroup and its ancestors): `cgroup-limit-shortfall`.
@Suite("hugetlb cgroup limits")
struct CgroupLimitTests {
    /// A 2M size's counters: limits in pages (nil: max), usage in pages.
    func usage(max: Int?, current: Int = 0, rsvdMax: Int? = nil, rsvdCurrent: Int = 0) -> HugetlbCgroupUsage {
        HugetlbCgroupUsage(pageSizeKB: 2048, limit: max.map { .pages($0) } ?? .unlimited, usage: current,
                           reservationLimit: rsvdMax.map { .pages($0) } ?? .unlimited, reservationUsage: rsvdCurrent)
    }

    /// Puts `pid` in `path` and sets the hierarchy's groups (each path's ancestors included,
    /// without limits unless given).
    func place(_ m: inout Machine, _ pids: [Int: String], limits: [String: HugetlbCgroupUsage]) {
        for (pid, path) in pids {
            if let at = m.snapshot.consumers.processes.firstIndex(where: { $0.pid == pid }) {
                m.snapshot.consumers.processes[at].cgroup = path
            }
        }
        var paths: Set<String> = ["/"]
        for path in Array(pids.values) + Array(limits.keys) {
            var current: String? = path
            while let at = current { paths.insert(at); current = HugetlbCgroup(path: at).parentPath }
        }
        m.snapshot.cgroups = HugetlbCgroups(version: 2, mountPoint: "/sys/fs/cgroup", groups: paths.sorted().map { path in
            HugetlbCgroup(path: path, sizes: path == "/" ? [] : [limits[path] ?? usage(max: nil)])
        })
    }

    func shortfalls(_ m: Machine) -> [Finding] { m.findings(CgroupLimitShortfall.id) }

    /// 4 reserved pages in a cgroup whose max is 2: 2 fail, with 16 free pages (VM scenario 30).
    @Test func reservedPagesBeyondMax() {
        var m = Machine(free: [8, 8], reserved: 4)
        m.map(pid: 100, pages: 4)
        place(&m, [100: "/small"], limits: ["/small": usage(max: 2)])
        let f = shortfalls(m)
        #expect(f.count == 1)
        #expect(f.first?.severity == .error && f.first?.pages == 2 && f.first?.pids == [100] && f.first?.vmas.count == 1)
        #expect(f.first?.message == "cgroup /small: its tasks may still fault 4 2M pages, where hugetlb.2MB.max leaves room "
                + "for 2 (limit 2, 0 charged): 2 would fail with SIGBUS, free pages in the pool or not")
        #expect(f.first?.hint == "raise the limit (echo 8388608 > /sys/fs/cgroup/small/hugetlb.2MB.max), or run the tasks in a cgroup with room")
        #expect(m.findings().filter { $0.severity == .error }.map(\.id) == [CgroupLimitShortfall.id])
    }

    /// What is charged already counts: limit 4 with 3 in use leaves room for 1.
    @Test func usageTakesRoom() {
        var m = Machine(free: [8], reserved: 2)
        m.map(pid: 100, pages: 2)
        place(&m, [100: "/app"], limits: ["/app": usage(max: 4, current: 3)])
        #expect(shortfalls(m).map(\.pages) == [1])
        place(&m, [100: "/app"], limits: ["/app": usage(max: 4, current: 2)])
        #expect(shortfalls(m).isEmpty, "room for exactly the 2 owed pages")
        place(&m, [100: "/app"], limits: ["/app": usage(max: 1, current: 3)])
        #expect(shortfalls(m).map(\.pages) == [2], "a limit below the usage leaves no room, never negative room")
    }

    /// A parent's limit applies to its children together: 2 + 2 under a parent max of 3 is
    /// exactly 1 failure, whichever child faults first (VM scenario 32).
    @Test func parentLimitCoversChildren() {
        var m = Machine(free: [8, 8], reserved: 4)
        m.map(pid: 100, pages: 2)
        m.map(pid: 200, kind: .fileShared, pages: 2)
        place(&m, [100: "/parent/a", 200: "/parent/b"], limits: ["/parent": usage(max: 3)])
        let f = shortfalls(m)
        #expect(f.map(\.severity) == [.error] && f.map(\.pages) == [1] && f.first?.pids == [100, 200])
        #expect(f.first?.message.hasPrefix("cgroup /parent: its tasks may still fault 4 2M pages") == true)
    }

    /// What a child's own limit refuses is not charged to its parent: child max 2 of 5 wanted
    /// fails 3, and the parent's max 3 then holds the 2 that pass.
    @Test func refusedPagesAreNotChargedUpward() {
        var m = Machine(free: [8], reserved: 5)
        m.map(pid: 100, pages: 5)
        place(&m, [100: "/p/c"], limits: ["/p": usage(max: 3), "/p/c": usage(max: 2)])
        let f = shortfalls(m)
        #expect(f.map(\.pages) == [3] && f.map(\.severity) == [.error])
        #expect(f.first?.message.hasPrefix("cgroup /p/c:") == true)
    }

    /// A shared object whose mappers are in two cgroups is charged to whoever faults first: a
    /// limit on one of them may refuse its pages (a warning), never certainly.
    @Test func sharedObjectAcrossCgroupsIsAtRisk() {
        var m = Machine(free: [8], reserved: 2)
        let object = ObjectID(device: DeviceNumber(major: 0, minor: 17), inode: 99)
        m.map(pid: 100, kind: .fileShared, pages: 2, object: object)
        m.map(pid: 200, kind: .fileShared, pages: 2, object: object)
        place(&m, [100: "/tight", 200: "/open"], limits: ["/tight": usage(max: 0)])
        let f = shortfalls(m)
        #expect(f.map(\.severity) == [.warning] && f.map(\.pages) == [2] && f.first?.pids == [100, 200])
        #expect(f.first?.message.hasSuffix("where hugetlb.2MB.max leaves room for 0 (limit 0, 0 charged): "
                + "up to 2 may fail with SIGBUS, depending on which mapper of a shared object faults first") == true)
        // Both mappers under one limited parent: charged there whoever faults.
        place(&m, [100: "/p/x", 200: "/p/y"], limits: ["/p": usage(max: 1)])
        #expect(shortfalls(m).map(\.severity) == [.error] && shortfalls(m).map(\.pages) == [1])
    }

    /// MAP_NORESERVE faults charge the reservation counter too: rsvd.max 2 of 4 fails 2 with a
    /// free pool and no `max` (VM scenario 31); reserved faults do not charge it again.
    @Test func reservationLimitRefusesUnreservedFaults() {
        var m = Machine(free: [8, 8], reserved: 0)
        m.map(pid: 100, pages: 4, noreserve: true)
        place(&m, [100: "/norsv"], limits: ["/norsv": usage(max: nil, rsvdMax: 2)])
        let f = shortfalls(m)
        #expect(f.map(\.severity) == [.error] && f.map(\.pages) == [2])
        #expect(f.first?.message.contains("4 2M pages with no reservation, where hugetlb.2MB.rsvd.max leaves room for 2") == true)
        #expect(m.findings(UnreservedDemand.noreserveID).isEmpty)

        var r = Machine(free: [8], reserved: 4)
        r.map(pid: 100, pages: 4)
        place(&r, [100: "/rsvd"], limits: ["/rsvd": usage(max: nil, rsvdMax: 4, rsvdCurrent: 4)])
        #expect(shortfalls(r).isEmpty, "a reservation's fault charges only max")
    }

    /// A page refused by rsvd.max is not charged to max: the two counters' failures are not
    /// added up as certain; the larger gives the errors, the other only warnings.
    @Test func bothCountersAreNotCountedTwice() {
        var m = Machine(free: [8], reserved: 0)
        m.map(pid: 100, pages: 4, noreserve: true)
        place(&m, [100: "/both"], limits: ["/both": usage(max: 2, rsvdMax: 1)])
        let f = shortfalls(m)
        #expect(f.filter { $0.severity == .error }.map(\.pages) == [3], "rsvd.max refuses 3")
        #expect(f.filter { $0.severity == .warning }.map(\.pages) == [2])
    }

    /// Unknown is never OK and never a failure: a process whose cgroup is unknown, or a usage
    /// that could not be read, gives no finding either way.
    @Test func unknownsGiveNoVerdict() {
        var m = Machine(free: [8], reserved: 4)
        m.map(pid: 100, pages: 4)
        place(&m, [:], limits: ["/small": usage(max: 2)])
        #expect(shortfalls(m).isEmpty)
        var unread = usage(max: 2)
        unread.usage = nil
        place(&m, [100: "/small"], limits: ["/small": unread])
        #expect(shortfalls(m).isEmpty)
        #expect(m.findings().allSatisfy { $0.severity != .error })
    }

    @Test func procCgroupLines() {
        #expect(ProcCgroup.hugetlbPath(bytes("0::/user.slice/a\n"))?.path == "/user.slice/a")
        #expect(ProcCgroup.hugetlbPath(bytes("0::/\n"))?.version == 2)
        let v1 = "12:hugetlb:/vm1\n5:cpu,cpuacct:/x\n0::/init.scope\n"
        #expect(ProcCgroup.hugetlbPath(bytes(v1)).map { "\($0.version) \($0.path)" } == "1 /vm1")
        #expect(ProcCgroup.hugetlbPath(bytes("0::/a:b\n"))?.path == "/a:b", "a colon in a cgroup name")
        #expect(ProcCgroup.hugetlbPath(bytes("")) == nil)
        #expect(ProcCgroup.hugetlbPath(bytes("garbage\n3:memory:/m\n")) == nil)
        #expect(HugetlbCgroup(path: "/a/b").parentPath == "/a" && HugetlbCgroup(path: "/a").parentPath == "/"
            && HugetlbCgroup(path: "/").parentPath == nil)
    }

    /// A tree with a cgroup2 hierarchy: the processes' cgroups, every ancestor's limits and
    /// usage in pages, in the status JSON, through a snapshot and its redacted copy alike.
    @Test func collectedFromATreeAndReplayed() throws {
        try withTemporaryDirectory { base in
            let tree = base + "/tree"
            try copyFixture("unreserved-2node", to: tree)
            let mounts = try String(contentsOfFile: tree + "/proc/mounts", encoding: .utf8)
            try writeTree(tree, [
                "/proc/mounts": mounts + "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n",
                "/proc/8101/cgroup": "0::/app/db\n",
                "/proc/8102/cgroup": "0::/\n",
                "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids\n",
                "/sys/fs/cgroup/hugetlb.2MB.numa_stat": "total=0 N0=0 N1=0\n",
                "/sys/fs/cgroup/app/hugetlb.2MB.max": "4194304\n",
                "/sys/fs/cgroup/app/hugetlb.2MB.current": "2097152\n",
                "/sys/fs/cgroup/app/hugetlb.2MB.rsvd.max": "9223372036854771712\n",
                "/sys/fs/cgroup/app/hugetlb.2MB.rsvd.current": "6291456\n",
                "/sys/fs/cgroup/app/db/hugetlb.2MB.max": "max\n",
                "/sys/fs/cgroup/app/db/hugetlb.2MB.current": "0\n",
                "/sys/fs/cgroup/app/db/hugetlb.2MB.rsvd.max": "max\n",
                "/sys/fs/cgroup/app/db/hugetlb.2MB.rsvd.current": "oops\n",
            ])
            let s = try SnapshotCollector.collect(from: SystemRoot.open(tree))
            #expect(s.consumers.processes.first { $0.pid == 8101 }?.cgroup == "/app/db")
            #expect(s.consumers.processes.first { $0.pid == 8102 }?.cgroup == "/")
            #expect(s.consumers.processes.first { $0.pid == 8103 }?.cgroup == nil, "no cgroup file: unknown")
            #expect(s.cgroups.version == 2 && s.cgroups.mountPoint == "/sys/fs/cgroup")
            #expect(s.cgroups.groups.map(\.path) == ["/", "/app", "/app/db"])
            #expect(s.cgroups.group("/")?.sizes == [])
            #expect(s.cgroups.group("/app")?.sizes == [HugetlbCgroupUsage(pageSizeKB: 2048, limit: .pages(2), usage: 1,
                                                                         reservationLimit: .unlimited, reservationUsage: 3)])
            #expect(s.cgroups.group("/app/db")?.usage(kB: 2048)?.reservationUsage == nil)
            #expect(s.warnings.contains("/sys/fs/cgroup/app/db/hugetlb.2MB.rsvd.current: not a number: 'oops'"))
            let json = StatusJSON.document(StatusReport(snapshot: s)).serialized()
            #expect(json.contains("\"max_pages\": 2") && json.contains("\"rsvd_max_pages\": \"max\""))
            #expect(json.contains("\"cgroup\": \"/app/db\""))

            for redact in [false, true] {
                let snap = base + "/snap-\(redact)"
                let result = try SnapshotCapture.capture(from: SystemRoot.open(tree), now: 0, redact: redact)
                try SnapshotWriter.write(result.contents, to: snap)
                let replay = try SnapshotCollector.collect(from: SystemRoot.open(snap))
                #expect(replay.cgroups.groups.map(\.sizes) == s.cgroups.groups.map(\.sizes))
                #expect(replay.consumers.processes.map { $0.cgroup != nil } == s.consumers.processes.map { $0.cgroup != nil })
                if redact {
                    #expect(replay.cgroups.groups.map(\.path).allSatisfy { !$0.contains("app") && !$0.contains("db") })
                } else {
                    #expect(replay.cgroups == s.cgroups)
                }
            }
        }
    }

    /// A v1 hierarchy with the hugetlb controller, on a kernel without the rsvd files: the
    /// `hugetlb` line of /proc/PID/cgroup, `limit_in_bytes` and `usage_in_bytes`, and an
    /// unset limit's 9223372036854771712 read as unlimited.
    @Test func collectedFromAV1Hierarchy() throws {
        try withTemporaryDirectory { base in
            let tree = base + "/tree"
            try copyFixture("unreserved-2node", to: tree)
            let mounts = try String(contentsOfFile: tree + "/proc/mounts", encoding: .utf8)
            try writeTree(tree, [
                "/proc/mounts": mounts + "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"
                    + "cgroup /sys/fs/cgroup/hugetlb cgroup rw,nosuid,nodev,noexec,relatime,hugetlb 0 0\n",
                "/proc/8101/cgroup": "12:hugetlb:/vm1\n1:name=systemd:/x\n0::/user.slice\n",
                "/sys/fs/cgroup/unified/cgroup.controllers": "",
                "/sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes": "9223372036854771712\n",
                "/sys/fs/cgroup/hugetlb/hugetlb.2MB.usage_in_bytes": "0\n",
                "/sys/fs/cgroup/hugetlb/vm1/hugetlb.2MB.limit_in_bytes": "4194304\n",
                "/sys/fs/cgroup/hugetlb/vm1/hugetlb.2MB.usage_in_bytes": "2097152\n",
            ])
            let s = try SnapshotCollector.collect(from: SystemRoot.open(tree))
            #expect(s.consumers.processes.first { $0.pid == 8101 }?.cgroup == "/vm1")
            #expect(s.cgroups.version == 1 && s.cgroups.mountPoint == "/sys/fs/cgroup/hugetlb")
            #expect(s.cgroups.group("/")?.usage(kB: 2048)?.limit == .unlimited)
            #expect(s.cgroups.group("/vm1")?.sizes == [HugetlbCgroupUsage(pageSizeKB: 2048, limit: .pages(2), usage: 1,
                                                                         reservationLimit: .unlimited, reservationUsage: nil)])
            let f = Analysis.findings(for: s).filter { $0.id == CgroupLimitShortfall.id }
            // db (8101) is owed 3 pages; its cgroup has room for 1.
            #expect(f.map(\.severity) == [.error] && f.map(\.pages) == [2] && f.first?.pids == [8101])
            #expect(f.first?.message.contains("where hugetlb.2MB.limit_in_bytes leaves room for 1 (limit 2, 1 charged)") == true)
        }
    }
}
