import Foundation
import Glibc
import Testing
@testable import HugectlCore

/// `hugectl check` as a CI gate: exit codes, thresholds, expectations, formats.
@Suite("hugectl check")
struct CheckCLITests {
    let shortfall = fixturesDirectory + "/shortfall-2node"
    let atRisk = fixturesDirectory + "/at-risk-2node"
    let healthy = fixturesDirectory + "/four-node"

    @Test func exitCodes() throws {
        let failing = try hugectl(["--root", shortfall, "check"])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("reserve-policy-shortfall"))
        #expect(failing.stdout.hasSuffix("FAIL: 1 finding at or above error.\n"))
        #expect(try hugectl(["--root", healthy, "check"]).status == 0)
        #expect(try hugectl(["--root", atRisk, "check"]).status == 0, "a warning does not fail by default")
        #expect(try hugectl(["--root", atRisk, "check", "--fail-on", "warning"]).status == 1)
        #expect(try hugectl(["--root", atRisk, "check", "--fail-on=warning", "--ignore", "reserve-policy-at-risk"]).status == 0)
        #expect(try hugectl(["--root", atRisk, "check", "--fail-on=warning", "--ignore", "reserve-policy-at-risk:5001"]).status == 1,
                "ignoring one PID leaves the finding for the other")
        #expect(try hugectl(["--root", "/nonexistent", "check"]).status == 3)
        let usage = try hugectl(["--root", healthy, "check", "--fail-on", "sometimes"])
        #expect(usage.status == 2)
        #expect(usage.stderrLines.first == "hugectl: --fail-on takes error, warning or info, not 'sometimes'")
        #expect(try hugectl(["--root", healthy, "check", "--format", "yaml"]).status == 2)
        #expect(try hugectl(["--root", healthy, "check", "--require", "2M"]).status == 2)
    }

    @Test func expectationsFromTheCommandLineAndAFile() throws {
        let met = try hugectl(["--root", healthy, "check", "--require", "2M=96", "--require=2M=32@0-2", "--max-surplus", "2M=0"])
        #expect(met.status == 0, "\(met.stdout)")
        let unmet = try hugectl(["--root", healthy, "check", "--require", "1G=2@0,1"])
        #expect(unmet.status == 1)
        #expect(unmet.stdout.contains("node 1 has 0 1G pages, 2 required"))
        try withTemporaryDirectory { dir in
            let file = dir + "/pools.expect"
            try "# what the db needs\nrequire 2M=128\nignore scan-incomplete\n".write(toFile: file, atomically: true, encoding: .utf8)
            let r = try hugectl(["--root", healthy, "check", "--expect", file, "--json"])
            #expect(r.status == 1)
            let findings = try jsonObject(r.stdout)["findings"] as? [[String: Any]] ?? []
            #expect(findings.map { $0["id"] as? String } == ["expectation-unmet"])
            try "require 2M=\n".write(toFile: file, atomically: true, encoding: .utf8)
            let bad = try hugectl(["--root", healthy, "check", "--expect", file])
            #expect(bad.status == 2)
            #expect(bad.stderrLines.first?.hasPrefix("hugectl: \(file): line 1: ") == true)
            #expect(try hugectl(["--root", healthy, "check", "--expect", dir + "/missing"]).status == 2)
        }
        // `--expect -`: the same expectations from standard input.
        let piped = try hugectl(["--root", healthy, "check", "--expect", "-", "--json"],
                                input: "# what the db needs\nrequire 2M=128\nignore scan-incomplete\n")
        #expect(piped.status == 1, "\(piped.stderr)")
        let pipedFindings = try jsonObject(piped.stdout)["findings"] as? [[String: Any]] ?? []
        #expect(pipedFindings.map { $0["id"] as? String } == ["expectation-unmet"])
        let pipedBad = try hugectl(["--root", healthy, "check", "--expect", "-"], input: "require 2M=\n")
        #expect(pipedBad.status == 2)
        #expect(pipedBad.stderrLines.first?.hasPrefix("hugectl: standard input: line 1: ") == true, "\(pipedBad.stderr)")
    }

    @Test func formats() throws {
        let junit = try hugectl(["--root", shortfall, "check", "--format", "junit"])
        #expect(junit.status == 1)
        #expect(junit.stdout.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "))
        #expect(junit.stdout.contains("<failure type=\"error\""))
        let tap = try hugectl(["--root", shortfall, "check", "--format=tap"])
        #expect(tap.stdout.hasPrefix("TAP version 13\n1.."))
        #expect(tap.stdout.contains("\n# hugectl check fixture-shortfall-2node\nnot ok 1 - reserve-policy-shortfall\n"))
        let json = try hugectl(["--root", shortfall, "check", "-J"])
        let status = try hugectl(["--root", shortfall, "status", "--json"])
        // check --json is the status document and its verdict.
        var members = try #require(try jsonObject(json.stdout) as [String: Any]?)
        let verdict = try #require(members.removeValue(forKey: "verdict") as? [String: Any])
        #expect(verdict["result"] as? String == "fail" && verdict["fail_on"] as? String == "error")
        #expect(verdict["failing"] as? Int == 1)
        #expect(json.stdout.withoutGeneratedAt.hasPrefix(String(status.stdout.withoutGeneratedAt.dropLast(3))),
                "check --json is the status document with the verdict added")
    }
}
