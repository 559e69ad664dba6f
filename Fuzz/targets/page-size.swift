// Fuzz target: page sizes as an operator or a mount option writes them (PageSize.parse,
// PageSize.format, PageSize.fromDirectoryName).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPageSize(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let kB = PageSize.parse(text) {
        precondition(kB > 0, "page size must be positive")
        precondition(PageSize.parse(PageSize.format(kB: kB)) == kB, "format/parse round trip")
        precondition(PageSize.fromDirectoryName(PageSize.directoryName(kB: kB)) == kB, "directory name round trip")
    }
    if let kB = PageSize.fromDirectoryName(text) { precondition(kB > 0) }
    return 0
}
