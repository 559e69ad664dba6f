/// Who may fault a demand's pages, and the node sets that follow (`FaultDemand`).
extension FaultDemands {
    /// Thousands of mappings share a few (cpuset, CPUs, policy) combinations: their node sets
    /// are worked out once, and so is each set of such combinations that faults one demand.
    /// `answers` and `views` hold for any pools; `combined` and `oneMapping` pick the most
    /// confining actor by the free pages of one supply (`forgetSupply` for another).
    struct Memo {
        /// One actor: a thread's cpuset and CPUs, and the policy that governs the VMA for it.
        struct Key: Hashable {
            var mems: [Int]? = nil
            var cpus: [Int]? = nil
            var policy: MemoryPolicy? = nil
        }
        typealias Answer = (allowed: Set<Int>, strict: Bool, first: Set<Int>, worst: Set<Int>)
        var answers: [Key: Answer] = [:]
        /// The last answer given: consecutive mappings mostly share their actor, which is
        /// then compared rather than hashed (in place: an optional pair bound to compare it
        /// was copied, its arrays and sets retained, once per mapping).
        private var lastKey = Key()
        private var lastAnswer: Answer = ([], false, [], [])
        private var hasLast = false
        typealias Combined = (allowed: Set<Int>, worst: Set<Int>, first: Set<Int>, strict: Bool)
        /// By page size too: the most confining actor is the one with the fewest free pages.
        struct Actors: Hashable {
            var pageSizeKB: Int
            var keys: [Key]
        }
        var combined: [Actors: Combined] = [:]
        /// One mapping of a process with threads: its actors depend only on the process, the
        /// mapping's policy and whether it follows the faulting thread's.
        struct OneMapping: Hashable {
            var pid: Int
            var pageSizeKB: Int
            var policy: MemoryPolicy?
            var follows: Bool
        }
        var oneMapping: [OneMapping: Combined] = [:]
        /// Each process's distinct thread views (cpuset, CPUs, task policy) other than the
        /// main thread's, worked out once per process, not once per mapping.
        var views: [Int: [Key]] = [:]

        /// The node sets of one actor, worked out once.
        mutating func answer(_ key: Key, _ facts: NodeFacts) -> Answer {
            if hasLast && lastKey == key { return lastAnswer }
            if let known = answers[key] {
                (lastKey, lastAnswer, hasLast) = (key, known, true)
                return known
            }
            let (nodes, isStrict, worst) = facts.allowed(mems: key.mems, key.policy)
            let answer = (nodes, isStrict, facts.firstChoice(cpus: key.cpus, key.policy, allowed: nodes), worst)
            answers[key] = answer
            (lastKey, lastAnswer, hasLast) = (key, answer, true)
            return answer
        }

        /// Some demand was made of several actors, whose most confining one depends on the
        /// free pages.
        var dependsOnSupply: Bool { !combined.isEmpty || !oneMapping.isEmpty }

        /// Drops what depends on the free pages, for demands over other pools.
        mutating func forgetSupply() {
            combined = [:]
            oneMapping = [:]
        }
    }

    /// The actors that may fault `mapping`'s pages: its process's main thread, and each thread
    /// with another cpuset, other CPUs, or (for a VMA without a policy of its own) another
    /// task policy. Duplicates are dropped: threads sharing one view add nothing.
    static func actors(_ process: HugetlbProcess, _ mapping: HugetlbMapping, memo: inout Memo) -> [Memo.Key] {
        let main = Memo.Key(mems: process.memsAllowed, cpus: process.cpusAllowed, policy: mapping.policy)
        guard !process.threads.isEmpty else { return [main] }
        let views: [Memo.Key]
        if let known = memo.views[process.pid] {
            views = known
        } else {
            var seen: Set<Memo.Key> = []
            var distinct: [Memo.Key] = []
            for thread in process.threads {
                let key = Memo.Key(mems: thread.memsAllowed, cpus: thread.cpusAllowed, policy: thread.taskPolicy)
                if seen.insert(key).inserted { distinct.append(key) }
            }
            memo.views[process.pid] = distinct
            views = distinct
        }
        var result: [Memo.Key] = [main]
        var seen: Set<Memo.Key> = [main]
        for view in views {
            let policy = mapping.followsThreadPolicy ? (view.policy ?? mapping.policy) : mapping.policy
            let key = Memo.Key(mems: view.mems, cpus: view.cpus, policy: policy)
            if seen.insert(key).inserted { result.append(key) }
        }
        return result
    }

