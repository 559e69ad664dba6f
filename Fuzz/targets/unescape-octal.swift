// Fuzz target: the kernel's mangle_path escaping (unescapeOctal) and its inverse
// (escapeOctal), which snapshot manifests use for every path.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUnescapeOctal(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = unescapeOctal(bytes[...])
    // Unescaping what escapeOctal wrote gives back the text. (ASCII only: escapeOctal writes
    // non-ASCII bytes as Latin-1; see docs/fuzzing.md.)
    if text.utf8.allSatisfy({ $0 < 0x80 }) {
        let escaped = escapeOctal(text)
        precondition(unescapeOctal(Array(escaped.utf8)[...]) == text, "escape/unescape round trip")
    }
    return 0
}
