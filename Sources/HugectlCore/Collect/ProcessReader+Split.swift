#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A process with many candidate mappings (DPDK's hundreds of one-page files, say), live or
/// in a tree, is read on two threads: its smaps, the longest of its files for the kernel to
/// write, on a thread of its own (`alongside`), while this one reads its descriptors and its
/// numa_maps.
/// The process scan reads processes on every core already (`concurrentMap`), but one big
/// process is read by one of them, most often last, while the others have nothing left.
extension ProcessReader {
    /// Candidate mappings from which a live process's reads are split between two threads:
    /// below, its smaps is short, and a thread costs more than it saves.
    static let splitThreshold = 64

    /// Whether a process with `candidates` candidate mappings is read on two threads: live,
    /// or from a tree (`--root`: a process of 60,000 VMAs has its smaps parsed while its
    /// descriptors are replayed and its numa_maps parsed); a snapshot being recorded reads in
    /// order, on one thread (its source does not read concurrently).
    func splitsReads(_ candidates: Int) -> Bool {
        candidates >= Self.splitThreshold && source.readsConcurrently && severalCoresOnline
    }

    /// What `readOpenObjects` and then `readMappings` find, with the smaps read on another
    /// thread while this one reads the descriptors and the numa_maps. The numa_maps is read
    /// before smaps has said which candidates are hugetlb, so its lines of every candidate are
    /// parsed, and those of the hugetlb VMAs kept, with only their problems (a damaged line of
    /// a candidate smaps shows is not hugetlb says nothing, as the serial path never parses
    /// it); it is dropped, with whatever its read met, when smaps shows no hugetlb VMA or
    /// could not be read (the serial path does not read it then). The result, warnings and
    /// unreadable files are those of the serial path, in the same order.
    func readObjectsAndMappingsSplit(_ reading: inout ProcessReading, candidates: [MapsEntry]) -> [HugetlbMapping] {
        let pid = reading.pid
        // In maps order, which is address order (see readMappings).
        let starts = StartSet(candidates.lazy.map(\.start))
        let (numa, smaps) = alongside({ () -> (SmapsParser.HugetlbScan?, ProcessReading) in
            var read = ProcessReading(pid: pid)
            var scan = SmapsParser.HugetlbScan(starts: starts)
            let whole = readLines("smaps", &read, { scan.feed($0) })
            return (whole ? scan : nil, read)
        }) { () -> (NumaMapsParser.EntryScan?, ProcessReading) in
            readOpenObjects(into: &reading, mapped: candidates)
            var read = ProcessReading(pid: pid)
            var scan = NumaMapsParser.EntryScan(starts: starts)
            let whole = readLines("numa_maps", &read, { scan.feed($0) })
            return (whole ? scan : nil, read)
        }
        var smapsReading = smaps.1
        let vmas = smaps.0.map { hugetlbVMAs($0, asked: starts.count, listed: candidates.count, &smapsReading) } ?? []
        reading.absorb(smapsReading)
        if vmas.isEmpty { return [] }
        var numaReading = numa.1
        let lines = numa.0.map { numaLines($0, of: vmas, &numaReading) } ?? Array(repeating: nil, count: vmas.count)
        reading.absorb(numaReading)
        return Self.mappings(vmas, numa: lines)
    }
}

extension ProcessReading {
    /// Takes in what reading one of the process's files on another thread noted (`other`,
    /// of the same process), after what this reading noted.
    mutating func absorb(_ other: ProcessReading) {
        unreadable += other.unreadable
        warnings += other.warnings
        if gone == nil { gone = other.gone }
    }
}
