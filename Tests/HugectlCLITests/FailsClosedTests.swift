import Foundation
import Glibc
import Testing
@testable import HugectlCore

// A gate that fails closed (issue 14): a value hugectl could not read is unknown, never 0; a
// process file that cannot be understood is an unreadable file; plan judges what is left to
// fail with check's analysis. Each case is a fixture tree damaged the way the malformed-tree
// suite (RobustnessTests.swift) damages its trees, run through the built binary.
// docs/threat-model.md ("Fails closed") lists these tests.

/// A writable copy of a fixture, broken by `damage`, given to `body` as its root.
private func withDamagedTree(_ fixture: String, _ damage: (String) throws -> Void, _ body: (String) throws -> Void) throws {
    try withTemporaryDirectory { dir in
        let root = dir + "/tree"
        try FileManager.default.copyItem(atPath: fixturesDirectory + "/" + fixture, toPath: root)
        _ = try run("/bin/chmod", ["-R", "u+w,a+rX", dir])
        try damage(root)
        try body(root)
    }
}

/// Deterministic garbage (the malformed-tree suite's generator).
private func garbage(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix(seed: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

private let pool2M = "/sys/kernel/mm/hugepages/hugepages-2048kB"

private func findings(_ doc: [String: Any]) -> [[String: Any]] { doc["findings"] as? [[String: Any]] ?? [] }
private func ids(_ doc: [String: Any]) -> [String] { findings(doc).compactMap { $0["id"] as? String } }
private func scan(_ doc: [String: Any]) -> [String: Any] { doc["scan"] as? [String: Any] ?? [:] }
private func unreadable(_ doc: [String: Any]) -> [[String: Any]] { scan(doc)["unreadable"] as? [[String: Any]] ?? [] }

@Suite("Fails closed")
struct FailsClosedTests {
    /// Case 1: nr_hugepages `abc`, free_hugepages `1e23`, resv_hugepages `-5` on a tree whose
    /// check otherwise passes at --fail-on warning. Before: PASS, exit 0, failures="0",
    /// consistent true, hugectl_counters_consistent 1, "the 2M pool has 0 pages".
    @Test func unreadableCountersFailTheGate() throws {
        try withDamagedTree("two-node", { root in
            try write(root, pool2M + "/nr_hugepages", "abc\n")
            try write(root, pool2M + "/free_hugepages", "1e23\n")
            try write(root, pool2M + "/resv_hugepages", "-5\n")
        }) { root in
            // (With free_hugepages unknown, the undamaged tree's surplus-stranded warning no
            // longer fires: before, nothing else did either, and this printed PASS.)
            let text = try hugectl(["--root", root, "check", "--fail-on", "warning"])
            #expect(text.status == 1, "\(text.stdout)")
            #expect(text.stdout.contains("counter-unreadable"))
            #expect(!text.stdout.contains("PASS"))
            #expect(text.stderrLines.contains { $0.contains("nr_hugepages") && $0.contains("not a number") })

            // The default --fail-on error gates on it too.
            let json = try hugectl(["--root", root, "check", "--json"])
            #expect(json.status == 1)
            let doc = try jsonObject(json.stdout)
            #expect(doc["consistent"] as? Bool == false, "no consistency is claimed about unknown counters")
            let pool = try #require((doc["pools"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 })
            for key in ["total", "free", "reserved", "in_use"] { #expect(pool[key] is NSNull, "\(key) is null, never 0") }
            let finding = try #require(findings(doc).first { $0["id"] as? String == "counter-unreadable" })
            #expect(finding["severity"] as? String == "error")
            #expect(finding["page_size_kb"] as? Int == 2048)
            #expect((finding["message"] as? String)?.contains("nr_hugepages, free_hugepages, resv_hugepages") == true)

            let junit = try hugectl(["--root", root, "check", "--format", "junit"])
            #expect(junit.status == 1)
            #expect(!junit.stdout.contains("failures=\"0\""), "\(junit.stdout.prefix(300))")
            #expect(junit.stdout.contains("counter-unreadable"))

            let tap = try hugectl(["--root", root, "check", "--format", "tap"])
            #expect(tap.stdout.contains("not ok") && tap.stdout.contains("counter-unreadable"))

            let prometheus = try hugectl(["--root", root, "check", "--format", "prometheus"])
            let lines = prometheus.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("hugectl_counters_consistent 0"))
            #expect(lines.contains("hugectl_findings{id=\"counter-unreadable\",severity=\"error\"} 1"))
            let readErrors = lines.first { $0.hasPrefix("hugectl_read_errors ") }.flatMap { Int($0.split(separator: " ")[1]) }
            #expect((readErrors ?? 0) >= 3, "\(lines.filter { $0.contains("read_errors") })")
            // No sample for a value that could not be read, in any family; what was read is there.
            let samples2M = lines.filter { !$0.hasPrefix("#") && $0.contains("size=\"2M\"") }
            for unknown in ["total", "free", "reserved", "in_use"] {
                #expect(!samples2M.contains { $0.hasPrefix("hugectl_pool_\(unknown)_pages{") || ($0.hasPrefix("hugectl_pool_pages{") && $0.contains("state=\"\(unknown)\"")) },
                        "an unknown \(unknown) has no sample")
            }
            #expect(!lines.contains { $0.contains("NaN") })
            #expect(samples2M.contains { $0.hasPrefix("hugectl_pool_surplus_pages{") || ($0.hasPrefix("hugectl_pool_pages{") && $0.contains("state=\"surplus\"")) },
                    "what was read is still there")

            let require = try hugectl(["--root", root, "check", "--require", "2M=16"])
            #expect(require.status == 1)
            #expect(!require.stdout.contains("has 0 pages"), "\(require.stdout)")
            #expect(require.stdout.contains("the 2M pool's size (nr_hugepages) could not be read, 16 pages required"))
            // An unknown count never meets a requirement, however small.
            let zero = try jsonObject(try hugectl(["--root", root, "check", "--json", "--require", "2M=0", "--ignore", "counter-unreadable"]).stdout)
            #expect(ids(zero) .contains("expectation-unmet"))

            // The status verdict does not say OK either.
            let status = try hugectl(["--root", root, "status"])
            #expect(!status.stdout.contains("Verdict: OK"), "\(status.stdout)")
        }
    }

    /// Case 4: the plan document of a tree with unreadable counters: unknown is null (not
    /// `total_now: 0`), the warnings are in the document, and the size is left unresolved.
    @Test func planDocumentShowsUnknownAsNull() throws {
        try withDamagedTree("two-node", { root in
            try write(root, pool2M + "/nr_hugepages", "abc\n")
            try write(root, "/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "\n")
        }) { root in
            let r = try hugectl(["--root", root, "plan", "--json"])
            #expect(r.status == 1, "\(r.stdout)")
            let doc = try jsonObject(r.stdout)
            let size = try #require((doc["sizes"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 })
            #expect(size["total_now"] is NSNull)
            #expect(size["total_planned"] is NSNull)
            let nodes = size["nodes"] as? [[String: Any]] ?? []
            #expect(nodes.first { $0["node"] as? Int == 1 }?["now"] is NSNull)
            #expect(nodes.first { $0["node"] as? Int == 0 }?["now"] as? Int != nil, "what was read is kept")
            #expect((size["unresolved"] as? [String])?.contains("counter-unreadable") == true)
            let warnings = doc["warnings"] as? [String] ?? []
            #expect(warnings.contains { $0.contains("hugepages-2048kB/nr_hugepages") })
            #expect(!(doc["commands"] as? [String] ?? []).contains { $0.contains(" 2M ") }, "no plan from unknown counters")
            let text = try hugectl(["--root", root, "plan"])
            #expect(text.status == 1)
            #expect(text.stdout.contains("unresolved: counter-unreadable"))
            #expect(!text.stdout.contains("every owed page can be served"))
        }
    }

    /// Case 2a: random bytes in a holder's smaps. Before: `processes: []`, `complete: true`.
    @Test func garbageSmapsIsAnUnreadableFile() throws {
        try withDamagedTree("shortfall-2node", { root in
            try write(root, "/proc/4001/smaps", garbage(4096, seed: 14))
        }) { root in
            let status = try hugectl(["--root", root, "status", "--json"])
            let doc = try jsonObject(status.stdout)
            #expect(scan(doc)["complete"] as? Bool == false)
            #expect(unreadable(doc).contains {
                $0["pid"] as? Int == 4001 && $0["path"] as? String == "/proc/4001/smaps"
                    && ($0["reason"] as? String)?.hasPrefix("malformed: ") == true
            }, "\(unreadable(doc))")
            let check = try hugectl(["--root", root, "check", "--json"])
            #expect(check.status == 1)
            let finding = try #require(findings(try jsonObject(check.stdout)).first { $0["id"] as? String == "counter-unreadable" })
            #expect(finding["pids"] as? [Int] == [4001])
        }
    }

    /// Case 2b: junk numa_maps. Before: the certain shortfall became an at-risk warning and
    /// check exited 0; now check still fails, and says what it could not read.
    @Test func garbageNumaMapsNeverPassesACertainShortfall() throws {
        let pristine = try hugectl(["--root", fixturesDirectory + "/shortfall-2node", "check"])
        #expect(pristine.status == 1 && pristine.stdout.contains("reserve-policy-shortfall"))
        try withDamagedTree("shortfall-2node", { root in
            try write(root, "/proc/4001/numa_maps", garbage(300, seed: 0x6875_6765))
        }) { root in
            let check = try hugectl(["--root", root, "check"])
            #expect(check.status == 1, "\(check.stdout)")
            let doc = try jsonObject(try hugectl(["--root", root, "check", "--json"]).stdout)
            #expect(ids(doc).contains("counter-unreadable"))
            #expect(scan(doc)["complete"] as? Bool == false)
            #expect(unreadable(doc).contains { $0["path"] as? String == "/proc/4001/numa_maps" })
            // A numa_maps that lacks the hugetlb VMA's line (well-formed otherwise) is as bad.
        }
        try withDamagedTree("shortfall-2node", { root in
            try write(root, "/proc/4001/numa_maps", "7f0000000000 default anon=1 dirty=1 N0=1 kernelpagesize_kB=4\n")
        }) { root in
            let doc = try jsonObject(try hugectl(["--root", root, "check", "--json"]).stdout)
            #expect(ids(doc).contains("counter-unreadable"))
            #expect(unreadable(doc).contains { ($0["reason"] as? String)?.contains("not in it") == true })
        }
    }

    /// Case 2c: junk status. Before: `name: null` and nothing else said.
    @Test func garbageStatusIsAnUnreadableFile() throws {
        try withDamagedTree("shortfall-2node", { root in
            try write(root, "/proc/4002/status", "garbage\u{1}\nmore: junk\n")
        }) { root in
            let doc = try jsonObject(try hugectl(["--root", root, "status", "--json"]).stdout)
            #expect(scan(doc)["complete"] as? Bool == false)
            #expect(unreadable(doc).contains { $0["path"] as? String == "/proc/4002/status" })
            let process = (doc["processes"] as? [[String: Any]])?.first { $0["pid"] as? Int == 4002 }
            #expect(process?["name"] is NSNull, "unknown, reported as such")
            let check = try hugectl(["--root", root, "check", "--json"])
            #expect(check.status == 1)
            let checkDoc = try jsonObject(check.stdout)
            #expect(ids(checkDoc).contains("counter-unreadable"))
            #expect(ids(checkDoc).contains("reserve-policy-shortfall"), "what could be proved is still reported")
        }
    }

    /// Case 3: the plan's pools applied to the tree, plan again: it must not say nothing is left
    /// to fail while check fails. Before: "No pool needs to grow: every owed page can be
    /// served", `unresolved: []`, exit 0, and check failing with private-mapping-inherited.
    @Test func planAgreesWithCheckAfterItsOwnPools() throws {
        let fixture = "unreserved-2node"
        let first = try jsonObject(try hugectl(["--root", fixturesDirectory + "/" + fixture, "plan", "--json"]).stdout)
        let size = try #require((first["sizes"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 })
        let nodes = size["nodes"] as? [[String: Any]] ?? []
        try withDamagedTree(fixture, { root in
            // What `hugectl pool set` of the plan leaves: each node's pool grown, free with it.
            var added = 0
            for node in nodes {
                guard let n = node["node"] as? Int, let now = node["now"] as? Int, let planned = node["planned"] as? Int,
                      planned > now else { continue }
                let dir = "/sys/devices/system/node/node\(n)/hugepages/hugepages-2048kB"
                let free = Int(try String(contentsOfFile: root + dir + "/free_hugepages", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                try write(root, dir + "/nr_hugepages", "\(planned)\n")
                try write(root, dir + "/free_hugepages", "\(free + planned - now)\n")
                added += planned - now
            }
            #expect(added > 0, "the plan grows a pool")
            for (file, line) in [("nr_hugepages", "HugePages_Total"), ("free_hugepages", "HugePages_Free")] {
                let value = Int(try String(contentsOfFile: root + pool2M + "/" + file, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                try write(root, pool2M + "/" + file, "\(value + added)\n")
                try replace(root, "/proc/meminfo", "\(line): *[0-9]+", with: "\(line):    \(value + added)")
            }
        }) { root in
            let check = try hugectl(["--root", root, "check", "--json"])
            #expect(check.status == 1, "check still fails on the planned pools")
            let failing = Set(findings(try jsonObject(check.stdout)).filter { $0["severity"] as? String == "error" }
                .compactMap { $0["id"] as? String })
            #expect(failing.contains("private-mapping-inherited"))
            #expect(!failing.contains("noreserve-exceeds-headroom"), "the plan resolved what a pool change resolves")

            let plan = try hugectl(["--root", root, "plan", "--json"])
            #expect(plan.status == 1, "plan does not pass what check fails")
            let again = try #require((try jsonObject(plan.stdout)["sizes"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 })
            let unresolved = Set(again["unresolved"] as? [String] ?? [])
            #expect(failing.isSubset(of: unresolved), "every ID check fails on is unresolved: \(failing) vs \(unresolved)")
            let text = try hugectl(["--root", root, "plan"])
            #expect(!text.stdout.contains("every owed page can be served"), "\(text.stdout)")
            #expect(text.stdout.contains("unresolved: private-mapping-inherited"))
            #expect(text.stdout.contains("a pool change cannot resolve it"))
        }
    }

    /// Case 8: an --ignore ID this version does not know is accepted (one expectations file
    /// for several versions), ignores nothing, and is named on stderr. Before: exit 2.
    @Test func unknownIgnoreIDWarnsAndIgnoresNothing() throws {
        let root = fixturesDirectory + "/shortfall-2node"
        let r = try hugectl(["--root", root, "check", "--ignore", "bogus-id", "--json"])
        #expect(r.status == 1, "the shortfall still fails: \(r.stderr)")
        #expect(r.stderrLines.contains { $0.hasPrefix("hugectl: --ignore bogus-id: not a finding ID") })
        let plain = try hugectl(["--root", root, "check", "--json"])
        #expect(ids(try jsonObject(r.stdout)) == ids(try jsonObject(plain.stdout)), "it ignores nothing")
        #expect(findings(try jsonObject(r.stdout)).count == findings(try jsonObject(plain.stdout)).count)
        try withTemporaryDirectory { dir in
            try write(dir, "/gate.expect", "ignore some-future-id\nrequire 2M=1\n")
            let file = try hugectl(["--root", fixturesDirectory + "/two-node", "check", "--expect", dir + "/gate.expect"])
            #expect(file.status == 0, "\(file.stderr)")
            #expect(file.stderr.contains("some-future-id"))
        }
        // A bad PID is still a usage error.
        #expect(try hugectl(["--root", root, "check", "--ignore", "bogus-id:0"]).status == 2)
    }

    /// Case 8: a C1 control character (U+009B, CSI) in a process name is escaped in every JSON
    /// document, as every C0 one is. Before: written raw.
    @Test func jsonEscapesC1Controls() throws {
        try withDamagedTree("shortfall-2node", { root in
            try replace(root, "/proc/4001/status", "Name:\t[^\n]*", with: "Name:\twork\u{9B}31m\u{85}x")
        }) { root in
            for command in [["procs", "--json"], ["status", "--json"], ["check", "--json"]] {
                let r = try runBounded(["--root", root] + command, timeout: 30)
                let bytes = [UInt8](r.stdoutBytes)
                #expect(!zip(bytes, bytes.dropFirst()).contains { $0 == 0xC2 && (0x80...0x9F).contains($1) },
                        "\(command): a raw C1 character")
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(text.contains("work\\u009b31m\\u0085x"), "\(command)")
                let doc = try jsonObject(text)
                let names = ((doc["processes"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
                #expect(names.contains("work\u{9B}31m\u{85}x"), "the escape decodes to the name")
            }
        }
    }

    /// Case 8: unprivileged, a kernel thread's maps is closed (ptrace_may_access) but it has no
    /// mm: it is not a process that could not be read. Before: counted in scan.unreadable.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && getuid() == 0,
                   "needs root and setpriv to drop to nobody"))
    func kernelThreadsAreNotUnreadable() throws {
        try withDamagedTree("shortfall-2node", { root in
            for (pid, name, kthreadLine) in [(2, "kthreadd", "Kthread:\t1\n"), (3, "pool_workqueue_", "")] {
                try FileManager.default.createDirectory(atPath: root + "/proc/\(pid)", withIntermediateDirectories: true)
                try write(root, "/proc/\(pid)/status", "Name:\t\(name)\nUmask:\t0000\nState:\tS (sleeping)\nTgid:\t\(pid)\n"
                        + "Pid:\t\(pid)\nPPid:\t\(pid == 2 ? 0 : 2)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n" + kthreadLine
                        + "Threads:\t1\nCpus_allowed_list:\t0-3\nMems_allowed_list:\t0-1\n")
                try write(root, "/proc/\(pid)/maps", "")
                #expect(chmod(root + "/proc/\(pid)/maps", 0) == 0)
            }
            // An ordinary process of another user whose maps is closed stays unreadable.
            try FileManager.default.createDirectory(atPath: root + "/proc/77", withIntermediateDirectories: true)
            try write(root, "/proc/77/status", "Name:\tsshd\nPPid:\t1\nUid:\t0\t0\t0\t0\nVmSize:\t  1000 kB\n")
            try write(root, "/proc/77/maps", "")
            #expect(chmod(root + "/proc/77/maps", 0) == 0)
            try replace(root, "/hugectl/manifest", "list /proc 4001 4002", with: "list /proc 2 3 77 4001 4002")
        }) { root in
            let r = try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", hugectlPath,
                                                 "--root", root, "status", "--json"])
            let doc = try jsonObject(r.stdout)
            let pids = Set(unreadable(doc).compactMap { $0["pid"] as? Int })
            #expect(pids == [77], "\(unreadable(doc))")
        }
    }
}
