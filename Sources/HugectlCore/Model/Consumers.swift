/// What a hugetlb mapping is backed by, named as an operator would (the JSON `kind`).
public enum MappingKind: String, Sendable, CaseIterable {
    case anonShared = "anon_shared", anonPrivate = "anon_private"
    case fileShared = "file_shared", filePrivate = "file_private"
    case sysvShm = "sysv_shm"
    case memfdShared = "memfd_shared", memfdPrivate = "memfd_private"

    /// Shared kinds reserve in the object's (inode's) reservation map, private kinds in the VMA
    /// (`hugetlb_reserve_pages`: `vma->vm_flags & VM_MAYSHARE`).
    public var isShared: Bool {
        switch self {
        case .anonShared, .fileShared, .sysvShm, .memfdShared: return true
        case .anonPrivate, .filePrivate, .memfdPrivate: return false
        }
    }

    /// The kind from the name the kernel gives the object in maps and whether it is shared.
    static func classify(path: String?, shared: Bool) -> MappingKind {
        let kinds = kinds(path: path)
        return shared ? kinds.shared : kinds.private
    }

    /// `classify` of a name, shared and private, with its prefixes compared once: a file's
    /// name (most, and DPDK's hundreds) is told by its second byte, which is none of theirs.
    static func kinds(path: String?) -> (shared: MappingKind, private: MappingKind) {
        let file = (MappingKind.fileShared, MappingKind.filePrivate)
        guard let name = path else { return file }
        var bytes = name.utf8.makeIterator()
        guard bytes.next() == UInt8(ascii: "/"), let second = bytes.next(),
              second == UInt8(ascii: "a") || second == UInt8(ascii: "S") || second == UInt8(ascii: "m") else { return file }
        if name.hasPrefix("/anon_hugepage") { return (.anonShared, .anonPrivate) }
        if name.hasPrefix("/SYSV") { return (.sysvShm, .sysvShm) }
        if name.hasPrefix("/memfd:") { return (.memfdShared, .memfdPrivate) }
        return file
    }
}

/// The object behind a mapping: a hugetlbfs inode, named by device and inode number.
public struct ObjectID: Hashable, Sendable, Comparable {
    public var device: DeviceNumber
    public var inode: UInt64

    public init(device: DeviceNumber, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.device, lhs.inode) < (rhs.device, rhs.inode)
    }

    /// Two words rather than three, through the standard library's seeded hash (SipHash):
    /// inode numbers are chosen by whoever creates the files, so the hash must resist
    /// crafted collisions. The attribution hashes each ID about once per mapping
    /// (`ObjectIndex`).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(device.major) << 32 | UInt64(device.minor))
        hasher.combine(inode)
    }
}

/// One hugetlb mapping of one process.
public struct HugetlbMapping: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var pageSizeKB: Int
    public var kind: MappingKind
    public var path: String?
    /// The file was unlinked (maps shows its path followed by " (deleted)"). Internal objects
    /// (anonymous, SysV, memfd) always are.
    public var deleted: Bool = false
    public var object: ObjectID
    /// File offset of the mapping's start, in bytes.
    public var offset: UInt64
    public var shared: Bool
    public var noreserve: Bool
    /// Length in huge pages.
    public var pages: Int
    /// Pages in this process's page tables (smaps `Shared_Hugetlb + Private_Hugetlb`).
    public var faultedPages: Int
    /// Private mappings: pages that are this mapping's own (anonymous) copies, which consumed
    /// its reservation (numa_maps `anon=`); a page-cache page mapped read-only does not.
    public var anonPages: Int
    /// Pages the kernel still owes this mapping: see `ReservationLedger`.
    public var reservedPending: Int
    /// `reservedPending` is an estimate (the object's page cache or size could not be read,
    /// or the kernel's Rsvd bounds it): findings built on it are never certain.
    public var reservedPendingEstimated: Bool = false
    /// Of an estimated `reservedPending`, the pages proved owed (the rest may be); 0 otherwise.
    public var reservedPendingMinimum: Int = 0
    /// A fork child's copy of its parent's private mapping: no reservation of its own.
    public var inherited: Bool
    public var policy: MemoryPolicy?
    /// Huge pages by node (numa_maps `N<node>=`).
    public var nodePages: [Int: Int]
    /// The VMA has no policy of its own: another thread's numa_maps (`/proc/PID/task/TID/
    /// numa_maps`) shows its own task policy for it, where `policy` is the main thread's.
    /// False when every thread shows the same policy (a VMA policy, or one task policy for all).
    public var followsThreadPolicy: Bool = false

    public init(start: UInt64, end: UInt64, pageSizeKB: Int, kind: MappingKind, path: String?, object: ObjectID,
                offset: UInt64 = 0, shared: Bool, noreserve: Bool, pages: Int, faultedPages: Int, anonPages: Int = 0,
                reservedPending: Int = 0, inherited: Bool = false, policy: MemoryPolicy? = nil,
                nodePages: [Int: Int] = [:]) {
        self.start = start
        self.end = end
        self.pageSizeKB = pageSizeKB
        self.kind = kind
        self.path = path
        self.object = object
        self.offset = offset
        self.shared = shared
        self.noreserve = noreserve
        self.pages = pages
        self.faultedPages = faultedPages
        self.anonPages = anonPages
        self.reservedPending = reservedPending
        self.inherited = inherited
        self.policy = policy
        self.nodePages = nodePages
    }
}

