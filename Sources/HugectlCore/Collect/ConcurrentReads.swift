import CNuma
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `body(0)`, `body(1)`, ... `body(count - 1)`, in that order in the result. With `concurrently`
/// on as many threads as the machine has cores (`DispatchQueue.concurrentPerform`), otherwise
/// in order on this thread. `body` must touch nothing shared but what may be read from several
/// threads at once (a source whose `readsConcurrently` is true, values it does not change).
func concurrentMap<Result>(_ count: Int, concurrently: Bool, _ body: (Int) -> Result) -> [Result] {
    guard concurrently, count > 1 else { return (0..<count).map(body) }
    var slots = [Result?](repeating: nil, count: count)
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        // Each iteration writes its own slot only.
        slots.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                out.value[index] = work.value(index)
            }
        }
    }
    return slots.map { $0! }
}

/// A value handed to `DispatchQueue.concurrentPerform`'s iterations, each of which touches
/// only its own part of it (see `concurrentMap`).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// `body()` on this thread while `other()` runs on a thread of its own (a POSIX thread, not
/// one of Dispatch's: this is called from within `concurrentMap`'s iterations, and a nested
/// `concurrentPerform` would run serially), both results once both are done. When no thread
/// can be made, `other()` runs here after `body()`. The two threads run on cores apart while
/// both run (`CoreSplit`). The two must touch nothing shared but what may be read from
/// several threads at once (see `concurrentMap`).
func alongside<Result, Other>(_ other: () -> Other, _ body: () -> Result) -> (Result, Other) {
    withoutActuallyEscaping(other) { other in
        var otherResult: Other?
        let cores = CoreSplit()
        let work = ThreadWork {
            cores?.runThere()
            otherResult = other()
        }
        let context = Unmanaged.passRetained(work).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            if let context { Unmanaged<ThreadWork>.fromOpaque(context).takeRetainedValue().run() }
            return nil
        }, context) == 0
        if !started { Unmanaged<ThreadWork>.fromOpaque(context).release() }
        if started { cores?.runHere() }
        let result = body()
        if started {
            pthread_join(thread, nil)
            cores?.restore()
        } else {
            otherResult = other()
        }
        return (result, otherResult!)
    }
}

/// The cores `alongside`'s two threads run on, apart: the first core this thread may use for
/// this one, every other for the new one; nil when this thread may use only one core (or its
/// cores cannot be read). A new thread is most often queued on its parent's core; when every
/// other core is running something (a build, a fuzzer at the lowest priority), it waits
/// there, for its parent or for the kernel's load balancing, and the two threads run one after
/// the other. Kept apart, each takes its core at once from a task of lower weight. This
/// thread's cores are given back once the other thread is done (`restore`).
final class CoreSplit {
    private let saved: UnsafeMutablePointer<bitmask>
    private let here: UnsafeMutablePointer<bitmask>
    private let there: UnsafeMutablePointer<bitmask>

    init?() {
        guard let saved = numa_allocate_cpumask() else { return nil }
        guard numa_sched_getaffinity(0, saved) >= 0, numa_bitmask_weight(saved) > 1,
              let here = numa_allocate_cpumask(), let there = numa_allocate_cpumask() else {
            numa_bitmask_free(saved)
            return nil
        }
        self.saved = saved
        self.here = here
        self.there = there
        var first = true
        for core in 0..<UInt32(saved.pointee.size) where numa_bitmask_isbitset(saved, core) != 0 {
            _ = numa_bitmask_setbit(first ? here : there, core)
            first = false
        }
    }

    deinit {
        numa_bitmask_free(saved)
        numa_bitmask_free(here)
        numa_bitmask_free(there)
    }

    /// The calling thread on the first core (the thread that made the other).
    func runHere() { _ = numa_sched_setaffinity(0, here) }
    /// The calling thread on every other core (the new thread).
    func runThere() { _ = numa_sched_setaffinity(0, there) }
    /// The calling thread back on all its cores.
    func restore() { _ = numa_sched_setaffinity(0, saved) }

    /// The cores the calling thread may run on; empty when they cannot be read.
    static func cores() -> [UInt32] {
        guard let mask = numa_allocate_cpumask() else { return [] }
        defer { numa_bitmask_free(mask) }
        guard numa_sched_getaffinity(0, mask) >= 0 else { return [] }
        return (0..<UInt32(mask.pointee.size)).filter { numa_bitmask_isbitset(mask, $0) != 0 }
    }
}

/// What `alongside` runs on its thread.
private final class ThreadWork {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
