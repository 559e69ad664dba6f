/// What `hugectl features` reports: what this kernel does with hugetlb memory. The read-only
/// part comes from files (`FeaturesCollector`, through a `SystemSource`, so `--root` works);
/// the probed part (userfaultfd, discards, mount options, run-time allocation of gigantic
/// pages) is filled in by `hugectl features --probe` on the running system only.
public struct FeaturesReport: Equatable, Sendable {
    public var root: String
    public var isLive: Bool
    public var kernelRelease: String?
    public var defaultPageSizeKB: Int?
    public var sizes: [SizeFeatures]
    public var boot: BootFeatures
    public var hugetlbfs: HugetlbfsFeatures
    public var cgroup: CgroupFeatures
    public var userfaultfd: UserfaultfdFeatures
    /// One entry per memory type (and huge page size) probed; empty unless probed.
    public var discard: [DiscardProbe]
    public var probe: ProbeStatus
    /// Files that could not be read or understood, one sentence each.
    public var warnings: [String]
    /// When the system was read (seconds since the epoch), and the host read; as in
    /// `SystemSnapshot`.
    public var generatedAt: Int?
    public var hostname: String?

    public init(root: String, isLive: Bool) {
        self.root = root
        self.isLive = isLive
        self.kernelRelease = nil
        self.defaultPageSizeKB = nil
        self.sizes = []
        self.boot = BootFeatures()
        self.hugetlbfs = HugetlbfsFeatures()
        self.cgroup = CgroupFeatures()
        self.userfaultfd = UserfaultfdFeatures()
        self.discard = []
        self.probe = ProbeStatus()
        self.warnings = []
    }

    public var kernelVersion: KernelVersion? { kernelRelease.flatMap(KernelVersion.init(release:)) }

    /// Why nothing was probed, said wherever a probe result would be.
    public static let snapshotReason = "a snapshot cannot be probed (--root)"
    public static let notRequestedReason = "not requested (--probe tries them)"

    public mutating func markNotProbed(_ reason: String) {
        probe.reason = reason
        userfaultfd.skipped = reason
        hugetlbfs.optionsSkipped = reason
    }
}

/// `6.18.44-fc-v669` -> 6.18.44. Only the leading numbers count.
public struct KernelVersion: Comparable, Equatable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    public init?(release: String) {
        var numbers: [Int] = []
        var digits = ""
        for character in release {
            if character.isASCII && character.isNumber {
                digits.append(character)
                if digits.count > 6 { return nil }
            } else {
                guard !digits.isEmpty, let value = Int(digits) else { break }
                numbers.append(value)
                digits = ""
                if character != "." || numbers.count == 3 { break }
            }
        }
        if !digits.isEmpty, numbers.count < 3, let value = Int(digits) { numbers.append(value) }
        guard numbers.count >= 2 else { return nil }
        self.init(numbers[0], numbers[1], numbers.count > 2 ? numbers[2] : 0)
    }

    public static func < (lhs: KernelVersion, rhs: KernelVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }
}

/// A system call's outcome as a probe saw it: success or the errno.
public enum CallResult: Equatable, Sendable, CustomStringConvertible {
    case ok
    case failed(Errno)

    public var isOK: Bool { self == .ok }

    /// `ok` or the errno's symbolic name (`EINVAL`), as JSON and the tables show it.
    public var description: String {
        switch self {
        case .ok: return "ok"
        case .failed(let errno): return errno.name
        }
    }

    /// The inverse of `description`, for fixtures.
    public init?(name: String) {
        if name == "ok" { self = .ok; return }
        guard let errno = Errno(name: name) else { return nil }
        self = .failed(errno)
    }
}

// MARK: - Page sizes

public struct SizeFeatures: Equatable, Sendable {
    public var pageSizeKB: Int
    public var isDefault: Bool
    public var poolTotal: Int?
    public var poolFree: Int?
    public var poolReserved: Int?
    /// `demote_size` in kB; the kernel creates `demote` and `demote_size` together, only for
    /// sizes that have a smaller size to split into (v5.16+).
    public var demoteSizeKB: Int?
    /// Whether one page of this size could be added to the pool at run time: nil until probed.
    /// Only gigantic sizes are in doubt (they need contiguous memory, `alloc_contig_pages`).
    public var runtimeAllocation: Bool?
    /// Why `runtimeAllocation` is what it is, for people.
    public var runtimeAllocationNote: String?

