import Foundation
import Testing
@testable import HugectlCore

/// Faults without a reservation on a hugetlbfs mount with a subpool
/// (`hugepage_subpool_get_pages`): `size=` refuses beyond its room, `min_size=` serves from the
/// mount's own reserve (Tests/vm scenarios 35-37).
@Suite("hugetlbfs subpools at fault time")
struct SubpoolTests {
    /// `pages` of `kind` on a file of the mount `mount`.
    func mapOnMount(_ m: inout Machine, pid: Int, kind: MappingKind, pages: Int, noreserve: Bool, mount: String) {
        let id = ObjectID(device: DeviceNumber(major: 0, minor: 60), inode: UInt64(1000 + pid))
        m.map(pid: pid, kind: kind, pages: pages, noreserve: noreserve, object: id)
        m.snapshot.consumers.objects[id] = HugetlbObject(id: id, kind: .file, pageSizeKB: 2048, path: mount + "/f\(pid)",
                                                         sizeBytes: UInt64(pages) << 21, instantiated: 0, mountPoint: mount)
    }

    func mount(_ path: String, size: Int? = nil, minSize: Int? = nil, used: Int? = nil) -> HugetlbfsMount {
        HugetlbfsMount(path: path, source: "none", pageSizeKB: 2048, sizeLimitPages: size, minSizePages: minSize,
                       usedPages: used, options: "rw")
    }

