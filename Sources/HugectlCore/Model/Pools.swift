/// One huge page size's pool, from `/sys/kernel/mm/hugepages/hugepages-<kB>kB/`.
/// A counter is nil when its file could not be read (the reason is in the snapshot's warnings).
public struct HugePagePool: Equatable, Sendable {
    public var pageSizeKB: Int
    /// `nr_hugepages`: persistent plus surplus pages.
    public var total: Int?
    /// `free_hugepages`: includes the reserved pages.
    public var free: Int?
    /// `resv_hugepages`: promised to mappings, not yet faulted.
    public var reserved: Int?
    /// `surplus_hugepages`: allocated beyond the persistent pool under overcommit.
    public var surplus: Int?
    /// `nr_overcommit_hugepages`: how many surplus pages may exist at once.
    public var overcommit: Int?
    /// `nr_hugepages_mempolicy`: reads as the global total; writes follow the writer's policy.
    public var mempolicyTotal: Int?
    /// `demote_size` in kB, present on sizes that can be split into a smaller one.
    public var demoteSizeKB: Int?
    /// Per node, from `/sys/devices/system/node/nodeN/hugepages/`, ordered by node.
    public var nodes: [NodePool]

    public init(pageSizeKB: Int, total: Int? = nil, free: Int? = nil, reserved: Int? = nil,
                surplus: Int? = nil, overcommit: Int? = nil, mempolicyTotal: Int? = nil,
                demoteSizeKB: Int? = nil, nodes: [NodePool] = []) {
        self.pageSizeKB = pageSizeKB
        self.total = total
        self.free = free
        self.reserved = reserved
        self.surplus = surplus
        self.overcommit = overcommit
        self.mempolicyTotal = mempolicyTotal
        self.demoteSizeKB = demoteSizeKB
        self.nodes = nodes
    }

    /// Pages faulted into some mapping: total minus free (nil if either is unknown or the
    /// counters contradict each other).
    public var inUse: Int? {
        guard let total, let free, free <= total else { return nil }
        return total - free
    }

    /// Whether the size's order is beyond the buddy allocator's largest (`/proc/buddyinfo`
    /// and the base page size); nil when that could not be read.
    public var giganticByBuddy: Bool?

    /// Gigantic pages (larger than the buddy allocator's largest block, 1G on x86-64) are never
    /// overcommitted: the kernel rejects `nr_overcommit_hugepages` writes for them
    /// (`hstate_is_gigantic` in `mm/hugetlb.c`: order above `MAX_PAGE_ORDER`, `>= MAX_ORDER`
    /// before 6.8). Without `giganticByBuddy`, larger than 4M, the largest block on x86-64
    /// with 4K pages (wrong on ppc64 and on arm64 with 16K or 64K pages).
    public var isGigantic: Bool { giganticByBuddy ?? (pageSizeKB > 4096) }
}

/// One node's share of a pool. The kernel keeps no per-node reservation count.
public struct NodePool: Equatable, Sendable {
    public var node: Int
    public var total: Int?
    public var free: Int?
    public var surplus: Int?

    public init(node: Int, total: Int? = nil, free: Int? = nil, surplus: Int? = nil) {
        self.node = node
        self.total = total
        self.free = free
        self.surplus = surplus
    }
}

/// The `HugePages_*` lines of `/proc/meminfo`, which describe the default page size only,
/// and `Hugetlb:`, which is all sizes together in kB.
public struct MeminfoHugePages: Equatable, Sendable {
    public var total: Int?
    public var free: Int?
    public var reserved: Int?
    public var surplus: Int?
    public var pageSizeKB: Int?
    public var hugetlbKB: Int?

    public init(total: Int? = nil, free: Int? = nil, reserved: Int? = nil, surplus: Int? = nil,
                pageSizeKB: Int? = nil, hugetlbKB: Int? = nil) {
        self.total = total
        self.free = free
        self.reserved = reserved
        self.surplus = surplus
        self.pageSizeKB = pageSizeKB
        self.hugetlbKB = hugetlbKB
    }
}
