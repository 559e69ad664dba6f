import Foundation
import Glibc
import Testing

extension LiveSystemTests {
/// The process scan while processes come and go, and the tuner killed while it holds its lock.
@Suite("Churn and faults")
struct ChurnLiveTests {
    let nr = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

    /// Spawns `/bin/true` in batches, reaping each at once (a zombie's maps read as empty
    /// rather than vanishing), until stopped. Counts the processes started.
    final class Spawner: @unchecked Sendable {
        private let lock = NSLock()
        private var stopping = false
        private(set) var started = 0
        private var thread: Thread?
        private let done = DispatchSemaphore(value: 0)

        func start(perSecond: Int) {
            let thread = Thread { [self] in
                let batch = 10
                let pause = useconds_t(1_000_000 * batch / max(1, perSecond))
                while !self.isStopping {
                    let children = (0..<batch).compactMap { _ in try? ChildProcess("/bin/true", []) }
                    // Reap without ever blocking for long: one that is slow is killed (and
                    // reaped) when its ChildProcess goes, and must not hang the test.
                    for child in children { child.wait(timeout: 2) }
                    self.lock.lock(); self.started += children.count; self.lock.unlock()
                    usleep(pause)
                }
                self.done.signal()
            }
            self.thread = thread
            thread.start()
        }

        var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

        /// Idempotent: waits for the thread the first time only.
        func stop() {
            lock.lock()
            let first = !stopping
            stopping = true
            lock.unlock()
            // Bounded: the thread checks `stopping` at least every few seconds.
            if first && thread != nil { _ = done.wait(timeout: .now() + 15) }
        }

        var count: Int { lock.lock(); defer { lock.unlock() }; return started }
    }

    /// Holders that map one or two 2M pages for a moment, one after the other.
    final class HolderChurn: @unchecked Sendable {
        private let lock = NSLock()
        private var stopping = false
        private(set) var holders = 0
        private(set) var failures: [String] = []
        private let done = DispatchSemaphore(value: 0)

        private var started = false

        func start() {
            lock.lock(); started = true; lock.unlock()
            Thread { [self] in
                let kinds: [HolderKind] = [.anonShared, .anonPrivate, .memfdShared, .sysv]
                var i = 0
                while !self.isStopping {
                    do {
                        let holder = try Holder(kind: kinds[i % kinds.count], pages: 1 + i % 2, prefault: i % 2)
                        usleep(useconds_t(30_000 + (i % 5) * 30_000))
                        holder.stop()
                        self.lock.lock(); self.holders += 1; self.lock.unlock()
                    } catch {
                        self.lock.lock(); self.failures.append("\(error)"); self.lock.unlock()
                        usleep(100_000)
                    }
                    i += 1
                }
                self.done.signal()
            }.start()
        }

        var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

        /// Idempotent: waits for the thread the first time only.
        func stop() {
            lock.lock()
            let first = !stopping && started
            stopping = true
            lock.unlock()
            if first { _ = done.wait(timeout: .now() + 30) }
        }
    }

    /// Every process and VMA in a `status --json` document makes sense on its own, and each
    /// page size's ledger adds up. Returns what is wrong.
    static func inconsistencies(_ doc: [String: Any]) -> [String] {
        var wrong: [String] = []
        let sizes = Set(((doc["pools"] as? [[String: Any]]) ?? []).compactMap { $0["page_size_kb"] as? Int })
        for process in (doc["processes"] as? [[String: Any]]) ?? [] {
            let pid = process["pid"] as? Int ?? -1
            for vma in (process["vmas"] as? [[String: Any]]) ?? [] {
                let start = (vma["start"] as? String).flatMap { UInt64($0, radix: 16) }
                let end = (vma["end"] as? String).flatMap { UInt64($0, radix: 16) }
                let pages = vma["pages"] as? Int ?? -1
                let faulted = vma["faulted_pages"] as? Int ?? -1
                let pending = vma["reserved_pending"] as? Int ?? -1
                let size = vma["page_size_kb"] as? Int ?? -1
                let at = "PID \(pid) VMA \(vma["start"] ?? "?")"
                if pages < 1 { wrong.append("\(at): pages \(pages)") }
                if faulted < 0 || faulted > pages { wrong.append("\(at): faulted \(faulted) of \(pages)") }
                if pending < 0 { wrong.append("\(at): reserved_pending \(pending)") }
                if start == nil || end == nil || end! <= start! { wrong.append("\(at): range \(vma["start"] ?? "?")-\(vma["end"] ?? "?")") }
                if !sizes.contains(size) { wrong.append("\(at): page_size_kb \(size) is no pool size \(sizes.sorted())") }
            }
        }
        for ledger in (doc["reservations"] as? [[String: Any]]) ?? [] {
            guard let kernel = ledger["kernel_reserved"] as? Int, let unattributed = ledger["unattributed"] as? Int,
                  let parts = ledger["attributed"] as? [String: Any] else { continue }
            let attributed = ["shared_objects", "private_owners", "min_size", "orphans"].map { parts[$0] as? Int ?? 0 }
            if attributed.contains(where: { $0 < 0 }) || attributed.reduce(0, +) + unattributed != kernel {
                wrong.append("ledger \(ledger["page_size_kb"] ?? "?"): \(attributed) + \(unattributed) != \(kernel)")
            }
        }
        return wrong
    }

