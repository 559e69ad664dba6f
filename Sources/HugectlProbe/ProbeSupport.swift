#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CHugetlbProbe
import HugectlCore

/// Why a probe step could not be done: the step and the errno.
struct ProbeFailure: Error, CustomStringConvertible {
    var step: String
    var errno: Errno

    var description: String { "\(step): \(errno.name)" }
}

/// Counts the resources a probe acquires, and can be told to fail the Nth acquisition, so the
/// tests can prove that a failure at any point leaves nothing behind.
final class ProbeBudget {
    private(set) var acquisitions = 0
    let failAt: Int?

    init(failAt: Int?) {
        self.failAt = failAt
    }

    func acquire(_ step: String) throws(ProbeFailure) {
        acquisitions += 1
        if let failAt, acquisitions == failAt {
            throw ProbeFailure(step: step + " (injected failure)", errno: Errno(EIO))
        }
    }
}

/// Everything a probe step created — fds, memfds, mappings — released in reverse order when
/// the scope is closed, which `defer` and `deinit` both do, on every path.
final class ProbeScope {
    private var cleanups: [() -> Void] = []
    let budget: ProbeBudget

    init(budget: ProbeBudget) {
        self.budget = budget
    }

    deinit { close() }

    func close() {
        while let cleanup = cleanups.popLast() { cleanup() }
    }

    private static func check(_ rc: Int32, _ step: String) throws(ProbeFailure) {
        if rc < 0 { throw ProbeFailure(step: step, errno: Errno(-rc)) }
    }

    /// A memfd: hugetlb of `hugePageSize` bytes, or shmem when nil; sized to `length`.
    func memfd(hugePageSize: Int?, length: Int) throws(ProbeFailure) -> Int32 {
        try budget.acquire("memfd_create")
        let fd = hp_memfd("hugectl-probe", UInt64(hugePageSize ?? 0))
        try Self.check(fd, hugePageSize == nil ? "memfd_create" : "memfd_create(MFD_HUGETLB)")
        cleanups.append { hp_close(fd) }
        try Self.check(hp_truncate(fd, UInt64(length)), "ftruncate")
        return fd
    }

    /// A read-write mapping of `length` bytes of `kind` (HP_MAP_*), unmapped at close.
    func map(_ length: Int, kind: Int32, fd: Int32) throws(ProbeFailure) -> UnsafeMutableRawPointer {
        try budget.acquire("mmap")
        var address: UnsafeMutableRawPointer?
        try Self.check(hp_map(UInt64(length), kind, fd, &address), "mmap")
        guard let address else { throw ProbeFailure(step: "mmap", errno: Errno(EFAULT)) }
        cleanups.append { _ = hp_unmap(address, UInt64(length)) }
        return address
    }

    /// A userfaultfd made the given way, with the `UFFDIO_API` handshake done.
    func userfaultfd(how: Int32, features: UInt64) throws(ProbeFailure)
        -> (fd: Int32, api: UInt64, features: UInt64, ioctls: UInt64) {
        try budget.acquire("userfaultfd")
        let fd = hp_uffd_open(how)
        try Self.check(fd, "userfaultfd")
        cleanups.append { hp_close(fd) }
        var api: UInt64 = 0, supported: UInt64 = 0, ioctls: UInt64 = 0
        try Self.check(hp_uffd_api(fd, features, &api, &supported, &ioctls), "UFFDIO_API")
        return (fd, api, supported, ioctls)
    }
}

/// One C call's outcome as the model carries it.
func callResult(_ rc: Int32) -> CallResult {
    rc < 0 ? .failed(Errno(-rc)) : .ok
}

/// The pool counters of one size, read from sysfs on the live system.
struct PoolCounters: Equatable, CustomStringConvertible {
    var total: Int
    var free: Int
    var reserved: Int
    var surplus: Int

    var unreservedFree: Int { free - reserved }

    var description: String { "total \(total), free \(free), reserved \(reserved), surplus \(surplus)" }

    /// The counters through the one pool-counter reader (`PoolCounterTable`); nil when any
    /// is unknown: a probe never works from a counter it could not read.
    static func read(kB: Int, source: SystemSource) -> PoolCounters? {
        let counters = PoolCounterTable.read(KernelPath.pool(kB: kB), [.total, .free, .reserved, .surplus], source: source)
        guard let total = counters[.total], let free = counters[.free],
              let reserved = counters[.reserved], let surplus = counters[.surplus] else { return nil }
        return PoolCounters(total: total, free: free, reserved: reserved, surplus: surplus)
    }
}

/// The base page size.
var basePageSize: Int {
    let size = sysconf(Int32(_SC_PAGESIZE))
    return size > 0 ? size : 4096
}
