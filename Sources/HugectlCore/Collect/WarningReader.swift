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

    /// `pagesize=` (the default size when absent), `size=` and `min_size=` in pages of a
    /// hugetlbfs mount, as hugetlbfs_show_options() lists them; a bad `pagesize=` is a warning
    /// naming the mount, and leaves the limits unknown.
    mutating func hugetlbfsLimits(_ entry: MountEntry, defaultPageSizeKB: Int?)
        -> (pageSizeKB: Int?, sizePages: Int?, minSizePages: Int?) {
        var pageSize = defaultPageSizeKB
        if let option = entry.option("pagesize") {
            pageSize = PageSize.parse(option)
            if pageSize == nil { warn("\(KernelPath.mounts): \(entry.mountPoint): bad pagesize '\(option.clipped)'") }
        }
        func pages(_ name: String) -> Int? {
            guard let text = entry.option(name), let bytes = ByteSize.parse(text),
                  let pageSize, pageSize > 0 else { return nil }
            return bytes / (pageSize * 1024)
        }
        return (pageSize, pages("size"), pages("min_size"))
    }
}
