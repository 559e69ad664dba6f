/// What is said on standard error about reading a system: a file that could not be read at
/// all, and the collector's warnings. Under `--root` a kernel path is shown as the file
/// actually read (`DIR/sys/...`); the JSON documents keep the kernel path.
public enum ReadDiagnostics {
    /// `PATH: why` for a read that stopped the command.
    public static func unreadable(_ error: ReadError, source: SystemSource) -> String {
        var path = error.path
        if !source.isLive { path = rootPrefix(source) + path }
        var message = "\(path): \(error.failure)"
        if error.path == KernelPath.hugepages && error.failure == .system(.noSuchFile) {
            message += " (no hugetlb support in this kernel?)"
        }
        return message
    }

    /// Each warning as it is shown: a kernel path under `--root` gets the root before it.
    public static func warnings(_ warnings: [String], source: SystemSource) -> [String] {
        warnings.map { !source.isLive && $0.hasPrefix("/") ? rootPrefix(source) + $0 : $0 }
    }

    /// The `--root` directory without a trailing slash, to put before a kernel path.
    public static func rootPrefix(_ source: SystemSource) -> String {
        var root = source.rootPath
        while root.hasSuffix("/") { root.removeLast() }
        return root
    }
}

/// A snapshot, or the one line saying why the system could not be read at all.
public enum Collected {
    case snapshot(SystemSnapshot)
    case unreadable(String)

    /// The snapshot of `source`, with the process scan unless `scanProcesses` is false (a
    /// pool change that does not shrink needs none).
    public static func from(_ source: SystemSource, scanProcesses: Bool = true) -> Collected {
        do {
            return .snapshot(try SnapshotCollector.collect(from: source, scanProcesses: scanProcesses))
        } catch {
            return .unreadable(ReadDiagnostics.unreadable(error, source: source))
        }
    }
}
