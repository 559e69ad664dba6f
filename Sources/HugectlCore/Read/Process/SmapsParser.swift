#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One hugetlb VMA from `/proc/PID/smaps` (`show_smap` in fs/proc/task_mmu.c).
public struct SmapsVMA: Equatable, Sendable {
    public var mapping: MapsEntry
    public var sizeKB: Int
    public var kernelPageSizeKB: Int
    /// Huge pages mapped here and in another page table (shared PMDs), in kB.
    public var sharedHugetlbKB: Int
    /// Huge pages mapped only here, in kB. A lone MAP_SHARED mapper shows its pages here too.
    public var privateHugetlbKB: Int
    /// `VmFlags` has `ht` (VM_HUGETLB).
    public var isHugetlb: Bool
    /// `VmFlags` has `nr` (VM_NORESERVE).
    public var noReserve: Bool

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
    /// With `onlyStarts`, entries whose start is not in the set are skipped without parsing
    /// their fields. The whole text at once: `HugetlbScan` fed with one piece.
    public static func hugetlbVMAs(_ bytes: Bytes, onlyStarts: Set<UInt64>? = nil)
        -> (vmas: [SmapsVMA], problems: [String]) {
        var scan = HugetlbScan(starts: onlyStarts.map { StartSet($0) })
        scan.feed(bytes)
        return scan.result
    }

    /// `hugetlbVMAs` over an smaps file read in pieces (`SystemSource.readLines`): feed the
    /// pieces in order, each ending at a line boundary (the last may lack its newline), then
    /// take `result`. An entry spans a header line and its `Key: value` lines, so the entry
    /// being read is carried from one piece to the next; any split at line boundaries gives
    /// what `hugetlbVMAs` gives for the whole text, line numbers included. Only the hugetlb
    /// VMAs are kept, never the text.
    public struct HugetlbScan {
        /// The starts asked for (`onlyStarts`), and which were met; nil for every entry.
        private var filter: StartSet?
        private var vmas: [SmapsVMA] = []
        private var problems: [String] = []
        /// The entry whose header was the last one seen, while its lines are read (when
        /// `reading`): changed in place, never copied in and out of an optional.
        private var current = SmapsVMA(mapping: MapsEntry(start: 0, end: 0, shared: false, offset: 0,
                                                          device: DeviceNumber(major: 0, minor: 0), inode: 0, path: nil),
                                       sizeKB: 0, kernelPageSizeKB: 0, sharedHugetlbKB: 0, privateHugetlbKB: 0,
                                       isHugetlb: false, noReserve: false)
        private var reading = false
        /// Consecutive VMAs of one object (a repeated VMA, anonymous hugetlb memory) share
        /// one path String rather than one each.
        private var paths = SharedPath()
        /// The lines after a refused or filtered-out header are passed over.
        private var skipping = false
        /// Lines seen so far, empty ones included.
        public private(set) var lineCount = 0
        /// Without `onlyStarts`, the start addresses of the well-formed headers met.
        private var startsSeen: Set<UInt64> = []

        /// How many start addresses of well-formed headers were met, each once (with
        /// `onlyStarts`, of those asked for), hugetlb or not: a mapping `maps` listed that is
        /// not among them was not in this smaps.
        public var startsSeenCount: Int { filter?.metCount ?? startsSeen.count }

        public init(onlyStarts: Set<UInt64>? = nil) {
            self.init(starts: onlyStarts.map { StartSet($0) })
        }

        /// Only the entries starting at one of `starts` (every entry when nil).
        public init(starts: StartSet?) {
            filter = starts
        }

        /// The VMAs so far, the one being read included (it ends with the text).
        public var result: (vmas: [SmapsVMA], problems: [String]) {
            guard reading, current.isHugetlb else { return (vmas, problems) }
            return (vmas + [current], problems)
        }

        public mutating func feed(_ piece: Bytes) {
            piece.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                ASCII.forEachLine(buffer) { offset, end in
                    // The lines of an entry (about 20 of each 21) are looked at in place; a
                    // header and anything unusual go through `take`, which says what is wrong.
                    if !takeInPlace(UnsafeBufferPointer(start: base + offset, count: end - offset)) {
                        take(piece[(piece.startIndex + offset)..<(piece.startIndex + end)])
                    }
                }
            }
        }