/// A thread of a process that faults under other rules than its main thread: its own cpuset
/// or CPUs (`/proc/PID/task/TID/status`), or its own task policy (`get_task_policy(current)`:
/// the faulting thread's, shown by `/proc/PID/task/TID/numa_maps` for the VMAs without a
/// policy of their own). Threads that share the main thread's are not listed.
public struct HugetlbThread: Equatable, Sendable {
    public var tid: Int
    public var memsAllowed: [Int]?
    public var cpusAllowed: [Int]?
    /// The thread's task policy where it differs from the main thread's; nil when the same.
    public var taskPolicy: MemoryPolicy?

    public init(tid: Int, memsAllowed: [Int]? = nil, cpusAllowed: [Int]? = nil, taskPolicy: MemoryPolicy? = nil) {
        self.tid = tid
        self.memsAllowed = memsAllowed
        self.cpusAllowed = cpusAllowed
        self.taskPolicy = taskPolicy
    }
}

/// A process that holds hugetlb memory: mappings, or file descriptors of hugetlb objects.
public struct HugetlbProcess: Equatable, Sendable {
    public var pid: Int
    public var name: String?
    public var ppid: Int?
    public var uid: Int?
    public var memsAllowed: [Int]?
    public var cpusAllowed: [Int]?
    public var commandLine: String?
    /// `HugetlbPages:` of status, in kB: faulted pages of every size.
    public var hugetlbPagesKB: Int?
    public var mappings: [HugetlbMapping]
    /// Hugetlb objects (files, memfds) this process holds open through a file descriptor.
    public var openObjects: [ObjectID]
    /// Threads whose cpuset, CPUs or task policy differ from the main thread's (read only for
    /// processes with hugetlb mappings).
    public var threads: [HugetlbThread] = []
    /// The cgroup of the hierarchy with the hugetlb controller (`/proc/PID/cgroup`), which its
    /// faults charge; nil when unknown.
    public var cgroup: String?
    /// `starttime` of `/proc/PID/stat`, clock ticks since boot; nil when unknown. The oldest
    /// mapper of a shared object carries its reservation (stable across runs and PID reuse).
    public var startTime: UInt64?

    public init(pid: Int, name: String? = nil, ppid: Int? = nil, uid: Int? = nil, memsAllowed: [Int]? = nil,
                cpusAllowed: [Int]? = nil, commandLine: String? = nil, hugetlbPagesKB: Int? = nil,
                mappings: [HugetlbMapping] = [], openObjects: [ObjectID] = []) {
        self.pid = pid
        self.name = name
        self.ppid = ppid
        self.uid = uid
        self.memsAllowed = memsAllowed
        self.cpusAllowed = cpusAllowed
        self.commandLine = commandLine
        self.hugetlbPagesKB = hugetlbPagesKB
        self.mappings = mappings
        self.openObjects = openObjects
    }

