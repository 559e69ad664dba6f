/// One hugetlb VMA from `/proc/PID/smaps` (`show_smap` in fs/proc/task_mmu.c).
public struct SmapsVMA: Equatable, Sendable {
    public var mapping: MapsEntry
    public var sizeKB: Int
    public var kernelPageSizeKB: Int
    /// Huge pages mapped here and in another page table (shared PMDs), in kB.
    public var sharedHugetlbKB: Int
    /// Huge pages mapped only here, in kB. A lone MAP_SHARED mapper shows its pages here too.
    public var privateHugetlbKB: Int
    /// `VmFlags`: `ht` (VM_HUGETLB), `nr` (VM_NORESERVE), `sh` (VM_SHARED).
    public var flags: Set<String>

    public var isHugetlb: Bool { flags.contains("ht") }
    public var noReserve: Bool { flags.contains("nr") }

    /// Pages mapped in this process's page tables.
    public var mappedPages: Int {
        guard kernelPageSizeKB > 0 else { return 0 }
        let (sum, overflow) = sharedHugetlbKB.addingReportingOverflow(privateHugetlbKB)
        return overflow ? 0 : sum / kernelPageSizeKB
    }
}

public enum SmapsParser {
    /// 2^64 bytes in kB: every kB figure of a VMA is below it.
    public static let addressSpaceKB = 1 << 54

    /// The hugetlb VMAs (VmFlags `ht`) of a whole smaps file, and lines that made no sense.
    /// With `onlyRanges`, entries whose start is not in the set are skipped without parsing
    /// their fields.
    public static func hugetlbVMAs(_ bytes: Bytes, onlyStarts: Set<UInt64>? = nil)
        -> (vmas: [SmapsVMA], problems: [String]) {
        var vmas: [SmapsVMA] = []
        var problems: [String] = []
        var current: SmapsVMA?
        var skipping = false
        func finish() {
            if let vma = current, vma.isHugetlb { vmas.append(vma) }
            current = nil
        }
        for (number, line) in bytes.lines.enumerated() where !line.isEmpty {
            let first = line[line.startIndex]
            let looksLikeHeader = ASCII.isHexDigit(first) && line.firstIndex(of: ASCII.dash).map { dash in
                line[line.startIndex..<dash].allSatisfy(ASCII.isHexDigit)
            } == true
            if looksLikeHeader {
                finish()
                guard let header = MapsParser.parseHeader(line, decodePath: true) else {
                    problems.append("line \(number + 1): malformed mapping '\(line.text.clipped)'")
                    skipping = true
                    continue
                }
                if let onlyStarts, !onlyStarts.contains(header.entry.start) {
                    skipping = true
                    continue
                }
                skipping = false
                current = SmapsVMA(mapping: header.entry, sizeKB: 0, kernelPageSizeKB: 0,
                                   sharedHugetlbKB: 0, privateHugetlbKB: 0, flags: [])
                continue
            }
            if skipping || current == nil { continue }
            guard let colon = line.firstIndex(of: ASCII.colon) else {
                problems.append("line \(number + 1): no ':' in '\(line.text.clipped)'")
                continue
            }
            let key = line[line.startIndex..<colon]
            let value = line[(colon + 1)...]
            if key.equals("VmFlags") {
                current?.flags = Set(value.fields.map(\.text))
                continue
            }
            let field: WritableKeyPath<SmapsVMA, Int>
            if key.equals("Size") { field = \.sizeKB }
            else if key.equals("KernelPageSize") { field = \.kernelPageSizeKB }
            else if key.equals("Shared_Hugetlb") { field = \.sharedHugetlbKB }
            else if key.equals("Private_Hugetlb") { field = \.privateHugetlbKB }
            else { continue }
            // No field of one VMA can reach the whole 64-bit address space (2^54 kB); a larger
            // figure is corruption, and refusing it keeps kB * 1024 within 64 bits downstream.
            guard let number = value.fields.first?.decimal, number < SmapsParser.addressSpaceKB else {
                problems.append("line \(number + 1): \(key.text): bad value '\(value.trimmed.text.clipped)'")
                continue
            }
            current?[keyPath: field] = number
        }
        finish()
        return (vmas, problems)
    }
}

extension ASCII {
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }
}
