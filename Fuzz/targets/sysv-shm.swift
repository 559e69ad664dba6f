// Fuzz target: /proc/sysvipc/shm (SysvShmParser.parse).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSysvShm(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = SysvShmParser.parse(bytes[...])
    for segment in parsed.segments {
        precondition(segment.shmid >= 0 && segment.nattch >= 0 && segment.uid >= 0, "negative id")
        precondition(segment.key >= Int64(Int32.min) && segment.key <= Int64(UInt32.max), "key range")
    }
    return 0
}
