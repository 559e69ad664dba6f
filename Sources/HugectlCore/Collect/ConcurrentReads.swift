import Dispatch

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
