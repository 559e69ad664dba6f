// Fuzz target: the page count of `hugectl pool set SIZE COUNT` (PoolRequest.parseCount in
// Sources/HugectlTune/PoolRequest.swift, compiled into this target) and the size argument
// (PoolRequest.parseSize) against a snapshot with 2M and 1G pools.
import HugectlCore

let snapshot = SystemSnapshot(
    root: "/", defaultPageSizeKB: 2048,
    pools: [HugePagePool(pageSizeKB: 2048), HugePagePool(pageSizeKB: 1 << 20)])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPoolCount(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let count = try? PoolRequest.parseCount(text) {
        switch count {
        case .absolute(let pages): precondition(pages >= 0)
        case .relative: break
        case .perNode(let map):
            for (node, pages) in map { precondition(node >= 0 && node <= NodeList.maximum && pages >= 0) }
        }
    }
    if let kB = try? PoolRequest.parseSize(text, snapshot: snapshot) {
        precondition(kB == 2048 || kB == 1 << 20, "size not among the pools")
    }
    return 0
}
