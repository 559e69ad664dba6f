// Fuzz target: --expect files (Expectations.add(file:name:)) and the findings the rules give
// against a small two-node snapshot.
@testable import HugectlCore

let snapshot = SystemSnapshot(
    root: "/", defaultPageSizeKB: 2048,
    pools: [
        HugePagePool(pageSizeKB: 2048, total: 8, free: 6, reserved: 2, surplus: 1, overcommit: 4,
                     nodes: [NodePool(node: 0, total: 4, free: 3, surplus: 0), NodePool(node: 1, total: 4, free: 3, surplus: 1)]),
        HugePagePool(pageSizeKB: 1 << 20, total: 0, free: 0, reserved: 0, surplus: 0, overcommit: 0),
    ])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpectations(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var expectations = Expectations()
    do {
        try expectations.add(file: bytes, name: "fuzz.expect")
    } catch {
        precondition(error.message.hasPrefix("fuzz.expect: line "), "error names the file and line")
    }
    let findings = expectations.findings(in: snapshot)
    for finding in findings { precondition(finding.pages >= 0, "negative pages in a finding") }
    _ = expectations.filter(findings)
    return 0
}
