// Fuzz target: /proc/PID/mountinfo (MountinfoParser.parse) and what the scanner does with a
// hugetlbfs line: the pagesize= super option through PageSize.parse.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMountinfo(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = MountinfoParser.parse(bytes[...])
    for entry in parsed.entries {
        _ = entry.device.description
        for option in entry.superOptions.split(separator: ",") where option.hasPrefix("pagesize=") {
            if let kB = PageSize.parse(String(option.dropFirst("pagesize=".count))) {
                precondition(kB > 0)
            }
        }
    }
    return 0
}