    public init(pageSizeKB: Int, isDefault: Bool = false) {
        self.pageSizeKB = pageSizeKB
        self.isDefault = isDefault
    }

    /// From `/proc/buddyinfo` (see `HugePagePool.giganticByBuddy`); nil when unreadable.
    public var giganticByBuddy: Bool?
    public var isGigantic: Bool {
        var pool = HugePagePool(pageSizeKB: pageSizeKB)
        pool.giganticByBuddy = giganticByBuddy
        return pool.isGigantic
    }
    public var hasPool: Bool { (poolTotal ?? 0) > 0 }
    public var canDemote: Bool { demoteSizeKB != nil }
    /// `nr_overcommit_hugepages` is refused for gigantic sizes.
    public var overcommitAllowed: Bool { !isGigantic }
}

// MARK: - Boot

public struct BootFeatures: Equatable, Sendable {
    /// `hugepages=0:N,1:M` (per-node pools at boot) needs 5.16 (commit b5389086ad7b); nil when the release is unknown.
    public var perNodeSyntax: Bool?
    /// The hugetlb parameters on the kernel command line (`hugepagesz=1G`, `hugepages=4`, ...).
    public var parameters: [String]
    /// Whether `/proc/cmdline` could be read.
    public var commandLineRead: Bool

    public init(perNodeSyntax: Bool? = nil, parameters: [String] = [], commandLineRead: Bool = false) {
        self.perNodeSyntax = perNodeSyntax
        self.parameters = parameters
        self.commandLineRead = commandLineRead
    }

    public static let perNodeSyntaxSince = KernelVersion(5, 16)
}

// MARK: - hugetlbfs

public struct HugetlbfsFeatures: Equatable, Sendable {
    /// `hugetlbfs` in `/proc/filesystems`; nil when that file could not be read.
    public var available: Bool?
    public var mounts: [HugetlbfsMountFeatures]
    /// Mount options tried by the probe: empty unless probed.
    public var options: [MountOptionProbe]
    /// Why the options were not probed (not root, a snapshot, not asked).
    public var optionsSkipped: String?

    public init() {
        self.available = nil
        self.mounts = []
        self.options = []
        self.optionsSkipped = nil
    }

    /// Some mount reserves pages with `min_size=` (they count in `resv_hugepages` until umount).
    public var minSizeInUse: Bool { mounts.contains { ($0.minSizePages ?? 0) > 0 } }
}

public struct HugetlbfsMountFeatures: Equatable, Sendable {
    public var path: String
    public var pageSizeKB: Int?
    public var sizeLimitPages: Int?
    public var minSizePages: Int?
    public var maxInodes: Int?
    public var options: String

    public init(path: String, pageSizeKB: Int?, sizeLimitPages: Int?, minSizePages: Int?, maxInodes: Int?,
                options: String) {
        self.path = path
        self.pageSizeKB = pageSizeKB
        self.sizeLimitPages = sizeLimitPages
        self.minSizePages = minSizePages
        self.maxInodes = maxInodes
        self.options = options
    }
}

/// One hugetlbfs mount tried with one option.
public struct MountOptionProbe: Equatable, Sendable {
    /// What was passed, e.g. `pagesize=1G`.
    public var option: String
    /// Whether the option should be accepted (false for the deliberately bogus one that
    /// shows the kernel rejects options it does not know).
    public var expected: Bool
    public var result: CallResult

    public init(option: String, expected: Bool = true, result: CallResult) {
        self.option = option
        self.expected = expected
        self.result = result
    }
}

// MARK: - cgroup

public struct CgroupFeatures: Equatable, Sendable {
    /// 2 when the hugetlb controller is available on the cgroup2 hierarchy, 1 when a v1
    /// hierarchy has it mounted, nil when neither.
    public var version: Int?
    public var v1Mount: String?
    public var v2Mount: String?
    /// `hugetlb` in `/proc/cgroups` (compiled in); nil when unreadable.
    public var controllerKnown: Bool?
    /// Cgroup directories looked at, and whether the walk stopped at its bound.
    public var cgroupsScanned: Int
    public var truncated: Bool
    /// Cgroups whose directory has hugetlb files (the controller is enabled there).
    public var cgroupsWithController: Int
    /// Per size: do the `rsvd` files exist where the controller is enabled.
    public var rsvdFiles: [RsvdFiles]
    /// Every cgroup with a finite hugetlb limit, by path then size.
    public var limits: [CgroupLimit]

