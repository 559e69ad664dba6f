import Testing
@testable import HugectlCore

/// The certain/possible split against a brute force over fault orders: a small kernel
/// simulator faults the owed pages one at a time, in every order, by every mapper of a shared
/// object, and each fault takes the first free page of its
/// zonelist as `dequeue_hugetlb_folio_vma` does (the nodes its policy allows, nearest to its
/// CPU's node, its preferred node, or its interleave node first: page i of an interleaved
/// mapping the (i mod n)th of its nodes, `interleave_nid`; a shared object's interleaving
/// mapper may start at any of its nodes), else a new surplus page while
/// overcommit allows, else fails. The fewest and the most failures over all of them are set
/// against hugectl's findings on the same machine.
@Suite("Certain and possible failures against every fault order")
struct FaultOrderTests {
    /// One mapper of a demand: its policy, and the node of the CPUs it runs on.
    struct Mapper {
        var pid: Int
        var policy: MemoryPolicy
        var cpuNode: Int
    }

    struct Instance: CustomStringConvertible {
        var free: [Int]
        var distance: [[Int]]
        var overcommit: Int
        /// Owed pages and the mappers that may fault them (two for a shared object).
        var demands: [(pages: Int, mappers: [Mapper])]

        var description: String {
            "free \(free) overcommit \(overcommit) distances \(distance) demands "
                + demands.map { "\($0.pages) by " + $0.mappers.map { "\($0.pid):\($0.policy.text)@node\($0.cpuNode)" }.joined(separator: "+") }
                    .joined(separator: ", ")
        }

        func zonelist(_ from: Int, _ allowed: [Int]) -> [Int] {
            allowed.sorted { (distance[from][$0], $0) < (distance[from][$1], $1) }
        }

        /// The zonelists a fault of `mapper` may walk: one per interleave node, else one.
        func zonelists(_ mapper: Mapper) -> [[Int]] {
            let nodes = free.indices
            switch mapper.policy.mode {
            case .bind: return [zonelist(mapper.cpuNode, mapper.policy.nodes)]
            case .preferred: return [zonelist(mapper.policy.nodes[0], Array(nodes))]
            case .interleave: return mapper.policy.nodes.map { zonelist($0, Array(nodes)) }
            default: return [zonelist(mapper.cpuNode, Array(nodes))]
            }
        }

        /// The fewest and the most failures over every order and choice.
        func simulate() -> (fewest: Int, most: Int) {
            struct State: Hashable {
                var free: [Int]
                var owed: [Int]
                var room: Int
            }
            var memo: [State: (Int, Int)] = [:]
            // Pages that fault alike: an interleaved private mapping's pages by their node
            // (mapped at offset 0, page i starts at the (i mod n)th node), else a demand.
            var units: [(pages: Int, lists: [[Int]])] = []
            for demand in demands {
                let policy = demand.mappers[0].policy
                if demand.mappers.count == 1 && policy.mode == .interleave {
                    for (k, node) in policy.nodes.enumerated() {
                        let count = (0..<demand.pages).filter { $0 % policy.nodes.count == k }.count
                        if count > 0 { units.append((count, [zonelist(node, Array(free.indices))])) }
                    }
                } else {
                    units.append((demand.pages, demand.mappers.flatMap(zonelists)))
                }
            }
            let lists = units.map(\.lists)
            func go(_ state: State) -> (Int, Int) {
                if let known = memo[state] { return known }
                var best = (Int.max, Int.min)
                for d in state.owed.indices where state.owed[d] > 0 {
                    for list in lists[d] {
                        var next = state
                        next.owed[d] -= 1
                        var failed = 0
                        if let node = list.first(where: { state.free[$0] > 0 }) {
                            next.free[node] -= 1
                        } else if state.room > 0 {
                            next.room -= 1
                        } else {
                            failed = 1
                        }
                        let rest = go(next)
                        best = (min(best.0, rest.0 + failed), max(best.1, rest.1 + failed))
                    }
                }
                if best.0 == Int.max { best = (0, 0) }
                memo[state] = best
                return best
            }
            let result = go(State(free: free, owed: units.map(\.pages), room: overcommit))
            return (result.0, result.1)
        }

