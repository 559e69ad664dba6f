import Foundation
import Glibc
import Testing

/// Who holds hugetlb memory, against the running kernel: a `holder` (Tests/holders/holder.c)
/// creates one mapping of each kind, each test first asserts what the kernel itself says
/// (resv_hugepages, free_hugepages, smaps), then what `hugectl` reports about it.
///
/// Kernel rules relied on (../shared/docs/hugetlb-notes.md, captures A–G and I), each checked
/// below before hugectl is asked:
/// - MAP_SHARED file, shared anonymous, memfd: mmap reserves every page of the object, a write
///   fault consumes one (Rsvd = pages − faulted); a hugetlbfs file keeps its reservations after
///   its last mapper is gone, until truncate or unlink.
/// - MAP_PRIVATE file or anonymous: the VMA reserves its length, a write fault consumes one.
/// - fork: the child's copy of a private mapping has no reservation; its faults take
///   unreserved pages and leave Rsvd alone.
/// - MAP_NORESERVE: no reservation at all.
/// - SysV SHM_HUGETLB: reserved at shmget, released at IPC_RMID; inode in maps = shmid.
/// - hugetlbfs min_size=: reserved at mount; a mapping inside it draws on that reserve (Rsvd
///   does not rise), a fault uses one; unlinking the file gives the page back to the reserve.
extension LiveSystemTests {
@Suite("Consumers of hugetlb memory")
struct ConsumerLiveTests {
    static let pool = 16

    // MARK: 1–7: one mapping of each kind

    @Test func hugetlbfsFileShared() throws {
        try withPool(Self.pool) {
            try withHugetlbfs("pagesize=2M") { mount in
                let path = mount + "/shared.dat"
                defer { unlink(path) }
                let base = try kernelReserved2M()
                let holder = try Holder(kind: .fileShared, pages: 4, path: path, prefault: 1)
                defer { holder.stop() }

                // Kernel: the inode reserved 4 pages at mmap, the fault consumed one.
                #expect(try kernelReserved2M() == base + 3)
                let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
                #expect(vma.path == path)
                #expect(vma.mappedPages2M == 1)
                #expect(vma.vmFlags.contains("sh") && vma.vmFlags.contains("ht"))
                #expect(fileBlocks(path) == 4096, "st_blocks counts one page-cache huge page")

                let doc = try liveStatus()
                try expectHolderVMA(doc, holder, smaps: vma, kind: "file_shared", pages: 4, faulted: 1,
                                    pending: 3, noreserve: false, shared: true, path: path)

                // The reservations stay with the file after the mapper exits, until unlink.
                holder.stop()
                #expect(holder.exitedCleanly)
                #expect(try kernelReserved2M() == base + 3)
                unlink(path)
                #expect(try kernelReserved2M() == base)
            }
        }
    }

    @Test func hugetlbfsFilePrivate() throws {
        try withPool(Self.pool) {
            try withHugetlbfs("pagesize=2M") { mount in
                let path = mount + "/private.dat"
                defer { unlink(path) }
                let base = try kernelReserved2M()
                let holder = try Holder(kind: .filePrivate, pages: 4, path: path, prefault: 2)
                defer { holder.stop() }

                // Kernel: the private VMA reserved its 4 pages, two COW faults consumed two; the
                // private copies are not in the file's page cache.
                #expect(try kernelReserved2M() == base + 2)
                let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
                #expect(vma.mappedPages2M == 2)
                #expect(!vma.vmFlags.contains("sh"))
                #expect(fileBlocks(path) == 0)

                let doc = try liveStatus()
                try expectHolderVMA(doc, holder, smaps: vma, kind: "file_private", pages: 4, faulted: 2,
                                    pending: 2, noreserve: false, shared: false, path: path)

                // Unmapping a private mapping returns what it had not consumed.
                holder.stop()
                #expect(try kernelReserved2M() == base)
            }
        }
    }

    @Test func anonymousShared() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .anonShared, pages: 4, prefault: 1)
            defer { holder.stop() }

