import Foundation
import Glibc
import Testing

extension LiveSystemTests {
/// `hugectl pool` against the running kernel. Every test puts the pool back (withPool) and
/// checks the result against sysfs itself.
@Suite("Pool changes")
struct PoolLiveTests {
    let nr = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
    let overcommit = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages"
    let node0 = "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"

    /// Restores nr_overcommit_hugepages too.
    func withOvercommitRestored<T>(_ body: () throws -> T) throws -> T {
        let old = try readSys(overcommit)
        defer { try? writeSys(overcommit, old) }
        return try body()
    }

    @Test func growShrinkRelativeAndUndo() throws {
        // The tests' tuner locks a temporary file (testLockPath), never the host's.
        let hostLock = "/run/hugectl.lock"
        let hostLockBefore = FileManager.default.fileExists(atPath: hostLock)
        defer {
            #expect(FileManager.default.fileExists(atPath: hostLock) == hostLockBefore, "a test created or removed \(hostLock)")
            #expect(FileManager.default.fileExists(atPath: testLockPath), "the tuner took the tests' lock")
        }
        try withPool(0) {
            let grow = try hugectl(["pool", "set", "2M", "6"])
            #expect(grow.status == 0, "\(grow.stderr)")
            #expect(try readSys(nr) == 6)
            #expect(grow.stdout.hasPrefix("undo: hugectl pool set 2M 0:0\n"))
            #expect(grow.stdout.contains("all          0      6    6") || grow.stdout.contains("all        0      6    6"))
            #expect(try hugectl(["pool", "set", "2M", "+4"]).status == 0)
            #expect(try readSys(nr) == 10)
            let shrink = try hugectl(["pool", "set", "2M", "-3"])
            #expect(shrink.status == 0)
            #expect(try readSys(nr) == 7)
            // The printed undo command restores the previous state exactly.
            let undo = try #require(shrink.stdout.split(separator: "\n").first?.dropFirst("undo: hugectl ".count))
            #expect(try hugectl(undo.split(separator: " ").map(String.init)).status == 0)
            #expect(try readSys(nr) == 10)
        }
    }

    @Test func perNodeAndOvercommit() throws {
        try withPool(0) {
            try withOvercommitRestored {
                let r = try hugectl(["pool", "set", "2M", "3", "--node", "0", "--overcommit", "2", "--json"])
                #expect(r.status == 0, "\(r.stderr)")
                #expect(try readSys(node0) == 3)
                #expect(try readSys(overcommit) == 2)
                let doc = try jsonObject(r.stdout)
                #expect(doc["undo"] as? String == "hugectl pool set 2M 0:0 --overcommit 0")
                #expect((doc["after"] as? [String: Any])?["overcommit"] as? Int == 2)
                #expect(r.stderr == "undo: hugectl pool set 2M 0:0 --overcommit 0\n", "printed before the writes")
                #expect(try hugectl(["pool", "set", "2M", "0:5"]).status == 0)
                #expect(try readSys(node0) == 5)
                let reset = try hugectl(["pool", "reset", "2M"])
                #expect(reset.status == 0)
                #expect(try readSys(nr) == 0 && readSys(overcommit) == 0)
            }
        }
    }

    /// --dry-run writes nothing at all: the files are as they were.
    @Test func dryRunChangesNothing() throws {
        try withPool(2) {
            try withOvercommitRestored {
                let before = try [nr, overcommit, node0].map(readSys)
                let r = try hugectl(["pool", "set", "2M", "9", "--overcommit", "3", "--dry-run"])
                #expect(r.status == 0)
                #expect(r.stdout.contains("echo 9 > \(nr)"))
                #expect(r.stdout.contains("echo 3 > \(overcommit)"))
                #expect(try [nr, overcommit, node0].map(readSys) == before)
            }
        }
    }

    /// Pages a holder has mapped and faulted cannot be freed: shrinking below them is refused.
    @Test func shrinkBelowInUseRefused() throws {
        try withPool(4) {
            let holder = try Holder(kind: .anonShared, pages: 3, prefault: 2)
            defer { holder.stop() }
            let r = try hugectl(["pool", "set", "2M", "1"])
            #expect(r.status == 1)
            #expect(r.stderr.contains("would become surplus") || r.stderr.contains("surplus pages"), "\(r.stderr)")
            #expect(try readSys(nr) == 4, "nothing written")
        }
    }

    /// More pages than memory: the kernel gives what it can, the write "succeeds", and
    /// hugectl says how many it got and exits 1.
    @Test func impossibleRequestIsAShortfall() throws {
        try withPool(0) {
            let r = try hugectl(["pool", "set", "2M", "100000000", "--json"])
            #expect(r.status == 1)
            let doc = try jsonObject(r.stdout)
            let got = (doc["after"] as? [String: Any])?["total"] as? Int
            #expect(got == (try readSys(nr)), "the reported state is the real one")
            #expect((doc["shortfall"] as? [[String: Any]])?.first?["asked"] as? Int == 100000000)
            #expect(r.stderr.contains("asked for 100000000 pages, got \(got ?? -1)"))
        }
    }

