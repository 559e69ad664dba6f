import Foundation
import Glibc
import Testing

@Suite("The hugectl command line")
struct CLITests {
    @Test(arguments: [["--version"], ["-V"], ["status", "--version"]])
    func version(arguments: [String]) throws {
        let r = try hugectl(arguments)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("hugectl 0."))
        #expect(r.stderr.isEmpty)
    }

    @Test(arguments: [["--help"], ["-h"], ["help"], ["help", "status"], ["status", "--help"], ["snapshot", "-h"],
                      ["help", "snapshot"], ["help", "help"], ["--root", "/x", "status", "-h"]])
    func help(arguments: [String]) throws {
        let r = try hugectl(arguments)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Usage:"))
        #expect(r.stdout.contains("Exit status:"))
        #expect(r.stderr.isEmpty)
    }

    @Test func commandHelpNamesItsOwnOptions() throws {
        #expect(try hugectl(["help", "snapshot"]).stdout.contains("--tar FILE"))
        #expect(try hugectl(["help", "status"]).stdout.contains("--json"))
        #expect(try !hugectl(["help", "snapshot"]).stdout.contains("--json"))
    }

    /// Usage errors: exit 2, nothing on stdout, one line saying what, one saying where to look.
    @Test(arguments: [
        (["--bogus"], "hugectl: unrecognized option '--bogus'"),
        (["frobnicate"], "hugectl: unknown command 'frobnicate'"),
        (["help", "frobnicate"], "hugectl: unknown command 'frobnicate'"),
        (["status", "extra"], "hugectl: unexpected argument 'extra'"),
        (["status", "--format", "yaml"], "hugectl: unknown format 'yaml' (choose: text, json, prometheus)"),
        (["status", "--color=sometimes"], "hugectl: unknown --color value 'sometimes' (choose: auto, always, never)"),
        (["--root"], "hugectl: option '--root' requires an argument"),
        (["status", "--json=yes"], "hugectl: option '--json' doesn't allow an argument"),
        (["-x"], "hugectl: invalid option -- 'x'"),
        (["snapshot"], "hugectl: snapshot needs a directory, --tar FILE, or both"),
        (["--json", "snapshot", "/tmp/x"], "hugectl: option '--json' does not apply to 'snapshot'"),
        (["snapshot", "/tmp/a", "/tmp/b"], "hugectl: unexpected argument '/tmp/b'"),
        (["help", "status", "extra"], "hugectl: unexpected argument 'extra'"),
        (["status", "--color="], "hugectl: unknown --color value '' (choose: auto, always, never)"),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let r = try hugectl(arguments)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderrLines.count == 2)
        #expect(r.stderrLines.first == message)
        #expect(r.stderrLines.last?.hasPrefix("Try 'hugectl ") == true)
    }

    @Test func unreadableRootExitsThree() throws {
        let r = try hugectl(["--root=/nonexistent/tree", "status", "--json"])
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "hugectl: /nonexistent/tree: No such file or directory\n")
    }

    /// A report that could not be written never passes: exit 3 and one line saying why,
    /// whatever the command found; a reader that went away (EPIPE) is no failure.
    @Test(arguments: [["status"], ["check", "--format", "junit"], ["procs", "--json"], ["--watch", "0.1"]])
    func unwritableOutputExitsThree(_ arguments: [String]) throws {
        let tree = fixturesDirectory + "/two-node"
        let full = try run("/bin/sh", ["-c", "tree=$1; shift; exec \"$0\" --root \"$tree\" \"$@\" > /dev/full", hugectlPath, tree] + arguments)
        #expect(full.status == 3, "\(full)")
        #expect(full.stderr.hasSuffix("hugectl: write error: standard output: No space left on device\n"), "\(full.stderr)")
        let pipe = try run("/bin/sh", ["-c", "\"$0\" --root \"$1\" procs -v | head -c 1 > /dev/null; exit 0", hugectlPath, tree])
        #expect(!pipe.stderr.contains("write error"), "\(pipe.stderr)")
    }

    /// nr_inodes=, mode=, uid=, gid= as the kernel lists them (and their defaults when it
    /// does not); a bad one is a warning naming the mount.
    @Test func mountOwnershipAndInodeLimit() throws {
        try withTemporaryDirectory { dir in
            let tree = dir + "/tree"
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: tree)
            _ = try run("/bin/chmod", ["-R", "u+w", tree])
            try """
                none /mnt/a hugetlbfs rw,relatime,uid=1000,gid=100,mode=1770,nr_inodes=64,pagesize=2M 0 0
                none /mnt/b hugetlbfs rw,relatime,mode=9x,pagesize=2M 0 0

                """.write(toFile: tree + "/proc/mounts", atomically: true, encoding: .utf8)
            let r = try hugectl(["--root", tree, "--json"])
            let mounts = try #require(try jsonObject(r.stdout)["mounts"] as? [[String: Any]])
            #expect(mounts.count == 2)
            #expect(mounts.first?["inode_limit"] as? Int == 64)
            #expect(mounts.first?["mode"] as? String == "1770")
            #expect(mounts.first?["uid"] as? Int == 1000 && mounts.first?["gid"] as? Int == 100)
            #expect(mounts.last?["inode_limit"] is NSNull)
            #expect(mounts.last?["mode"] as? String == "0755" && mounts.last?["uid"] as? Int == 0)
            #expect(r.stderr.contains("/proc/mounts: /mnt/b: bad mode '9x'"), "\(r.stderr)")
        }
    }

    @Test func rootWithoutHugetlbExitsThree() throws {
        try withTemporaryDirectory { dir in
            let r = try hugectl(["--root", dir])
            #expect(r.status == 3)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr == "hugectl: \(dir)/sys/kernel/mm/hugepages: No such file or directory (no hugetlb support in this kernel?)\n")
        }
    }

    @Test func optionsBeforeOrAfterTheCommandAgree() throws {
        let root = fixturesDirectory + "/two-node"
        let a = try hugectl(["--root", root, "--json"])
        let b = try hugectl(["status", "--format=json", "--root=\(root)"])
        let c = try hugectl(["-J", "--root", root, "--", "status"])
        #expect(a.status == 0 && b.status == 0 && c.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout == c.stdout)
        #expect(try jsonObject(a.stdout)["root"] as? String == root)
    }

    @Test func lastOutputFormatWins() throws {
        let root = fixturesDirectory + "/two-node"
        #expect(try hugectl(["--root", root, "-J", "--format", "text"]).stdout.hasPrefix("SIZE"))
        #expect(try hugectl(["--root", root, "--format", "text", "--json"]).stdout.hasPrefix("{"))
    }

    @Test func textOutputOptions() throws {
        let root = fixturesDirectory + "/two-node"
        let plain = try hugectl(["--root", root])
        #expect(plain.stdout.hasPrefix("SIZE  TOTAL"))
        #expect(!plain.stdout.contains("\u{1B}["), "no colour when not on a terminal")
        let coloured = try hugectl(["--root", root, "--color=always"])
        #expect(coloured.stdout.contains("\u{1B}["))
        let bare = try hugectl(["--root", root, "--color"])
        #expect(!bare.stdout.contains("\u{1B}["), "--color alone is auto, as in util-linux")
        let lastWins = try hugectl(["--root", root, "--color=always", "--color=never"])
        #expect(!lastWins.stdout.contains("\u{1B}["))
        let never = try hugectl(["--root", root, "--color=never"], environment: ["TERM": "xterm"])
        #expect(!never.stdout.contains("\u{1B}["))
        let headless = try hugectl(["--root", root, "-n"])
        #expect(!headless.stdout.contains("SIZE"))
        #expect(headless.stdout.hasPrefix("2M"))
    }

    @Test func brokenTreeWarnsOnStderrAndCarriesOn() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: dir + "/t")
            try "garbage\n".write(toFile: dir + "/t/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
                                  atomically: false, encoding: .utf8)
            let r = try hugectl(["--root", dir + "/t", "--json"])
            #expect(r.status == 0)
            #expect(r.stderr == "hugectl: \(dir)/t/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages: not a number: 'garbage'\n")
            let doc = try jsonObject(r.stdout)
            #expect((doc["warnings"] as? [String])?.count == 1)
            let pool = (doc["pools"] as? [[String: Any]])?.first
            #expect(pool?["free"] is NSNull)
            #expect(pool?["in_use"] is NSNull)
        }
    }

    @Test func snapshotCommand() throws {
        let root = fixturesDirectory + "/four-node"
        try withTemporaryDirectory { dir in
            let r = try hugectl(["--root", root, "snapshot", dir + "/snap", "--tar", dir + "/bug.tar"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("hugectl --root \(dir)/snap status"))
            let replay = try hugectl(["--root", dir + "/snap", "--json"])
            let original = try hugectl(["--root", root, "--json"])
            #expect(withoutRoot(replay.stdout) == withoutRoot(original.stdout))
            let again = try hugectl(["--root", root, "snapshot", dir + "/snap"])
            #expect(again.status == 3)
            #expect(again.stderr == "hugectl: \(dir)/snap: directory is not empty; refusing to write into it\n")
            let tarAgain = try hugectl(["--root", root, "snapshot", "--tar", dir + "/bug.tar"])
            #expect(tarAgain.status == 3)
            #expect(tarAgain.stderr == "hugectl: \(dir)/bug.tar: File exists\n")
            let list = try run("/bin/tar", ["-tf", dir + "/bug.tar"])
            #expect(list.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("bug/") })
            #expect(list.stdout.contains("bug/hugectl/manifest"))
        }
    }
}

