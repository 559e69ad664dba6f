/// Everything hugectl knows about one system at one moment: the model the analyses and
/// renderers work on. Built by `SnapshotCollector`, never by reading files itself.
public struct SystemSnapshot: Equatable, Sendable {
    /// The root as given (`/` for the live system).
    public var root: String
    public var kernelRelease: String?
    /// From meminfo's `Hugepagesize:`.
    public var defaultPageSizeKB: Int?
    /// Sorted by page size.
    public var pools: [HugePagePool]
    /// Sorted by node number.
    public var nodes: [NumaNode]
    /// `/sys/devices/system/node/possible`.
    public var possibleNodes: [Int]?
    public var meminfo: MeminfoHugePages
    public var mounts: [HugetlbfsMount]
    /// Two consecutive reads of every pool counter agreed.
    public var consistent: Bool
    /// What could not be read or understood, each as `PATH: REASON`.
    public var warnings: [String]
    /// Processes, objects and SysV segments holding hugetlb memory, as scanned.
    public var consumers: ConsumerSnapshot
    /// The host: `gethostname(2)` on the live system, a snapshot's recorded hostname, else
    /// unknown (a redacted snapshot, a hand-made tree).
    public var hostname: String?
    /// When the snapshot was collected, in seconds since the epoch (UTC).
    public var collectedAt: Int?

    /// What names the system in reports that several hosts feed (JUnit suites, TAP): the
    /// hostname, else the root the tree was read from.
    public var hostLabel: String { hostname ?? root }
    /// The hugetlb cgroups of the processes in `consumers` and their ancestors.
    public var cgroups = HugetlbCgroups()

    public init(root: String, kernelRelease: String? = nil, defaultPageSizeKB: Int? = nil,
                pools: [HugePagePool] = [], nodes: [NumaNode] = [], possibleNodes: [Int]? = nil,
                meminfo: MeminfoHugePages = MeminfoHugePages(), mounts: [HugetlbfsMount] = [],
                consistent: Bool = true, warnings: [String] = [], consumers: ConsumerSnapshot = ConsumerSnapshot()) {
        self.root = root
        self.kernelRelease = kernelRelease
        self.defaultPageSizeKB = defaultPageSizeKB
        self.pools = pools
        self.nodes = nodes
        self.possibleNodes = possibleNodes
        self.meminfo = meminfo
        self.mounts = mounts
        self.consistent = consistent
        self.warnings = warnings
        self.consumers = consumers
    }

    public func pool(kB: Int) -> HugePagePool? { pools.first { $0.pageSizeKB == kB } }
}
