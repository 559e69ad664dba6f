import Foundation
import Glibc
import Testing

/// `pool` and `plan` command lines that write nothing: usage errors, dry runs, and plans of
/// fixture trees.
@Suite("Tuner command line")
struct TuneCLITests {
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
