extension ReservationShortfall {
    /// The order in which a fault that may fall back takes nodes: its first-choice nodes,
    /// then the others it may use, nearest first (the kernel walks the first node's zonelist,
    /// which `build_zonelists` orders by `node_distance`), and the free pages the faults leave
    /// on each node as they take them in that order.
    ///
    /// Worked out once per (first choice, allowed nodes): thousands of demands share a
    /// handful, and sorting 64 nodes by distance for each of them was most of the verdict's
    /// time. Orders are kept as slots of a dense table of nodes and the pages left as an array
    /// over those slots: the walk visits up to 64 nodes for each of 10,000 demands, and a
    /// dictionary look-up per node visited was a third of the verdict's time.
    struct FallbackOrders {
        struct Key: Hashable {
            var first: NodeSetKey
            var allowed: NodeSetKey
        }
        /// `node_distance(from, to)`, 10 to itself and 20 to the others when unknown.
        private let distances: [Int: [Int: Int]]
        private var known: [Key: [Int]] = [:]
        /// The last demand's sets and order (`order(_:)`).
        private var lastOrder: (first: Set<Int>, allowed: Set<Int>, order: [Int])?
        private var slotOf: [Int: Int] = [:]
        private var nodeOf: [Int] = []
        /// Free pages left on each slot's node.
        private var left: [Int] = []
        /// The node is in `remaining`: it was in the supply, or a fault looked at it.
        private var listed: [Bool] = []
        /// The demands that took pages from each slot's node, by index.
        private var takers: [[Int]] = []

        init(_ snapshot: SystemSnapshot, supply: [Int: Int]) {
            let order = snapshot.nodes.map(\.node)
            var distances: [Int: [Int: Int]] = [:]
            for node in snapshot.nodes {
                guard let row = node.distances else { continue }
                var byNode: [Int: Int] = [:]
                for (at, to) in order.enumerated() where at < row.count { byNode[to] = row[at] }
                distances[node.node] = byNode
            }
            self.distances = distances
            for (node, pages) in supply.sorted(by: { $0.key < $1.key }) {
                let at = slot(node)
                left[at] = pages
                listed[at] = true
            }
        }

        func distance(_ from: Int, _ to: Int) -> Int {
            distances[from]?[to] ?? (from == to ? 10 : 20)
        }

        /// The slot of `node`, made on first use.
        mutating func slot(_ node: Int) -> Int {
            if let known = slotOf[node] { return known }
            let at = nodeOf.count
            slotOf[node] = at
            nodeOf.append(node)
            left.append(0)
            listed.append(false)
            takers.append([])
            return at
        }

        /// The slots `demand` takes pages from, in order.
        mutating func order(_ demand: FaultDemand) -> [Int] {
            // Consecutive demands mostly share both sets (one memo gave them): compared with
            // the last demand's before they are hashed.
            if let last = lastOrder, last.first == demand.firstChoice, last.allowed == demand.allowed { return last.order }
            let key = Key(first: NodeSetKey(demand.firstChoice), allowed: NodeSetKey(demand.allowed))
            if let order = known[key] {
                lastOrder = (demand.firstChoice, demand.allowed, order)
                return order
            }
            let first = demand.firstChoice.sorted()
            let nearest = demand.allowed.subtracting(demand.firstChoice).map { node in
                (distance: first.map { distance($0, node) }.min() ?? 0, node: node)
            }
            let nodes = first + nearest.sorted { ($0.distance, $0.node) < ($1.distance, $1.node) }.map(\.node)
            let order = nodes.map { slot($0) }
            known[key] = order
            lastOrder = (demand.firstChoice, demand.allowed, order)
            return order
        }

        /// The zonelist of one interleaved page's node, over the nodes it may use: that node
        /// if allowed, then the others nearest to it.
        mutating func order(from node: Int, allowed: Set<Int>) -> [Int] {
            let key = Key(first: NodeSetKey([node]), allowed: NodeSetKey(allowed))
            if let order = known[key] { return order }
            let nodes = (allowed.contains(node) ? [node] : [])
                + allowed.subtracting([node]).sorted { (distance(node, $0), $0) < (distance(node, $1), $1) }
            let order = nodes.map { slot($0) }
            known[key] = order
            return order
        }

        /// Demand `index` takes up to `pages` free pages along `order`; the pages it found
        /// no free page for.
        mutating func take(_ pages: Int, along order: [Int], for index: Int) -> Int {
            var rest = pages
            for at in order {
                guard rest > 0 else { break }
                let taken = min(rest, left[at])
                left[at] -= taken
                listed[at] = true
                rest -= taken
                if taken > 0 { takers[at].append(index) }
            }
            return rest
        }

        /// The free pages left per node (every node of the supply and every node looked at).
        var remaining: [Int: Int] {
            var result: [Int: Int] = [:]
            for at in nodeOf.indices where listed[at] { result[nodeOf[at]] = left[at] }
            return result
        }

        /// The demands that took pages from each node, by index.
        var tookFrom: [Int: [Int]] {
            var result: [Int: [Int]] = [:]
            for at in nodeOf.indices where !takers[at].isEmpty { result[nodeOf[at]] = takers[at] }
            return result
        }
    }
}
