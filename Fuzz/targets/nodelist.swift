// Fuzz target: node and CPU lists such as "0-3,8" (NodeList.parse, NodeList.format).
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNodeList(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .success(let list) = NodeList.parse(bytes[...]) {
        precondition(list.count <= NodeList.maximum + 1, "more entries than numbers allowed")
        for (index, value) in list.enumerated() {
            precondition(value >= 0 && value <= NodeList.maximum, "entry out of range")
            if index > 0 { precondition(list[index - 1] < value, "not sorted and unique") }
        }
        // The kernel's compressed form parses back to the same list.
        let formatted = NodeList.format(list)
        precondition(NodeList.parse(Array(formatted.utf8)[...]) == .success(list), "round trip")
    }
    return 0
}
