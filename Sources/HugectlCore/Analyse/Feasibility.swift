/// Can every demand for huge pages be served from the free pages of the nodes it may use?
///
/// A transportation problem: demands grouped by the set of nodes their faults may take pages
/// from, supply = free pages per node. The most that can be served is a maximum flow
/// (source → group → node → sink); what cannot is the shortfall, and by Hall's condition it
/// is the largest excess of a union of groups over the supply of their nodes. The groups and
/// nodes still reachable from the source after the flow form the bottleneck: each connected
/// piece of it is one node set that cannot serve the groups bound to it.
public enum Feasibility {
    public struct Group: Equatable, Sendable {
        public var nodes: Set<Int>
        public var demand: Int

        public init(nodes: Set<Int>, demand: Int) {
            self.nodes = nodes
            self.demand = demand
        }
    }

    /// One node set that cannot serve the groups that depend on it.
    public struct Bottleneck: Equatable, Sendable {
        public var nodes: [Int]
        /// Indexes into the groups given.
        public var groups: [Int]
        /// Pages of those groups that cannot be served.
        public var shortfall: Int
    }

    public struct Result: Equatable, Sendable {
        public var demand: Int
        public var served: Int
        /// Per group, the pages it cannot get.
        public var unmet: [Int]
        public var bottlenecks: [Bottleneck]

        public var shortfall: Int { demand - served }
    }

    /// - Parameters:
    ///   - supply: free pages per node.
    ///   - groups: demands and the nodes each may take pages from.
    ///   - pooled: extra pages that any node may add up to `poolPerNode[n]` each, `pooled` in
    ///     all (surplus pages under `nr_overcommit_hugepages`, limited by the buddy allocator's
    ///     free memory on each node).
    public static func solve(supply: [Int: Int], groups: [Group], pooled: Int = 0,
                             poolPerNode: [Int: Int] = [:]) -> Result {
        let nodes = Array(Set(supply.keys).union(groups.flatMap(\.nodes)).union(poolPerNode.keys)).sorted()
        let nodeIndex = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
        // Vertices: source, groups, nodes, pool, sink.
        let source = 0
        let firstGroup = 1
        let firstNode = firstGroup + groups.count
        let pool = firstNode + nodes.count
        let sink = pool + 1
        var graph = FlowGraph(vertices: sink + 1)
        var totalDemand = 0
        var demandEdge: [Int: Int] = [:]
        for (index, group) in groups.enumerated() where group.demand > 0 {
            totalDemand = totalDemand.addingClamped(group.demand)
            demandEdge[index] = graph.addEdge(source, firstGroup + index, capacity: group.demand)
            for node in group.nodes {
                if let at = nodeIndex[node] { graph.addEdge(firstGroup + index, firstNode + at, capacity: Int.max / 4) }
            }
        }
        for (node, pages) in supply where pages > 0 {
            if let at = nodeIndex[node] { graph.addEdge(firstNode + at, sink, capacity: pages) }
        }
        if pooled > 0 {
            graph.addEdge(pool, sink, capacity: pooled)
            for (node, pages) in poolPerNode where pages > 0 {
                if let at = nodeIndex[node] { graph.addEdge(firstNode + at, pool, capacity: pages) }
            }
        }
        let served = graph.maxFlow(from: source, to: sink)

        var unmet: [Int] = []
        for index in groups.indices {
            unmet.append(demandEdge[index].map { graph.capacity(from: source, edge: $0) } ?? 0)
        }
        // The source side of the minimum cut, split into connected pieces.
        let reachable = graph.reachable(from: source)
        var groupsOnNode: [Int: [Int]] = [:]
        for (index, group) in groups.enumerated() where reachable.contains(firstGroup + index) {
            for node in group.nodes { groupsOnNode[node, default: []].append(index) }
        }
        var seenGroup = Set<Int>()
        var bottlenecks: [Bottleneck] = []
        for start in groups.indices where reachable.contains(firstGroup + start) && !seenGroup.contains(start) {
            var pieceGroups: [Int] = []
            var pieceNodes = Set<Int>()
            var stack = [start]
            seenGroup.insert(start)
            while let g = stack.popLast() {
                pieceGroups.append(g)
                for node in groups[g].nodes where nodeIndex[node].map({ reachable.contains(firstNode + $0) }) == true {
                    guard pieceNodes.insert(node).inserted else { continue }
                    for other in groupsOnNode[node] ?? [] where seenGroup.insert(other).inserted {
                        stack.append(other)
                    }
                }
            }
            let shortfall = pieceGroups.reduce(0) { $0 + unmet[$1] }
            if shortfall > 0 {
                bottlenecks.append(Bottleneck(nodes: pieceNodes.sorted(), groups: pieceGroups.sorted(), shortfall: shortfall))
            }
        }
        return Result(demand: totalDemand, served: served, unmet: unmet, bottlenecks: bottlenecks)
    }
}

