/// Every kernel file and directory hugectl reads, in one place (also the man page's FILES).
public enum KernelPath {
    public static let meminfo = "/proc/meminfo"
    public static let osRelease = "/proc/sys/kernel/osrelease"
    /// The kernel's boot parameters (`features`; a redacted snapshot keeps only hugetlb ones).
    public static let commandLine = "/proc/cmdline"
    public static let mounts = "/proc/mounts"
    /// Free blocks per order of the buddy allocator: its number of orders decides which huge
    /// page sizes are gigantic.
    public static let buddyInfo = "/proc/buddyinfo"
    /// The reading process's ELF auxiliary vector, for `AT_PAGESZ`: the base page size.
    public static let selfAuxv = "/proc/self/auxv"
    public static let hugepages = "/sys/kernel/mm/hugepages"
    public static let nodes = "/sys/devices/system/node"
    public static let onlineNodes = "/sys/devices/system/node/online"
    public static let possibleNodes = "/sys/devices/system/node/possible"
    public static let nodesWithMemory = "/sys/devices/system/node/has_memory"
    /// Weighted interleave weights, one file per possible node (since 6.9).
    public static let weightedInterleave = "/sys/kernel/mm/mempolicy/weighted_interleave"

    public static func interleaveWeight(_ node: Int) -> String { "\(weightedInterleave)/node\(node)" }

    public static func pool(kB: Int) -> String {
        "\(hugepages)/\(PageSize.directoryName(kB: kB))"
    }

    public static func node(_ node: Int) -> String { "\(nodes)/node\(node)" }

    public static func nodePool(_ node: Int, kB: Int) -> String {
        "\(self.node(node))/hugepages/\(PageSize.directoryName(kB: kB))"
    }

    /// `node12` -> 12.
    public static func nodeNumber(fromDirectoryName name: String) -> Int? {
        guard name.hasPrefix("node") else { return nil }
        let digits = name.dropFirst(4)
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(digits)
    }
}
