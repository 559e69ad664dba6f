import Foundation
import Glibc
import HugectlCore
import HugectlProbe
import Testing

/// `hugectl features` on fixture trees: the command's output, usage errors and exit statuses.
@Suite("Features command")
struct FeaturesCommandTests {
    @Test(arguments: featuresFixtures)
    func fixtureOutput(fixture: String) throws {
        let root = fixturesDirectory + "/" + fixture
        let text = try hugectl(["--root", root, "features"])
        #expect(text.status == 0 && text.stderr.isEmpty, "\(text.stderr)")
        #expect(text.stdout == (try String(contentsOfFile: root + "/expected/features.txt", encoding: .utf8)))
        let json = try hugectl(["--root", root, "features", "--json"])
        #expect(json.status == 0)
        let expected = try String(contentsOfFile: root + "/expected/features.json", encoding: .utf8)
        #expect(withoutRoot(json.stdout) == withoutRoot(expected))
        #expect(try hugectl(["features", "--root", root, "-J"]).stdout.withoutGeneratedAt == json.stdout.withoutGeneratedAt,
                "--root after the command, -J")
    }

    @Test func probingASnapshotIsAUsageError() throws {
        let r = try hugectl(["--root", fixturesDirectory + "/features-v2-6.1", "features", "--probe"])
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderrLines.first?.hasPrefix("hugectl: --probe needs the running system: ") == true, "\(r.stderr)")
        #expect(r.stderrLines.last == "Try 'hugectl help features' for more information.")
    }

    @Test func usageErrors() throws {
        for arguments in [["features", "extra"], ["features", "--no-grow"], ["features", "--format", "prometheus"],
                          ["features", "--output", "size"], ["features", "--bogus"]] {
            let r = try hugectl(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderrLines.first?.hasPrefix("hugectl: ") == true)
        }
    }

    @Test func unreadableRoots() throws {
        let missing = try hugectl(["--root", "/nonexistent/hugectl", "features"])
        #expect(missing.status == 3 && missing.stdout.isEmpty)
        try withTemporaryDirectory { dir in
            let empty = try hugectl(["--root", dir, "features"])
            #expect(empty.status == 3)
            #expect(empty.stderr == "hugectl: \(dir)/sys/kernel/mm/hugepages: No such file or directory (no hugetlb support in this kernel?)\n")
        }
    }

    /// A snapshot tree (host-1node) answers what features reads, quietly, and says nothing
    /// was probed (a tree without those files: FeaturesTests.statusSnapshotTreeReadsQuietly).
    @Test func statusSnapshotTree() throws {
        let r = try hugectl(["--root", fixturesDirectory + "/host-1node", "features", "--json"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let doc = try jsonObject(r.stdout)
        #expect((doc["probe"] as? [String: Any])?["reason"] as? String == FeaturesReport.snapshotReason)
        #expect((doc["cgroup"] as? [String: Any])?["version"] is Int)
    }

    /// A snapshot of this machine records what features reads: `--root SNAP features --json`
    /// is byte for byte the live document, but for `root` and the three reasons nothing was
    /// probed (`probe.reason`, `hugetlbfs.options_skipped`, `userfaultfd.skipped`). Read-only:
    /// nothing is probed. Another process may change a pool meanwhile, so the snapshot is
    /// taken again until the live documents before and after it agree.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/mm/hugepages"), "needs hugetlb"))
    func liveSnapshotReplaysFeatures() throws {
        try withTemporaryDirectory { dir in
            for attempt in 1...5 {
                let before = try hugectl(["features", "--json"])
                let snap = try hugectl(["snapshot", dir + "/snap\(attempt)"])
                #expect(snap.status == 0, "\(snap.stderr)")
                // When each was read differs by a second or so: compare the rest.
                guard try hugectl(["features", "--json"]).stdout.withoutGeneratedAt == before.stdout.withoutGeneratedAt
                else { continue }
                let replay = try hugectl(["--root", dir + "/snap\(attempt)", "features", "--json"])
                #expect(replay.status == 0 && replay.stderr.isEmpty, "\(replay.stderr)")
                let expected = before.stdout.withoutGeneratedAt
                    .replacingOccurrences(of: "\n  \"root\": \"/\",\n", with: "\n  \"root\": \"\(dir)/snap\(attempt)\",\n")
                    .replacingOccurrences(of: "\"\(FeaturesReport.notRequestedReason)\"",
                                          with: "\"\(FeaturesReport.snapshotReason)\"")
                #expect(replay.stdout.withoutGeneratedAt == expected)
                #expect(replay.stdout.components(separatedBy: FeaturesReport.snapshotReason).count == 4)
                return
            }
            Issue.record("the live features document changed around each of 5 snapshots")
        }
    }

    /// `snapshot --redact` of this machine keeps only the hugetlb parameters of /proc/cmdline
    /// (none of the others survives), and features of it reports the same boot parameters.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/mm/hugepages")
        && FileManager.default.isReadableFile(atPath: "/proc/cmdline"), "needs hugetlb and /proc/cmdline"))
    func redactedLiveSnapshotKeepsOnlyHugetlbBootParameters() throws {
        let live = try String(contentsOfFile: "/proc/cmdline", encoding: .utf8)
        let hugetlb = FeaturesCollector.bootParameters(live)
        try withTemporaryDirectory { dir in
            let snap = try hugectl(["snapshot", "--redact", dir + "/snap"])
            #expect(snap.status == 0, "\(snap.stderr)")
            let recorded = try String(contentsOfFile: dir + "/snap/proc/cmdline", encoding: .utf8)
            #expect(recorded == hugetlb.joined(separator: " ") + "\n")
            let words = Set(recorded.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            for word in live.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
                where !hugetlb.contains(word) {
                #expect(!words.contains(word), "\(word) survived the redaction")
            }
            let doc = try jsonObject(try hugectl(["--root", dir + "/snap", "features", "--json"]).stdout)
            let boot = try #require(doc["boot"] as? [String: Any])
            #expect(boot["command_line_read"] as? Bool == true)
            #expect(boot["parameters"] as? [String] == hugetlb)
        }
    }

    @Test func helpNamesTheCommand() throws {
        let general = try hugectl(["--help"])
        #expect(general.stdout.contains(" features [--probe [--no-grow]]"))
        let help = try hugectl(["help", "features"])
        #expect(help.status == 0 && help.stdout.contains("    --probe ") && help.stdout.contains("    --no-grow "))
    }
}
