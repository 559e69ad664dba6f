import CNuma
import HugectlCore

/// `--policy-aware --interleave NODES`: grow or shrink the pool the way
/// `numactl --interleave=NODES echo N > nr_hugepages_mempolicy` would. The kernel takes the
/// nodes from the writer's memory policy (`__nr_hugepages_store_common` with
/// `init_nodemask_of_mempolicy`), so hugectl sets its own policy first, through libnuma.
public enum PolicyAware {
    /// Why the policy could not be set.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The kernel has no NUMA memory policies (a usage error: `--policy-aware` asks for one).
        case noPolicies
        /// A node of `--interleave` is beyond the kernel's possible nodes (a usage error).
        case nodeBeyond(Int)
        /// libnuma could not allocate its node mask (the system, not the command line).
        case noMask

        public var description: String {
            switch self {
            case .noPolicies: return "this kernel has no NUMA memory policies"
            case .nodeBeyond(let node): return "node \(node) is beyond this kernel's nodes"
            case .noMask: return "libnuma could not allocate a node mask"
            }
        }
    }

    /// Sets the calling thread's policy to interleave over `nodes`.
    public static func interleave(over nodes: [Int]) throws(Failure) {
        guard NumaLibrary.isAvailable else { throw .noPolicies }
        guard let mask = numa_allocate_nodemask() else { throw .noMask }
        defer { numa_free_nodemask(mask) }
        for node in nodes {
            guard node <= NumaLibrary.maxPossibleNode else { throw .nodeBeyond(node) }
            numa_bitmask_setbit(mask, UInt32(node))
        }
        numa_set_interleave_mask(mask)
    }
}
