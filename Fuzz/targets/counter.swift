// Fuzz target: one-number sysfs attributes such as nr_hugepages (Counter.parse).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCounter(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .success(let value) = Counter.parse(bytes[...]) {
        precondition(value >= 0, "negative counter")
        // What the kernel would write for this value parses back to it.
        precondition(Counter.parse(Array("\(value)\n".utf8)[...]) == .success(value), "round trip")
    }
    return 0
}
