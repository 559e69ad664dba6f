import Foundation
import Glibc
import Testing

/// Issue #13 against the running kernel: the ledger of an unprivileged user, and the pages
/// files nobody maps hold. Each test first asserts what the kernel itself says (resv_hugepages,
/// free_hugepages), then compares hugectl's runs.
///
/// Kernel rules relied on: a shared mapping's fault consumes one reservation of the object
/// whoever faults it (the fork child's too); `/proc/PID/map_files` refuses stat(2) without
/// CAP_SYS_ADMIN, even to the process's owner; munmap and exit leave a hugetlbfs file's pages
/// and reservations; `fallocate(PUNCH_HOLE)` frees the pages of its range and deletes their
/// reservation entries (`hugetlbfs_punch_hole` → `remove_inode_hugepages`).
extension LiveSystemTests {
@Suite("The ledger, complete")
struct LedgerLiveTests {
    /// nobody, as Debian names uid 65534.
    static let nobody: uid_t = 65534

    /// Runs hugectl as `nobody`.
    static func hugectlAsNobody(_ arguments: [String]) throws -> RunResult {
        try run("/usr/bin/setpriv", ["--reuid", "\(nobody)", "--regid", "\(nobody)", "--clear-groups", "--", hugectlPath]
                + arguments)
    }

    static func errorIDs(_ doc: [String: Any]) -> Set<String> {
        Set(((doc["findings"] as? [[String: Any]]) ?? []).filter { $0["severity"] as? String == "error" }
            .compactMap { $0["id"] as? String })
    }

    /// A shared anonymous mapping of 8 pages held by nobody: the parent faults page 0, its
    /// fork child pages 1–5. The kernel keeps 2 reserved and 2 free. Root reads the page cache
    /// (6 pages) and owes 2; nobody cannot, and the old rule (8 minus the most one mapper
    /// faulted: 3) raised a certain shortfall of 1. Now nobody's figure is bounded by Rsvd,
    /// says it is estimated, and no certain finding appears that root's run lacks.
    @Test func unprivilegedSharedMappingFaultedByTwoProcesses() throws {
        try withPool(8) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .anonShared, pages: 8, prefault: 1, fork: true, runAs: Self.nobody)
            defer { holder.stop() }
            let child = try holder.childTouch(1, 6)
            #expect(child.touched == 5 && !child.sigbus)
            #expect(try kernelReserved2M() == base + 2, "8 reserved at mmap, 6 faults consumed 6")
            #expect(try kernelFree2M() == 2)

            let root = try liveStatus()
            let rootLedger = try #require(reservations2M(root))
            #expect((rootLedger["attributed"] as? [String: Any])?["shared_objects"] as? Int == 2)
            #expect(rootLedger["estimated_pages"] as? Int == 0)
            let rootCheck = try hugectl(["check", "--json"])

