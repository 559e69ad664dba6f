/// The probed part of `hugectl features`: what userfaultfd does on hugetlb memory (`features
/// --probe`, HugectlProbe's UffdProber), beside the read-only model in FeaturesModel.swift.

// MARK: - userfaultfd

public struct UserfaultfdFeatures: Equatable, Sendable {
    /// `vm.unprivileged_userfaultfd`; nil when the file is missing (kernel older than 5.2 or
    /// without userfaultfd) or unreadable.
    public var unprivilegedSysctl: Int?
    /// `/dev/userfaultfd` (v6.1+): nil when the directory could not be listed.
    public var devicePresent: Bool?
    /// Its permission bits, when known (the live system, or a snapshot that recorded them).
    public var deviceMode: UInt32?

    /// Everything below is filled in by the probe.
    public var probed: Bool
    /// Why the probe did not run or stopped (a snapshot, not asked, no way to create one).
    public var skipped: String?
    /// The user the probe ran as.
    public var uid: Int?
    public var methods: [UffdMethod]
    /// `UFFDIO_API` answer (asking for no features): the API number, the features this kernel
    /// supports and the ioctls an fd offers before registration.
    public var api: Int?
    public var featureMask: UInt64?
    public var apiIoctlMask: UInt64?
    /// The huge page size the mapping probes used.
    public var pageSizeKB: Int?
    public var mappings: [UffdMappingProbe]

    public init() {
        self.unprivilegedSysctl = nil
        self.devicePresent = nil
        self.deviceMode = nil
        self.probed = false
        self.skipped = nil
        self.uid = nil
        self.methods = []
        self.api = nil
        self.featureMask = nil
        self.apiIoctlMask = nil
        self.pageSizeKB = nil
        self.mappings = []
    }

    public var features: [String] { featureMask.map(UffdNames.features) ?? [] }
}

/// One way of getting a userfaultfd.
public struct UffdMethod: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        /// `userfaultfd(2)` with no flags: may handle kernel-mode faults; needs
        /// CAP_SYS_PTRACE unless `vm.unprivileged_userfaultfd=1`.
        case syscall
        /// `userfaultfd(UFFD_USER_MODE_ONLY)` (5.11+): allowed to everyone.
        case userModeOnly = "syscall_user_mode_only"
        /// `open("/dev/userfaultfd")` + `USERFAULTFD_IOC_NEW` (6.1+): governed by the file's mode.
        case device = "dev_userfaultfd"

        public var label: String {
            switch self {
            case .syscall: return "userfaultfd(2)"
            case .userModeOnly: return "userfaultfd(UFFD_USER_MODE_ONLY)"
            case .device: return KernelPath.userfaultfdDevice
            }
        }
    }

    public var kind: Kind
    /// Creating the fd and the `UFFDIO_API` handshake.
    public var result: CallResult

    public init(kind: Kind, result: CallResult) {
        self.kind = kind
        self.result = result
    }
}

/// Registration and ioctls on one hugetlb mapping kind.
public struct UffdMappingProbe: Equatable, Sendable {
    public enum Mapping: String, CaseIterable, Sendable {
        case hugetlbShared = "hugetlb_shared"
        case hugetlbPrivate = "hugetlb_private"

        public var label: String {
            switch self {
            case .hugetlbShared: return "hugetlb shared"
            case .hugetlbPrivate: return "hugetlb private"
            }
        }
    }

    public enum Mode: String, CaseIterable, Sendable {
        case missing = "MISSING"
        case wp = "WP"
        case minor = "MINOR"
    }

    public struct Registration: Equatable, Sendable {
        public var mode: Mode
        public var result: CallResult
        /// The `ioctls` mask `UFFDIO_REGISTER` returned for the range.
        public var ioctlMask: UInt64?

        public init(mode: Mode, result: CallResult, ioctlMask: UInt64?) {
            self.mode = mode
            self.result = result
            self.ioctlMask = ioctlMask
        }
    }

    /// One range ioctl: whether registration offered it and what trying it gave.
    public struct Ioctl: Equatable, Sendable {
        public var name: String
        public var offered: Bool
        /// nil: not tried (not offered, or what it needs did not work).
        public var result: CallResult?
        /// What was tried, for people (`COPY one page, read back 0x5a`).
        public var note: String?

        public init(name: String, offered: Bool, result: CallResult?, note: String? = nil) {
            self.name = name
            self.offered = offered
            self.result = result
            self.note = note
        }
    }

    public var mapping: Mapping
    public var skipped: String?
    public var registrations: [Registration]
    public var ioctls: [Ioctl]

    public init(mapping: Mapping, skipped: String? = nil, registrations: [Registration] = [], ioctls: [Ioctl] = []) {
        self.mapping = mapping
        self.skipped = skipped
        self.registrations = registrations
        self.ioctls = ioctls
    }

    /// The range ioctls the probe reports on, in this order.
    public static let rangeIoctls = ["COPY", "WRITEPROTECT", "CONTINUE", "POISON", "MOVE"]
}

/// The kernel's names for userfaultfd feature bits and ioctl numbers (`linux/userfaultfd.h`).
public enum UffdNames {
    public static let featureBits = [
        "PAGEFAULT_FLAG_WP", "EVENT_FORK", "EVENT_REMAP", "EVENT_REMOVE", "MISSING_HUGETLBFS",
        "MISSING_SHMEM", "EVENT_UNMAP", "SIGBUS", "THREAD_ID", "MINOR_HUGETLBFS", "MINOR_SHMEM",
        "EXACT_ADDRESS", "WP_HUGETLBFS_SHMEM", "WP_UNPOPULATED", "POISON", "WP_ASYNC", "MOVE",
    ]

    /// `_UFFDIO_*` numbers: the bit of each ioctl in an `ioctls` mask.
    public static let ioctlBits: [Int: String] = [
        0x00: "REGISTER", 0x01: "UNREGISTER", 0x02: "WAKE", 0x03: "COPY", 0x04: "ZEROPAGE",
        0x05: "MOVE", 0x06: "WRITEPROTECT", 0x07: "CONTINUE", 0x08: "POISON", 0x3F: "API",
    ]

    /// Names of the set bits, lowest first; a bit this table does not know is `bitN`.
    public static func features(_ mask: UInt64) -> [String] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map { $0 < featureBits.count ? featureBits[$0] : "bit\($0)" }
    }

    public static func ioctls(_ mask: UInt64) -> [String] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map { ioctlBits[$0] ?? "bit\($0)" }
    }

    public static func ioctlBit(_ name: String) -> Int? { ioctlBits.first { $0.value == name }?.key }
}

