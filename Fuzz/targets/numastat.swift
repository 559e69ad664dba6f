// Fuzz target: nodeN/numastat (Numastat.parse) and nodeN/distance (DistanceRow.parse).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumastat(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = Numastat.parse(bytes[...])
    for counter in parsed.counters { precondition(counter.value >= 0) }
    if case .success(let row) = DistanceRow.parse(bytes[...]) {
        precondition(row.allSatisfy { $0 >= 0 })
    }
    return 0
}