            #expect(try kernelReserved2M() == base + 3)
            let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
            #expect(vma.path.hasPrefix("/anon_hugepage"))
            #expect(vma.mappedPages2M == 1)
            #expect(vma.vmFlags.contains("sh"))

            let doc = try liveStatus()
            try expectHolderVMA(doc, holder, smaps: vma, kind: "anon_shared", pages: 4, faulted: 1,
                                pending: 3, noreserve: false, shared: true)

            holder.stop()
            #expect(try kernelReserved2M() == base, "shared anonymous: released with the last mapping")
        }
    }

    @Test func anonymousPrivate() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .anonPrivate, pages: 4, prefault: 2)
            defer { holder.stop() }

            #expect(try kernelReserved2M() == base + 2)
            let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
            #expect(vma.path.hasPrefix("/anon_hugepage"))
            #expect(vma.mappedPages2M == 2)
            #expect(!vma.vmFlags.contains("sh"))

            let doc = try liveStatus()
            try expectHolderVMA(doc, holder, smaps: vma, kind: "anon_private", pages: 4, faulted: 2,
                                pending: 2, noreserve: false, shared: false)

            holder.stop()
            #expect(try kernelReserved2M() == base)
        }
    }

    @Test func sysvSharedMemory() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .sysv, pages: 4, prefault: 1)
            defer { holder.stop() }
            #expect(holder.shmid >= 0)

            // Kernel: reserved at shmget, one fault consumed; maps names /SYSV<key> with the
            // shmid as inode; the segment is listed in /proc/sysvipc/shm.
            #expect(try kernelReserved2M() == base + 3)
            let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
            #expect(vma.path.hasPrefix("/SYSV"))
            #expect(vma.inode == Int(holder.shmid))
            #expect(vma.mappedPages2M == 1)
            #expect(sysvSegmentExists(holder.shmid))

            let doc = try liveStatus()
            try expectHolderVMA(doc, holder, smaps: vma, kind: "sysv_shm", pages: 4, faulted: 1,
                                pending: 3, noreserve: false, shared: true)

            // exit removes the segment (IPC_RMID), which releases the reservations.
            holder.stop()
            #expect(holder.exitedCleanly)
            #expect(!sysvSegmentExists(holder.shmid))
            #expect(try kernelReserved2M() == base)
        }
    }

    @Test func memfdShared() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .memfdShared, pages: 4, prefault: 1)
            defer { holder.stop() }

            #expect(try kernelReserved2M() == base + 3)
            let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
            #expect(vma.path.hasPrefix("/memfd:hugectl-holder"))
            #expect(vma.mappedPages2M == 1)
            #expect(vma.vmFlags.contains("sh"))

            let doc = try liveStatus()
            try expectHolderVMA(doc, holder, smaps: vma, kind: "memfd_shared", pages: 4, faulted: 1,
                                pending: 3, noreserve: false, shared: true)

            holder.stop()
            #expect(try kernelReserved2M() == base, "memfd: released with the last fd and mapping")
        }
    }

    @Test func noreserveFileShared() throws {
        try withPool(Self.pool) {
            try withHugetlbfs("pagesize=2M") { mount in
                let path = mount + "/noreserve.dat"
                defer { unlink(path) }
                let base = try kernelReserved2M()
                let freeBefore = try kernelFree2M()
                let holder = try Holder(kind: .fileShared, pages: 4, path: path, noreserve: true, prefault: 1)
                defer { holder.stop() }

                // Kernel: nothing reserved; the fault took a free page; VmFlags has "nr".
                #expect(try kernelReserved2M() == base)
                #expect(try kernelFree2M() == freeBefore - 1)
                let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
                #expect(vma.vmFlags.contains("nr"))
                #expect(vma.mappedPages2M == 1)

                let doc = try liveStatus()
                try expectHolderVMA(doc, holder, smaps: vma, kind: "file_shared", pages: 4, faulted: 1,
                                    pending: 0, noreserve: true, shared: true, path: path)
            }
        }
    }

    // MARK: 8: faults move the numbers

    @Test func partialFaultsThenMore() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .anonPrivate, pages: 6, prefault: 1)
            defer { holder.stop() }

            for (step, (first, last, faulted)) in [(0, 0, 1), (1, 3, 3), (3, 6, 6)].enumerated() {
                if last > first {
                    let result = try holder.touch(first, last)
                    #expect(result.touched == last - first && !result.sigbus, "step \(step)")
                }
                #expect(try kernelReserved2M() == base + 6 - faulted, "step \(step)")
                let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
                #expect(vma.mappedPages2M == faulted, "step \(step)")

                let doc = try liveStatus()
                try expectHolderVMA(doc, holder, smaps: vma, kind: "anon_private", pages: 6, faulted: faulted,
                                    pending: 6 - faulted, noreserve: false, shared: false)
            }
        }
    }

    // MARK: 9: a fork child with an inherited private mapping

    @Test func forkChildInheritsPrivateMapping() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .anonPrivate, pages: 4, prefault: 2, fork: true)
            defer { holder.stop() }
            #expect(holder.childPid > 0)

            // Kernel: only the parent (the reservation owner) reserved: 4 − 2 faulted. The child
            // maps the parent's two pages (page tables shared until COW).
            #expect(try kernelReserved2M() == base + 2)
            let parentVMA = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
            let childVMA = try #require(try smapsVMA(pid: holder.childPid, start: holder.start))
            #expect(parentVMA.mappedPages2M == 2)
            #expect(childVMA.mappedPages2M == 2)
            #expect(childVMA.sharedHugetlbKB == 2 * 2048)

            var doc = try liveStatus()
            try expectHolderVMA(doc, holder, smaps: parentVMA, kind: "anon_private", pages: 4, faulted: 2,
                                pending: 2, noreserve: false, shared: false)
            try expectChildVMA(doc, holder, smaps: childVMA, faulted: 2)

            // Kernel: a child fault takes an unreserved page; the parent's reservation stays.
            let freeBefore = try kernelFree2M()
            let result = try holder.childTouch(2, 3)
            #expect(result.touched == 1 && !result.sigbus)
            #expect(try kernelReserved2M() == base + 2)
            #expect(try kernelFree2M() == freeBefore - 1)
            let childAfter = try #require(try smapsVMA(pid: holder.childPid, start: holder.start))
            #expect(childAfter.mappedPages2M == 3)

            doc = try liveStatus()
            let parentAfter = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
            try expectHolderVMA(doc, holder, smaps: parentAfter, kind: "anon_private", pages: 4, faulted: 2,
                                pending: 2, noreserve: false, shared: false)
            try expectChildVMA(doc, holder, smaps: childAfter, faulted: 3)

            holder.stop()
            #expect(try kernelReserved2M() == base)
        }
    }

    // MARK: 10: a file whose mapper is gone

    @Test func reservationOutlivesExitedHolder() throws {
        try withPool(Self.pool) {
            try withHugetlbfs("pagesize=2M") { mount in
                let path = mount + "/orphan.dat"
                defer { unlink(path) }
                let base = try kernelReserved2M()
                let holder = try Holder(kind: .fileShared, pages: 4, path: path, prefault: 1)
                defer { holder.stop() }
                #expect(try kernelReserved2M() == base + 3)
                let pid = holder.pid
                holder.stop()
                #expect(holder.exitedCleanly)

                // Kernel: no mapper, no open fd, the file still linked: its 3 reservations and
                // its one page stay.
                #expect(try kernelReserved2M() == base + 3)
                #expect(fileBlocks(path) == 4096)
                #expect(FileManager.default.fileExists(atPath: "/proc/\(pid)") == false)

                let doc = try liveStatus()
                let processes = doc["processes"] as? [[String: Any]] ?? []
                #expect(!processes.contains { $0["pid"] as? Int == Int(pid) }, "the holder has exited")
                let reservations = try #require(reservations2M(doc))
                let orphans = reservations["orphans"] as? [[String: Any]] ?? []
                let orphan = try #require(orphans.first { $0["path"] as? String == path },
                                          "an orphan entry for \(path); orphans: \(orphans)")
                #expect(orphan["kind"] as? String == "file")
                #expect(orphan["pages_reserved"] as? Int == 3)
                #expect(orphan["pages_instantiated"] as? Int == 1)
                #expect(orphan["shmid"] is NSNull)
                let attributed = reservations["attributed"] as? [String: Any]
                #expect((attributed?["orphans"] as? Int ?? 0) >= 3)

                // Kernel: unlink releases them.
                unlink(path)
                #expect(try kernelReserved2M() == base)
                let after = try liveStatus()
                let left = reservations2M(after)?["orphans"] as? [[String: Any]] ?? []
                #expect(!left.contains { $0["path"] as? String == path })
            }
        }
    }

    // MARK: 10b: a memfd held only by its descriptor; a SysV segment nobody attaches

    @Test func memfdHeldOnlyByItsDescriptor() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .memfdShared, pages: 4, prefault: 1, unmapAfterSetup: true)
            defer { holder.stop() }
            // Kernel: the mapping is gone, the open fd keeps the object with its 3 reservations.
            #expect(try kernelReserved2M() == base + 3)
            let doc = try liveStatus()
            let processes = doc["processes"] as? [[String: Any]] ?? []
            let process = try #require(processes.first { $0["pid"] as? Int == Int(holder.pid) }, "the holder is listed")
            #expect((process["vmas"] as? [Any])?.isEmpty == true)
            #expect((process["open_objects"] as? [Any])?.count == 1)
            let orphans = reservations2M(doc)?["orphans"] as? [[String: Any]] ?? []
            let orphan = try #require(orphans.first { $0["kind"] as? String == "memfd" }, "orphans: \(orphans)")
            #expect(orphan["pages_reserved"] as? Int == 3)
            #expect(orphan["pages_instantiated"] as? Int == 1)
            holder.stop()
            #expect(try kernelReserved2M() == base)
        }
    }

    /// docs/reservations.md, limits: nothing in /proc tells a hugetlb SysV segment that no
    /// process attaches from a shmem one, so its reservations stay unattributed, and say so.
    @Test func unattachedSysvSegmentIsUnattributed() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            let holder = try Holder(kind: .sysv, pages: 4, prefault: 1, unmapAfterSetup: true)
            defer { holder.stop() }
            #expect(try kernelReserved2M() == base + 3)
            #expect(sysvSegmentExists(holder.shmid))
            let r = try hugectl(["status", "--json"])
            let doc = try jsonObject(r.stdout)
            let reservations = try #require(reservations2M(doc))
            #expect(reservations["unattributed"] as? Int == 3, "\(reservations)")
            let findings = doc["findings"] as? [[String: Any]] ?? []
            #expect(findings.contains { $0["id"] as? String == "reservation-unattributed" && $0["pages"] as? Int == 3 },
                    "\(findings)")
            holder.stop()
            #expect(!sysvSegmentExists(holder.shmid))
            #expect(try kernelReserved2M() == base)
        }
    }

    // MARK: 11: min_size= reserves at mount time

    @Test func minSizeMountPlusSharedMapping() throws {
        try withPool(Self.pool) {
            let base = try kernelReserved2M()
            try withHugetlbfs("pagesize=2M,min_size=4M") { mount in
                // Kernel: 2 pages reserved by the mount alone.
                #expect(try kernelReserved2M() == base + 2)
                let path = mount + "/min.dat"
                defer { unlink(path) }
                let holder = try Holder(kind: .fileShared, pages: 1, path: path)
                defer { holder.stop() }

                // Kernel: the mapping draws on the mount's reserve: Rsvd does not rise.
                #expect(try kernelReserved2M() == base + 2)
                var vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
                var doc = try liveStatus()
                var reservations = try #require(reservations2M(doc))
                var attributed = reservations["attributed"] as? [String: Any]
                #expect((attributed?["min_size"] as? Int ?? 0) > 0, "attributed: \(String(describing: attributed))")
                // Whether the file's page counts as the file's or the mount's is hugectl's
                // choice; the sums are checked in liveStatus.
                try expectHolderVMA(doc, holder, smaps: vma, kind: "file_shared", pages: 1, faulted: 0,
                                    pending: nil, noreserve: false, shared: true, path: path)

                // Kernel: the fault uses one of the two.
                let result = try holder.touch(0, 1)
                #expect(result.touched == 1 && !result.sigbus)
                #expect(try kernelReserved2M() == base + 1)
                vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
                doc = try liveStatus()
                reservations = try #require(reservations2M(doc))
                attributed = reservations["attributed"] as? [String: Any]
                #expect((attributed?["min_size"] as? Int ?? 0) > 0, "attributed: \(String(describing: attributed))")
                try expectHolderVMA(doc, holder, smaps: vma, kind: "file_shared", pages: 1, faulted: 1,
                                    pending: 0, noreserve: false, shared: true, path: path)

                // Kernel: the page stays used after exit; unlinking gives it back to the reserve.
                holder.stop()
                #expect(try kernelReserved2M() == base + 1)
                unlink(path)
                #expect(try kernelReserved2M() == base + 2)
            }
            #expect(try kernelReserved2M() == base, "umount releases the min_size reserve")
        }
    }

    // MARK: the harness itself, and two kernel rules it relies on

    /// A fork child's copy of a private mapping has no reservation: with free == resv its
    /// first fault gets SIGBUS (capture B), which the holder reports instead of dying.
    @Test func forkChildWithoutSparePagesGetsSIGBUS() throws {
        try withPool(4) {
            let base = try kernelReserved2M()
            #expect(base == 0, "needs an otherwise unreserved 2M pool")
            let holder = try Holder(kind: .anonPrivate, pages: 4, fork: true)
            defer { holder.stop() }
            #expect(try kernelReserved2M() == 4)
            #expect(try kernelFree2M() == 4)
            let child = try holder.childTouch(0, 1)
            #expect(child.touched == 0 && child.sigbus)
            let parent = try holder.touch(0, 4)
            #expect(parent.touched == 4 && !parent.sigbus, "the owner's faults use its reservations")
            #expect(try kernelReserved2M() == 0)

            let doc = try liveStatus()
            let childVMA = try #require(try smapsVMA(pid: holder.childPid, start: holder.start))
            try expectChildVMA(doc, holder, smaps: childVMA, faulted: 0)
            holder.stop()
            #expect(holder.exitedCleanly)
        }
    }

    /// MAP_NORESERVE on a size= mount: the limit is enforced at fault time (capture D).
    @Test func noreserveOverSizeLimitGetsSIGBUS() throws {
        try withPool(Self.pool) {
            try withHugetlbfs("pagesize=2M,size=4M") { mount in
                let path = mount + "/small.dat"
                defer { unlink(path) }
                let base = try kernelReserved2M()
                let holder = try Holder(kind: .fileShared, pages: 4, path: path, noreserve: true)
                defer { holder.stop() }
                let result = try holder.touch(0, 4)
                #expect(result.touched == 2 && result.sigbus)
                #expect(try kernelReserved2M() == base)

                let doc = try liveStatus()
                let vma = try #require(try smapsVMA(pid: holder.pid, start: holder.start))
                try expectHolderVMA(doc, holder, smaps: vma, kind: "file_shared", pages: 4, faulted: 2,
                                    pending: 0, noreserve: true, shared: true, path: path)
            }
            // Without MAP_NORESERVE the same mapping cannot be reserved on such a mount.
            try withHugetlbfs("pagesize=2M,size=4M") { mount in
                let path = mount + "/small.dat"
                defer { unlink(path) }
                #expect(throws: HolderError.self) {
                    _ = try Holder(kind: .fileShared, pages: 4, path: path)
                }
            }
        }
    }

    /// A setup failure comes back as an error naming the step, not as a hang.
    @Test func holderReportsSetupErrors() throws {
        do {
            _ = try Holder(kind: .fileShared, pages: 1, path: "/nonexistent-hugectl-dir/f")
            Issue.record("the holder started without its file")
        } catch let error as HolderError {
            #expect(error.description.contains("error open: No such file or directory"), "\(error)")
        }
    }

    // MARK: hugectl procs

    @Test func procsSelectsTheHolder() throws {
        try withPool(Self.pool) {
            let holder = try Holder(kind: .anonShared, pages: 2, prefault: 1)
            defer { holder.stop() }

            let r = try hugectl(["procs", String(holder.pid), "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let doc = try jsonObject(r.stdout)
            let processes = try #require(doc["processes"] as? [[String: Any]])
            #expect(processes.map { $0["pid"] as? Int } == [Int(holder.pid)])
            let vmas = processes.first?["vmas"] as? [[String: Any]] ?? []
            let vma = vmas.first { $0["start"] as? String == holder.start }
            #expect(vma?["kind"] as? String == "anon_shared")
            #expect(vma?["faulted_pages"] as? Int == 1)

            let byName = try hugectl(["procs", "holder", "--json"])
            #expect(byName.status == 0, "\(byName.stderr)")
            let named = (try? jsonObject(byName.stdout))?["processes"] as? [[String: Any]] ?? []
            #expect(named.contains { $0["pid"] as? Int == Int(holder.pid) })
            #expect(named.allSatisfy { $0["name"] as? String == "holder" })

            let text = try hugectl(["procs", String(holder.pid)])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains(String(holder.pid)))
        }
    }
}
}

