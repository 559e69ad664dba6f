import Foundation
import Testing

/// Issue 14, item 8: after `pool set 2M 100 --force` left pages in use as surplus, `status`,
/// `check` and `plan` say that the pool falls when their holders exit, and `plan` keeps them.
@Suite("Surplus pages in use")
struct SurplusInUseTests {
    /// Tests/Fixtures/two-node with node 0's pool shrunk below its use: 5 pages, 3 free, 2 of
    /// the 2 in use surplus, and no overcommit (which cannot have made them).
    func withForcedShrink<T>(_ body: (String) throws -> T) throws -> T {
        try withTemporaryDirectory { dir in
            let root = dir + "/t"
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: root)
            let pool = root + "/sys/kernel/mm/hugepages/hugepages-2048kB"
            try "2\n".write(toFile: pool + "/surplus_hugepages", atomically: true, encoding: .utf8)
            try "0\n".write(toFile: pool + "/nr_overcommit_hugepages", atomically: true, encoding: .utf8)
            try "2\n".write(toFile: root + "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/surplus_hugepages",
                            atomically: true, encoding: .utf8)
            let meminfo = try String(contentsOfFile: root + "/proc/meminfo", encoding: .utf8)
                .replacingOccurrences(of: "HugePages_Surp:             1", with: "HugePages_Surp:             2")
            try meminfo.write(toFile: root + "/proc/meminfo", atomically: true, encoding: .utf8)
            return try body(root)
        }
    }

    @Test func checkWarnsThatThePoolFalls() throws {
        try withForcedShrink { root in
            let check = try hugectl(["--root", root, "check", "--fail-on", "warning", "--json"])
            #expect(check.status == 1, "\(check.stderr)")
            let findings = try #require(try jsonObject(check.stdout)["findings"] as? [[String: Any]])
            let found = try #require(findings.first { $0["id"] as? String == "surplus-in-use" })
            #expect(found["severity"] as? String == "warning")
            #expect(found["pages"] as? Int == 2)
            #expect(found["nodes"] as? [Int] == [0])
            #expect((found["message"] as? String)?.contains("falls from 16 to 14 pages") == true)
            #expect((found["hint"] as? String)?.contains("hugectl pool set 2M 0:5,1:11") == true)
            #expect(!findings.contains { $0["id"] as? String == "counter-inconsistent" }, "the tree is consistent")
            let status = try hugectl(["--root", root, "status"])
            #expect(status.stdout.contains("surplus-in-use"))
            for format in ["tap", "junit", "prometheus"] {
                #expect(try hugectl(["--root", root, "check", "--format", format]).stdout.contains("surplus-in-use"), "\(format)")
            }
        }
        // The unchanged fixture's surplus page is within nr_overcommit_hugepages: no finding.
        let plain = try hugectl(["--root", fixturesDirectory + "/two-node", "check", "--json"])
        #expect(!plain.stdout.contains("surplus-in-use"))
    }

    /// `plan` names the surplus pages and writes the node's count even where it would not
    /// grow it: the write makes them persistent.
    @Test func planKeepsThem() throws {
        try withForcedShrink { root in
            let text = try hugectl(["--root", root, "plan"])
            #expect(text.stdout.contains("2 of the 16 2M pages are surplus: they leave the pool when freed (it falls to 14)"),
                    "\(text.stdout)")
            let json = try jsonObject(try hugectl(["--root", root, "plan", "--json"]).stdout)
            let size = try #require((json["sizes"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 })
            #expect(size["surplus_now"] as? Int == 2)
            let nodes = try #require(size["nodes"] as? [[String: Any]])
            #expect(nodes.first { $0["node"] as? Int == 0 }?["surplus_now"] as? Int == 2)
            let commands = try #require(json["commands"] as? [String])
            #expect(commands.contains { $0.hasPrefix("hugectl pool set 2M 0:") }, "\(commands)")
            let sysfs = try #require(json["sysfs"] as? [String])
            #expect(sysfs.contains { $0.hasSuffix("node0/hugepages/hugepages-2048kB/nr_hugepages") }, "\(sysfs)")
        }
    }
}
