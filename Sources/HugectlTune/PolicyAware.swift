import CNuma
import HugectlCore

/// `--policy-aware --interleave NODES`: grow or shrink the pool the way
/// `numactl --interleave=NODES echo N > nr_hugepages_mempolicy` would. The kernel takes the
/// nodes from the writer's memory policy (`__nr_hugepages_store_common` with
/// `init_nodemask_of_mempolicy`), so hugectl sets its own policy first, through libnuma.
public enum PolicyAware {
    /// Sets the calling thread's policy to interleave over `nodes`.
    public static func interleave(over nodes: [Int]) throws(UsageError) {
        guard NumaLibrary.isAvailable else { throw UsageError("this kernel has no NUMA memory policies") }
        guard let mask = numa_allocate_nodemask() else { throw UsageError("libnuma could not allocate a node mask") }
        defer { numa_free_nodemask(mask) }
        for node in nodes {
            guard node <= NumaLibrary.maxPossibleNode else { throw UsageError("node \(node) is beyond this kernel's nodes") }
            numa_bitmask_setbit(mask, UInt32(node))
        }
        numa_set_interleave_mask(mask)
    }
}
