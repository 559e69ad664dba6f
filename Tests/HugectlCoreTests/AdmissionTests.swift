import Testing
@testable import HugectlCore
@testable import HugectlTune

/// `hugectl admit`: parsing the mappings, the mmap checks of `hugetlb_reserve_pages` in the
/// kernel's order, the new mapping's faults and the collateral, on the fixture trees.
@Suite("Admission")
struct AdmissionTests {
    func snapshot(_ fixture: String) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture))
    }

    func spec(_ text: String, _ change: (inout AdmissionSpec) -> Void = { _ in }) throws -> AdmissionSpec {
        var spec = try AdmissionSpec.parse(text) { (size: String) throws(InputError) -> Int in
            guard let kB = PageSize.parse(size) else { throw InputError("size") }
            return kB
        }
        change(&spec)
        return spec
    }

    @Test func parsesMappingsAndPolicies() throws {
        let s = try spec("1G=16@bind:1")
        #expect(s.pageSizeKB == 1_048_576 && s.pages == 16 && s.policy == MemoryPolicy(mode: .bind, nodes: [1]))
        #expect(try spec("2M=512").policy == nil)
        #expect(try spec("2M=4@interleave:0-3").policy?.nodes == [0, 1, 2, 3])
        #expect(try spec("2M=4@preferred-many:0,2").policy?.mode == .preferredMany)
        #expect(try spec("2M=4@local").policy?.mode == .local)
        for bad in ["2M", "2M=", "2M=0", "2M=-1", "=4", "2M=4@bind", "2M=4@local:1", "2M=4@preferred:0-1",
                    "2M=4@sideways:1", "2M=4@bind:x", "2M=4@bind:", "1G=1099511627776", "1G=9999999999"] {
            #expect(throws: InputError.self, "\(bad)") { _ = try spec(bad) }
        }
    }

    /// shortfall-2node: 12 free, 6 reserved (two tasks bound to node 1, 3 each), node 1 has 4.
    @Test func globalHeadroomRefusesWithENOMEM() throws {
        let outcome = try Admission.evaluate(snapshot("shortfall-2node"), specs: [spec("2M=8@bind:0")])
        let mmap = try #require(outcome.mappings.first?.mmap)
        #expect(mmap.result == .refused && mmap.errno == "ENOMEM")
        #expect(mmap.steps.last?.check == "hugetlb_acct_memory")
        #expect(!outcome.admitted && !outcome.passed && outcome.mappings.first?.vma == nil)
    }

    /// The node check counts the free pages of the task's bind nodes only (`allowed_mems_nr`),
    /// and does not see a policy set by mbind after mmap.
    @Test func allowedMemsRefusesATaskBindOnly() throws {
        let s = try snapshot("shortfall-2node")
        let task = try Admission.evaluate(s, specs: [spec("2M=5@bind:1")])
        #expect(task.mappings.first?.mmap.result == .refused)
        #expect(task.mappings.first?.mmap.steps.last?.check == "allowed_mems_nr")
        let vma = try Admission.evaluate(s, specs: [spec("2M=5@bind:1") { $0.vmaPolicy = true }])
        #expect(vma.mappings.first?.mmap.result == .ok)
        // 5 + 6 owed on node 1's 4 free: 7 fail; the others owe 6, so 1 is certainly the new one's.
        #expect(vma.mappings.first?.faults.certain == 1 && vma.mappings.first?.faults.atRisk == 4)
        let cpuset = try Admission.evaluate(s, specs: [spec("2M=5") { $0.cpuset = [1] }])
        #expect(cpuset.mappings.first?.mmap.steps.last?.check == "allowed_mems_nr")
        #expect(cpuset.mappings.first?.mmap.result == .refused)
    }

    /// An admitted mapping that shares node 1 with the bound tasks: its pages are at risk, and
    /// the running tasks' shortfall grows (collateral naming their PIDs).
    @Test func collateralNamesTheRunningTasks() throws {
        let outcome = try Admission.evaluate(snapshot("shortfall-2node"), specs: [spec("2M=2@bind:1")])
        let mapping = try #require(outcome.mappings.first)
        #expect(mapping.mmap.result == .ok && mapping.mmap.reservedPages == 2)
        #expect(mapping.faults.certain == 0 && mapping.faults.atRisk == 2)
        let change = try #require(outcome.collateral.first)
        #expect(outcome.collateral.count == 1)
        #expect(change.kind == .worsened && change.pagesBefore == 2 && change.finding.pages == 4 && change.pids == [4001, 4002])
        #expect(change.finding.vmas.contains(Finding.VMA(pid: Admission.pid, start: Admission.start(0))))
        #expect(outcome.admitted && !outcome.passed)
        let fits = try Admission.evaluate(snapshot("shortfall-2node"), specs: [spec("2M=3@bind:0")])
        #expect(fits.passed && fits.collateral.isEmpty && fits.after.filter { $0.severity == .error }.count == 1)
    }

    /// A pool change alone: growing node 1 resolves the shortfall, shrinking it worsens it.
    @Test func poolChanges() throws {
        let s = try snapshot("shortfall-2node")
        let grown = try AdmissionPools.applying([AdmissionPools.parse("2M=0:8,1:6", snapshot: s)], to: s)
        let resolved = try Admission.evaluate(s, pooled: grown, specs: [])
        #expect(resolved.collateral.map(\.kind) == [.resolved] && resolved.passed)
        let shrunk = try AdmissionPools.applying([AdmissionPools.parse("2M=0:8,1:2", snapshot: s)], to: s)
        let worse = try Admission.evaluate(s, pooled: shrunk, specs: [])
        #expect(worse.collateral.first?.kind == .worsened && worse.collateral.first?.finding.pages == 4 && !worse.passed)
        #expect(throws: InputError.self) { _ = try AdmissionPools.parse("2M", snapshot: s) }
        #expect(throws: InputError.self) { _ = try AdmissionPools.parse("3M=4", snapshot: s) }
    }

    /// two-node's "/mnt/db huge" has size= 8 pages, 3 used, min_size= 2.
    @Test func subpoolLimitRefuses() throws {
        let s = try snapshot("two-node")
        let mount = try #require(s.mounts.first { $0.sizeLimitPages != nil })
        let refused = try Admission.evaluate(s, specs: [spec("2M=6") { $0.mount = mount.path; $0.shared = true }])
        #expect(refused.mappings.first?.mmap.steps.last?.check == "hugepage_subpool_get_pages")
        #expect(refused.mappings.first?.mmap.result == .refused)
        #expect(throws: InputError.self) { _ = try Admission.evaluate(s, specs: [spec("2M=1") { $0.mount = "/nowhere" }]) }
        #expect(throws: InputError.self) { _ = try Admission.evaluate(s, specs: [spec("1G=1") { $0.mount = mount.path }]) }
    }

    /// The rsvd limit of the task's cgroup or an ancestor refuses at mmap; an unreadable
    /// cgroup makes the answer unknown, never ok.
    @Test func cgroupReservationLimit() throws {
        var s = try snapshot("shortfall-2node")
        s.cgroups = HugetlbCgroups(version: 2, mountPoint: "/sys/fs/cgroup", groups: [
            HugetlbCgroup(path: "/"),
            HugetlbCgroup(path: "/vm", sizes: [HugetlbCgroupUsage(pageSizeKB: 2048, limit: .unlimited, usage: 0,
                                                                  reservationLimit: .pages(2), reservationUsage: 1)]),
            HugetlbCgroup(path: "/vm/a"),
            HugetlbCgroup(path: "/gone", unreadable: true),
        ])
        let refused = try Admission.evaluate(s, specs: [spec("2M=2@bind:0") { $0.cgroup = "/vm/a" }])
        #expect(refused.mappings.first?.mmap.result == .refused)
        #expect(refused.mappings.first?.mmap.steps.last?.check == "hugetlb_cgroup_charge_cgroup_rsvd")
        #expect(try Admission.evaluate(s, specs: [spec("2M=1@bind:0") { $0.cgroup = "/vm/a" }]).mappings.first?.mmap.result == .ok)
        let unknown = try Admission.evaluate(s, specs: [spec("2M=1@bind:0") { $0.cgroup = "/gone" }])
        #expect(unknown.mappings.first?.mmap.result == .unknown && !unknown.passed)
    }

    /// Two mappings are mapped one after the other: the second sees the first's reservation.
    @Test func mappingsAddUp() throws {
        let outcome = try Admission.evaluate(snapshot("shortfall-2node"), specs: [spec("2M=4@bind:0"), spec("2M=4@bind:0")])
        #expect(outcome.mappings.map(\.mmap.result) == [.ok, .refused])
    }

    @Test func formats() throws {
        let outcome = try Admission.evaluate(snapshot("shortfall-2node"), specs: [spec("2M=2@bind:1")])
        let json = AdmissionJSON.document(outcome).serialized()
        guard case .object(let members) = AdmissionJSON.document(outcome) else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["schema_version", "hugectl_version", "root", "kernel_release", "admitted", "mappings",
                                     "pool_changes", "collateral", "findings", "verdict", "warnings", "generated_at", "hostname"])
        #expect(json.contains("\"change\": \"worsened\""))
        let tap = AdmissionTestFormats.tap(outcome).rendered()
        #expect(tap.hasPrefix("TAP version 13\n1..\(2 + FindingCatalog.all.count)\n"))
        #expect(tap.contains("ok 1 - mmap 2M=2@bind:1\n") && tap.contains("not ok 3 - reserve-policy-shortfall\n"))
        let junit = AdmissionTestFormats.junit(outcome)
        #expect(junit.contains("failures=\"1\"") && junit.contains("name=\"faults 2M=2@bind:1\""))
        let text = AdmissionText.render(outcome).rendered()
        #expect(text.contains("worsened error reserve-policy-shortfall 2M node 1: 2 -> 4 pages, pids 4001,4002"))
        #expect(text.hasSuffix("FAIL: 1 finding created or worsened at or above error.\n"))
    }
}
