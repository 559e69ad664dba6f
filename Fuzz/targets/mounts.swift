// Fuzz target: /proc/mounts (Mounts.parse) and what the collector does with a hugetlbfs line:
// the pagesize=, size= and min_size= options through PageSize.parse and ByteSize.parse.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMounts(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = Mounts.parse(bytes[...])
    for entry in parsed.entries {
        if let option = entry.option("pagesize"), let kB = PageSize.parse(option) {
            precondition(kB > 0, "page size must be positive")
            _ = PageSize.format(kB: kB)
        }
        for name in ["size", "min_size", "nr_inodes"] {
            if let option = entry.option(name), let value = ByteSize.parse(option) {
                precondition(value >= 0, "negative size")
            }
        }
    }
    return 0
}
