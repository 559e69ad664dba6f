/// The node facts the demand rules need.
public struct NodeFacts: Sendable {
    /// Nodes with memory (they may hold huge pages).
    public var withMemory: Set<Int>
    /// Node of each CPU, from the nodes' cpulists.
    public var nodeOfCPU: [Int: Int]
    /// Weighted interleave weights of the nodes whose weight could be read.
    public var interleaveWeights: [Int: Int]
    /// The kernel drops a bind mask outside the faulting task's mems (6.7 on); nil: unknown.
    public var bindIgnoredOutsideMems: Bool?

    public init(_ snapshot: SystemSnapshot) {
        var memory = Set(snapshot.nodes.filter(\.hasMemory).map(\.node))
        if memory.isEmpty { memory = [0] }  // no NUMA in sysfs: one node
        withMemory = memory
        var cpus: [Int: Int] = [:]
        var weights: [Int: Int] = [:]
        for node in snapshot.nodes {
            for cpu in node.cpus ?? [] { cpus[cpu] = node.node }
            weights[node.node] = node.interleaveWeight
        }
        nodeOfCPU = cpus
        interleaveWeights = weights
        bindIgnoredOutsideMems = InterleavePlacement.ignoresBindOutsideMems(release: snapshot.kernelRelease)
    }

    /// The nodes a fault of a task with cpuset `mems` under `policy` may take pages from, and
    /// whether the faults are confined to them.
    /// `worst` is the nodes of the least lenient reading: they differ from `nodes` only where
    /// the kernel's rule is not known (a bind mask outside the mems on an unknown release).
    func allowed(mems: [Int]?, _ policy: MemoryPolicy?) -> (nodes: Set<Int>, strict: Bool, worst: Set<Int>) {
        var base = withMemory
        if let mems { base.formIntersection(mems) }
        let cpusetNarrower = base != withMemory
        if let policy, policy.mode == .bind {
            let bound = base.intersection(policy.nodes)
            // A bind mask that misses the task's mems (`policy_nodemask` from 6.7).
            if let mems, Set(mems).isDisjoint(with: policy.nodes) {
                switch bindIgnoredOutsideMems {
                case true?: return (base, cpusetNarrower, base)
                case false?: return (bound, true, bound)
                case nil: return (base, false, bound)
                }
            }
            return (bound, true, bound)
        }
        return (base, cpusetNarrower, base)
    }

    func firstChoice(cpus: [Int]?, _ policy: MemoryPolicy?, allowed: Set<Int>) -> Set<Int> {
        var first: Set<Int>
        switch policy?.mode {
        case .bind where !allowed.isDisjoint(with: policy?.nodes ?? []): first = allowed
        case .bind: first = Set((cpus ?? []).compactMap { nodeOfCPU[$0] })
        case .preferred, .preferredMany, .interleave, .weightedInterleave:
            first = Set(policy?.nodes ?? [])
        case .default, .local, .none:
            first = Set((cpus ?? []).compactMap { nodeOfCPU[$0] })
        }
        first.formIntersection(allowed)
        return first.isEmpty ? allowed : first
    }
}
