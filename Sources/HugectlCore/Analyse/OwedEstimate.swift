/// Why an object's owed pages are, or are not, read exactly (JSON `estimates[].reason`).
public enum OwedBasis: String, Sendable, CaseIterable {
    /// Size, page cache and mapped ranges were all read.
    case exact
    /// The page cache could not be read: the stat through `/proc/PID/map_files` needs
    /// CAP_SYS_ADMIN (even for the process's owner), and a tree copied with `tar` lacks it.
    case pageCacheUnknown = "page_cache_unknown"
    /// The size of a file or memfd could not be read (same causes): the mapped extent bounds it.
    case sizeUnknown = "size_unknown"
    /// No process maps the object: which ranges were reserved, and which were punched since,
    /// is not visible.
    case noMapper = "no_mapper"

    /// What the text report says of it.
    public var explanation: String {
        switch self {
        case .exact: return "read"
        case .pageCacheUnknown: return "page cache unreadable without CAP_SYS_ADMIN (map_files)"
        case .sizeUnknown: return "size unreadable without CAP_SYS_ADMIN (map_files)"
        case .noMapper: return "no mapper shows the reserved ranges (holes punched release theirs)"
        }
    }
}

/// One object's owed pages: exact, or at most `pages` (an upper bound until settled).
public struct OwedPages: Equatable, Sendable {
    public var pages: Int
    public var basis: OwedBasis
    /// What the object owes at least: `pages` when exact; for an estimate, what the kernel's
    /// Rsvd leaves it once every other holder has its upper bound (`OwedEstimate.settle`).
    public var minimum: Int

    public init(pages: Int, basis: OwedBasis, minimum: Int? = nil) {
        self.pages = pages
        self.basis = basis
        self.minimum = minimum ?? (basis == .exact ? pages : 0)
    }

    /// Between `minimum` and `pages`: the figure is not proved.
    public var isEstimate: Bool { minimum < pages }
}

/// Bounds the estimated owed pages by what the kernel counts.
///
/// `resv_hugepages` is the sum of every reservation (`hugetlb_acct_memory` adds each one),
/// so the estimated objects together hold at most what the kernel counts beyond the exact
/// figures (private owners, `min_size=` reserves, objects whose stat was read). Each estimate
/// is its upper bound (`ReservationAttribution.objectReservations`) cut to what is left of
/// that, mapped objects first (a live mapper reserved its range), then objects no process
/// maps, each in device and inode order. The ledger lists the estimated pages by reason.
///
/// What is proved: when the scan read every process, the estimated objects together hold
/// what the kernel counts beyond the exact figures, less what a holder hugectl cannot see
/// may hold (a SysV segment nobody attached: at most its size). So each estimated object owes
/// at least that remainder minus every other estimate's upper bound (`OwedPages.minimum`) —
/// unless the upper bounds cannot explain the remainder, when a holder hugectl cannot see
/// holds part of it and nothing is proved;
/// with one estimated object and nothing unseen, its figure is exact. Only the minimum is
/// ever the basis of a certain finding; the rest of an estimate is only possible
/// (`FaultDemand.estimated`). An unprivileged run thus raises no certain finding that root's
/// run, which reads every stat, does not.
public enum OwedEstimate {
    /// `bounds` and the result by object index (`ObjectIndex`).
    static func settle(_ bounds: [OwedPages?], _ index: ObjectIndex, consumers: ConsumerSnapshot,
                       ledgers: inout [Int: ReservationLedger]) -> [OwedPages?] {
        var settled = bounds
        var exactSums = PageSizeSums()
        var estimated: [(mapped: Bool, object: Int, size: Int)] = []
        for i in index.indices {
            guard let owed = bounds[i], let size = index.facts[i]?.pageSizeKB else { continue }
            if owed.basis == .exact {
                exactSums.add(owed.pages, kB: size)
            } else {
                estimated.append((index.mapped[i], i, size))
            }
        }
        let exactBySize = exactSums.bySize
        estimated.sort { ($0.mapped ? 0 : 1, index.ids[$0.object]) < ($1.mapped ? 0 : 1, index.ids[$1.object]) }
        var slack: [Int: Int] = [:]
        for (size, ledger) in ledgers {
            guard let kernel = ledger.kernelReserved else { continue }
            let exact = ledger.privateOwners + ledger.minSize + (exactBySize[size] ?? 0)
            slack[size] = max(0, kernel - exact)
        }
        // The remainder the estimates must explain, when nothing else can: every process read.
        var proved: [Int: Int] = [:]
        if consumers.scan.mappingsComplete {
            var upperBySize: [Int: Int] = [:]
            for item in estimated { upperBySize[item.size, default: 0] += bounds[item.object]?.pages ?? 0 }
            for (size, left) in slack {
                let unseen = unseenReservations(consumers, pageSizeKB: size), upper = upperBySize[size] ?? 0
                // Rsvd beyond every upper bound and every unseen segment is held by something
                // hugectl cannot see, of unknown size: then nothing is proved.
                if upper >= left - unseen { proved[size] = left - unseen - upper }
            }
        }
        var byReason: [Int: [OwedBasis: ReservationLedger.Estimate]] = [:]
        for item in estimated {
            guard var owed = settled[item.object] else { continue }
            let upper = owed.pages
            if let left = slack[item.size] {
                owed.pages = min(owed.pages, left)
                slack[item.size] = left - owed.pages
            }
            // At least what is left when every other estimate takes its upper bound.
            owed.minimum = proved[item.size].map { max(0, min(owed.pages, $0 + upper)) } ?? 0
            settled[item.object] = owed
            var sum = byReason[item.size, default: [:]][owed.basis]
                ?? ReservationLedger.Estimate(reason: owed.basis, objects: 0, pages: 0, minimum: 0)
            sum.objects += 1
            sum.pages += owed.pages
            sum.minimum += owed.minimum
            byReason[item.size, default: [:]][owed.basis] = sum
        }
        for (size, reasons) in byReason {
            ledgers[size]?.estimates = OwedBasis.allCases.compactMap { reasons[$0] }
        }
        return settled
    }

    /// Reservations a holder the scan cannot see may have: SysV segments nobody attached
    /// (reserved whole at `shmget`, and /proc cannot tell a hugetlb one from a shmem one).
    static func unseenReservations(_ consumers: ConsumerSnapshot, pageSizeKB: Int) -> Int {
        let attached = Set(consumers.objects.values.compactMap(\.shmid))
        let bytesPerPage = UInt64(max(1, pageSizeKB)) * 1024
        return consumers.segments.filter { $0.nattch == 0 && !attached.contains($0.shmid) }
            .reduce(0) { $0 + Int(clamping: $1.sizeBytes / bytesPerPage) }
    }
}
