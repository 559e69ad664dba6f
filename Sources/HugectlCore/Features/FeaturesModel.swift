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