// MARK: helpers

/// Runs `hugectl status --json` with sysfs resv_hugepages read just before and after, and checks
/// what must hold in every scenario: the 2M kernel_reserved is the sysfs value, nothing is
/// unattributed, the attributed parts add up, the orphans add up, pending pages of mapped VMAs
/// are not double counted, and `scan` is there.
func liveStatus(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let before = try kernelReserved2M()
    let r = try hugectl(["status", "--json"])
    let after = try kernelReserved2M()
    #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
    let doc = try jsonObject(r.stdout)

    let reservations = try #require(reservations2M(doc), "no 2048 kB entry in reservations",
                                    sourceLocation: sourceLocation)
    let kernel = try #require(reservations["kernel_reserved"] as? Int, sourceLocation: sourceLocation)
    #expect(min(before, after)...max(before, after) ~= kernel,
            "kernel_reserved \(kernel), sysfs read \(before) before and \(after) after",
            sourceLocation: sourceLocation)
    let unattributed = reservations["unattributed"] as? Int
    #expect(unattributed == 0, "reservations: \(reservations)", sourceLocation: sourceLocation)
    let attributed = try #require(reservations["attributed"] as? [String: Any], sourceLocation: sourceLocation)
    let names = ["shared_objects", "private_owners", "min_size", "orphans"]
    let parts = names.map { attributed[$0] as? Int }
    #expect(!parts.contains(nil), "attributed: \(attributed)", sourceLocation: sourceLocation)
    let sum = parts.compactMap { $0 }.reduce(0, +)
    #expect(sum + (unattributed ?? 0) == kernel, "attributed \(attributed) vs kernel_reserved \(kernel)",
            sourceLocation: sourceLocation)
    let orphans = try #require(reservations["orphans"] as? [[String: Any]], sourceLocation: sourceLocation)
    #expect(orphans.compactMap { $0["pages_reserved"] as? Int }.reduce(0, +) == attributed["orphans"] as? Int,
            "orphans: \(orphans)", sourceLocation: sourceLocation)

    // Pending pages over all 2M VMAs: each object's owed pages carried once.
    let processes = try #require(doc["processes"] as? [[String: Any]], sourceLocation: sourceLocation)
    let pending = processes.flatMap { $0["vmas"] as? [[String: Any]] ?? [] }
        .filter { $0["page_size_kb"] as? Int == 2048 }
        .compactMap { $0["reserved_pending"] as? Int }.reduce(0, +)
    let mapped = (attributed["shared_objects"] as? Int ?? 0) + (attributed["private_owners"] as? Int ?? 0)
    #expect(pending == mapped, "sum of reserved_pending \(pending) vs shared_objects + private_owners \(mapped)",
            sourceLocation: sourceLocation)
    #expect(processes.allSatisfy { !(($0["vmas"] as? [Any]) ?? []).isEmpty || !(($0["open_objects"] as? [Any]) ?? []).isEmpty },
            "only processes holding hugetlb memory (mapped or open) are listed", sourceLocation: sourceLocation)

    let scan = try #require(doc["scan"] as? [String: Any], sourceLocation: sourceLocation)
    #expect((scan["processes_scanned"] as? Int ?? 0) >= 1, "scan: \(scan)", sourceLocation: sourceLocation)
    #expect((scan["processes_seen"] as? Int ?? 0) >= (scan["processes_scanned"] as? Int ?? 0),
            "scan: \(scan)", sourceLocation: sourceLocation)
    // Every hugetlb VMA listed was a candidate of the maps pre-filter; other processes' shmem
    // or memfd mappings may be candidates too, so this is a lower bound only. With no mapper
    // left (an orphaned file), there may be no candidate at all.
    let listedVMAs = processes.reduce(0) { $0 + (($1["vmas"] as? [Any])?.count ?? 0) }
    #expect((scan["candidates"] as? Int ?? -1) >= listedVMAs, "scan: \(scan), VMAs listed: \(listedVMAs)",
            sourceLocation: sourceLocation)
    #expect(scan["unreadable"] is [Any], sourceLocation: sourceLocation)
    #expect(scan["vanished"] is Int, sourceLocation: sourceLocation)
    #expect(scan["complete"] is Bool, sourceLocation: sourceLocation)
    return doc
}

