/// Reads kernel files for a collector and turns each failure into a warning naming the file
/// (each sentence once), so that the collector carries on with what it could read. Shared by
/// `SnapshotCollector` (status) and `FeaturesCollector` (features).
struct WarningReader {
    let source: SystemSource
    /// What could not be read or understood, in the order met; the collector may take some
    /// back (a counter read that is retried).
    var warnings: [String] = []

    init(source: SystemSource) {
        self.source = source
    }

    mutating func warn(_ message: String) {
        if !warnings.contains(message) { warnings.append(message) }
    }

    /// The file's bytes, or nil with a warning. `quietIfMissing` is for files that exist only
    /// on some kernels, sizes or trees (`demote_size`, a node's `cpulist`).
    mutating func bytes(_ path: String, quietIfMissing: Bool = false) -> Bytes? {
        do {
            return try source.read(path).all
        } catch {
            if !(quietIfMissing && error.failure == .system(.noSuchFile)) { warn(error.description) }
            return nil
        }
    }

    /// The file without surrounding white space, or nil as for `bytes`.
    mutating func text(_ path: String, quietIfMissing: Bool = false) -> String? {
        bytes(path, quietIfMissing: quietIfMissing).map { $0.trimmed.text }
    }

    /// A one-number sysfs file, or nil with a warning naming the file and the problem.
    mutating func counter(_ path: String, quietIfMissing: Bool = false) -> Int? {
        guard let bytes = bytes(path, quietIfMissing: quietIfMissing) else { return nil }
        switch Counter.parse(bytes) {
        case .success(let value): return value
        case .failure(let problem):
            warn("\(path): \(problem)")
            return nil
        }
    }

    /// Which of `sizes` (kB) are gigantic (`hstate_is_gigantic`: an order beyond the buddy
    /// allocator's largest), from `/proc/buddyinfo`'s number of orders and the base page size
    /// of `/proc/self/auxv`; nil when either cannot be read: callers then fall back to "larger
    /// than 4M" (`HugePagePool.isGigantic`). That rule is right on every architecture for
    /// sizes up to 4M and from 1G (the largest buddy block is 4M to 512M), so the fallback is
    /// a warning only when a size lies between, where it may be wrong (16M on ppc64 with 64K
    /// pages, 32M on arm64 with 16K pages are not gigantic).
    mutating func giganticSizes(_ sizes: [Int]) -> Set<Int>? {
        let inDoubt = sizes.filter { $0 > 4096 && $0 < 1 << 20 }
        func fallback(_ why: String) -> Set<Int>? {
            if !inDoubt.isEmpty {
                warn("\(why): gigantic page sizes taken to be those above 4M, which may be wrong for "
                     + inDoubt.map { PageSize.format(kB: $0) }.joined(separator: ", "))
            }
            return nil
        }
        guard let info = bytes(KernelPath.buddyInfo, quietIfMissing: true) else {
            return fallback("\(KernelPath.buddyInfo) unreadable")
        }
        guard let auxv = bytes(KernelPath.selfAuxv, quietIfMissing: true) else {
            return fallback("\(KernelPath.selfAuxv) unreadable")
        }
        let orders: Int
        switch BuddyInfo.orders(info) {
        case .success(let value): orders = value
        case .failure(let problem): return fallback("\(KernelPath.buddyInfo): \(problem)")
        }
        guard let base = AuxiliaryVector.pageSizeKB(Array(auxv)) else {
            return fallback("\(KernelPath.selfAuxv): no page size (AT_PAGESZ)")
        }
        return Set(sizes.filter { BuddyInfo.isGigantic(pageSizeKB: $0, basePageKB: base, orders: orders) })
    }

    /// `pagesize=` (the default size when absent), `size=` and `min_size=` in pages of a
    /// hugetlbfs mount, as hugetlbfs_show_options() lists them; a bad `pagesize=` is a warning
    /// naming the mount, and leaves the limits unknown.
    mutating func hugetlbfsOptions(_ entry: MountEntry, defaultPageSizeKB: Int?) -> HugetlbfsOptions {
        let options = HugetlbfsOptions.parse(entry, defaultPageSizeKB: defaultPageSizeKB)
        for problem in options.problems { warn("\(KernelPath.mounts): \(problem)") }
        return options
    }
}
