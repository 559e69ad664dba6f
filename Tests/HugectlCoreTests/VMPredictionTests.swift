import Foundation
import Testing
@testable import HugectlCore

/// hugectl's predictions against what a real multi-node kernel did (Tests/Fixtures/vm, made
/// by `make vm-fixtures` in QEMU guests: a snapshot before the touches, and the outcome of
/// the touches). Certain failures (errors) must equal the pages that really failed when the
/// fault order cannot matter; otherwise errors ≤ failed ≤ errors + warnings. Every process
/// whose faults failed is named by a finding, the findings' nodes are the nodes the failing
/// faults were confined to, every node where the touches allocated surplus pages is named by
/// an overcommit-rescue finding, and healthy layouts have no error.
@Suite("Predictions against the multi-node kernel")
struct VMPredictionTests {
    static let vmFixtures: [String] = {
        let dir = fixturesDirectory + "/vm"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(dir)/\($0)/outcome.json") }.sorted()
    }()

    struct Outcome {
        var failedPages: Int
        var failingPIDs: Set<Int>
        /// Each holder whose faults failed: its page size, and the policy nodes of a bind
        /// policy (nil otherwise) and the cpuset's nodes its faults were confined to.
        var failing: [(kB: Int, bind: [Int]?, mems: [Int])] = []
        var skipped: Bool
        /// (page size, node) where the touches allocated new surplus pages.
        var surplusGrew: Set<[Int]> = []
    }

    /// The values of a vmhold option in a holder's argument string.
    static func options(_ args: String?, _ name: String) -> [String] {
        let words = (args ?? "").split(separator: " ").map(String.init)
        return words.indices.filter { words[$0] == name && $0 + 1 < words.count }.map { words[$0 + 1] }
    }