func reservations2M(_ doc: [String: Any]) -> [String: Any]? {
    (doc["reservations"] as? [[String: Any]])?.first { $0["page_size_kb"] as? Int == 2048 }
}

/// The process entry for `pid` and its VMA starting at `start`.
func processAndVMA(_ doc: [String: Any], pid: pid_t, start: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> ([String: Any], [String: Any]) {
    let processes = try #require(doc["processes"] as? [[String: Any]], sourceLocation: sourceLocation)
    let process = try #require(processes.first { $0["pid"] as? Int == Int(pid) },
                               "pid \(pid) not in processes \(processes.map { $0["pid"] ?? "?" })",
                               sourceLocation: sourceLocation)
    let vmas = try #require(process["vmas"] as? [[String: Any]], sourceLocation: sourceLocation)
    let vma = try #require(vmas.first { $0["start"] as? String == start },
                           "no VMA at \(start) in pid \(pid): \(vmas.map { $0["start"] ?? "?" })",
                           sourceLocation: sourceLocation)
    return (process, vma)
}

/// What the kernel's smaps says about a VMA, as hugectl must repeat it.
func expectMatchesSmaps(_ vma: [String: Any], _ smaps: SmapsVMA, faulted: Int,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(vma["end"] as? String == smaps.end, sourceLocation: sourceLocation)
    // "major:minor as in maps": maps writes hex ("00:27"); the contract's example drops the
    // leading zero ("0:27"). Compare the numbers, read as hex.
    let device = vma["device"] as? String
    #expect(device.flatMap(hexDevice) == hexDevice(smaps.device),
            "device \(device ?? "nil") vs maps \(smaps.device)", sourceLocation: sourceLocation)
    #expect(vma["inode"] as? Int == smaps.inode, sourceLocation: sourceLocation)
    #expect(vma["page_size_kb"] as? Int == 2048, sourceLocation: sourceLocation)
    let policy = vma["policy"] as? [String: Any]
    #expect(policy?["mode"] as? String == "default", "policy: \(String(describing: policy))",
            sourceLocation: sourceLocation)
    if faulted > 0 {
        let nodes = vma["node_pages"] as? [String: Any]
        #expect(nodes?["0"] as? Int == faulted, "node_pages: \(String(describing: nodes))",
                sourceLocation: sourceLocation)
    }
}

