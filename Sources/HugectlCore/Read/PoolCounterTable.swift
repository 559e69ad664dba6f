/// The counter files of a hugetlb pool directory (`/sys/kernel/mm/hugepages/hugepages-<kB>kB/`
/// and a node's `.../nodeN/hugepages/hugepages-<kB>kB/`), as one table in the manner of
/// procps' meminfo.c item table: which file, and whether a kernel may lack it.
public enum PoolCounterFile: String, CaseIterable, Sendable {
    case total = "nr_hugepages"
    case free = "free_hugepages"
    case reserved = "resv_hugepages"
    case surplus = "surplus_hugepages"
    case overcommit = "nr_overcommit_hugepages"
    case mempolicyTotal = "nr_hugepages_mempolicy"

    /// The files of a node's pool directory (`hugetlb_register_node`: no reservation or
    /// overcommit count per node).
    public static let perNode: [PoolCounterFile] = [.total, .free, .surplus]

    /// Present only on kernels with NUMA support: its absence is no problem.
    public var mayBeAbsent: Bool { self == .mempolicyTotal }
}

/// What one reading of a pool directory found: each counter's value, or nothing when it is
/// unknown, and a problem sentence (`PATH: REASON`) for each file that could not be read.
public struct PoolCounterReading: Equatable, Sendable {
    public var values: [PoolCounterFile: Int] = [:]
    public var problems: [String] = []

    public subscript(_ file: PoolCounterFile) -> Int? { values[file] }
}

/// One reader of pool counters, with one error policy, for status (`SnapshotCollector`),
/// features (`FeaturesCollector`) and the probes (`PoolCounters` in HugectlProbe): a file that
/// is missing, unreadable, or not one unsigned number (`Counter.parse`) is unknown, never 0,
/// and a problem names it; a missing file is no problem when the table says a kernel may lack
/// it, or when the caller says the whole directory may be absent (`quietIfMissing`, a node
/// without memory).
public enum PoolCounterTable {
    public static func read(_ directory: String, _ files: [PoolCounterFile], quietIfMissing: Bool = false,
                            source: SystemSource) -> PoolCounterReading {
        var reading = PoolCounterReading()
        for file in files {
            let path = directory + "/" + file.rawValue
            let bytes: [UInt8]
            do {
                bytes = try source.read(path)
            } catch {
                if !((quietIfMissing || file.mayBeAbsent) && error.failure == .system(.noSuchFile)) {
                    reading.problems.append(error.description)
                }
                continue
            }
            switch Counter.parse(bytes[...]) {
            case .success(let value): reading.values[file] = value
            case .failure(let problem): reading.problems.append("\(path): \(problem)")
            }
        }
        return reading
    }
}
