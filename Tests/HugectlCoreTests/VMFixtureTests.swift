import Foundation
import Testing
@testable import HugectlCore

/// The snapshots captured in multi-node QEMU guests (`make vm-fixtures`, Tests/vm/) read back
/// faithfully: what hugectl makes of each snapshot agrees with what the guest itself recorded
/// in `outcome.json` from the kernel's files and from the holders' own view of their mappings
/// (`get_mempolicy(2)`, the lengths they mapped, the pages they prefaulted).
///
/// Each fixture is `Tests/Fixtures/vm/<scenario>/{snapshot.tar.xz,outcome.json}`; the
/// snapshot is taken after the holders mapped and before they touched a page, and the outcome
/// also says which pages then really failed (for the prediction tests of `hugectl check`).
/// `HUGECTL_VM_FIXTURES=DIR` checks another set, e.g. the output of `Tests/vm/vm-test --keep`
/// (a directory of `<scenario>/outcome.json` + `snapshot.tar[.xz]`, or `<scenario>/out/...`).
@Suite("Snapshots captured in multi-node guests")
struct VMFixtureTests {
    static let directory: String =
        ProcessInfo.processInfo.environment["HUGECTL_VM_FIXTURES"] ?? fixturesDirectory + "/vm"

    /// Every scenario directory holding an outcome.json, sorted by name.
    static let scenarios: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { location(of: $0) != nil }.sorted()
    }()

    /// The folder with outcome.json for a scenario: `<name>/` or vm-test's `<name>/out/`.
    static func location(of scenario: String) -> String? {
        for candidate in [directory + "/" + scenario, directory + "/" + scenario + "/out"]
        where FileManager.default.fileExists(atPath: candidate + "/outcome.json") {
            return candidate
        }
        return nil
    }

    // MARK: outcome.json, as Tests/vm/guest/lib.sh writes it

    struct Outcome: Decodable {
        struct VM: Decodable {
            var nodes: Int
            var cpus: Int
        }
        struct Pool: Decodable {
            struct Node: Decodable {
                var node: Int
                var total: Int
                var free: Int
                var surplus: Int
            }
            var page_size_kb: Int
            var total: Int
            var free: Int
            var reserved: Int
            var surplus: Int
            var overcommit: Int
            var nodes: [Node]
        }
        struct Policy: Decodable, Equatable {
            var mode: String
            var nodes: [Int]
            var flags: [String]
        }
        struct Holder: Decodable {
            var name: String
            var pid: Int
            var kind: String
            /// The vmhold arguments (`--thread-policy`, `--vma-policy-range` change who and
            /// which VMA faults; `--fork`: the holder is a fork child).
            var args: String?
            var page_size_kb: Int
            var pages: Int
            var noreserve: Bool
            var mmap: String
            var policy: Policy?
            var mems_allowed: [Int]
            var reserved_pending: Int
            var touched: Int
            var failed: Int
            var failed_pages: [Int]
            var sigbus: Bool
            var node_pages: [String: Int]
            /// One of the mappings `admit` was asked about, started after the snapshot.
            var admitted: Bool?

            var forked: Bool { (args ?? "").split(separator: " ").contains("--fork") }
        }
        struct Totals: Decodable {
            var holders: Int
            var mmap_failed: Int
            var pages_mapped: Int
            var pages_touched: Int
            var pages_failed: Int
            var holders_with_sigbus: Int
        }
        struct Expectation: Decodable {
            var expectation: String
            var passed: Bool
        }
        var scenario: String
        var kernel_release: String
        var skipped: String?
        var vm: VM
        var nodes_online: [Int]
        var snapshot: String?
        var pools_at_snapshot: [Pool]
        var pools_after_touch: [Pool]
        var holders: [Holder]
        var totals: Totals
        var expectations: [Expectation]
    }

    static func outcome(_ scenario: String) throws -> Outcome {
        let dir = try #require(location(of: scenario))
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/outcome.json"))
        return try JSONDecoder().decode(Outcome.self, from: data)
    }

    /// Unpacks the scenario's snapshot archive into `scratch` with the system's tar and returns
    /// the tree's root (the archive's one top directory).
    static func unpack(_ scenario: String, into scratch: String) throws -> String {
        let dir = try #require(location(of: scenario))
        let archive = ["snapshot.tar.xz", "snapshot.tar"].map { dir + "/" + $0 }
            .first { FileManager.default.fileExists(atPath: $0) }
        let path = try #require(archive, "\(scenario) has no snapshot archive")
        let tar = try runProcess("/usr/bin/env", ["tar", path.hasSuffix(".xz") ? "-xJf" : "-xf", path, "-C", scratch])
        try #require(tar.exitedNormally && tar.status == 0, "tar could not unpack \(path) (is xz-utils installed?): \(tar)")
        let top = try FileManager.default.contentsOfDirectory(atPath: scratch)
        try #require(top.count == 1, "\(path) should hold one top directory, not \(top)")
        return scratch + "/" + top[0]
    }

    static func report(_ scenario: String, scratch: String) throws -> StatusReport {
        let root = try unpack(scenario, into: scratch)
        return StatusReport(snapshot: try SnapshotCollector.collect(from: SystemRoot.open(root)))
    }

    // MARK: the tests

    /// The committed set is complete: the scenarios of Tests/vm/scenarios all have a fixture.
    @Test func everyScenarioHasAFixture() throws {
        guard ProcessInfo.processInfo.environment["HUGECTL_VM_FIXTURES"] == nil else { return }
        let runs = try VMRun.all()
        #expect(!runs.isEmpty)
        for name in runs {
            #expect(Self.scenarios.contains(name), "no fixture for \(name): run make vm-fixtures")
        }
        for name in Self.scenarios {
            #expect(runs.contains(name), "the fixture \(name) is no run of a scenario (see '# kernels:')")
        }
        #expect(Self.scenarios.count >= 9)
    }

    /// The outcome is whole: every expectation held when it was captured, the totals add up,
    /// and the snapshot shows several NUMA nodes (that is what the VM is for).
    @Test(arguments: scenarios)
    func outcomeIsConsistent(scenario: String) throws {
        let outcome = try Self.outcome(scenario)
        #expect(outcome.scenario == VMRun.scenario(of: scenario))
        if let label = VMRun.kernelLabel(of: scenario) {
            #expect(outcome.kernel_release.hasPrefix(label + "."), "\(scenario) ran on \(outcome.kernel_release)")
        }
        #expect(outcome.skipped == nil)
        #expect(outcome.snapshot != nil)
        #expect(outcome.vm.nodes >= 2)
        #expect(outcome.nodes_online == Array(0..<outcome.vm.nodes))
        #expect(outcome.kernel_release.hasPrefix("6."))
        for expectation in outcome.expectations {
            #expect(expectation.passed, "\(scenario): \(expectation.expectation)")
        }
        let holders = outcome.holders
        #expect(outcome.totals.holders == holders.count)
        #expect(outcome.totals.mmap_failed == holders.filter { $0.mmap != "ok" }.count)
        #expect(outcome.totals.pages_touched == holders.map(\.touched).reduce(0, +))
        #expect(outcome.totals.pages_failed == holders.map(\.failed).reduce(0, +))
        #expect(outcome.totals.holders_with_sigbus == holders.filter(\.sigbus).count)
        for holder in holders {
            #expect(holder.failed == holder.failed_pages.count, "\(holder.name)")
            #expect(holder.sigbus == (holder.failed > 0), "\(holder.name)")
            if holder.mmap == "ok" {
                #expect(holder.touched + holder.failed == holder.pages, "\(holder.name) touched every page")
                // A fork child also maps the pages it shares with its parent, its failed
                // copies among them.
                let mapped = holder.node_pages.values.reduce(0, +)
                #expect(holder.forked ? mapped >= holder.touched : mapped == holder.touched, "\(holder.name)")
            }
        }
    }

    /// The nodes and the pools, globally and per node, are what the guest's sysfs said at the
    /// moment of the snapshot; the counters were stable and consistent.
    @Test(arguments: scenarios)
    func poolsAndNodesAreFaithful(scenario: String) throws {
        let outcome = try Self.outcome(scenario)
        try withTemporaryDirectory { scratch in
            let report = try Self.report(scenario, scratch: scratch)
            let snapshot = report.snapshot
            #expect(snapshot.kernelRelease == outcome.kernel_release)
            #expect(snapshot.nodes.map(\.node) == outcome.nodes_online)
            #expect(snapshot.nodes.count == outcome.vm.nodes)
            #expect(snapshot.consistent)
            #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
            #expect(!report.findings.contains { $0.id == "counter-inconsistent" })
            #expect(snapshot.pools.map(\.pageSizeKB).sorted() == outcome.pools_at_snapshot.map(\.page_size_kb).sorted())
            for recorded in outcome.pools_at_snapshot {
                let pool = try #require(snapshot.pool(kB: recorded.page_size_kb))
                let size = "\(recorded.page_size_kb) kB"
                #expect(pool.total == recorded.total, "\(size) total")
                #expect(pool.free == recorded.free, "\(size) free")
                #expect(pool.reserved == recorded.reserved, "\(size) reserved")
                #expect(pool.surplus == recorded.surplus, "\(size) surplus")
                #expect(pool.overcommit == recorded.overcommit, "\(size) overcommit")
                #expect(pool.nodes.map(\.node) == recorded.nodes.map(\.node), "\(size) nodes")
                for node in recorded.nodes {
                    let seen = try #require(pool.nodes.first { $0.node == node.node })
                    #expect(seen.total == node.total, "\(size) node \(node.node) total")
                    #expect(seen.free == node.free, "\(size) node \(node.node) free")
                    #expect(seen.surplus == node.surplus, "\(size) node \(node.node) surplus")
                }
            }
        }
    }

    /// Every holder that mapped is found with its one mapping: kind, length, NORESERVE, the
    /// policy that governs it (the VMA's own, else the task's, as get_mempolicy said), the
    /// pages it is still owed, and the process's cpuset nodes. A holder whose mmap failed
    /// holds nothing.
    @Test(arguments: scenarios)
    func holdersAreFaithful(scenario: String) throws {
        let outcome = try Self.outcome(scenario)
        try withTemporaryDirectory { scratch in
            let report = try Self.report(scenario, scratch: scratch)
            let processes = Dictionary(report.consumers.processes.map { ($0.pid, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(report.snapshot.consumers.scan.complete)
            for holder in outcome.holders where holder.admitted != true {
                let label = "\(scenario)/\(holder.name) (pid \(holder.pid))"
                guard holder.mmap == "ok" else {
                    #expect(processes[holder.pid]?.mappings.isEmpty ?? true, "\(label): its mmap failed")
                    continue
                }
                let process = try #require(processes[holder.pid], "\(label) is not among the processes")
                #expect(process.memsAllowed == holder.mems_allowed, "\(label) mems_allowed")
                let mappings = process.mappings.filter { $0.pageSizeKB == holder.page_size_kb }.sorted { $0.start < $1.start }
                // mbind on page ranges splits the mapping into one VMA per range (scenario 21).
                let ranges = VMPredictionTests.options(holder.args, "--vma-policy-range").count
                try #require(mappings.count == 1 || ranges > 0 && (2...(2 * ranges + 1)).contains(mappings.count),
                             "\(label): \(mappings.count) hugetlb mappings")
                let mapping = mappings[0]
                #expect(mappings.allSatisfy { $0.kind.rawValue == holder.kind && $0.object == mapping.object }, "\(label) kind")
                #expect(mappings.reduce(0) { $0 + $1.pages } == holder.pages, "\(label) pages")
                #expect(mappings.allSatisfy { $0.noreserve == holder.noreserve }, "\(label) noreserve")
                #expect(mappings.reduce(0) { $0 + $1.reservedPending } == holder.reserved_pending, "\(label) reserved_pending")
                // A worker thread with its own task policy is seen, with that policy for a VMA
                // without one of its own (scenario 20).
                if let threadPolicy = VMPredictionTests.options(holder.args, "--thread-policy").first {
                    #expect(process.threads.contains { $0.taskPolicy?.text == threadPolicy }, "\(label) thread \(process.threads)")
                    #expect(mapping.followsThreadPolicy, "\(label) follows the faulting thread's policy")
                }
                let policy = try #require(mapping.policy, "\(label) has no policy")
                #expect(Outcome.Policy(mode: policy.mode.rawValue, nodes: policy.nodes, flags: policy.flags) == holder.policy,
                        "\(label) policy \(policy.text)")
            }
            // Nothing but the holders (and the parents of forked ones) holds huge pages in the guest.
            var holderPIDs = Set(outcome.holders.filter { $0.mmap == "ok" && $0.admitted != true }.map(\.pid))
            for holder in outcome.holders where holder.forked {
                if let parent = report.consumers.processes.first(where: { $0.pid == holder.pid })?.ppid { holderPIDs.insert(parent) }
            }
            #expect(Set(report.consumers.processes.filter { !$0.mappings.isEmpty }.map(\.pid)) == holderPIDs)
        }
    }

    /// The ledger explains every reserved page: the kernel's count, per page size, is what the
    /// holders are owed, and nothing is unattributed.
    @Test(arguments: scenarios)
    func ledgerAccountsForEveryReservedPage(scenario: String) throws {
        let outcome = try Self.outcome(scenario)
        try withTemporaryDirectory { scratch in
            let report = try Self.report(scenario, scratch: scratch)
            for ledger in report.ledgers {
                let recorded = try #require(outcome.pools_at_snapshot.first { $0.page_size_kb == ledger.pageSizeKB })
                #expect(ledger.kernelReserved == recorded.reserved, "\(ledger.pageSizeKB) kB")
                #expect(ledger.unattributed == 0, "\(ledger.pageSizeKB) kB: \(String(describing: ledger.unattributed)) unattributed")
                let owed = outcome.holders.filter { $0.page_size_kb == ledger.pageSizeKB && $0.admitted != true }.map(\.reserved_pending).reduce(0, +)
                #expect(ledger.sharedObjects + ledger.privateOwners == owed, "\(ledger.pageSizeKB) kB")
            }
        }
    }
}
