import Testing
@testable import HugectlCore

@Suite("Feasibility solver")
struct FeasibilityTests {
    /// Brute force by Hall's condition: the shortfall is the largest excess, over every set of
    /// groups, of their demand over the supply of all the nodes they may use.
    static func bruteShortfall(supply: [Int: Int], groups: [Feasibility.Group]) -> Int {
        var worst = 0
        for mask in 0..<(1 << groups.count) {
            var demand = 0
            var nodes = Set<Int>()
            for (i, g) in groups.enumerated() where mask & (1 << i) != 0 {
                demand += g.demand
                nodes.formUnion(g.nodes)
            }
            worst = max(worst, demand - nodes.reduce(0) { $0 + (supply[$1] ?? 0) })
        }
        return worst
    }

    /// A small deterministic generator, so a failure can be replayed from its seed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: 0..<400)
    func matchesBruteForce(seed: Int) {
        var random = Generator(state: UInt64(seed) &* 2654435761 &+ 1)
        let nodeCount = 1 + random.next(4)
        var supply: [Int: Int] = [:]
        for node in 0..<nodeCount { supply[node] = random.next(9) }
        let groupCount = 1 + random.next(6)
        var groups: [Feasibility.Group] = []
        for _ in 0..<groupCount {
            var nodes = Set<Int>()
            for node in 0..<nodeCount where random.next(2) == 1 { nodes.insert(node) }
            // Overlapping strict sets, singletons, and sometimes no node at all.
            if nodes.isEmpty && random.next(3) > 0 { nodes.insert(random.next(nodeCount)) }
            groups.append(.init(nodes: nodes, demand: random.next(8)))
        }
        let result = Feasibility.solve(supply: supply, groups: groups)
        let expected = Self.bruteShortfall(supply: supply, groups: groups)
        #expect(result.shortfall == expected, "seed \(seed): supply \(supply) groups \(groups)")
        #expect(result.unmet.reduce(0, +) == result.shortfall)
        #expect(result.bottlenecks.reduce(0) { $0 + $1.shortfall } == result.shortfall)
        // Each bottleneck alone violates Hall's condition by its own shortfall.
        for b in result.bottlenecks {
            let demand = b.groups.reduce(0) { $0 + groups[$1].demand }
            let nodes = Set(b.groups.flatMap { groups[$0].nodes })
            let available = nodes.reduce(0) { $0 + (supply[$1] ?? 0) }
            #expect(demand - available >= b.shortfall, "seed \(seed): bottleneck \(b)")
        }
    }

    static func randomInstance(_ random: inout Generator) -> (supply: [Int: Int], groups: [Feasibility.Group]) {
        let nodeCount = 1 + random.next(4)
        var supply: [Int: Int] = [:]
        for node in 0..<nodeCount { supply[node] = random.next(9) }
        var groups: [Feasibility.Group] = []
        for _ in 0..<(1 + random.next(6)) {
            var nodes = Set<Int>()
            for node in 0..<nodeCount where random.next(2) == 1 { nodes.insert(node) }
            if nodes.isEmpty && random.next(3) > 0 { nodes.insert(random.next(nodeCount)) }
            groups.append(.init(nodes: nodes, demand: random.next(8)))
        }
        return (supply, groups)
    }

    /// With overcommit: a minimum cut either keeps the surplus pool on the sink side (then the
    /// pool gives the cut's nodes what their free memory allows) or cuts its total, so the
    /// shortfall is the largest, over every set of groups, of their demand over the free pages
    /// of their nodes plus min(pool, the nodes' memory).
    @Test(arguments: 0..<400)
    func pooledMatchesBruteForce(seed: Int) {
        var random = Generator(state: UInt64(seed) &* 40503 &+ 11)
        let (supply, groups) = Self.randomInstance(&random)
        let pooled = random.next(6)
        var perNode: [Int: Int] = [:]
        for node in supply.keys where random.next(3) > 0 { perNode[node] = random.next(5) }
        var worst = 0
        for mask in 0..<(1 << groups.count) {
            let chosen = groups.indices.filter { mask & (1 << $0) != 0 }
            let nodes = Set(chosen.flatMap { groups[$0].nodes })
            let demand = chosen.reduce(0) { $0 + groups[$1].demand }
            let free = nodes.reduce(0) { $0 + (supply[$1] ?? 0) }
            let memory = nodes.reduce(0) { $0 + (perNode[$1] ?? 0) }
            worst = max(worst, demand - free - min(pooled, memory))
        }
        let result = Feasibility.solve(supply: supply, groups: groups, pooled: pooled, poolPerNode: perNode)
        #expect(result.shortfall == worst, "seed \(seed): supply \(supply) pool \(pooled) \(perNode) groups \(groups)")
        #expect(result.bottlenecks.reduce(0) { $0 + $1.shortfall } == result.shortfall)
    }

