import Foundation
import Glibc
import Testing
@testable import HugectlCore

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

    /// Runs `hugectl ARGS --watch 0.2` into a file until what it wrote satisfies `enough`
    /// (polled, 20 s at most), ends it with SIGINT, expects exit status 0 and returns what it
    /// wrote.
    func watchOutput(_ arguments: [String], until enough: (String) -> Bool) throws -> String {
        try withTemporaryDirectory { dir in
            let process = try ChildProcess(hugectlPath, ["--root", root] + arguments + ["--watch", "0.2"],
                                           environment: testEnvironment(), stdout: .file(dir + "/out"), stderr: .inherit)
            let deadline = Date().addingTimeInterval(20)
            var written = ""
            repeat {
                usleep(20_000)
                written = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
            } while !enough(written) && process.isRunning && Date() < deadline
            #expect(enough(written), "hugectl --watch wrote too little in 20 s: \(written)")
            process.signal(SIGINT)
            let (end, killed) = process.waitOrKill(after: 10)
            if killed { Issue.record("hugectl --watch did not stop on SIGINT within 10 s") }
            #expect(end.exited && end.status == 0)
            return try String(contentsOfFile: dir + "/out", encoding: .utf8)
        }
    }

    /// --watch off a terminal appends one JSON document a line, and SIGINT ends it with 0.
    @Test func watchWritesJSONLinesAndStopsOnInterrupt() throws {
        let lines = try watchOutput(["--json"]) { $0.filter { $0 == "\n" }.count >= 2 }.split(separator: "\n")
        #expect(lines.count >= 2)
        for line in lines { #expect((try? jsonObject(String(line)))?["schema_version"] as? Int == 1) }
        #expect(try hugectl(["--root", root, "--watch", "0"]).status == 2)
    }

    /// Runs `hugectl --root ROOT ARGS --watch 0.1 | head -1` in bash, SIGPIPE ignored or not,
    /// and returns hugectl's exit status (`timeout` kills a loop that never stops: 137).
    func watchIntoHead(_ arguments: [String], ignorePipe: Bool) throws -> Int32? {
        let script = (ignorePipe ? "trap '' PIPE; " : "")
            + #"timeout -s KILL 20 "$@" --watch 0.1 | head -1 > /dev/null; echo "${PIPESTATUS[0]}""#
        let result = try runBounded(["-c", script, "bash", hugectlPath, "--root", root] + arguments, program: "/bin/bash", timeout: 40)
        #expect(!result.timedOut)
        return Int32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `--watch` ends at the first failed write of its report: a reader gone is exit 0
    /// whatever SIGPIPE's disposition (systemd ignores it), as `| head -1` is without it.
    @Test(arguments: [["status"], ["status", "--json"], ["procs"]])
    func watchStopsWhenItsReaderIsGone(_ arguments: [String]) throws {
        #expect(try watchIntoHead(arguments, ignorePipe: true) == 0)
        #expect(try watchIntoHead(arguments, ignorePipe: false) == 0)
    }

    /// Any other write error ends `--watch` with exit 3 and says why.
    @Test func watchStopsAtAWriteError() throws {
        let result = try runBounded(["-c", #"trap '' PIPE; exec "$@" > /dev/full"#, "bash", hugectlPath,
                                     "--root", root, "status", "--watch", "0.1"], program: "/bin/bash", timeout: 20)
        #expect(!result.timedOut)
        #expect(result.exitedNormally && result.status == 3)
        #expect(result.stderr.contains("hugectl: write error: standard output:"))
    }

    /// Text reports off a terminal each start with a procps-watch header and end with a blank
    /// line, so a log tells the runs apart.
    @Test func watchTextHasAHeaderPerRun() throws {
        let header = "Every 0.2s: hugectl --root \(root) procs --watch 0.2    "
        let out = try watchOutput(["procs"]) { $0.components(separatedBy: header).count > 2 }
        let single = try hugectl(["--root", root, "procs"]).stdout
        let runs = out.components(separatedBy: header).dropFirst()
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
        #expect(metrics.stdout.contains("# TYPE hugectl_pool_total_pages gauge\n"))
        #expect(metrics.stdout.contains("hugectl_pool_reserved_pages{size=\"2M\",page_size_bytes=\"2097152\"} 6\n"))
        #expect(metrics.stdout.contains("hugectl_node_pool_free_pages{size=\"2M\",page_size_bytes=\"2097152\",node=\"1\"} 4\n"))
        // The deprecated alias stays within schema_version 1.
        #expect(metrics.stdout.contains("hugectl_node_pool_pages{size=\"2M\",page_size_bytes=\"2097152\",node=\"1\",state=\"free\"} 4\n"))
        #expect(metrics.stdout.contains("hugectl_findings{id=\"reserve-policy-shortfall\",severity=\"error\"} 1\n"))
        // Zero-filled for every severity: an alert tells fine from not collected.
        #expect(metrics.stdout.contains("hugectl_findings{id=\"reserve-policy-shortfall\",severity=\"info\"} 0\n"))
        #expect(metrics.stdout.contains("hugectl_build_info{version=\""))
        let check = try hugectl(["--root", fixturesDirectory + "/shortfall-2node", "check", "--format", "prometheus"])
        func withoutTime(_ text: String) -> String {
            text.split(separator: "\n").filter { !$0.hasPrefix("hugectl_last_run_timestamp_seconds ") }.joined(separator: "\n")
        }
        #expect(check.status == 1 && withoutTime(check.stdout) == withoutTime(metrics.stdout))
        #expect(try hugectl(["--root", root, "procs", "--format", "prometheus"]).status == 2)
    }
}