    /// The nodes of a vmhold policy argument (`bind:1`, `bind=static:0-1`) when it binds.
    static func bindNodes(_ text: String) -> [Int]? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.first?.split(separator: "=").first == "bind", parts.count == 2 else { return nil }
        var nodes: [Int] = []
        for item in parts[1].split(separator: ",") {
            let ends = item.split(separator: "-").compactMap { Int($0) }
            if ends.count == 2 { nodes += Array(ends[0]...ends[1]) } else if let one = ends.first { nodes.append(one) }
        }
        return nodes
    }

    func outcome(_ name: String) throws -> Outcome {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(fixturesDirectory)/vm/\(name)/outcome.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let holders = object["holders"] as? [[String: Any]] ?? []
        var failed = 0
        var pids = Set<Int>()
        var failing: [(kB: Int, bind: [Int]?, mems: [Int])] = []
        for holder in holders {
            let pages = holder["failed"] as? Int ?? 0
            failed += pages
            if pages > 0, let pid = holder["pid"] as? Int { pids.insert(pid) }
            if pages > 0, let kB = holder["page_size_kb"] as? Int {
                let policy = holder["policy"] as? [String: Any]
                var bind = policy?["mode"] as? String == "bind" ? policy?["nodes"] as? [Int] : nil
                // The touches of `--thread-policy` are a worker thread's, under its own task
                // policy where the VMA has none; the pages of a `--vma-policy-range` fault
                // under that range's VMA.
                let args = holder["args"] as? String
                let vmaPolicy = (holder["vma_policy"] as? [String: Any])?["mode"] as? String
                if let text = Self.options(args, "--thread-policy").first, vmaPolicy == nil || vmaPolicy == "default" {
                    bind = Self.bindNodes(text)
                }
                let failedPages = holder["failed_pages"] as? [Int] ?? []
                for range in Self.options(args, "--vma-policy-range") {
                    let parts = range.split(separator: ":", maxSplits: 2).map(String.init)
                    guard parts.count == 3, let low = Int(parts[0]), let high = Int(parts[1]) else { continue }
                    if !failedPages.isEmpty && failedPages.allSatisfy({ (low..<high).contains($0) }) { bind = Self.bindNodes(parts[2]) }
                }
                failing.append((kB, bind, holder["mems_allowed"] as? [Int] ?? []))
            }
        }
        var grew = Set<[Int]>()
        let before = object["pools_at_snapshot"] as? [[String: Any]] ?? []
        let after = object["pools_after_touch"] as? [[String: Any]] ?? []
        for (a, b) in zip(before, after) {
            guard let kB = a["page_size_kb"] as? Int else { continue }
            for (na, nb) in zip(a["nodes"] as? [[String: Any]] ?? [], b["nodes"] as? [[String: Any]] ?? []) {
                if let node = na["node"] as? Int, (nb["surplus"] as? Int ?? 0) > (na["surplus"] as? Int ?? 0) {
                    grew.insert([kB, node])
                }
            }
        }
        return Outcome(failedPages: failed, failingPIDs: pids, failing: failing,
                       skipped: !(object["skipped"] is NSNull || object["skipped"] == nil), surplusGrew: grew)
    }

    /// The scenario's snapshot, unpacked and analysed.
    func findings(_ name: String) throws -> [Finding] {
        try analysed(name).findings
    }

    func analysed(_ name: String) throws -> (findings: [Finding], snapshot: SystemSnapshot) {
        try withTemporaryDirectory { dir in
            let tar = try runProcess("/bin/tar", ["-xJf", "\(fixturesDirectory)/vm/\(name)/snapshot.tar.xz", "-C", dir])
            try #require(tar.exitedNormally && tar.status == 0)
            let top = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
            let snapshot = try SnapshotCollector.collect(from: SystemRoot.open(dir + "/" + top))
            let findings = Analysis.findings(for: snapshot)
            #expect(VerdictTests.vmasAreConsistent(findings, snapshot) == [], "\(name)")
            HintCommandTests.checkCommands(snapshot, name)
            return (findings, snapshot)
        }
    }

    @Test(arguments: vmFixtures)
    func predictionMatchesTheKernel(scenario: String) throws {
        let real = try outcome(scenario)
        // An admission scenario changes the system after its snapshot: VMAdmissionTests judges it.
        guard !real.skipped, VMAdmissionTests.args(of: scenario) == nil else { return }
        let (all, snapshot) = try analysed(scenario)
        // The findings about faults (FAULT_IDS of Tests/vm/vm-test): errors certain, warnings possible.
        let faultIDs: Set<String> = [ReservationShortfall.certainID, ReservationShortfall.possibleID,
                                     ReservationShortfall.rescueID, UnreservedDemand.noreserveID,
                                     UnreservedDemand.inheritedID, SubpoolLimits.sizeID, CgroupLimitShortfall.id]
        let errors = all.filter { faultIDs.contains($0.id) && $0.severity == .error }
        let warnings = all.filter { faultIDs.contains($0.id) && $0.severity == .warning }
        let certain = errors.reduce(0) { $0 + $1.pages }
        let possible = warnings.reduce(0) { $0 + $1.pages }
        if warnings.isEmpty {
            #expect(certain == real.failedPages, "\(scenario): predicted \(certain) certain, \(real.failedPages) failed")
        } else {
            #expect(certain <= real.failedPages && real.failedPages <= certain + possible,
                    "\(scenario): \(certain) certain + \(possible) possible, \(real.failedPages) failed")
        }
        // A scenario whose outcome depends on no fault order (its '# prediction: exact' line,
        // as vm-test reads it) must be predicted exactly, without an at-risk warning.
        if VMRun.isExact(scenario) {
            #expect(certain == real.failedPages && possible == 0,
                    "\(scenario) (exact): \(certain) certain + \(possible) possible, \(real.failedPages) failed")
        }
        let named = Set((errors + warnings).flatMap(\.pids))
        #expect(real.failingPIDs.isSubset(of: named), "\(scenario): failing \(real.failingPIDs), named \(named)")
        if real.failedPages == 0 && warnings.isEmpty {
            #expect(errors.isEmpty, "\(scenario): healthy, yet \(errors)")
        }
        // The bottlenecks are where the faults failed: per page size, the nodes of the
        // failure findings are the nodes the failing faults were confined to (their bind
        // policy's nodes, or their cpuset's, with memory).
        let withMemory = Set(snapshot.nodes.filter(\.hasMemory).map(\.node))
        // (A mount's size= limit is not about nodes: its findings name none.)
        for kB in Set(real.failing.map(\.kB)) where !(errors + warnings).contains(where: { $0.pageSizeKB == kB && $0.nodes.isEmpty }) {
            let failedOn = real.failing.filter { $0.kB == kB }.reduce(into: Set<Int>()) { nodes, holder in
                nodes.formUnion(Set(holder.bind ?? Array(withMemory)).intersection(holder.mems).intersection(withMemory))
            }
            let predicted = Set((errors + warnings).filter { $0.pageSizeKB == kB }.flatMap(\.nodes))
            #expect(predicted == failedOn, "\(scenario): \(kB) kB pages failed on nodes \(failedOn.sorted()), bottlenecks \(predicted.sorted())")
        }
        // Faults that took new surplus pages on a node were foreseen: an overcommit-rescue
        // finding names that node.
        let rescues = all.filter { $0.id == ReservationShortfall.rescueID }
        for grew in real.surplusGrew {
            #expect(rescues.contains { $0.pageSizeKB == grew[0] && $0.nodes.contains(grew[1]) },
                    "\(scenario): new surplus \(grew[0]) kB pages on node \(grew[1]), rescues \(rescues)")
        }
    }

    /// README's "A mismatch diagnosed" shows scenario 02's real capture: its status and check
    /// output are what hugectl prints for that snapshot now, and its failures those recorded.
    @Test func readmeShowsTheRealCapture() throws {
        let readme = try String(contentsOfFile: testsDirectory + "/../README.md", encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        /// The lines a `$ COMMAND` prints in the README, up to the next `$ ` line.
        func shown(_ command: String) throws -> String {
            let at = try #require(lines.firstIndex(of: "$ " + command), "README lacks '$ \(command)'")
            return lines[(at + 1)...].prefix { !$0.hasPrefix("$ ") && $0 != "```" }.joined(separator: "\n") + "\n"
        }
        let (_, snapshot) = try analysed("02-two-tasks-bind-node1-short")
        let report = StatusReport(snapshot: snapshot)
        #expect(try shown("hugectl --root /tmp/vm02/snapshot status") == StatusText.render(report).rendered())
        #expect(try shown("hugectl --root /tmp/vm02/snapshot check")
                == CheckText.render(CheckResult(report: report, threshold: .error)).rendered())
        let real = try outcome("02-two-tasks-bind-node1-short")
        #expect(real.failedPages == 2 && real.failingPIDs == [125])
        #expect(readme.contains("b  pid 125  file_shared  bind:1  pages 3  failed 2 [1,2]  SIGBUS true  faulted on {\"1\":1}"))
    }

    @Test func thereAreFixtures() {
        #expect(Self.vmFixtures.count >= 8, "make vm-fixtures makes them; found \(Self.vmFixtures)")
    }
}
