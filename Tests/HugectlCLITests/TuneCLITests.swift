import Foundation
import Glibc
import Testing

/// `pool` and `plan` command lines that write nothing: usage errors, dry runs, and plans of
/// fixture trees. `pool` reads the running system's pools (world-readable) for its page
/// sizes, so those tests need a kernel with 2M pages, not root.
@Suite("Tuner command line")
struct TuneCLITests {
    static let has2M = FileManager.default.fileExists(atPath: "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")

    /// Options that used to be ignored are usage errors naming what is wrong.
    @Test(.enabled(if: has2M, "needs a kernel with 2M huge pages"))
    func ignoredOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["pool", "set", "2M", "1", "--compact", "--wait", "abc"], "hugectl: bad --wait 'abc' (a number of seconds, e.g. 10)"),
            (["pool", "set", "2M", "1", "--compact", "--wait=-1"], "hugectl: bad --wait '-1' (a number of seconds, e.g. 10)"),
            (["pool", "set", "2M", "1", "--compact", "--wait", "inf"], "hugectl: bad --wait 'inf' (a number of seconds, e.g. 10)"),
            (["pool", "set", "2M", "1", "--wait", "5"], "hugectl: --wait applies only with --compact"),
            (["pool", "set", "2M", "1", "--interleave", "0"], "hugectl: --interleave applies only with --policy-aware"),
            (["pool", "set", "2M", "1", "--policy-aware", "--interleave", "x"], "hugectl: bad --interleave list 'x'"),
        ]
        for (arguments, message) in cases {
            let r = try hugectl(arguments + ["--dry-run"])
            #expect(r.status == 2, "\(arguments): \(r)")
            #expect(r.stderrLines.first == message, "\(arguments)")
            #expect(r.stdout.isEmpty, "\(arguments): nothing planned")
        }
        #expect(try hugectl(["pool", "set", "2M", "1", "--compact", "--wait", "2.5", "--dry-run"]).status == 0)
    }

    /// A dry run of --policy-aware prints the write as numactl would make it, with the policy.
    @Test(.enabled(if: has2M, "needs a kernel with 2M huge pages"))
    func policyAwareDryRunNamesThePolicy() throws {
        let r = try hugectl(["pool", "set", "2M", "3", "--policy-aware", "--interleave", "0", "--dry-run"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\nnumactl --interleave=0 sh -c 'echo 3 > "
            + "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages_mempolicy'\n"), "\(r.stdout)")
        #expect(!r.stdout.contains("\necho 3 >"))
    }

    /// --headroom of a size the kernel (here the tree) does not have would add nothing.
    @Test func headroomOfAnUnknownSize() throws {
        let r = try hugectl(["--root", fixturesDirectory + "/two-node", "plan", "--headroom", "4M=5"])
        #expect(r.status == 2)
        #expect(r.stderrLines.first == "hugectl: --headroom 4M=5: unknown page size '4M' (this kernel supports: 2M, 1G)")
        #expect(r.stdout.isEmpty)
        #expect(try hugectl(["--root", fixturesDirectory + "/two-node", "plan", "--headroom", "1G=1"]).status == 0)
    }

    /// A plan made from an incomplete scan says so, once, and its JSON carries the scan.
    @Test func planSaysTheScanIsIncomplete() throws {
        try withTemporaryDirectory { dir in
            let root = dir + "/tree"
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/shortfall-2node", toPath: root)
            _ = try run("/bin/chmod", ["-R", "u+w", root])
            try FileManager.default.removeItem(atPath: root + "/proc/4002/smaps")
            try FileManager.default.createDirectory(atPath: root + "/proc/4002/smaps", withIntermediateDirectories: false)
            let text = try hugectl(["--root", root, "plan"])
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.components(separatedBy: "Process scan incomplete: ").count == 2, "said once: \(text.stdout)")
            #expect(text.stdout.contains("Process scan incomplete: 1 of 2 processes could not be read fully "
                + "(e.g. /proc/4002/smaps: Is a directory); their hugetlb use is not shown.\n"))
            let json = try hugectl(["--root", root, "plan", "--json"])
            #expect(json.status == 0)
            let scan = try #require(try jsonObject(json.stdout)["scan"] as? [String: Any])
            #expect(scan["complete"] as? Bool == false)
            #expect((scan["unreadable"] as? [[String: Any]])?.first?["path"] as? String == "/proc/4002/smaps")

            // The whole tree: no note, and a complete scan.
            let full = try hugectl(["--root", fixturesDirectory + "/shortfall-2node", "plan"])
            #expect(!full.stdout.contains("Process scan incomplete"))
            let fullJSON = try jsonObject(try hugectl(["--root", fixturesDirectory + "/shortfall-2node", "plan", "--json"]).stdout)
            #expect((fullJSON["scan"] as? [String: Any])?["complete"] as? Bool == true)
        }
    }

    /// Kernel numbers near Int.max: the plan is worked out with clamped sums, never a trap.
    @Test(arguments: [
        ("4611686018427387904", ["--headroom", "10%"]),
        ("4611686018427387904", ["--headroom", "10%", "--json"]),
        ("9223372036854775807", ["--headroom", "1000%"]),
        ("9223372036854775807", ["--headroom", "2M=1073741824", "--json"]),
        ("9223372036854775807", []),
    ])
    func hugeNodeCountsDoNotTrap(count: String, options: [String]) throws {
        try withTemporaryDirectory { dir in
            let root = dir + "/tree"
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: root)
            _ = try run("/bin/chmod", ["-R", "u+w", root])
            for node in ["node0", "node1"] {
                try "\(count)\n".write(toFile: root + "/sys/devices/system/node/\(node)/hugepages/hugepages-2048kB/nr_hugepages",
                                       atomically: false, encoding: .utf8)
            }
            let r = try runBounded(["--root", root, "plan"] + options, timeout: 30)
            #expect(!r.timedOut && r.exitedNormally, "\(options): \(r)")
            #expect(r.status == 0 || r.status == 1, "\(options): \(r)")
            if options.contains("--json") { #expect((try? jsonObject(r.stdout)) != nil, "\(r.stdout)") }
            if options == ["--headroom", "10%"] {
                // 10% of 2^62, rounded up, fits: no clamping needed.
                #expect(r.stdout.contains("hugectl pool set 2M 0:5072854620270126695,1:5072854620270126695"), "\(r.stdout)")
            }
        }
    }
}