    public init() {
        self.version = nil
        self.v1Mount = nil
        self.v2Mount = nil
        self.controllerKnown = nil
        self.cgroupsScanned = 0
        self.truncated = false
        self.cgroupsWithController = 0
        self.rsvdFiles = []
        self.limits = []
    }

    public var unboundedReservations: [CgroupLimit] { limits.filter(\.reservationUnbounded) }
}

public struct RsvdFiles: Equatable, Sendable {
    public var pageSizeKB: Int
    /// nil when no cgroup shows hugetlb files for this size (nothing to look at).
    public var present: Bool?

    public init(pageSizeKB: Int, present: Bool?) {
        self.pageSizeKB = pageSizeKB
        self.present = present
    }
}

public struct CgroupLimit: Equatable, Sendable {
    /// The cgroup's directory as the kernel names it (`/sys/fs/cgroup/vm1`).
    public var path: String
    public var pageSizeKB: Int
    /// The fault-time limit in bytes (`hugetlb.<size>.max`, v1 `limit_in_bytes`); nil = unlimited.
    public var maxBytes: Int?
    /// The reservation limit in bytes (`.rsvd.max`, v1 `.rsvd.limit_in_bytes`); nil = unlimited
    /// or absent (see `rsvdFilesPresent`).
    public var rsvdMaxBytes: Int?
    public var rsvdFilesPresent: Bool

    public init(path: String, pageSizeKB: Int, maxBytes: Int?, rsvdMaxBytes: Int?, rsvdFilesPresent: Bool) {
        self.path = path
        self.pageSizeKB = pageSizeKB
        self.maxBytes = maxBytes
        self.rsvdMaxBytes = rsvdMaxBytes
        self.rsvdFilesPresent = rsvdFilesPresent
    }

    /// Faults are limited but reservations are not: `mmap` succeeds beyond the limit and the
    /// task gets SIGBUS at the fault that crosses it (J2).
    public var reservationUnbounded: Bool { maxBytes != nil && rsvdMaxBytes == nil }
}

// MARK: - userfaultfd

public struct UserfaultfdFeatures: Equatable, Sendable {
    /// `vm.unprivileged_userfaultfd`; nil when the file is missing (kernel older than 5.2 or
    /// without userfaultfd) or unreadable.
    public var unprivilegedSysctl: Int?
    /// `/dev/userfaultfd` (v6.1+): nil when the directory could not be listed.
    public var devicePresent: Bool?
    /// Its permission bits, when known (the live system, or a snapshot that recorded them).
    public var deviceMode: UInt32?

    /// Everything below is filled in by the probe.
    public var probed: Bool
    /// Why the probe did not run or stopped (a snapshot, not asked, no way to create one).
    public var skipped: String?
    /// The user the probe ran as.
    public var uid: Int?
    public var methods: [UffdMethod]
    /// `UFFDIO_API` answer (asking for no features): the API number, the features this kernel
    /// supports and the ioctls an fd offers before registration.
    public var api: Int?
    public var featureMask: UInt64?
    public var apiIoctlMask: UInt64?
    /// The huge page size the mapping probes used.
    public var pageSizeKB: Int?
    public var mappings: [UffdMappingProbe]

    public init() {
        self.unprivilegedSysctl = nil
        self.devicePresent = nil
        self.deviceMode = nil
        self.probed = false
        self.skipped = nil
        self.uid = nil
        self.methods = []
        self.api = nil
        self.featureMask = nil
        self.apiIoctlMask = nil
        self.pageSizeKB = nil
        self.mappings = []
    }

    public var features: [String] { featureMask.map(UffdNames.features) ?? [] }
}