/// Checks the holder process entry and its VMA. `pending: nil` leaves reserved_pending unchecked.
func expectHolderVMA(_ doc: [String: Any], _ holder: Holder, smaps: SmapsVMA, kind: String, pages: Int,
                     faulted: Int, pending: Int?, noreserve: Bool, shared: Bool, path: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    let (process, vma) = try processAndVMA(doc, pid: holder.pid, start: holder.start, sourceLocation: sourceLocation)
    #expect(process["name"] as? String == "holder", sourceLocation: sourceLocation)
    #expect(process["ppid"] as? Int == Int(getpid()), sourceLocation: sourceLocation)
    #expect(process["uid"] as? Int == 0, sourceLocation: sourceLocation)
    #expect((process["cmdline"] as? String)?.contains("--kind") == true, sourceLocation: sourceLocation)
    #expect(process["mems_allowed"] as? [Int] == [0], sourceLocation: sourceLocation)
    #expect(process["inherited_private"] as? Bool == false, sourceLocation: sourceLocation)

    #expect(vma["kind"] as? String == kind, sourceLocation: sourceLocation)
    #expect(vma["pages"] as? Int == pages, sourceLocation: sourceLocation)
    #expect(vma["faulted_pages"] as? Int == faulted, sourceLocation: sourceLocation)
    if let pending {
        #expect(vma["reserved_pending"] as? Int == pending, sourceLocation: sourceLocation)
    }
    #expect(vma["noreserve"] as? Bool == noreserve, sourceLocation: sourceLocation)
    #expect(vma["shared"] as? Bool == shared, sourceLocation: sourceLocation)
    #expect(vma["inherited"] as? Bool == false, sourceLocation: sourceLocation)
    if let path {
        #expect(vma["path"] as? String == path, sourceLocation: sourceLocation)
    }
    expectMatchesSmaps(vma, smaps, faulted: faulted, sourceLocation: sourceLocation)
}

