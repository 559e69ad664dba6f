import Foundation
import Glibc
import Testing
@testable import HugectlCore

/// hugectl as an ordinary user (nobody, through setpriv): it still reports what it can see,
/// says once that the process scan is incomplete, and exits 0.
extension LiveSystemTests {
/// Serialised with the other live tests: it compares pool files before and after.
@Suite("Unprivileged runs", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                                     "needs setpriv to drop to nobody"))
struct UnprivilegedLiveTests {
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
    /// message names is what is needed. The lock is a temporary file (HUGECTL_LOCK_PATH), so
    /// that no file of nobody's is left in /run.
    @Test func dacOverrideIsEnough() throws {
        let path = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
        try withTemporaryDirectory { dir in
            let lock = dir + "/hugectl.lock"
            try withPool(2) {
                let r = try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                     "--inh-caps=+dac_override", "--ambient-caps=+dac_override", hugectlPath,
                                                     "pool", "set", "2M", "+1"], environment: ["HUGECTL_LOCK_PATH": lock])
                #expect(r.status == 0, "\(r)")
                #expect(try readSys(path) == 3)
            }
            #expect(FileManager.default.fileExists(atPath: lock), "the lock was the temporary one")
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
