// Fuzz target: /proc/PID/numa_maps (NumaMapsParser.parse) and the policy text it renders.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumaMaps(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = NumaMapsParser.parse(bytes[...])
    for entry in parsed.entries {
        _ = entry.policy.text
        for (node, pages) in entry.nodePages {
            precondition(node >= 0 && node <= NodeList.maximum && pages >= 0, "bad node count")
        }
    }
    let starts = Set(parsed.entries.prefix(2).map(\.start))
    _ = NumaMapsParser.parse(bytes[...], onlyStarts: starts)
    return 0
}
