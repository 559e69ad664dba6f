// Fuzz target: a snapshot's hugectl/manifest (SnapshotManifest.parse), and that what it
// understood survives serialized() and a second parse.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var first = SnapshotManifest.parse(bytes)
    // A manifest of 1 MiB or more has its stat lines read on a second thread; these inputs
    // are smaller, so that reading is asked for here: it must read what one thread reads.
    precondition(SnapshotManifest.parse(bytes, onTwoThreads: true) == first, "two-thread parse")
    let text = first.serialized()
    var second = SnapshotManifest.parse(Array(text.utf8))
    // Whatever was understood survives: escapeOctal escapes every control byte and keeps
    // UTF-8 as it is (a form feed and non-ASCII paths once broke this; Fuzz/regressions/manifest).
    precondition(second.problems.isEmpty, "serialized manifest has problems: \(second.problems)")
    first.problems = []
    second.problems = []
    precondition(first == second, "manifest round trip")
    return 0
}