extension Feasibility {
    /// One set of nodes whose unreserved pages run out, and the faults of one class without a
    /// reservation that cannot get them.
    public struct Shortage: Equatable, Sendable {
        /// Index into the classes given.
        public var kind: Int
        /// The nodes those faults may use that cannot give them more (adding a page to any of
        /// them serves one more).
        public var nodes: [Int]
        /// Indexes into the class's groups.
        public var groups: [Int]
        /// The pages they cannot get.
        public var unmet: Int
    }

    /// Faults without a reservation (MAP_NORESERVE, fork children's copies): they may take only
    /// the pages reservations leave, `budget` (`free − reserved`) in all, on the nodes they may
    /// use, after the reserved demands `reserved` have been served as well as they can be.
    /// `classes` are served in order: a later class gets what the earlier ones leave.
    ///
    /// A maximum flow as in `solve`, in phases: the reserved groups first; then, through one
    /// edge of capacity `budget`, each class in turn (augmenting paths never lower the flow an
    /// earlier phase got from the source). What each class cannot get is its shortfall; the
    /// nodes still reachable from an unserved group, through the residual graph, are the
    /// nodes that would serve it if they had more pages, and the groups of one class that
    /// share such nodes make one shortage.
    public static func unreserved(supply: [Int: Int], reserved: [Group], classes: [[Group]],
                                  budget: Int) -> (unmet: [[Int]], shortages: [Shortage]) {
        let allGroups = reserved + classes.flatMap { $0 }
        let nodes = Array(Set(supply.keys).union(allGroups.flatMap(\.nodes))).sorted()
        let nodeIndex = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
        let source = 0, gate = 1, firstGroup = 2
        let firstNode = firstGroup + allGroups.count
        let sink = firstNode + nodes.count
        var graph = FlowGraph(vertices: sink + 1)
        func link(_ vertex: Int, _ group: Group) {
            for node in group.nodes {
                if let at = nodeIndex[node] { graph.addEdge(vertex, firstNode + at, capacity: Int.max / 4) }
            }
        }
        for (index, group) in reserved.enumerated() where group.demand > 0 {
            graph.addEdge(source, firstGroup + index, capacity: group.demand)
            link(firstGroup + index, group)
        }
        for (node, pages) in supply where pages > 0 {
            if let at = nodeIndex[node] { graph.addEdge(firstNode + at, sink, capacity: pages) }
        }
        _ = graph.maxFlow(from: source, to: sink)
        if budget > 0 { graph.addEdge(source, gate, capacity: budget) }
        var vertex = firstGroup + reserved.count
        var edges: [[(vertex: Int, edge: Int?)]] = []
        for groups in classes {
            var mine: [(vertex: Int, edge: Int?)] = []
            for group in groups {
                var edge: Int?
                if group.demand > 0 {
                    edge = graph.addEdge(gate, vertex, capacity: group.demand)
                    link(vertex, group)
                }
                mine.append((vertex, edge))
                vertex += 1
            }
            _ = graph.maxFlow(from: source, to: sink)
            edges.append(mine)
        }
        let unmet = edges.map { $0.map { entry in entry.edge.map { graph.capacity(from: gate, edge: $0) } ?? 0 } }

        // The nodes each unserved group still reaches, without passing the source, the gate or
        // the sink; pieces that share a node are one shortage.
        var shortages: [Shortage] = []
        for (c, groups) in edges.enumerated() {
            var pieces: [(nodes: Set<Int>, groups: [Int])] = []
            for (g, entry) in groups.enumerated() where unmet[c][g] > 0 {
                let reach = graph.reachable(from: entry.vertex, avoiding: [source, gate, sink])
                var mine = Set(nodes.indices.filter { reach.contains(firstNode + $0) }.map { nodes[$0] })
                var members = [g]
                pieces.removeAll { piece in
                    guard !piece.nodes.isDisjoint(with: mine) else { return false }
                    mine.formUnion(piece.nodes)
                    members += piece.groups
                    return true
                }
                pieces.append((mine, members))
            }
            shortages += pieces.map { piece in
                Shortage(kind: c, nodes: piece.nodes.sorted(), groups: piece.groups.sorted(),
                         unmet: piece.groups.reduce(0) { $0 + unmet[c][$1] })
            }.sorted { $0.nodes.lexicographicallyPrecedes($1.nodes) }
        }
        return (unmet, shortages)
    }
}

