// Fuzz target: memparse-style sizes such as size=8G (ByteSize.parse). The first byte picks
// the default scale (1 or 1024), as the two callers use it.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzByteSize(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: size)
    guard let first = buffer.first else { return 0 }
    let text = String(decoding: buffer.dropFirst(), as: UTF8.self)
    if let value = ByteSize.parse(text, defaultScale: first & 1 == 0 ? 1 : 1024) {
        precondition(value >= 0, "negative size")
    }
    return 0
}
