/// A NUMA node from `/sys/devices/system/node/nodeN/`.
public struct NumaNode: Equatable, Sendable {
    public var node: Int
    /// From `cpulist`; nil if unreadable.
    public var cpus: [Int]?
    /// In `has_memory`: the node has memory the page allocator can use.
    public var hasMemory: Bool
    public var memTotalKB: Int?
    public var memFreeKB: Int?
    /// From `distance`: one entry per online node, in node order.
    public var distances: [Int]?
    /// From `numastat`, in the kernel's order; nil if unreadable.
    public var numastat: [NamedCount]?
    /// Weighted interleave weight (`/sys/kernel/mm/mempolicy/weighted_interleave/node<N>`,
    /// since 6.9); nil if absent or unreadable.
    public var interleaveWeight: Int?

    public init(node: Int, cpus: [Int]? = nil, hasMemory: Bool = true, memTotalKB: Int? = nil,
                memFreeKB: Int? = nil, distances: [Int]? = nil, numastat: [NamedCount]? = nil,
                interleaveWeight: Int? = nil) {
        self.node = node
        self.cpus = cpus
        self.hasMemory = hasMemory
        self.memTotalKB = memTotalKB
        self.memFreeKB = memFreeKB
        self.distances = distances
        self.numastat = numastat
        self.interleaveWeight = interleaveWeight
    }
}

public struct NamedCount: Equatable, Sendable {
    public var name: String
    public var value: Int

    public init(name: String, value: Int) {
        self.name = name
        self.value = value
    }
}
