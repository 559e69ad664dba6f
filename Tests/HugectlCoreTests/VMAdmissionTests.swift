import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlTune

/// `hugectl admit` replayed on the VM fixtures of the admission scenarios (40-49; those whose
/// outcome has `admit_args`): on the snapshot taken before the change, the admission must
/// predict each admitted holder's mmap result and bound its failed pages, and its findings
/// after the change must bound (or, for `# prediction: exact`, equal) the pages that failed,
/// as `Tests/vm/vm-test` judged the guest's own `admit --json`.
@Suite("Admission against the multi-node kernel")
struct VMAdmissionTests {
    static let scenarios: [String] = VMPredictionTests.vmFixtures.filter { args(of: $0) != nil }

    static func object(_ name: String) -> [String: Any]? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: "\(fixturesDirectory)/vm/\(name)/outcome.json")) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    static func args(of name: String) -> String? { object(name)?["admit_args"] as? String }

    /// The admit command line (as lib.sh's admit recorded it) made into specs and pool changes.
    static func evaluate(_ args: String, on snapshot: SystemSnapshot) throws -> AdmissionOutcome {
        let words = args.split(separator: " ").map(String.init)
        var template = AdmissionSpec(text: "", pageSizeKB: 0, pages: 0)
        var texts: [String] = [], pools: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--") else { texts.append(word); continue }
            let name = String(word.dropFirst(2))
            var value = ""
            if AdmissionSpec.valueOptions.contains(name) || name == "pools" || name == "fail-on" {
                value = index < words.count ? words[index] : ""
                index += 1
            }
            if name == "pools" { pools.append(value) } else { _ = try template.set(name, value) }
        }
        let specs = try AdmissionSpec.parseAll(texts, template: template) { (size: String) throws(InputError) -> Int in
            try PoolRequest.parseSize(size, snapshot: snapshot)
        }
        var pooled: SystemSnapshot?
        if !pools.isEmpty {
            pooled = try AdmissionPools.applying(try pools.map { (text: String) throws(InputError) -> PoolRequest in
                try AdmissionPools.parse(text, snapshot: snapshot)
            }, to: snapshot)
        }
        return try Admission.evaluate(snapshot, pooled: pooled, specs: specs)
    }

    @Test func thereAreAdmissionFixtures() {
        #expect(Self.scenarios.count >= 5, "\(Self.scenarios)")
    }

    @Test(arguments: scenarios)
    func admissionMatchesTheKernel(scenario: String) throws {
        let object = try #require(Self.object(scenario))
        let args = try #require(Self.args(of: scenario))
        let snapshot = try VMPredictionTests().analysed(scenario).snapshot
        let outcome = try Self.evaluate(args, on: snapshot)
        let holders = object["holders"] as? [[String: Any]] ?? []
        let admitted = holders.filter { $0["admitted"] as? Bool == true }
        #expect(admitted.count == outcome.mappings.count, "\(scenario): holders started for the admitted mappings")
        for (mapping, holder) in zip(outcome.mappings, admitted) {
            let did = holder["mmap"] as? String
            #expect(mapping.mmap.result == .ok ? did == "ok" : did == mapping.mmap.errno, "\(scenario) \(mapping.spec.text): mmap \(String(describing: did))")
            guard did == "ok" else { continue }
            let failed = holder["failed"] as? Int ?? 0
            #expect(mapping.faults.certain <= failed && failed <= mapping.faults.certain + mapping.faults.atRisk,
                    "\(scenario) \(mapping.spec.text): \(mapping.faults) vs \(failed) failed")
        }
        let failed = holders.filter { $0["mmap"] as? String == "ok" }.reduce(0) { $0 + ($1["failed"] as? Int ?? 0) }
        let faults = outcome.after.filter { Admission.faultIDs.contains($0.id) }
        let certain = faults.filter { $0.severity == .error }.reduce(0) { $0 + $1.pages }
        let possible = faults.filter { $0.severity == .warning }.reduce(0) { $0 + $1.pages }
        if VMRun.isExact(scenario) {
            #expect(certain == failed && possible == 0, "\(scenario) (exact): \(certain) certain + \(possible) possible, \(failed) failed")
        } else {
            #expect(certain <= failed && failed <= certain + possible, "\(scenario): \(certain) + \(possible), \(failed) failed")
        }
        // Every running process whose pages failed is named by the collateral.
        let failing = Set(holders.filter { $0["admitted"] as? Bool != true && ($0["failed"] as? Int ?? 0) > 0 }.compactMap { $0["pid"] as? Int })
        let named = Set(outcome.collateral.filter { $0.kind != .resolved }.flatMap(\.pids))
        #expect(failing.isSubset(of: named), "\(scenario): failing \(failing), collateral names \(named)")
        let exit = (object["hugectl_reports"] as? [[String: Any]] ?? []).first { $0["file"] as? String == "admit.json" }?["exit"] as? Int
        #expect(exit == (outcome.passed ? 0 : 1), "\(scenario): the guest's admit exit \(String(describing: exit)), the replay's verdict \(outcome.passed)")
    }
}