/// hugectl as an ordinary user (nobody, through setpriv): it still reports what it can see,
/// says once that the process scan is incomplete, and exits 0.
extension LiveSystemTests {
/// Serialised with the other live tests: it compares pool files before and after.
@Suite("Unprivileged runs", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                                     "needs setpriv to drop to nobody"))
struct UnprivilegedTests {
    func asNobody(_ arguments: [String]) throws -> RunResult {
        try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", hugectlPath] + arguments)
    }

    @Test func statusSaysTheScanIsIncomplete() throws {
        let json = try asNobody(["status", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let scan = try jsonObject(json.stdout)["scan"] as? [String: Any]
        #expect(scan?["complete"] as? Bool == false)
        #expect((scan?["unreadable"] as? [Any])?.isEmpty == false)
        let text = try asNobody(["status"])
        #expect(text.status == 0)
        #expect(text.stdout.components(separatedBy: "Process scan incomplete").count == 2, "said once")
        #expect(!text.stdout.contains("scan-incomplete"), "not again as a finding row")
        #expect(text.stdout.contains("Verdict: OK for what could be read") || text.stdout.contains("Verdict: ") && !text.stdout.contains("Verdict: OK:"))
        let procs = try asNobody(["procs"])
        #expect(procs.status == 0)
        #expect(procs.stdout.contains("Process scan incomplete"))
    }

    /// Changing pools needs root: refused with exit 3 and the privilege named; nothing written.
    /// The sysfs files are root's, mode 0644: what opens them for writing is uid 0 or
    /// CAP_DAC_OVERRIDE, not CAP_SYS_ADMIN.
    @Test func tuningIsRefused() throws {
        let path = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let refusal = "hugectl: \(path): writing it needs root (write permission on this root-owned file: uid 0, "
            + "or CAP_DAC_OVERRIDE); run as root, or add --dry-run\n"
        let pool = try asNobody(["pool", "set", "2M", "+1"])
        #expect(pool.status == 3)
        #expect(pool.stderr == refusal)
        let plan = try asNobody(["plan", "--headroom", "2M=1", "--apply"])
        #expect(plan.status == 3)
        #expect(plan.stderr == refusal)
        // Nothing to change: refused all the same, before anything is read or planned.
        let nothing = try asNobody(["plan", "--apply"])
        #expect(nothing.status == 3)
        #expect(nothing.stderr == refusal)
        #expect(nothing.stdout.isEmpty)
        let adminOnly = try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                     "--inh-caps=+sys_admin", "--ambient-caps=+sys_admin", hugectlPath,
                                                     "pool", "set", "2M", "+1"])
        #expect(adminOnly.status == 3, "CAP_SYS_ADMIN does not open the file for writing")
        #expect(adminOnly.stderr == refusal)
        #expect(try asNobody(["pool", "set", "2M", "+1", "--dry-run"]).status == 0, "a dry run needs no privilege")
        #expect(try asNobody(["plan", "--apply", "--dry-run"]).status == 0, "a dry run needs no privilege")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
    }

