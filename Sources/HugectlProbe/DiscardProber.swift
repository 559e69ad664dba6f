#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CHugetlbProbe
import HugectlCore

/// The discard matrix: for one memory type, each applicable call on a fresh one-page object,
/// with what happened to the data, the memory and (hugetlb) the reservation.
struct DiscardProber {
    let budget: ProbeBudget
    let source: SystemSource

    static let pattern: UInt8 = 0x5a

    /// - Parameter hugePageKB: the huge page size for hugetlb types; ignored otherwise.
    func probe(_ memory: DiscardProbe.Memory, hugePageKB: Int?) throws(ProbeFailure) -> DiscardProbe {
        let pageKB = memory.isHugetlb ? (hugePageKB ?? 0) : basePageSize / 1024
        var result = DiscardProbe(memory: memory, pageSizeKB: pageKB)
        for call in DiscardProbe.Call.applicable(to: memory) {
            result.outcomes.append(try outcome(memory, call, pageKB: pageKB))
        }
        return result
    }

    private func counters(_ kB: Int) -> PoolCounters? { PoolCounters.read(kB: kB, source: source) }

    private func outcome(_ memory: DiscardProbe.Memory, _ call: DiscardProbe.Call, pageKB: Int)
        throws(ProbeFailure) -> DiscardProbe.Outcome {
        let scope = ProbeScope(budget: budget)
        defer { scope.close() }
        let length = pageKB * 1024
        var fd: Int32 = -1
        if memory.hasFile {
            fd = try scope.memfd(hugePageSize: memory.isHugetlb ? length : nil, length: length)
        }
        let kind: Int32
        switch memory {
        case .anonymous: kind = HP_MAP_ANONYMOUS
        case .shmemShared, .hugetlbShared: kind = HP_MAP_SHARED_FILE
        case .shmemPrivate, .hugetlbPrivate: kind = HP_MAP_PRIVATE_FILE
        }
        let address = try scope.map(length, kind: kind, fd: fd)
        let poked = hp_poke(address, Self.pattern)
        if poked < 0 { throw ProbeFailure(step: "first write to the page", errno: Errno(-poked)) }

        let before = memory.isHugetlb ? counters(pageKB) : nil
        let rc: Int32
        switch call {
        case .dontneed: rc = hp_discard(HP_DISCARD_DONTNEED, address, fd, UInt64(length))
        case .remove: rc = hp_discard(HP_DISCARD_REMOVE, address, fd, UInt64(length))
        case .punchHole: rc = hp_discard(HP_DISCARD_PUNCH_HOLE, address, fd, UInt64(length))
        case .punchHoleDontneed:
            let punched = hp_discard(HP_DISCARD_PUNCH_HOLE, address, fd, UInt64(length))
            rc = punched < 0 ? punched : hp_discard(HP_DISCARD_DONTNEED, address, fd, UInt64(length))
        }
        var outcome = DiscardProbe.Outcome(call: call, result: callResult(rc))
        guard rc >= 0 else { return outcome }

        if memory.isHugetlb {
            if let before, let after = counters(pageKB) {
                let freed = after.free == before.free + 1
                outcome.freed = freed
                outcome.reservation = freed ? (after.reserved == before.reserved + 1 ? .restored : .lost) : .kept
            }
        } else {
            let present = hp_page_present(address)
            let blocks = fd >= 0 ? hp_file_blocks(fd) : 0
            if present >= 0 && blocks >= 0 { outcome.freed = present == 0 && blocks == 0 }
        }
        var byte: UInt8 = 0
        let peeked = hp_peek(address, &byte)
        if peeked < 0 {
            let errno = Errno(-peeked)
            outcome.note = errno.rawValue == EFAULT
                ? "the next read failed: no page for it (SIGBUS)" : "the next read failed: \(errno.name)"
        } else {
            outcome.zeroed = byte == 0
        }
        return outcome
    }
}
