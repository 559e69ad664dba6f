/// The probed part of `hugectl features`: what each discard call does to each memory type, and
/// the probe run as a whole (HugectlProbe's DiscardProber and FeaturesProbe), beside the
/// read-only model in FeaturesModel.swift.

// MARK: - Discard

/// The discard calls tried on one memory type.
public struct DiscardProbe: Equatable, Sendable {
    public enum Memory: String, CaseIterable, Sendable {
        case anonymous
        case shmemShared = "shmem_shared"
        case shmemPrivate = "shmem_private"
        case hugetlbShared = "hugetlb_shared"
        case hugetlbPrivate = "hugetlb_private"

        public var label: String {
            switch self {
            case .anonymous: return "anonymous"
            case .shmemShared: return "shmem shared"
            case .shmemPrivate: return "shmem private"
            case .hugetlbShared: return "hugetlb shared"
            case .hugetlbPrivate: return "hugetlb private"
            }
        }

        public var isHugetlb: Bool { self == .hugetlbShared || self == .hugetlbPrivate }
        public var isShared: Bool { self == .shmemShared || self == .hugetlbShared }
        /// Backed by a file descriptor (a memfd), so `fallocate` applies.
        public var hasFile: Bool { self != .anonymous }
    }

    public enum Call: String, CaseIterable, Sendable {
        case dontneed = "MADV_DONTNEED"
        case remove = "MADV_REMOVE"
        case punchHole = "FALLOC_PUNCH_HOLE"
        /// `fallocate(PUNCH_HOLE)` on the file, then `MADV_DONTNEED` on the mapping (what QEMU
        /// does for file-backed private RAM); tried on private file-backed memory only.
        case punchHoleDontneed = "FALLOC_PUNCH_HOLE+MADV_DONTNEED"

        public var label: String {
            switch self {
            case .dontneed: return "MADV_DONTNEED"
            case .remove: return "MADV_REMOVE"
            case .punchHole: return "fallocate(PUNCH_HOLE)"
            case .punchHoleDontneed: return "fallocate(PUNCH_HOLE)+MADV_DONTNEED"
            }
        }

        /// The calls that apply to a memory type, in the order they are tried and shown.
        public static func applicable(to memory: Memory) -> [Call] {
            switch memory {
            case .anonymous: return [.dontneed, .remove]
            case .shmemShared, .hugetlbShared: return [.dontneed, .remove, .punchHole]
            case .shmemPrivate, .hugetlbPrivate: return [.dontneed, .remove, .punchHole, .punchHoleDontneed]
            }
        }
    }

    /// After a successful discard of a hugetlb page, what happened to its reservation.
    public enum Reservation: String, Sendable {
        /// The page went back to the pool and the reservation with it: the next fault is
        /// guaranteed a page (private mappings, v6.8+).
        case restored
        /// The page went back to the pool without its reservation: the next fault needs a free
        /// unreserved page and gets SIGBUS if there is none (hole punch, MADV_REMOVE).
        case lost
        /// The page was not freed (it stays in the page cache), so nothing was owed.
        case kept
    }

    public struct Outcome: Equatable, Sendable {
        public var call: Call
        public var result: CallResult
        /// A read after the call found zeros (the data is gone); nil if not known.
        public var zeroed: Bool?
        /// The memory was given back: the hugetlb pool's free count rose, or the page is
        /// neither mapped nor in the file; nil if not known.
        public var freed: Bool?
        /// hugetlb only.
        public var reservation: Reservation?
        /// Anything else worth saying (the read after the call failed, ...).
        public var note: String?

        public init(call: Call, result: CallResult, zeroed: Bool? = nil, freed: Bool? = nil,
                    reservation: Reservation? = nil, note: String? = nil) {
            self.call = call
            self.result = result
            self.zeroed = zeroed
            self.freed = freed
            self.reservation = reservation
            self.note = note
        }

        /// It did what a discard is for: the call worked, the data is gone, the memory freed.
        public var discards: Bool { result == .ok && zeroed == true && freed == true }
    }

    public var memory: Memory
    public var pageSizeKB: Int
    /// Why this type was not probed (no free page, not permitted, ...).
    public var skipped: String?
    public var outcomes: [Outcome]

    public init(memory: Memory, pageSizeKB: Int, skipped: String? = nil, outcomes: [Outcome] = []) {
        self.memory = memory
        self.pageSizeKB = pageSizeKB
        self.skipped = skipped
        self.outcomes = outcomes
    }

    /// The one call to use for this type, from what the probe saw: one that discards, a
    /// restored reservation before one that loses it, a single call before the combination,
    /// and among equals the conventional one (`MADV_DONTNEED` for private memory, a hole punch
    /// on the file for shared memory, which also works without a mapping). nil: none works.
    public var recommended: Call? {
        let preference: [Call] = memory.isShared
            ? [.punchHole, .remove, .dontneed, .punchHoleDontneed]
            : [.dontneed, .punchHole, .remove, .punchHoleDontneed]
        func rank(_ outcome: Outcome) -> (Int, Int, Int) {
            let reservation = outcome.reservation == .lost ? 1 : 0
            let combined = outcome.call == .punchHoleDontneed ? 1 : 0
            return (reservation, combined, preference.firstIndex(of: outcome.call) ?? preference.count)
        }
        return outcomes.filter(\.discards).min { rank($0) < rank($1) }?.call
    }
}

// MARK: - The probe as a whole

public struct ProbeStatus: Equatable, Sendable {
    /// `--probe` was given.
    public var requested: Bool
    /// The probes ran (on the live system).
    public var ran: Bool
    /// Why they did not run.
    public var reason: String?
    public var uid: Int?
    /// Pools the probe grew by one page, and what they were put back to.
    public var poolChanges: [PoolGrowth]
    /// Every pool counter the probe could touch read the same afterwards as before; nil when
    /// not probed.
    public var countersRestored: Bool?
    /// What did not come back, for people.
    public var notes: [String]

    public init() {
        self.requested = false
        self.ran = false
        self.reason = nil
        self.uid = nil
        self.poolChanges = []
        self.countersRestored = nil
        self.notes = []
    }

    public struct PoolGrowth: Equatable, Sendable {
        public var pageSizeKB: Int
        public var before: Int
        /// `nr_hugepages` read back after writing `before + 1`.
        public var grownTo: Int?
        /// `nr_hugepages` read back after writing `before` again.
        public var restoredTo: Int?

        public init(pageSizeKB: Int, before: Int, grownTo: Int?, restoredTo: Int?) {
            self.pageSizeKB = pageSizeKB
            self.before = before
            self.grownTo = grownTo
            self.restoredTo = restoredTo
        }

        public var restored: Bool { restoredTo == before }
    }
}
