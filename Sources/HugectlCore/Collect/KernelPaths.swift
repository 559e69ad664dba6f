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

    /// The file systems the kernel knows (`features`: is hugetlbfs built in).
    public static let filesystems = "/proc/filesystems"
    /// The cgroup controllers compiled in (`features`: is hugetlb one).
    public static let cgroupControllers = "/proc/cgroups"
    /// `vm.unprivileged_userfaultfd` (`features`).
    public static let unprivilegedUserfaultfd = "/proc/sys/vm/unprivileged_userfaultfd"
    /// The directory of device nodes, and the userfaultfd device (5.11 and later).
    public static let devices = "/dev"
    public static let userfaultfdDevice = "/dev/userfaultfd"
    /// Written 1 to compact all memory (`pool set --compact`).
    public static let compactMemory = "/proc/sys/vm/compact_memory"
    /// The file locks held, to name the process holding the pool lock.
    public static let locks = "/proc/locks"

    /// The process directories, and the reading process's own mount table and namespace.
    public static let processes = "/proc"
    public static let selfMountinfo = "/proc/self/mountinfo"
    public static let selfMountNamespace = "/proc/self/ns/mnt"
    /// SysV shared memory segments.
    public static let sysvShm = "/proc/sysvipc/shm"

    /// `/proc/PID`, and a file or directory in it: `process(12, "maps")` is `/proc/12/maps`.
    public static func process(_ pid: Int) -> String { "\(processes)/\(pid)" }
    public static func process(_ pid: Int, _ name: String) -> String { "\(processes)/\(pid)/\(name)" }

    /// Whether every byte of `name` is an ASCII digit (true for ""), as the names of `/proc`,
    /// `/proc/PID/fd` and `/proc/PID/task` entries are: what `allSatisfy { $0.isASCII &&
    /// $0.isNumber }` over its Characters says, without their grapheme breaking (a process
    /// holding 60,000 descriptors has as many names).
    static func isDigits(_ name: String) -> Bool {
        name.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The link of one mapping in `/proc/PID/map_files/` (`mapFiles`, with its slash): its
    /// start and end addresses in lower-case hex without leading zeros, as the kernel names
    /// it. Written digit by digit into the String's own storage: `String(_:radix:)` costs ten
    /// times as much, and a process of 60,000 hugetlb VMAs names 60,000 of these.
    static func mapFile(_ mapFiles: String, start: UInt64, end: UInt64) -> String {
        var prefix = mapFiles
        return prefix.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + 33) { out in
                var count = head.count
                if let from = head.baseAddress, let to = out.baseAddress { to.update(from: from, count: count) }
                func hex(_ value: UInt64) {
                    let digits = max(1, (64 - value.leadingZeroBitCount + 3) / 4)
                    for place in 0..<digits {
                        let digit = UInt8(truncatingIfNeeded: value >> UInt64((digits - 1 - place) * 4)) & 0xf
                        out[count + place] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                    }
                    count += digits
                }
                hex(start)
                out[count] = UInt8(ascii: "-")
                count += 1
                hex(end)
                return count
            }
        }
    }

    public static func pool(kB: Int) -> String {
        "\(hugepages)/\(PageSize.directoryName(kB: kB))"
    }

    public static func node(_ node: Int) -> String { "\(nodes)/node\(node)" }

    public static func nodePool(_ node: Int, kB: Int) -> String {
        "\(self.node(node))/hugepages/\(PageSize.directoryName(kB: kB))"
    }

    /// A counter file of a pool (`PoolCounterTable` reads them), or of a node's share of it.
    public static func pool(kB: Int, _ file: PoolCounterFile) -> String { pool(kB: kB) + "/" + file.rawValue }

    public static func nodePool(_ node: Int, kB: Int, _ file: PoolCounterFile) -> String {
        nodePool(node, kB: kB) + "/" + file.rawValue
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
