// Fuzz target: /proc/PID/smaps (SmapsParser.hugetlbVMAs), with and without the candidate
// filter the scanner passes, and the page arithmetic the scanner does on each VMA.
@testable import HugectlCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSmaps(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let all = SmapsParser.hugetlbVMAs(bytes[...])
    for vma in all.vmas {
        precondition(vma.isHugetlb, "non-hugetlb VMA returned")
        precondition(vma.mappedPages >= 0, "negative mapped pages")
        if vma.kernelPageSizeKB > 0 { _ = vma.sizeKB / vma.kernelPageSizeKB }
        _ = vma.mapping.length
    }
    // The scanner's form: only the starts maps offered as candidates.
    let starts = Set(all.vmas.prefix(4).map(\.mapping.start))
    let filtered = SmapsParser.hugetlbVMAs(bytes[...], onlyStarts: starts)
    precondition(filtered.vmas.allSatisfy { starts.contains($0.mapping.start) }, "filter ignored")
    return 0
}