    /// With CAP_DAC_OVERRIDE, nobody may write the pool (and take the lock): what the
    /// message names is what is needed.
    @Test func dacOverrideIsEnough() throws {
        let path = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
        try withPool(2) {
            let r = try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                 "--inh-caps=+dac_override", "--ambient-caps=+dac_override", hugectlPath,
                                                 "pool", "set", "2M", "+1"])
            #expect(r.status == 0, "\(r)")
            #expect(try readSys(path) == 3)
        }
    }

    /// The read-only commands work as nobody: check and plan say the scan is incomplete and
    /// exit by their findings; a snapshot into a directory nobody may write fails cleanly.
    @Test func readOnlyCommandsWork() throws {
        let check = try asNobody(["check"])
        #expect(check.status == 0 || check.status == 1, "\(check)")
        #expect(check.stdout.contains("scan-incomplete"))
        let plan = try asNobody(["plan"])
        #expect(plan.status == 0 || plan.status == 1, "\(plan)")
        #expect(plan.stdout.components(separatedBy: "Process scan incomplete").count == 2, "said once: \(plan.stdout)")
        #expect(!plan.stdout.contains("every owed page can be served"), "not claimed from an incomplete scan")
        let json = try asNobody(["plan", "--json"])
        #expect((try jsonObject(json.stdout)["scan"] as? [String: Any])?["complete"] as? Bool == false)
        try withTemporaryDirectory { dir in
            chmod(dir, 0o755)  // root's: nobody may look but not write
            let snapshot = try asNobody(["snapshot", dir + "/snap"])
            #expect(snapshot.status == 3, "\(snapshot)")
            #expect(snapshot.stderr == "hugectl: \(dir)/snap: Permission denied\n")
            #expect(!FileManager.default.fileExists(atPath: dir + "/snap"))
        }
    }
}
}

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
    }

    @Test func formats() throws {
        let junit = try hugectl(["--root", shortfall, "check", "--format", "junit"])
        #expect(junit.status == 1)
        #expect(junit.stdout.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "))
        #expect(junit.stdout.contains("<failure type=\"error\""))
        let tap = try hugectl(["--root", shortfall, "check", "--format=tap"])
        // One test point per finding ID of the catalog (docs/findings.md lists them).
        #expect(tap.stdout.hasPrefix("TAP version 13\n1..13\nnot ok 1 - reserve-policy-shortfall\n"))
        let json = try hugectl(["--root", shortfall, "check", "-J"])
        let status = try hugectl(["--root", shortfall, "status", "--json"])
        #expect(json.stdout == status.stdout, "check --json is the status document")
    }
}