/// Checks the fork child's entry: an inherited private VMA that owes nothing.
func expectChildVMA(_ doc: [String: Any], _ holder: Holder, smaps: SmapsVMA, faulted: Int,
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
    let (process, vma) = try processAndVMA(doc, pid: holder.childPid, start: holder.start,
                                           sourceLocation: sourceLocation)
    #expect(process["ppid"] as? Int == Int(holder.pid), sourceLocation: sourceLocation)
    #expect(process["inherited_private"] as? Bool == true, sourceLocation: sourceLocation)
    #expect(vma["kind"] as? String == "anon_private", sourceLocation: sourceLocation)
    #expect(vma["inherited"] as? Bool == true, sourceLocation: sourceLocation)
    #expect(vma["reserved_pending"] as? Int == 0, sourceLocation: sourceLocation)
    #expect(vma["faulted_pages"] as? Int == faulted, sourceLocation: sourceLocation)
    #expect(vma["pages"] as? Int == 4, sourceLocation: sourceLocation)
    #expect(vma["shared"] as? Bool == false, sourceLocation: sourceLocation)
    expectMatchesSmaps(vma, smaps, faulted: faulted, sourceLocation: sourceLocation)
}

/// "major:minor" read as maps writes it (hex), or nil.
func hexDevice(_ text: String) -> [Int]? {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    let numbers = parts.compactMap { Int($0, radix: 16) }
    return parts.count == 2 && numbers.count == 2 ? numbers : nil
}

/// st_blocks of a file (512-byte units; 4096 per 2M page cache page), or -1.
func fileBlocks(_ path: String) -> Int {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_blocks) : -1
}

/// True when /proc/sysvipc/shm lists segment `shmid`.
func sysvSegmentExists(_ shmid: Int32) -> Bool {
    guard let text = try? readWholeFile("/proc/sysvipc/shm") else { return false }
    return text.split(separator: "\n").dropFirst().contains { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count > 1 && fields[1] == Substring(String(shmid))
    }
}