            let user = try Self.hugectlAsNobody(["status", "--json"])
            #expect(user.status == 0, "\(user.stderr)")
            let userDoc = try jsonObject(user.stdout)
            let userLedger = try #require(reservations2M(userDoc))
            #expect((userLedger["attributed"] as? [String: Any])?["shared_objects"] as? Int == 2, "\(userLedger)")
            #expect(userLedger["unattributed"] as? Int == 0)
            #expect(userLedger["estimated_pages"] as? Int == 2, "nobody cannot stat through map_files")
            let reasons = (userLedger["estimates"] as? [[String: Any]])?.compactMap { $0["reason"] as? String }
            #expect(reasons == ["page_cache_unknown"])
            let userCheck = try Self.hugectlAsNobody(["check", "--json"])
            let extra = Self.errorIDs(try jsonObject(userCheck.stdout)).subtracting(Self.errorIDs(try jsonObject(rootCheck.stdout)))
            #expect(extra.isEmpty, "certain findings only nobody's run raises: \(extra)\n\(userCheck.stdout)")
            #expect(userCheck.status == rootCheck.status, "\(userCheck.stdout)")
            let text = try Self.hugectlAsNobody(["status"])
            #expect(text.stdout.contains("2 estimated (2: page cache unreadable"), "\(text.stdout)")
        }
    }

    /// Files left on a mount with no process: two pages written, an empty file, a file with a
    /// hole punched over written pages, and one written half. status names them and their
    /// pages and its verdict is not OK; check raises unmapped-files-hold-pages; --min-free
    /// points at the files before the pool; procs -v marks an unlinked file's path.
    @Test func filesNobodyMapsHoldPages() throws {
        try withPool(8) {
            try withHugetlbfs("pagesize=2M") { mount in
                let names = ["written.dat", "empty.dat", "punched.dat", "half.dat", "gone.dat"]
                defer { for name in names { unlink(mount + "/" + name) } }
                let base = try kernelReserved2M()
                for (name, pages, prefault) in [("written.dat", 2, 2), ("punched.dat", 3, 3), ("half.dat", 2, 1)] {
                    let holder = try Holder(kind: .fileShared, pages: pages, path: mount + "/" + name, prefault: prefault)
                    holder.stop()
                    #expect(holder.exitedCleanly)
                }
                #expect(FileManager.default.createFile(atPath: mount + "/empty.dat", contents: nil))
                // fallocate(1) --punch-hole: FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE.
                let punch = try run("/usr/bin/fallocate", ["--punch-hole", "--offset", "0", "--length", "2MiB",
                                                            mount + "/punched.dat"])
                #expect(punch.status == 0, "\(punch.stderr)")
                // Kernel: 2 + 2 + 1 pages in use; the half-written file keeps one reservation;
                // the punch freed a page and deleted its reservation entry.
                #expect(try kernelReserved2M() == base + 1)
                #expect(try kernelFree2M() == 3)
                #expect(fileBlocks(mount + "/punched.dat") == 2 * 4096)

                let doc = try liveStatus()
                let ledger = try #require(reservations2M(doc))
                let orphans = (ledger["orphans"] as? [[String: Any]]) ?? []
                let paths = Set(orphans.compactMap { $0["path"] as? String })
                #expect(Set(["written.dat", "empty.dat", "punched.dat", "half.dat"].map { mount + "/" + $0 }).isSubset(of: paths),
                        "every file nobody maps is listed, also the empty and the fully written one: \(orphans)")
                let inUse = try #require(ledger["in_use_holders"] as? [String: Any])
                let files = ((inUse["unmapped_files"] as? [[String: Any]]) ?? []).first { $0["mount"] as? String == mount }
                #expect(files?["in_use_pages"] as? Int == 5 && files?["files"] as? Int == 4, "\(inUse)")
                #expect(inUse["unexplained_pages"] as? Int == 0, "\(inUse)")

                let text = try hugectl(["status"])
                #expect(text.stdout.contains("INUSE 2M: 5 in use"), "\(text.stdout)")
                #expect(text.stdout.contains("on \(mount): 4 files no process maps: 5 in use, 1 reserved"), "\(text.stdout)")
                #expect(!text.stdout.contains("Verdict: OK"), "\(text.stdout)")

                let check = try hugectl(["check", "--json", "--min-free", "2M=4"])
                let findings = (try jsonObject(check.stdout)["findings"] as? [[String: Any]]) ?? []
                let unmapped = findings.first { $0["id"] as? String == "unmapped-files-hold-pages" }
                #expect(unmapped?["severity"] as? String == "warning" && unmapped?["pages"] as? Int == 6, "\(findings)")
                #expect((unmapped?["hint"] as? String)?.contains("rm -- ") == true)
                let expectation = findings.first { $0["id"] as? String == "expectation-unmet" }
                // 2 free and unreserved, 4 required: the 3 files that hold pages give back 5 in
                // use and 1 reserved, more than the 2 missing.
                let hint = expectation?["hint"] as? String
                #expect(hint?.hasPrefix("remove the 3 files on \(mount) that no process ") == true
                        && hint?.contains("maps or holds open, which hold 6 2M pages") == true
                        && hint?.contains("rm -- \(mount)/half.dat \(mount)/punched.dat \(mount)/written.dat") == true
                        && hint?.hasSuffix("that gives back at least the 2 pages missing") == true, "\(findings)")

                let holder = try Holder(kind: .fileShared, pages: 1, path: mount + "/gone.dat", prefault: 1)
                defer { holder.stop() }
                unlink(mount + "/gone.dat")
                let procs = try hugectl(["procs", "-v"])
                #expect(procs.stdout.contains(mount + "/gone.dat (deleted)"), "\(procs.stdout)")
            }
        }
    }
}
}