@Suite("Output choices: columns, watch, Prometheus")
struct OutputChoiceTests {
    let root = fixturesDirectory + "/four-node"

    @Test func columns() throws {
        let pools = try hugectl(["--root", root, "-o", "size,free,total", "--no-headers"])
        #expect(pools.stdout.hasPrefix("2M  40  96\n1G   0   2\n"))
        let procs = try hugectl(["--root", root, "procs", "--output=PID,OWED"])
        #expect(procs.stdout == " PID  OWED\n3001    12\n3002    12\n")
        let added = try hugectl(["--root", root, "procs", "-v", "-o", "+kind", "--no-headers"])
        #expect(added.stdout.split(separator: "\n").first?.hasSuffix("file_shared") == true)
        let bad = try hugectl(["--root", root, "procs", "-o", "size,bogus"])
        #expect(bad.status == 2)
        #expect(bad.stderrLines.first?.hasPrefix("hugectl: unknown column 'bogus' (choose: pid, name, size,") == true)
    }

    /// Runs `hugectl ARGS --watch 0.2` into a file for about a second, ends it with SIGINT,
    /// expects exit status 0 and returns what it wrote.
    func watchOutput(_ arguments: [String]) throws -> String {
        try withTemporaryDirectory { dir in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: hugectlPath)
            process.arguments = ["--root", root] + arguments + ["--watch", "0.2"]
            _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
            try process.run()
            usleep(900_000)
            kill(process.processIdentifier, SIGINT)
            var waited = 0
            while process.isRunning && waited < 100 {
                usleep(100_000)
                waited += 1
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("hugectl --watch did not stop on SIGINT within 10 s")
            }
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
            return try String(contentsOfFile: dir + "/out", encoding: .utf8)
        }
    }

    /// --watch off a terminal appends one JSON document a line, and SIGINT ends it with 0.
    @Test func watchWritesJSONLinesAndStopsOnInterrupt() throws {
        let lines = try watchOutput(["--json"]).split(separator: "\n")
        #expect(lines.count >= 2)
        for line in lines { #expect((try? jsonObject(String(line)))?["schema_version"] as? Int == 1) }
        #expect(try hugectl(["--root", root, "--watch", "0"]).status == 2)
    }

    /// Text reports off a terminal each start with a procps-watch header and end with a blank
    /// line, so a log tells the runs apart.
    @Test func watchTextHasAHeaderPerRun() throws {
        let out = try watchOutput(["procs"])
        let single = try hugectl(["--root", root, "procs"]).stdout
        let runs = out.components(separatedBy: "Every 0.2s: hugectl --root \(root) procs --watch 0.2    ").dropFirst()
        #expect(runs.count >= 2, "\(out)")
        for run in runs {
            // The time (e.g. "Sun Nov 22 05:40:00 2026"), a blank line, the report, a blank line.
            let lines = run.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first?.count == 24, "\(lines.first ?? "")")
            #expect(lines.dropFirst().first == "")
            #expect(lines.dropFirst(2).joined(separator: "\n") == single + "\n")
        }
    }

    @Test func prometheusFormat() throws {
        let metrics = try hugectl(["--root", fixturesDirectory + "/shortfall-2node", "status", "--format", "prometheus"])
        #expect(metrics.status == 0)
        #expect(metrics.stdout.contains("# TYPE hugectl_pool_pages gauge\n"))
        #expect(metrics.stdout.contains("hugectl_node_pool_pages{size=\"2M\",node=\"1\",state=\"free\"} 4\n"))
        #expect(metrics.stdout.contains("hugectl_findings{id=\"reserve-policy-shortfall\",severity=\"error\"} 1\n"))
        let check = try hugectl(["--root", fixturesDirectory + "/shortfall-2node", "check", "--format", "prometheus"])
        #expect(check.status == 1 && check.stdout == metrics.stdout)
        #expect(try hugectl(["--root", root, "procs", "--format", "prometheus"]).status == 2)
    }
}
