// Fuzz target: sysfs sizes with a unit such as demote_size "2048kB" (KilobyteValue.parse).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKilobyte(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .success(let value) = KilobyteValue.parse(bytes[...]) {
        precondition(value >= 0, "negative size")
        precondition(KilobyteValue.parse(Array("\(value)kB\n".utf8)[...]) == .success(value), "round trip")
    }
    return 0
}
