/// A hugetlb cgroup limit in huge pages: what the kernel's page counter allows
/// (`hugetlb_cgroup_write` rounds a byte limit down to whole huge pages).
public enum CgroupPageLimit: Equatable, Sendable {
    /// `max`, the page counter's maximum (9223372036854771712 bytes), or no counter at all.
    case unlimited
    case pages(Int)

    public var pages: Int? {
        if case .pages(let n) = self { return n }
        return nil
    }
}

/// The hugetlb counters of one cgroup for one page size, in huge pages. nil is unknown (a file
/// that could not be read or understood: a warning names it).
public struct HugetlbCgroupUsage: Equatable, Sendable {
    public var pageSizeKB: Int
    /// `hugetlb.<size>.max` (v1 `limit_in_bytes`): charged by every page allocated at fault.
    public var limit: CgroupPageLimit?
    /// `hugetlb.<size>.current` (v1 `usage_in_bytes`).
    public var usage: Int?
    /// `hugetlb.<size>.rsvd.max` (v1 `rsvd.limit_in_bytes`): charged at reservation and by
    /// faults without one; `.unlimited` also when the kernel has no rsvd files (before 5.7).
    public var reservationLimit: CgroupPageLimit?
    /// `hugetlb.<size>.rsvd.current` (v1 `rsvd.usage_in_bytes`); nil without rsvd files.
    public var reservationUsage: Int?

    public init(pageSizeKB: Int, limit: CgroupPageLimit?, usage: Int?, reservationLimit: CgroupPageLimit?,
                reservationUsage: Int?) {
        self.pageSizeKB = pageSizeKB
        self.limit = limit
        self.usage = usage
        self.reservationLimit = reservationLimit
        self.reservationUsage = reservationUsage
    }
}

/// One cgroup of the hierarchy the hugetlb controller is on.
public struct HugetlbCgroup: Equatable, Sendable {
    /// As `/proc/PID/cgroup` names it: `/` for the root, `/a/b` below it.
    public var path: String
    /// By page size; empty when the controller is not enabled there (the cgroup2 root, or a
    /// cgroup whose parent's `cgroup.subtree_control` lacks `hugetlb`): its tasks then charge
    /// the nearest ancestor that has it.
    public var sizes: [HugetlbCgroupUsage]
    /// The directory could not be listed: nothing is known of its counters.
    public var unreadable: Bool

    public init(path: String, sizes: [HugetlbCgroupUsage] = [], unreadable: Bool = false) {
        self.path = path
        self.sizes = sizes
        self.unreadable = unreadable
    }

    public func usage(kB: Int) -> HugetlbCgroupUsage? { sizes.first { $0.pageSizeKB == kB } }

    /// `/a/b` -> `/a`, `/a` -> `/`, `/` -> nil.
    public var parentPath: String? {
        guard path != "/" else { return nil }
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// The hugetlb cgroups that matter to the analysis: those of the processes holding hugetlb
/// memory, and their ancestors (a limit anywhere above also applies: the page counter charges
/// up the tree).
public struct HugetlbCgroups: Equatable, Sendable {
    /// 1 or 2: the hierarchy the hugetlb controller is on; nil when none was found.
    public var version: Int?
    public var mountPoint: String?
    /// Sorted by path, parents before children.
    public var groups: [HugetlbCgroup]

    public init(version: Int? = nil, mountPoint: String? = nil, groups: [HugetlbCgroup] = []) {
        self.version = version
        self.mountPoint = mountPoint
        self.groups = groups
    }

    public func group(_ path: String) -> HugetlbCgroup? { groups.first { $0.path == path } }
}