    /// One demand from all the mappers that may fault its pages, each with its threads.
    ///
    /// Which thread faults which page cannot be seen, so the demand's `allowed` nodes are the
    /// union over every actor (certain failures assume the most lenient one faults), its
    /// `worstAllowed` those of the most confining one (what `reserve-policy-at-risk` assumes),
    /// and it is strict only when every actor is confined to the same nodes.
    static func demand(for mappers: [Mapper], in processes: [HugetlbProcess], pages: Int, facts: NodeFacts,
                       supply: [Int: Int], memo: inout Memo) -> FaultDemand {
        if mappers.count == 1, let only = mappers.first, processes[only.process].threads.isEmpty {
            return demand(of: only, in: processes, pages: pages, facts: facts, supply: supply, memo: &memo)
        }
        // A process of a thousand threads has its actors worked out once per kind of mapping.
        var one: Memo.OneMapping?
        if mappers.count == 1, let (p, m) = mappers.first {
            let mapping = processes[p].mappings[m]
            one = Memo.OneMapping(pid: processes[p].pid, pageSizeKB: mapping.pageSizeKB, policy: mapping.policy,
                                  follows: mapping.followsThreadPolicy)
        }
        let combined: Memo.Combined
        if let one, let known = memo.oneMapping[one] {
            combined = known
        } else {
            var keys: [Memo.Key] = []
            var seen: Set<Memo.Key> = []
            for (p, m) in mappers {
                for key in actors(processes[p], processes[p].mappings[m], memo: &memo) where seen.insert(key).inserted {
                    keys.append(key)
                }
            }
            let actors = Memo.Actors(pageSizeKB: processes[mappers[0].process].mappings[mappers[0].mapping].pageSizeKB,
                                     keys: keys)
            combined = memo.combined[actors] ?? combine(keys, facts: facts, supply: supply, memo: &memo)
            memo.combined[actors] = combined
            if let one { memo.oneMapping[one] = combined }
        }
        var pids: [Int] = []
        var seenPIDs: Set<Int> = []
        for (p, _) in mappers where seenPIDs.insert(processes[p].pid).inserted { pids.append(processes[p].pid) }
        return FaultDemand(
            pageSizeKB: processes[mappers[0].process].mappings[mappers[0].mapping].pageSizeKB, pages: pages,
            allowed: combined.allowed, worstAllowed: combined.worst,
            firstChoice: combined.first, strict: combined.strict, pids: pids.sorted(),
            vmas: mappers.map { Finding.VMA(pid: processes[$0.process].pid, start: processes[$0.process].mappings[$0.mapping].start) })
    }

    /// The demand of one mapping of one process: most demands have one mapper with one
    /// thread view, and take its node sets as they are, without building unions of 64-node
    /// sets for each of thousands of mappings.
    static func demand(of mapper: Mapper, in processes: [HugetlbProcess], pages: Int, facts: NodeFacts,
                       supply: [Int: Int], memo: inout Memo) -> FaultDemand {
        let (p, m) = mapper
        guard processes[p].threads.isEmpty else {
            return demand(for: [mapper], in: processes, pages: pages, facts: facts, supply: supply, memo: &memo)
        }
        let pid = processes[p].pid
        let key = Memo.Key(mems: processes[p].memsAllowed, cpus: processes[p].cpusAllowed,
                           policy: processes[p].mappings[m].policy)
        let one = memo.answer(key, facts)
        return FaultDemand(pageSizeKB: processes[p].mappings[m].pageSizeKB, pages: pages, allowed: one.allowed,
                           worstAllowed: one.worst, firstChoice: one.first, strict: one.strict, pids: [pid],
                           vmas: [Finding.VMA(pid: pid, start: processes[p].mappings[m].start)],
                           firstChoicePages: facts.firstChoicePages(processes[p].mappings[m], owed: pages))
    }

    /// The union, the most confining and the strictness of a set of actors. The threads of
    /// one process share a handful of node sets: each distinct set is united and counted
    /// once, not once per thread.
    static func combine(_ keys: [Memo.Key], facts: NodeFacts, supply: [Int: Int], memo: inout Memo) -> Memo.Combined {
        var allowed = Set<Int>()
        var first = Set<Int>()
        var worst: Set<Int>?
        var worstPages = 0
        var strict = true
        var allowedSeen: Set<NodeSetKey> = []
        var firstSeen: Set<NodeSetKey> = []
        var pagesOn: [NodeSetKey: Int] = [:]
        for key in keys {
            let answer = memo.answer(key, facts)
            if allowedSeen.insert(NodeSetKey(answer.allowed)).inserted { allowed.formUnion(answer.allowed) }
            strict = strict && answer.strict
            if firstSeen.insert(NodeSetKey(answer.first)).inserted { first.formUnion(answer.first) }
            let nodes = NodeSetKey(answer.worst)
            let pagesThere = pagesOn[nodes] ?? answer.worst.reduce(0) { $0 + (supply[$1] ?? 0) }
            pagesOn[nodes] = pagesThere
            if worst == nil || pagesThere < worstPages {
                worst = answer.worst
                worstPages = pagesThere
            }
        }
        // Strict only when every actor is strict the same way; otherwise whoever faults
        // first decides, and neither the order nor the faulting thread is known.
        strict = strict && allowedSeen.count == 1
        return (allowed, worst ?? allowed, first, strict)
    }
}
