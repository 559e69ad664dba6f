import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import HugectlCore

/// The analysis on the hand-made two-node trees, and on variations of them made in code.
@Suite("The verdict")
struct VerdictTests {
    func snapshot(_ fixture: String) throws -> SystemSnapshot {
        try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture))
    }

    func findings(_ snapshot: SystemSnapshot, _ id: String? = nil) -> [Finding] {
        Analysis.findings(for: snapshot).filter { id == nil || $0.id == id }
    }

    /// Two tasks bound to node 1 owe 3 pages each; node 1 has 4 free: 2 pages certainly fail.
    @Test func certainShortfall() throws {
        let all = findings(try snapshot("shortfall-2node"))
        #expect(all.map(\.id) == [ReservationShortfall.certainID])
        let f = try #require(all.first)
        #expect(f.severity == .error && f.pages == 2 && f.nodes == [1] && f.pids == [4001, 4002] && f.pageSizeKB == 2048)
        #expect(f.hint.hasSuffix("(or echo 6 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages)"))
        #expect(f.vmas.map(\.description) == ["4001:82e840000000", "4002:82e880000000"])
    }

    /// Every mapping a finding names is a mapping of one of its processes, and the findings
    /// about mappings name the mappings of every process they name.
    static func vmasAreConsistent(_ findings: [Finding], _ snapshot: SystemSnapshot) -> [String] {
        var known = Set<Finding.VMA>()
        for process in snapshot.consumers.processes {
            for mapping in process.mappings { known.insert(Finding.VMA(pid: process.pid, start: mapping.start)) }
        }
        let aboutMappings: Set<String> = [ReservationShortfall.certainID, ReservationShortfall.possibleID,
                                          ReservationShortfall.rescueID, UnreservedDemand.noreserveID,
                                          UnreservedDemand.inheritedID, CgroupLimitShortfall.id,
                                          SubpoolLimits.sizeID]
        var problems: [String] = []
        for f in findings {
            if f.vmas != Array(Set(f.vmas)).sorted() { problems.append("\(f.id): vmas not sorted or repeated") }
            for vma in f.vmas where !known.contains(vma) || !f.pids.contains(vma.pid) {
                problems.append("\(f.id): \(vma) is no mapping of pids \(f.pids)")
            }
            if aboutMappings.contains(f.id) && Set(f.vmas.map(\.pid)) != Set(f.pids) {
                problems.append("\(f.id): pids \(f.pids) but the mappings of \(Set(f.vmas.map(\.pid)).sorted())")
            }
            if !aboutMappings.contains(f.id) && !f.vmas.isEmpty { problems.append("\(f.id): vmas \(f.vmas)") }
        }
        return problems
    }

    @Test(arguments: statusFixtures)
    func findingsNameTheirMappings(fixture: String) throws {
        let s = try snapshot(fixture)
        #expect(Self.vmasAreConsistent(findings(s), s) == [])
    }

    /// `--ignore ID:PID` takes the process's mappings out with it.
    @Test func ignoringAProcessDropsItsMappings() throws {
        var e = Expectations()
        try e.add("ignore", "\(ReservationShortfall.certainID):4001")
        let kept = try #require(e.filter(findings(try snapshot("shortfall-2node"))).first)
        #expect(kept.pids == [4002] && kept.vmas.map(\.description) == ["4002:82e880000000"])
    }

    /// With 6 free on node 1 nothing fails (scenario 3).
    @Test func enoughOnTheBoundNode() throws {
        var s = try snapshot("shortfall-2node")
        s.pools[0].nodes[1] = NodePool(node: 1, total: 6, free: 6, surplus: 0)
        s.pools[0].total = 14
        s.pools[0].free = 14
        s.meminfo.total = 14
        s.meminfo.free = 14
        #expect(findings(s).filter { $0.severity >= .warning }.isEmpty)
    }

    /// An unbound task on node 1's CPUs may take node 1's pages first: possible, not certain.
    @Test func possibleShortfallDependsOnOrder() throws {
        let all = findings(try snapshot("at-risk-2node"))
        #expect(all.map(\.id) == [ReservationShortfall.possibleID])
        let f = try #require(all.first)
        #expect(f.severity == .warning && f.pages == 3 && f.nodes == [1] && f.pids == [5001, 5002])
    }

    /// The same unbound task on node 0's CPUs takes node 0's pages first: nothing at risk.
    @Test func unboundTaskElsewhereIsNoRisk() throws {
        var s = try snapshot("at-risk-2node")
        let index = try #require(s.consumers.processes.firstIndex { $0.pid == 5001 })
        s.consumers.processes[index].cpusAllowed = [0, 1]
        #expect(findings(s).isEmpty)
    }

    /// Only surplus pages on node 1 can serve a task bound there: overcommit rescues it.
    @Test func overcommitRescue() throws {
        let s = try snapshot("overcommit-2node")
        let all = findings(s)
        #expect(all.map(\.id) == [ReservationShortfall.rescueID])
        #expect(all.first?.pages == 4 && all.first?.nodes == [1])
        // Without free memory on node 1 for the surplus pages, they fail.
        var starved = s
        starved.nodes[1].memFreeKB = 3 * 2048
        let short = findings(starved)
        #expect(short.map(\.id).sorted() == [ReservationShortfall.rescueID, ReservationShortfall.certainID].sorted())
        #expect(short.first { $0.id == ReservationShortfall.certainID }?.pages == 1)
        #expect(short.first { $0.id == ReservationShortfall.rescueID }?.pages == 3)
        // Overcommit already used up: no rescue.
        var used = s
        used.pools[0].surplus = 4
        #expect(findings(used, ReservationShortfall.certainID).first?.pages == 4)
    }

    /// When the unbound task faults first, the bound one finds node 1 empty: with overcommit
    /// room, new surplus pages serve it (seen in the VM, scenario 10), which is a possible
    /// rescue, not silence; without enough room the rest is at risk.
    @Test func overcommitRescueDependingOnOrder() throws {
        var s = try snapshot("at-risk-2node")
        s.pools[0].overcommit = 4
        let all = findings(s)
        #expect(all.map(\.id) == [ReservationShortfall.rescueID])
        let f = try #require(all.first)
        #expect(f.severity == .warning && f.pages == 3 && f.nodes == [1] && f.pids == [5001, 5002])
        #expect(f.message.hasPrefix("up to 3 reserved 2M pages may be served only by new surplus pages on node 1, depending on"))
        s.pools[0].overcommit = 1
        let some = findings(s)
        #expect(some.map(\.id) == [ReservationShortfall.possibleID, ReservationShortfall.rescueID])
        #expect(some.map(\.pages) == [2, 1])
        // Overcommit already used up: the old at-risk finding alone.
        s.pools[0].surplus = 1
        let policy = findings(s).filter { $0.id.hasPrefix("reserve-policy") || $0.id == ReservationShortfall.rescueID }
        #expect(policy.map(\.id) == [ReservationShortfall.possibleID])
        #expect(policy.first?.pages == 3)
    }

    /// Gigantic pages are never overcommitted (the kernel refuses the setting for them).
    @Test func giganticNeverOvercommits() throws {
        var s = try snapshot("overcommit-2node")
        s.pools[0].pageSizeKB = 1048576
        for p in s.consumers.processes.indices {
            for m in s.consumers.processes[p].mappings.indices { s.consumers.processes[p].mappings[m].pageSizeKB = 1048576 }
        }
        s.nodes[1].memFreeKB = 64 << 20
        let all = findings(s, ReservationShortfall.certainID)
        #expect(all.first?.pages == 4)
        #expect(findings(s, ReservationShortfall.rescueID).isEmpty)
    }

    /// A cpuset that leaves a task only node 1 is as strict as a bind policy.
    @Test func cpusetIsAHardWall() throws {
        var s = try snapshot("at-risk-2node")
        let index = try #require(s.consumers.processes.firstIndex { $0.pid == 5001 })
        s.consumers.processes[index].memsAllowed = [1]
        let certain = findings(s, ReservationShortfall.certainID)
        #expect(certain.first?.pages == 3, "4 + 3 owed on node 1, which has 4")
        #expect(certain.first?.pids == [5001, 5002])
    }

    /// A shared object faulted by mappers of different policies: whoever faults first decides.
    @Test func sharedObjectWithMixedPolicies() throws {
        var s = try snapshot("shortfall-2node")
        // A third task maps worker-a's object with the default policy: the object's 3 pages may
        // come from node 0 (no certain failure), unless worker-a or node-1-local faults take
        // node 1's pages first, leaving worker-b (bound to node 1) short (possible failure).
        let a = try #require(s.consumers.processes.first { $0.pid == 4001 })
        var shared = a.mappings[0]
        shared.policy = MemoryPolicy(mode: .default)
        s.consumers.processes.append(HugetlbProcess(pid: 4003, name: "reader", cpusAllowed: [2, 3], mappings: [shared]))
        #expect(findings(s, ReservationShortfall.certainID).isEmpty)
        #expect(findings(s, ReservationShortfall.possibleID).first?.pages == 2)
        #expect(findings(s, ReservationShortfall.possibleID).first?.pids == [4001, 4002, 4003])
        // Every mapper of the shared object is named, the reader's mapping too.
        #expect(findings(s, ReservationShortfall.possibleID).first?.vmas.map(\.description)
                == ["4001:82e840000000", "4002:82e880000000", "4003:82e840000000"])
        #expect(Self.vmasAreConsistent(findings(s), s) == [])
    }

    /// A task that may fall back takes the nearest nodes first (its zonelist): after node 0,
    /// node 1 before node 2, which leaves a task bound to node 1 short.
    @Test func fallbackTakesTheNearestNodeFirst() throws {
        let s = try snapshot("fallback-3node")
        #expect(findings(s, ReservationShortfall.certainID).isEmpty)
        let f = try #require(findings(s, ReservationShortfall.possibleID).first)
        #expect(f.pages == 4 && f.nodes == [1] && f.pids == [7001, 7002])
        // With node 2 nearer to node 0 than node 1, the unbound task spills there instead.
        var swapped = s
        swapped.nodes[0].distances = [10, 30, 20]
        #expect(findings(swapped, ReservationShortfall.possibleID).isEmpty)
    }

    @Test func noreserveBeyondHeadroom() throws {
        var s = try snapshot("shortfall-2node")
        for p in s.consumers.processes.indices {
            for m in s.consumers.processes[p].mappings.indices { s.consumers.processes[p].mappings[m].noreserve = true }
        }
        s.pools[0].reserved = 0
        s.pools[0].free = 4
        s.pools[0].nodes = [NodePool(node: 0, total: 8, free: 0, surplus: 0), NodePool(node: 1, total: 4, free: 4, surplus: 0)]
        let f = try #require(findings(s, UnreservedDemand.noreserveID).first)
        #expect(f.pages == 2 && f.pids == [4001, 4002])
        #expect(findings(s, ReservationShortfall.certainID).isEmpty, "NORESERVE pages are not owed")
    }

    /// NORESERVE pages bound to node 1 and a fork child's copies share the 3 free, unreserved
    /// pages with the owed pages placed first: 1 is left on node 1, 2 on node 0.
    @Test func unreservedFaultsShareOneBudget() throws {
        let s = try snapshot("unreserved-2node")
        let all = findings(s)
        #expect(all.map(\.id) == [UnreservedDemand.noreserveID, UnreservedDemand.inheritedID])
        #expect(all.map(\.severity) == [.error, .error])
        #expect(all.map(\.pages) == [2, 4])
        #expect(all.map(\.nodes) == [[1], [0, 1]])
        #expect(all.map(\.pids) == [[8102], [8104]])
        #expect(all.map { $0.vmas.map(\.description) } == [["8102:86e980000000"], ["8104:7f5a00000000"]])
        // With overcommit room for 6 surplus pages, nothing is certain to fail any more.
        var room = s
        room.pools[0].overcommit = 6
        #expect(findings(room).map(\.severity) == [.warning, .warning])
    }

    @Test func strandedSurplus() throws {
        let f = try #require(findings(try snapshot("two-node"), SurplusChecks.strandedID).first)
        #expect(f.pages == 1 && f.nodes == [0] && f.severity == .warning)
        #expect(findings(try snapshot("two-node"), SurplusChecks.outsideID).first?.nodes == [0])
    }

    @Test func healthyLayoutsFindNothing() throws {
        #expect(findings(try snapshot("four-node")).isEmpty)
        // A fork child's copy of 3 private pages, with 7 free and unreserved: nothing to fear.
        #expect(findings(try snapshot("host-1node")).filter { $0.severity >= .warning }.isEmpty)
    }

    @Test func scanAndLedgerFindings() throws {
        let tree = findings(try snapshot("inconsistent"), LedgerChecks.scanID)
        #expect(tree.first?.message == "no process information was read, so no mapping is in the analysis")
        let unattributed = findings(try snapshot("inconsistent"), LedgerChecks.unattributedID)
        #expect(unattributed.first?.severity == .info && unattributed.first?.pages == 4)
    }

    @Test func mountLimitBeyondThePool() throws {
        var s = try snapshot("two-node")
        s.mounts[1].sizeLimitPages = 64
        let f = try #require(findings(s, LedgerChecks.mountID).first)
        #expect(f.pages == 64 - 16 - 3, "limit minus total minus what overcommit can still add")
        #expect(f.severity == .warning, "the severity docs/json.md and docs/findings.md give it")
        // Its remedy is made as every other one (`PoolFix.remedy`): the hint is the remedy
        // around the command, and the remedy keeps its aside for a hint that asks for fewer.
        let remedy = try #require(f.remedy)
        #expect(remedy.pages == f.pages && remedy.nodes.isEmpty)
        #expect(remedy.lead == "grow the 2M pool by \(f.pages) pages: " && remedy.reason.isEmpty)
        #expect(remedy.tail == ", or lower the mount's size= limit" && remedy.aside == remedy.tail)
        #expect(f.hint.hasPrefix(remedy.lead + "hugectl pool set 2M ") && f.hint.hasSuffix(remedy.tail), "\(f.hint)")
    }

    @Test func expectations() throws {
        var e = Expectations()
        try e.add("require", "2M=16")
        try e.add("require", "2M=8@0-1")
        try e.add("min-free", "2M=10")
        try e.add("max-surplus", "2M=0")
        try e.add("require", "1G=1")
        let s = try snapshot("shortfall-2node")
        let unmet = e.findings(in: s)
        #expect(unmet.allSatisfy { $0.id == Expectations.id && $0.severity == .error })
        #expect(unmet.map(\.message) == [
            "the 2M pool has 12 pages, 16 required",
            "node 1 has 4 2M pages, 8 required",
            "6 2M pages are free and unreserved, 10 required",
            "no 1G pool on this system (1 pages required)",
        ])
        #expect(unmet[1].nodes == [1])
        // Nodes the system does not have are one finding together, however many a list names.
        var absent = Expectations()
        try absent.add("require", "2M=1@1-65536")
        try absent.add("require", "2M=1@7")
        let missing = absent.findings(in: s)
        #expect(missing.map(\.message) == [
            "nodes 2-65536 are not on this system (its nodes: 0-1), 1 2M pages required on each",
            "node 7 is not on this system (its nodes: 0-1), 1 2M pages required",
        ])
        #expect(missing.first?.nodes == Array(2...65536) && missing.first?.pages == 1 && missing.last?.nodes == [7])
        #expect(missing.allSatisfy { $0.severity == .error && $0.hint == "require only nodes this system has (0-1)" })
        var bare = s
        bare.nodes = []
        for index in bare.pools.indices { bare.pools[index].nodes = [] }
        #expect(absent.findings(in: bare).map(\.message) == [
            "nodes 1-65536 are not on this system (it lists no NUMA node), 1 2M pages required on each",
            "node 7 is not on this system (it lists no NUMA node), 1 2M pages required",
        ])
        for bad in [("require", "2M"), ("require", "3Q=1"), ("require", "2M=-1"), ("min-free", "2M=1@0"),
                    ("ignore", ""), ("ignore", "x:0"), ("bogus", "2M=1"), ("require", "2M=1@9-1")] {
            var f = Expectations()
            #expect(throws: InputError.self, "\(bad)") { try f.add(bad.0, bad.1) }
        }
    }

    @Test func expectationFiles() throws {
        var e = Expectations()
        try e.add(file: Array("# pools for the db\nrequire 2M=512\n--min-free=2M=16\n\n  --ignore scan-incomplete  # noisy here\nignore reserve-policy-at-risk:4001\n".utf8), name: "db.expect")
        #expect(e.rules == [.require(pageSizeKB: 2048, pages: 512, nodes: []), .minFree(pageSizeKB: 2048, pages: 16)])
        #expect(e.ignores == [.init(id: "scan-incomplete", pid: nil), .init(id: "reserve-policy-at-risk", pid: 4001)])
        var bad = Expectations()
        #expect(throws: InputError("db.expect: line 2: unknown expectation 'requre' (choose: require, min-free, max-surplus, ignore)")) {
            try bad.add(file: Array("require 2M=1\nrequre 2M=2\n".utf8), name: "db.expect")
        }
    }

    @Test func ignoring() {
        let f = Finding(id: "x", severity: .error, pids: [1, 2], message: "m", hint: "h")
        var e = Expectations()
        e.ignores = [.init(id: "x", pid: 1)]
        #expect(e.filter([f]).first?.pids == [2])
        e.ignores.append(.init(id: "x", pid: 2))
        #expect(e.filter([f]).isEmpty)
        e.ignores = [.init(id: "x", pid: nil)]
        #expect(e.filter([f, Finding(id: "y", severity: .info, message: "", hint: "")]).map(\.id) == ["y"])
    }

    @Test func junitIsWellFormedXML() throws {
        let s = try snapshot("shortfall-2node")
        let result = CheckResult(report: StatusReport(snapshot: s), threshold: .error)
        #expect(!result.passed)
        let xml = CheckJUnit.render(result)
        let parser = XMLParser(data: Data(xml.utf8))
        final class Counter: NSObject, XMLParserDelegate {
            var testcases = 0
            var failures = 0
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "testcase" { testcases += 1 }
                if name == "failure" { failures += 1 }
            }
        }
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.testcases == FindingCatalog.all.count)
        #expect(counter.failures == 1)
        #expect(CheckJUnit.escape("a<b & \"c\"\u{01}") == "a&lt;b &amp; &quot;c&quot;?")
    }

    @Test func tapCountsEveryCheck() throws {
        let s = try snapshot("at-risk-2node")
        let warn = CheckTAP.render(CheckResult(report: StatusReport(snapshot: s), threshold: .warning)).rendered()
        let lines = warn.split(separator: "\n")
        #expect(lines[0] == "TAP version 13")
        #expect(lines[1] == "1..\(FindingCatalog.all.count)")
        #expect(lines.filter { $0.hasPrefix("not ok ") } == ["not ok 2 - reserve-policy-at-risk"])
        let err = CheckTAP.render(CheckResult(report: StatusReport(snapshot: s), threshold: .error)).rendered()
        #expect(!err.contains("not ok"))
        #expect(err.contains("    - severity: warning"))
        #expect(err.contains("\n      vmas: [{pid: 5001, start: \"83e240000000\"}, {pid: 5002, start: \"83e280000000\"}]\n"))
    }
}
