import Foundation
import Glibc
import Testing

extension LiveSystemTests {
/// `snapshot --redact` for bug reports: no command line, no file name, no host name in the
/// tree, and the snapshot still analyses to what the live system said.
@Suite("Redacted snapshots")
struct RedactLiveTests {
    @Test func redactedSnapshotHidesNamesAndKeepsTheAnalysis() throws {
        try withPool(8) {
            try withHugetlbfs("pagesize=2M") { mount in
                let path = mount + "/secret-customer-db.buf"
                defer { unlink(path) }
                let holder = try Holder(kind: .fileShared, pages: 2, path: path, prefault: 1)
                defer { holder.stop() }
                try withTemporaryDirectory { dir in
                    let r = try hugectl(["snapshot", "--redact", dir + "/snap"])
                    #expect(r.status == 0, "\(r.stderr)")
                    let grep = try run("/bin/grep", ["-rl", "-e", "secret-customer", "-e", "holder --kind", dir + "/snap"])
                    #expect(grep.stdout.isEmpty, "names left in: \(grep.stdout)")
                    let cmdline = try String(contentsOfFile: dir + "/snap/proc/\(holder.pid)/cmdline", encoding: .utf8)
                    #expect(cmdline.isEmpty)
                    let manifest = try String(contentsOfFile: dir + "/snap/hugectl/manifest", encoding: .utf8)
                    #expect(!manifest.contains("\nhostname "))
                    let replay = try hugectl(["--root", dir + "/snap", "status", "--json"])
                    let recorded = try String(contentsOfFile: dir + "/snap/hugectl/status.json", encoding: .utf8)
                    #expect(withoutRoot(replay.stdout) == withoutRoot(recorded))
                    let doc = try jsonObject(replay.stdout)
                    let process = (doc["processes"] as? [[String: Any]])?.first { $0["pid"] as? Int == Int(holder.pid) }
                    let vma = (process?["vmas"] as? [[String: Any]])?.first
                    #expect((vma?["path"] as? String)?.hasPrefix(mount + "/redacted-") == true)
                    #expect(vma?["reserved_pending"] as? Int == 1)
                    let ledger = (doc["reservations"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 }
                    #expect(ledger?["unattributed"] as? Int == 0)
                }
            }
        }
    }
}
}
