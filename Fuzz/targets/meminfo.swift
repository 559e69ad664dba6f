// Fuzz target: /proc/meminfo and nodeN/meminfo (Meminfo.parse).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMeminfo(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = Meminfo.parse(bytes[...])
    for (_, value) in parsed.values { precondition(value >= 0, "negative meminfo value") }
    _ = parsed["HugePages_Total"]
    return 0
}