    /// A fork child holding an inherited MAP_PRIVATE hugetlb mapping: its faults have no
    /// reservation, and the parent's copy-on-write can unmap its pages (`unmap_ref_private`).
    public var holdsInheritedPrivate: Bool { mappings.contains { $0.inherited } }
}

/// A hugetlbfs object seen anywhere: a file on a mount, a memfd, an anonymous shared mapping
/// or a SysV segment. `instantiated` is how many huge pages it holds in its page cache.
public struct HugetlbObject: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case file, memfd, anon, sysvShm = "sysv_shm"
    }

    public var id: ObjectID
    public var kind: Kind
    public var pageSizeKB: Int
    public var path: String?
    public var shmid: Int?
    /// `i_size` in bytes (a SysV segment's size; an anonymous mapping's length).
    public var sizeBytes: UInt64
    /// Huge pages in the page cache (`st_blocks`, or a SysV segment's `rss`); nil if unknown.
    public var instantiated: Int?
    /// The hugetlbfs mount the file lives on, if any.
    public var mountPoint: String?
    /// `sizeBytes` was read (stat through `/proc/PID/map_files`, an fd, or the mount); false
    /// when the stat was refused (it needs CAP_SYS_ADMIN) or not recorded: `sizeBytes` is 0
    /// then and the owed pages are bounded by the mapped extent instead.
    public var sizeKnown: Bool = true

    public init(id: ObjectID, kind: Kind, pageSizeKB: Int, path: String?, shmid: Int? = nil, sizeBytes: UInt64,
                instantiated: Int?, mountPoint: String? = nil) {
        self.id = id
        self.kind = kind
        self.pageSizeKB = pageSizeKB
        self.path = path
        self.shmid = shmid
        self.sizeBytes = sizeBytes
        self.instantiated = instantiated
        self.mountPoint = mountPoint
    }

    /// Whole huge pages below `i_size` (rounded up, as the kernel rounds mappings).
    public var sizePages: Int {
        let bytesPerPage = UInt64(pageSizeKB) * 1024
        guard bytesPerPage > 0 else { return 0 }
        let pages = sizeBytes / bytesPerPage + (sizeBytes % bytesPerPage == 0 ? 0 : 1)
        return Int(clamping: pages)
    }
}

/// What the process scan could and could not see.
public struct ScanReport: Equatable, Sendable {
    public struct Unreadable: Equatable, Sendable {
        public var pid: Int
        public var path: String
        public var reason: String
        /// The file was read but could not be understood (not what the kernel writes): a
        /// damaged tree or a racing read, not a permission. What the verdict needed from it
        /// is unknown (`counter-unreadable`).
        public var malformed = false
    }

    /// PIDs listed in /proc.
    public var processesSeen = 0
    /// Processes whose maps were read.
    public var processesScanned = 0
    /// Mappings the maps pre-filter passed on to smaps.
    public var candidates = 0
    public var unreadable: [Unreadable] = []
    /// Processes that exited between being listed and being read.
    public var vanished = 0
    /// Processes of a captured tree whose files were not recorded in it (a tree made with
    /// `tar` or `cp` of part of /proc): not vanished, and not read.
    public var notRecorded = 0
    /// False when the scan was not attempted (a tree without /proc).
    public var attempted = true

    /// Every process was read: none unreadable, none missing from a captured tree.
    public var complete: Bool { attempted && unreadable.isEmpty && notRecorded == 0 }

    /// Every process's mappings and open files were read (what else of it could not be, such
    /// as its status or numa_maps, hides no reservation): the condition under which the
    /// kernel's Rsvd proves estimated owed pages (`OwedEstimate`).
    public var mappingsComplete: Bool {
        attempted && notRecorded == 0 && !unreadable.contains { item in
            item.path.hasSuffix("/maps") || item.path.hasSuffix("/smaps") || item.path.hasSuffix("/fd")
        }
    }

    public init() {}
}

/// Every hugetlb consumer on the system.
public struct ConsumerSnapshot: Equatable, Sendable {
    public var processes: [HugetlbProcess] = []
    /// Objects by identity, including those no process maps any more.
    public var objects: [ObjectID: HugetlbObject] = [:]
    public var segments: [SysvSegment] = []
    public var scan = ScanReport()

    public init() {}
}