    /// Two changes at once are serialised by the lock: the pool ends at one of the two values
    /// and each run's read-back is the state it left.
    @Test func concurrentChangesEndConsistent() throws {
        try withPool(0) {
            let group = DispatchGroup()
            nonisolated(unsafe) var results: [RunResult] = []
            let lock = NSLock()
            for count in ["5", "8"] {
                group.enter()
                DispatchQueue.global().async {
                    if let r = try? hugectl(["pool", "set", "2M", count]) {
                        lock.lock(); results.append(r); lock.unlock()
                    }
                    group.leave()
                }
            }
            group.wait()
            #expect(results.count == 2 && results.allSatisfy { $0.status == 0 })
            let final = try readSys(nr)
            #expect([5, 8].contains(final))
        }
    }

    /// Two relative changes at once: each reads the pool only once it holds the lock, so the
    /// second starts from what the first left. The pool grows by 8, and the two documents
    /// chain: one saw 0 → 4, the other 4 → 8.
    @Test func concurrentRelativeChangesAddUp() throws {
        try withPool(0) {
            let group = DispatchGroup()
            nonisolated(unsafe) var results: [RunResult] = []
            let lock = NSLock()
            for _ in 0..<2 {
                group.enter()
                DispatchQueue.global().async {
                    if let r = try? hugectl(["pool", "set", "2M", "+4", "--json"]) {
                        lock.lock(); results.append(r); lock.unlock()
                    }
                    group.leave()
                }
            }
            group.wait()
            #expect(results.count == 2 && results.allSatisfy { $0.status == 0 }, "\(results)")
            #expect(try readSys(nr) == 8)
            let docs = try results.map { try jsonObject($0.stdout) }
            func total(_ doc: [String: Any], _ key: String) -> Int? { (doc[key] as? [String: Any])?["total"] as? Int }
            let pairs = docs.map { (total($0, "before") ?? -1, total($0, "after") ?? -1) }.sorted { $0.0 < $1.0 }
            #expect(pairs.map(\.0) == [0, 4] && pairs.map(\.1) == [4, 8], "\(pairs)")
            let undos = docs.compactMap { $0["undo"] as? String }.sorted()
            #expect(undos == ["hugectl pool set 2M 0:0", "hugectl pool set 2M 0:4"])
        }
    }

    /// A holder owes (reserved, not yet touched) pages: emptying node 0 is refused, nothing written.
    @Test func shrinkBelowOwedPagesRefused() throws {
        try withPool(4) {
            let holder = try Holder(kind: .anonShared, pages: 3, prefault: 0)
            defer { holder.stop() }
            #expect(try kernelReserved2M() == 3)
            let r = try hugectl(["pool", "set", "2M", "0", "--node", "0"])
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.hasPrefix("hugectl: refused: "), "\(r.stderr)")
            #expect(r.stdout.isEmpty, "no undo line: nothing is written")
            #expect(try readSys(node0) == 4, "nothing written")
            // One page above what is owed is free to go.
            let ok = try hugectl(["pool", "set", "2M", "3", "--node", "0"])
            #expect(ok.status == 0, "\(ok)")
            #expect(try readSys(node0) == 3)
        }
    }

    @Test func sizesAndRootAreChecked() throws {
        let unknown = try hugectl(["pool", "set", "4M", "1"])
        #expect(unknown.status == 2)
        #expect(unknown.stderrLines.first == "hugectl: unknown page size '4M' (this kernel supports: 2M, 1G)")
        let snapshot = try hugectl(["--root", fixturesDirectory + "/two-node", "pool", "set", "2M", "1"])
        #expect(snapshot.status == 2)
        #expect(snapshot.stderrLines.first?.contains("is a snapshot and read-only") == true)
    }

    /// plan --apply on this one-node machine: a holder owes every free page, the plan adds
    /// the headroom asked for, and --apply writes exactly that through `pool set`. (A real
    /// per-node shortfall needs several nodes: the VM tests cover it.)
    @Test func planApplyWritesThePlan() throws {
        try withPool(2) {
            let holder = try Holder(kind: .anonShared, pages: 2, prefault: 0)
            defer { holder.stop() }
            #expect(try kernelReserved2M() == 2, "the holder owes both free pages")
            let plan = try hugectl(["plan", "--headroom", "2M=2"])
            #expect(plan.status == 0)
            #expect(plan.stdout.contains("hugectl pool set 2M 0:4"))
            let apply = try hugectl(["plan", "--headroom", "2M=2", "--apply"])
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(try readSys(nr) == 4)

            // --json: one plan document carrying the pool document of the change it made
            // (the plan never shrinks the 4 pages; the headroom adds one).
            let more = try hugectl(["plan", "--headroom", "2M=1", "--apply", "--json"])
            #expect(more.status == 0, "\(more.stderr)")
            #expect(try readSys(nr) == 5)
            let doc = try jsonObject(more.stdout)
            #expect(doc["boot_parameters"] as? String == "hugepagesz=2M hugepages=0:5")
            let applied = try #require(doc["applied"] as? [[String: Any]], "applied: \(doc)")
            #expect(applied.count == 1)
            #expect(applied.first?["page_size_kb"] as? Int == 2048)
            #expect(applied.first?["succeeded"] as? Bool == true)
            let after = applied.first?["after"] as? [String: Any]
            #expect((after?["nodes"] as? [String: Any])?["0"] as? Int == 5, "\(applied)")
            #expect(applied.first?["undo"] as? String == "hugectl pool set 2M 0:4")
        }
    }
}
}
