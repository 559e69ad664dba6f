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

/// More than one core is online: a second thread can run at the same time (the split read
/// of a big process, the two-thread parse of a big manifest).
let severalCoresOnline = sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1

/// `body()` on this thread while `other()` runs on a thread of its own (a POSIX thread, not
/// one of Dispatch's: this is called from within `concurrentMap`'s iterations, and a nested
/// `concurrentPerform` would run serially), both results once both are done. When no thread
/// can be made, `other()` runs here after `body()`. Neither thread is pinned to a core (see
/// docs/performance-history.md, "CoreSplit reverted"). The two must touch nothing shared but
/// what may be read from several threads at once (see `concurrentMap`).
func alongside<Result, Other>(_ other: () -> Other, _ body: () -> Result) -> (Result, Other) {
    withoutActuallyEscaping(other) { other in
        var otherResult: Other?
        let context = Unmanaged.passRetained(ThreadWork { otherResult = other() }).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            if let context { Unmanaged<ThreadWork>.fromOpaque(context).takeRetainedValue().run() }
            return nil
        }, context) == 0
        if !started { Unmanaged<ThreadWork>.fromOpaque(context).release() }
        let result = body()
        if started {
            pthread_join(thread, nil)
        } else {
            otherResult = other()
        }
        return (result, otherResult!)
    }
}

/// What `alongside` runs on its thread.
private final class ThreadWork {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