    /// Scenario 35: size= of 4 pages with 1 used by another file's reservation; a NORESERVE
    /// file of 5 pages: 2 are refused although the pool has 7 unreserved pages.
    @Test func sizeLimitRefusesBeyondItsRoom() {
        var m = Machine(free: [8], reserved: 1)
        m.snapshot.mounts = [mount("/mnt/lim", size: 4, used: 1)]
        mapOnMount(&m, pid: 100, kind: .fileShared, pages: 5, noreserve: true, mount: "/mnt/lim")
        let f = m.findings(SubpoolLimits.sizeID)
        #expect(f.count == 1)
        #expect(f.first?.severity == .error && f.first?.pages == 2 && f.first?.pids == [100] && f.first?.nodes == [])
        #expect(f.first?.message == "faults without a reservation on hugetlbfs /mnt/lim may want 5 2M pages, but its size= limit "
                + "of 4 leaves room for 3 (1 in use): 2 would fail with SIGBUS whatever the pool holds")
        #expect(f.first?.hint == "mount it again with a larger size= (or none), or map without MAP_NORESERVE so that mmap fails instead")
        #expect(m.findings(UnreservedDemand.noreserveID).isEmpty, "the 3 pages let through fit in the 7 unreserved")
        // Within the room, nothing; the same mapping elsewhere, nothing.
        var fits = m
        fits.snapshot.mounts[0].usedPages = 0
        fits.snapshot.mounts[0].sizeLimitPages = 5
        #expect(fits.findings().filter { $0.severity == .error }.isEmpty)
        var anonymous = Machine(free: [8], reserved: 1)
        anonymous.map(pid: 100, kind: .anonShared, pages: 5, noreserve: true)
        #expect(anonymous.findings().filter { $0.severity == .error }.isEmpty)
        // An unknown usage (statfs failed) says nothing rather than guess.
        var unknown = m
        unknown.snapshot.mounts[0].usedPages = nil
        #expect(unknown.findings(SubpoolLimits.sizeID).isEmpty)
    }

    /// The refused pages leave the headroom analysis: what is let through still needs
    /// `free − reserved`.
    @Test func sizeLimitThenHeadroom() {
        var m = Machine(free: [4], reserved: 3)
        m.snapshot.mounts = [mount("/mnt/lim", size: 4, used: 0)]
        mapOnMount(&m, pid: 100, kind: .fileShared, pages: 6, noreserve: true, mount: "/mnt/lim")
        #expect(m.findings(SubpoolLimits.sizeID).map(\.pages) == [2])
        #expect(m.findings(UnreservedDemand.noreserveID).map(\.pages) == [3], "4 let through, 1 unreserved page")
    }

    /// A fork child's copies of a private mapping of a file on a size= mount ask the subpool
    /// too (the child's VMA has no reservation map: `vma_needs_reservation` is 1); the hint
    /// names MAP_SHARED.
    @Test func forkChildCopiesCountAgainstTheLimit() {
        var m = Machine(free: [16], reserved: 4)
        m.snapshot.mounts = [mount("/mnt/lim", size: 6, used: 4)]
        let id = ObjectID(device: DeviceNumber(major: 0, minor: 60), inode: 77)
        let start = m.map(pid: 100, kind: .filePrivate, pages: 4, object: id)
        m.map(pid: 101, ppid: 100, kind: .filePrivate, pages: 4, object: id, start: start)
        m.snapshot.consumers.objects[id] = HugetlbObject(id: id, kind: .file, pageSizeKB: 2048, path: "/mnt/lim/db",
                                                         sizeBytes: 4 << 21, instantiated: 0, mountPoint: "/mnt/lim")
        let f = m.findings(SubpoolLimits.sizeID)
        #expect(f.map(\.pages) == [2] && f.first?.pids == [101], "4 copies, room for 2")
        #expect(f.first?.hint == "mount it again with a larger size= (or none), or use MAP_SHARED for memory shared with fork children")
        #expect(m.findings(UnreservedDemand.inheritedID).isEmpty, "the 2 let through fit in the 12 unreserved")
    }

    /// Scenario 36: a min_size= mount reserves the pool's 4 pages; a NORESERVE shared file of 4
    /// pages on it takes that reserve, an anonymous NORESERVE page finds no headroom.
    @Test func minSizeReserveServesSharedFaults() {
        var m = Machine(free: [4], reserved: 4)
        m.snapshot.kernelRelease = "6.1.0-56-amd64"
        m.snapshot.mounts = [mount("/mnt/min", minSize: 4)]
        mapOnMount(&m, pid: 100, kind: .fileShared, pages: 4, noreserve: true, mount: "/mnt/min")
        #expect(m.findings().isEmpty, "\(m.findings().map(\.message))")
        m.map(pid: 200, kind: .anonPrivate, pages: 1, noreserve: true)
        let f = m.findings(UnreservedDemand.noreserveID)
        #expect(f.map(\.severity) == [.error] && f.first?.pages == 1 && f.first?.pids == [200])
        // Without the mount's reserve the 4 file pages would fail too.
        var plain = m
        plain.snapshot.mounts = []
        #expect(plain.findings(UnreservedDemand.noreserveID).first?.pages == 5)
        // The reserve the mount's files already took is not there to serve.
        var taken = m
        taken.snapshot.mounts[0].minSizePages = 6
        taken.snapshot.mounts[0].sizeLimitPages = 8
        taken.snapshot.mounts[0].usedPages = 4
        #expect(taken.findings(UnreservedDemand.noreserveID).first?.pages == 3, "2 of the reserve left: 2 + 1 fail")
    }

    /// Scenario 37: up to 6.13 a private mapping's fault does not skip the headroom check
    /// (`vma_has_reserves` is false for a private VMA); from 6.14 `gbl_chg` alone decides.
    @Test func privateFaultsUseTheReserveFrom614() {
        var m = Machine(free: [4], reserved: 4)
        m.snapshot.mounts = [mount("/mnt/min", minSize: 4)]
        mapOnMount(&m, pid: 100, kind: .filePrivate, pages: 2, noreserve: true, mount: "/mnt/min")
        m.snapshot.kernelRelease = "6.12.57+deb13-amd64"
        #expect(m.findings(UnreservedDemand.noreserveID).map(\.pages) == [2])
        m.snapshot.kernelRelease = "6.14.0"
        #expect(m.findings().isEmpty)
    }
}
