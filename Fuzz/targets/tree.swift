// Fuzz target: a whole captured tree through the whole pipeline, as `hugectl --root DIR`
// runs it: SnapshotCollector (every parser, the process scan), the analysis (ledger,
// feasibility, findings, expectations) and every renderer (status text and JSON, procs,
// check formats, Prometheus). Not a single parser: it finds arithmetic on hostile numbers
// after parsing. The input format and the pipeline are Tests/HugectlCLITests/PackedTree.swift,
// which Fuzz/run compiles in, so `swift test` replays regressions through the same code.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTree(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    runWholePipeline(PackedTree(Array(UnsafeBufferPointer(start: data, count: size))))
    return 0
}