extension Int {
    public func addingClamped(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? Int.max : sum
    }
}

/// Dinic's maximum flow on a small graph with integer capacities.
struct FlowGraph {
    private struct Edge {
        var to: Int
        var capacity: Int
        var reverse: Int
    }

    private var edges: [[Edge]]
    private var level: [Int] = []
    private var next: [Int] = []

    init(vertices: Int) {
        edges = Array(repeating: [], count: vertices)
    }

    /// Adds an edge and returns its index among `from`'s edges.
    @discardableResult
    mutating func addEdge(_ from: Int, _ to: Int, capacity: Int) -> Int {
        edges[from].append(Edge(to: to, capacity: capacity, reverse: edges[to].count))
        edges[to].append(Edge(to: from, capacity: 0, reverse: edges[from].count - 1))
        return edges[from].count - 1
    }

    /// Remaining capacity of one edge.
    func capacity(from vertex: Int, edge: Int) -> Int {
        edges[vertex][edge].capacity
    }

    func reachable(from source: Int, avoiding: Set<Int> = []) -> Set<Int> {
        var seen: Set<Int> = avoiding.union([source])
        var stack = [source]
        while let v = stack.popLast() {
            for edge in edges[v] where edge.capacity > 0 && seen.insert(edge.to).inserted {
                stack.append(edge.to)
            }
        }
        return seen
    }

    mutating func maxFlow(from source: Int, to sink: Int) -> Int {
        var flow = 0
        while buildLevels(source, sink) {
            next = Array(repeating: 0, count: edges.count)
            while true {
                let pushed = push(source, sink, Int.max)
                if pushed == 0 { break }
                flow = flow.addingClamped(pushed)
            }
        }
        return flow
    }

    private mutating func buildLevels(_ source: Int, _ sink: Int) -> Bool {
        level = Array(repeating: -1, count: edges.count)
        level[source] = 0
        var queue = [source]
        var head = 0
        while head < queue.count {
            let v = queue[head]
            head += 1
            for edge in edges[v] where edge.capacity > 0 && level[edge.to] < 0 {
                level[edge.to] = level[v] + 1
                queue.append(edge.to)
            }
        }
        return level[sink] >= 0
    }

    private mutating func push(_ v: Int, _ sink: Int, _ limit: Int) -> Int {
        if v == sink { return limit }
        while next[v] < edges[v].count {
            let i = next[v]
            let edge = edges[v][i]
            if edge.capacity > 0 && level[edge.to] == level[v] + 1 {
                let pushed = push(edge.to, sink, Swift.min(limit, edge.capacity))
                if pushed > 0 {
                    edges[v][i].capacity -= pushed
                    edges[edge.to][edge.reverse].capacity += pushed
                    return pushed
                }
            }
            next[v] += 1
        }
        return 0
    }
}
