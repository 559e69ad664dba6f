// Fuzz target: /proc/PID/status (ProcStatus.parse) and /proc/PID/cmdline (CommandLineParser).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let status = ProcStatus.parse(bytes[...])
    precondition((status.ppid ?? 0) >= 0 && (status.uid ?? 0) >= 0 && (status.hugetlbPagesKB ?? 0) >= 0)
    _ = CommandLineParser.parse(bytes[...])
    return 0
}