    /// Faults without a reservation (`Feasibility.unreserved`) against minimum cuts: the owed
    /// pages get what Hall's condition allows; with a class of unreserved groups behind a gate
    /// of capacity `budget`, a cut either cuts the gate or the class's groups outside it, so the
    /// most served in all is the least, over sets of owed and unreserved groups, of the demand
    /// outside them, plus min(budget, unreserved demand outside), plus the free pages of their
    /// nodes. A class gets that minus what came before it.
    @Test(arguments: 0..<300)
    func unreservedMatchesBruteForce(seed: Int) {
        var random = Generator(state: UInt64(seed) &* 7919 &+ 3)
        let (supply, owed) = Self.randomInstance(&random)
        let all = Self.randomInstance(&random).groups.map { g in
            Feasibility.Group(nodes: g.nodes.filter { supply[$0] != nil }, demand: g.demand)
        }
        let split = random.next(all.count + 1)
        let classes = [Array(all[..<split]), Array(all[split...])]
        let budget = random.next(12)
        /// The most that can be served with the owed groups and the first `upTo` classes.
        func served(_ upTo: Int) -> Int {
            let unreserved = classes.prefix(upTo).flatMap { $0 }
            var best = Int.max
            for owedMask in 0..<(1 << owed.count) {
                for unreservedMask in 0..<(1 << unreserved.count) {
                    let inOwed = owed.indices.filter { owedMask & (1 << $0) != 0 }
                    let inUnreserved = unreserved.indices.filter { unreservedMask & (1 << $0) != 0 }
                    let outside = owed.indices.filter { !inOwed.contains($0) }.reduce(0) { $0 + owed[$1].demand }
                    let outsideU = unreserved.indices.filter { !inUnreserved.contains($0) }.reduce(0) { $0 + unreserved[$1].demand }
                    let nodes = Set(inOwed.flatMap { owed[$0].nodes } + inUnreserved.flatMap { unreserved[$0].nodes })
                    let free = nodes.reduce(0) { $0 + (supply[$1] ?? 0) }
                    best = min(best, outside + min(budget, outsideU) + free)
                }
            }
            return best
        }
        let (unmet, shortages) = Feasibility.unreserved(supply: supply, reserved: owed, classes: classes, budget: budget)
        let base = served(0), first = served(1), both = served(2)
        let demand = classes.map { $0.reduce(0) { $0 + $1.demand } }
        #expect(unmet[0].reduce(0, +) == demand[0] - (first - base), "seed \(seed): supply \(supply) owed \(owed) classes \(classes) budget \(budget)")
        #expect(unmet[1].reduce(0, +) == demand[1] - (both - first), "seed \(seed): supply \(supply) owed \(owed) classes \(classes) budget \(budget)")
        // The shortages share out exactly the unmet pages, class by class.
        for c in 0..<2 {
            #expect(shortages.filter { $0.kind == c }.reduce(0) { $0 + $1.unmet } == unmet[c].reduce(0, +))
        }
    }

    @Test func seedCase() {
        // Two tasks bound to node 1 owe 3 pages each; node 1 has 4 free, node 0 has 8.
        let result = Feasibility.solve(supply: [0: 8, 1: 4], groups: [.init(nodes: [1], demand: 3), .init(nodes: [1], demand: 3)])
        #expect(result.shortfall == 2)
        #expect(result.bottlenecks == [.init(nodes: [1], groups: [0, 1], shortfall: 2)])
        // Separate bottlenecks stay separate findings.
        let two = Feasibility.solve(supply: [0: 1, 1: 1, 2: 5],
                                    groups: [.init(nodes: [0], demand: 3), .init(nodes: [1], demand: 2), .init(nodes: [0, 1, 2], demand: 5)])
        #expect(two.shortfall == 3)
        #expect(two.bottlenecks.map(\.nodes) == [[0], [1]])
        #expect(two.bottlenecks.map(\.shortfall) == [2, 1])
    }

    @Test func pooledSurplusLimitedPerNodeAndInAll() {
        let groups: [Feasibility.Group] = [.init(nodes: [1], demand: 4), .init(nodes: [2], demand: 4)]
        let none = Feasibility.solve(supply: [:], groups: groups)
        #expect(none.shortfall == 8)
        let pooled = Feasibility.solve(supply: [:], groups: groups, pooled: 5, poolPerNode: [1: 10, 2: 2])
        #expect(pooled.shortfall == 3, "4 on node 1, only 2 on node 2 (its free memory), 5 in all: 6 would fit, 5 may")
    }

    @Test func absurdNumbersDoNotTrap() {
        let result = Feasibility.solve(supply: [0: Int.max], groups: [.init(nodes: [0], demand: Int.max), .init(nodes: [0], demand: Int.max)])
        #expect(result.served > 0)
        #expect(Feasibility.solve(supply: [:], groups: []).shortfall == 0)
    }
}