/// One way of getting a userfaultfd.
public struct UffdMethod: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        /// `userfaultfd(2)` with no flags: may handle kernel-mode faults; needs
        /// CAP_SYS_PTRACE unless `vm.unprivileged_userfaultfd=1`.
        case syscall
        /// `userfaultfd(UFFD_USER_MODE_ONLY)` (5.11+): allowed to everyone.
        case userModeOnly = "syscall_user_mode_only"
        /// `open("/dev/userfaultfd")` + `USERFAULTFD_IOC_NEW` (6.1+): governed by the file's mode.
        case device = "dev_userfaultfd"

        public var label: String {
            switch self {
            case .syscall: return "userfaultfd(2)"
            case .userModeOnly: return "userfaultfd(UFFD_USER_MODE_ONLY)"
            case .device: return KernelPath.userfaultfdDevice
            }
        }
    }

    public var kind: Kind
    /// Creating the fd and the `UFFDIO_API` handshake.
    public var result: CallResult

    public init(kind: Kind, result: CallResult) {
        self.kind = kind
        self.result = result
    }
}

/// Registration and ioctls on one hugetlb mapping kind.
public struct UffdMappingProbe: Equatable, Sendable {
    public enum Mapping: String, CaseIterable, Sendable {
        case hugetlbShared = "hugetlb_shared"
        case hugetlbPrivate = "hugetlb_private"

        public var label: String {
            switch self {
            case .hugetlbShared: return "hugetlb shared"
            case .hugetlbPrivate: return "hugetlb private"
            }
        }
    }

    public enum Mode: String, CaseIterable, Sendable {
        case missing = "MISSING"
        case wp = "WP"
        case minor = "MINOR"
    }

    public struct Registration: Equatable, Sendable {
        public var mode: Mode
        public var result: CallResult
        /// The `ioctls` mask `UFFDIO_REGISTER` returned for the range.
        public var ioctlMask: UInt64?

        public init(mode: Mode, result: CallResult, ioctlMask: UInt64?) {
            self.mode = mode
            self.result = result
            self.ioctlMask = ioctlMask
        }
    }

    /// One range ioctl: whether registration offered it and what trying it gave.
    public struct Ioctl: Equatable, Sendable {
        public var name: String
        public var offered: Bool
        /// nil: not tried (not offered, or what it needs did not work).
        public var result: CallResult?
        /// What was tried, for people (`COPY one page, read back 0x5a`).
        public var note: String?

        public init(name: String, offered: Bool, result: CallResult?, note: String? = nil) {
            self.name = name
            self.offered = offered
            self.result = result
            self.note = note
        }
    }

    public var mapping: Mapping
    public var skipped: String?
    public var registrations: [Registration]
    public var ioctls: [Ioctl]

    public init(mapping: Mapping, skipped: String? = nil, registrations: [Registration] = [], ioctls: [Ioctl] = []) {
        self.mapping = mapping
        self.skipped = skipped
        self.registrations = registrations
        self.ioctls = ioctls
    }

    /// The range ioctls the probe reports on, in this order.
    public static let rangeIoctls = ["COPY", "WRITEPROTECT", "CONTINUE", "POISON", "MOVE"]
}

/// The kernel's names for userfaultfd feature bits and ioctl numbers (`linux/userfaultfd.h`).
public enum UffdNames {
    public static let featureBits = [
        "PAGEFAULT_FLAG_WP", "EVENT_FORK", "EVENT_REMAP", "EVENT_REMOVE", "MISSING_HUGETLBFS",
        "MISSING_SHMEM", "EVENT_UNMAP", "SIGBUS", "THREAD_ID", "MINOR_HUGETLBFS", "MINOR_SHMEM",
        "EXACT_ADDRESS", "WP_HUGETLBFS_SHMEM", "WP_UNPOPULATED", "POISON", "WP_ASYNC", "MOVE",
    ]

    /// `_UFFDIO_*` numbers: the bit of each ioctl in an `ioctls` mask.
    public static let ioctlBits: [Int: String] = [
        0x00: "REGISTER", 0x01: "UNREGISTER", 0x02: "WAKE", 0x03: "COPY", 0x04: "ZEROPAGE",
        0x05: "MOVE", 0x06: "WRITEPROTECT", 0x07: "CONTINUE", 0x08: "POISON", 0x3F: "API",
    ]

    /// Names of the set bits, lowest first; a bit this table does not know is `bitN`.
    public static func features(_ mask: UInt64) -> [String] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map { $0 < featureBits.count ? featureBits[$0] : "bit\($0)" }
    }

    public static func ioctls(_ mask: UInt64) -> [String] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map { ioctlBits[$0] ?? "bit\($0)" }
    }

    public static func ioctlBit(_ name: String) -> Int? { ioctlBits.first { $0.value == name }?.key }
}

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