        /// The same machine as hugectl reads it.
        var snapshot: SystemSnapshot {
            var m = Machine(free: free, reserved: demands.reduce(0) { $0 + $1.pages }, overcommit: overcommit)
            for n in m.snapshot.nodes.indices { m.snapshot.nodes[n].distances = distance[n] }
            for demand in demands {
                let first = demand.mappers[0]
                let shared = demand.mappers.count > 1
                let start = m.map(pid: first.pid, kind: shared ? .anonShared : .anonPrivate, pages: demand.pages,
                                  policy: first.policy, cpus: [2 * first.cpuNode, 2 * first.cpuNode + 1])
                let object = m.snapshot.consumers.processes.first { $0.pid == first.pid }!.mappings.last!.object
                for other in demand.mappers.dropFirst() {
                    m.map(pid: other.pid, kind: .anonShared, pages: demand.pages, policy: other.policy,
                          cpus: [2 * other.cpuNode, 2 * other.cpuNode + 1], object: object, start: start)
                }
            }
            return m.snapshot
        }
    }

    static func instance(seed: Int) -> Instance {
        var random = FeasibilityTests.Generator(state: UInt64(seed) &* 0x9E3779B97F4A7C15 &+ 7)
        let count = 2 + random.next(2)
        let free = (0..<count).map { _ in random.next(4) }
        // Distinct distances, so that every zonelist has one order.
        var distance = Array(repeating: Array(repeating: 10, count: count), count: count)
        var used = Set<Int>()
        for a in 0..<count {
            for b in (a + 1)..<max(a + 1, count) {
                var d = 12 + random.next(20)
                while used.contains(d) { d += 1 }
                used.insert(d)
                distance[a][b] = d
                distance[b][a] = d
            }
        }
        func nodeSet() -> [Int] {
            var set = (0..<count).filter { _ in random.next(2) == 1 }
            if set.isEmpty { set = [random.next(count)] }
            return set
        }
        func policy() -> MemoryPolicy {
            switch random.next(4) {
            case 0: return MemoryPolicy(mode: .bind, nodes: nodeSet())
            case 1: return MemoryPolicy(mode: .preferred, nodes: [random.next(count)])
            case 2: return MemoryPolicy(mode: .interleave, nodes: nodeSet())
            default: return MemoryPolicy(mode: .default)
            }
        }
        var demands: [(pages: Int, mappers: [Mapper])] = []
        var pid = 100
        for _ in 0..<(1 + random.next(3)) {
            var mappers = [Mapper(pid: pid, policy: policy(), cpuNode: random.next(count))]
            pid += 1
            // A shared object with a second mapper of another policy.
            if random.next(3) == 0 {
                mappers.append(Mapper(pid: pid, policy: policy(), cpuNode: random.next(count)))
                pid += 1
            }
            demands.append((1 + random.next(3), mappers))
        }
        return Instance(free: free, distance: distance, overcommit: random.next(3) == 0 ? random.next(3) : 0, demands: demands)
    }

    static func hugectl(_ instance: Instance) -> (certain: Int, possible: Int) {
        let all = Analysis.findings(for: instance.snapshot)
        let certain = all.filter { $0.id == ReservationShortfall.certainID }.reduce(0) { $0 + $1.pages }
        let possible = all.filter { $0.id == ReservationShortfall.possibleID }.reduce(0) { $0 + $1.pages }
        return (certain, possible)
    }

    /// The certain figure is the fewest failures of any order (it is the fewest of any
    /// placement, and on these machines some order always achieves it), shared objects whose
    /// mappers have different policies and overcommit included; where the order cannot
    /// matter, it is what fails.
    @Test(arguments: 0..<3000)
    func certainIsTheFewestFailures(seed: Int) {
        let instance = Self.instance(seed: seed)
        let real = instance.simulate()
        let predicted = Self.hugectl(instance)
        #expect(predicted.certain == real.fewest, "seed \(seed): \(instance): certain \(predicted.certain), \(real)")
    }

    /// Error and warning pages bound the most failures in the cases the possible figure is
    /// built for (docs/findings.md): at most one demand whose faults may fall back, with one
    /// first-choice node or interleaved (each page its own node), every bound demand confined
    /// to one node, and no shared object whose mappers have different policies. Outside them
    /// it is an estimate; the known ways it falls short are listed in docs/findings.md.
    @Test(arguments: 0..<3000)
    func possibleBoundsTheMostFailures(seed: Int) {
        let instance = Self.instance(seed: seed)
        let fallers = instance.demands.flatMap(\.mappers).filter { $0.policy.mode != .bind }
        guard fallers.count <= 1,
              instance.demands.allSatisfy({ demand in
                  demand.mappers.allSatisfy { $0.policy == demand.mappers[0].policy }
                      && demand.mappers.allSatisfy { $0.policy.mode != .bind || $0.policy.nodes.count == 1 }
              }) else { return }
        let real = instance.simulate()
        let predicted = Self.hugectl(instance)
        #expect(real.most <= predicted.certain + predicted.possible,
                "seed \(seed): \(instance): certain \(predicted.certain) + possible \(predicted.possible), \(real)")
    }
}