        /// `take` for a line that is not a header and needs no problem reported: passed over,
        /// or one of the fields read. False, having changed nothing, for any other line.
        private mutating func takeInPlace(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let first = line.first else { return false }
            if ASCII.isHexDigit(first) {
                var index = 1
                while index < line.count && ASCII.isHexDigit(line[index]) { index += 1 }
                if index < line.count && line[index] == ASCII.dash { return false }  // a header
            }
            if skipping || !reading {
                lineCount += 1
                return true
            }
            guard let colon = line.firstIndex(of: ASCII.colon) else { return false }
            guard let field = Field(UnsafeBufferPointer(rebasing: line[..<colon])) else {
                lineCount += 1
                return true
            }
            var index = colon + 1
            if field == .vmFlags {
                var hugetlb = false
                var noReserve = false
                while index < line.count {
                    while index < line.count && ASCII.isSpace(line[index]) { index += 1 }
                    let start = index
                    while index < line.count && !ASCII.isSpace(line[index]) { index += 1 }
                    if index - start == 2 {
                        if line[start] == 0x68 && line[start + 1] == 0x74 { hugetlb = true }  // ht
                        else if line[start] == 0x6E && line[start + 1] == 0x72 { noReserve = true }  // nr
                    }
                }
                current.isHugetlb = hugetlb
                current.noReserve = noReserve
                lineCount += 1
                return true
            }
            // The first field after the colon, a decimal below `addressSpaceKB`.
            while index < line.count && ASCII.isSpace(line[index]) { index += 1 }
            var kB = 0
            var digits = 0
            while index < line.count && !ASCII.isSpace(line[index]) {
                guard ASCII.isDigit(line[index]), digits < 17 else { return false }
                kB = kB * 10 + Int(line[index] - ASCII.zero)
                digits += 1
                index += 1
            }
            guard digits > 0, kB < SmapsParser.addressSpaceKB else { return false }
            switch field {
            case .size: current.sizeKB = kB
            case .kernelPageSize: current.kernelPageSizeKB = kB
            case .sharedHugetlb: current.sharedHugetlbKB = kB
            case .privateHugetlb: current.privateHugetlbKB = kB
            case .vmFlags: break
            }
            lineCount += 1
            return true
        }

        private mutating func finishEntry() {
            if reading && current.isHugetlb { vmas.append(current) }
            reading = false
        }

        private mutating func take(_ line: Bytes) {
            lineCount += 1
            guard !line.isEmpty else { return }
            let number = lineCount
            let first = line[line.startIndex]
            let looksLikeHeader = ASCII.isHexDigit(first) && line.firstIndex(of: ASCII.dash).map { dash in
                line[line.startIndex..<dash].allSatisfy(ASCII.isHexDigit)
            } == true
            if looksLikeHeader {
                finishEntry()
                guard let header = MapsParser.parseHeader(line, decodePath: false) else {
                    problems.append("line \(number): malformed mapping '\(line.text.clipped)'")
                    skipping = true
                    return
                }
                if filter != nil {
                    guard let index = filter?.index(of: header.entry.start) else {
                        skipping = true
                        return
                    }
                    filter?.markMet(index)
                } else {
                    startsSeen.insert(header.entry.start)
                }
                skipping = false
                var entry = header.entry
                entry.path = paths.decode(header.pathBytes)
                current = SmapsVMA(mapping: entry, sizeKB: 0, kernelPageSizeKB: 0,
                                   sharedHugetlbKB: 0, privateHugetlbKB: 0, isHugetlb: false, noReserve: false)
                reading = true
                return
            }
            if skipping || !reading { return }
            guard let colon = line.firstIndex(of: ASCII.colon) else {
                problems.append("line \(number): no ':' in '\(line.text.clipped)'")
                return
            }
            let key = line[line.startIndex..<colon]
            let value = line[(colon + 1)...]
            guard let field = Field(key) else { return }
            if field == .vmFlags {
                // Two-letter mnemonics (`show_smap_vma_flags`); looked at in place, no copies.
                var hugetlb = false
                var noReserve = false
                value.forEachField { flag in
                    if flag.equals("ht") { hugetlb = true } else if flag.equals("nr") { noReserve = true }
                }
                current.isHugetlb = hugetlb
                current.noReserve = noReserve
                return
            }
            // No field of one VMA can reach the whole 64-bit address space (2^54 kB); a larger
            // figure is corruption, and refusing it keeps kB * 1024 within 64 bits downstream.
            guard let kB = value.firstField?.decimal, kB < SmapsParser.addressSpaceKB else {
                problems.append("line \(number): \(key.text): bad value '\(value.trimmed.text.clipped)'")
                return
            }
            switch field {
            case .size: current.sizeKB = kB
            case .kernelPageSize: current.kernelPageSizeKB = kB
            case .sharedHugetlb: current.sharedHugetlbKB = kB
            case .privateHugetlb: current.privateHugetlbKB = kB
            case .vmFlags: break
            }
        }

        /// The keys read; every other line of an entry (about 20 of them) is passed over after
        /// a look at its length and first byte.
        private enum Field {
            case size, kernelPageSize, sharedHugetlb, privateHugetlb, vmFlags

            init?(_ key: Bytes) {
                guard let field = key.withUnsafeBufferPointer({ Field($0) }) else { return nil }
                self = field
            }

            init?(_ key: UnsafeBufferPointer<UInt8>) {
                guard let first = key.first else { return nil }
                // The length is known equal: one memcmp, not a generic element-by-element walk.
                func equals(_ text: StaticString) -> Bool {
                    text.withUTF8Buffer { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
                }
                switch (key.count, first) {
                case (4, 0x53 /* S */) where equals("Size"): self = .size
                case (14, 0x4B /* K */) where equals("KernelPageSize"): self = .kernelPageSize
                case (14, 0x53 /* S */) where equals("Shared_Hugetlb"): self = .sharedHugetlb
                case (15, 0x50 /* P */) where equals("Private_Hugetlb"): self = .privateHugetlb
                case (7, 0x56 /* V */) where equals("VmFlags"): self = .vmFlags
                default: return nil
                }
            }
        }
    }
}

extension ASCII {
    @inline(__always)
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }
}
