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