    /// Scans for 12 s while a few hundred processes a second start and exit, and hugetlb
    /// holders come and go: every run exits 0, some listed processes vanish before they are
    /// read, and every reported figure is consistent.
    @Test func scanWhileProcessesComeAndGo() throws {
        try withPool(8) {
            let spawner = Spawner()
            let churn = HolderChurn()
            spawner.start(perSecond: 400)
            churn.start()
            defer {
                spawner.stop()
                churn.stop()
            }
            var runs = 0
            var vanished = 0
            var sawHolder = false
            var problems: [String] = []
            let deadline = Date().addingTimeInterval(12)
            while Date() < deadline {
                let command = runs % 3 == 2 ? ["procs", "--json", "-v"] : ["status", "--json"]
                let r = try runBounded(command, timeout: 30)
                runs += 1
                guard r.exitedNormally, r.status == 0, !r.timedOut else {
                    problems.append("hugectl \(command.joined(separator: " ")): \(r)")
                    continue
                }
                guard let doc = try? jsonObject(r.stdout) else {
                    problems.append("run \(runs): JSON does not parse")
                    continue
                }
                vanished += ((doc["scan"] as? [String: Any])?["vanished"] as? Int) ?? 0
                if ((doc["processes"] as? [[String: Any]]) ?? []).contains(where: { $0["name"] as? String == "holder" }) {
                    sawHolder = true
                }
                if command[0] == "status" { problems += Self.inconsistencies(doc).map { "run \(runs): \($0)" } }
            }
            spawner.stop()
            churn.stop()
            print("churn: \(runs) scans, \(vanished) vanished, \(spawner.count) processes started, \(churn.holders) holders")
            #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
            #expect(runs >= 5, "only \(runs) scans in 12 s")
            #expect(vanished >= 1, "no process vanished in \(runs) scans while \(spawner.count) processes came and went")
            #expect(spawner.count >= 1000, "only \(spawner.count) processes started")
            #expect(churn.holders >= 5 && sawHolder, "holders: \(churn.holders), seen: \(sawHolder), failures: \(churn.failures.prefix(3))")
        }
    }

    /// `pool set` killed with SIGKILL while it holds its lock (retrying an impossible
    /// size with compaction): the kernel drops the flock with the process, so the next
    /// `pool set` gets the lock at once and succeeds. The pool is put back.
    @Test func killedTunerLeavesNoLock() throws {
        try withPool(0) {
            let process = try ChildProcess(hugectlPath, ["pool", "set", "2M", "100000000", "--compact", "--wait", "30"],
                                           environment: testEnvironment())
            defer { process.signal(SIGKILL); process.wait() }
            // Wait until it holds the lock: another process cannot take it.
            var held = false
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline && process.isRunning {
                if lockIsHeld() { held = true; break }
                usleep(20_000)
            }
            #expect(held, "the tuner never took its lock \(testLockPath)")
            usleep(300_000)
            #expect(process.isRunning, "the impossible request should still be retrying")
            let grown = try readSys(nr)
            process.signal(SIGKILL)
            let end = process.wait()
            print("tuner killed holding the lock with the pool at \(grown) pages")
            #expect(end.signal == SIGKILL)
            #expect(!lockIsHeld(), "the lock died with its holder")

            let start = Date()
            let r = try runBounded(["pool", "set", "2M", "2"], timeout: 30)
            #expect(r.exitedNormally && r.status == 0, "\(r)")
            #expect(Date().timeIntervalSince(start) < 10, "the second run waited for the lock: \(r)")
            print("second pool set: exit \(r.status) after \(String(format: "%.2f", r.seconds)) s")
            #expect(try readSys(nr) == 2)
        }
    }

    /// True when another process holds an exclusive flock on the tuner's lock file (the
    /// tests' own, `testLockPath`).
    func lockIsHeld() -> Bool {
        let fd = open(testLockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
}
