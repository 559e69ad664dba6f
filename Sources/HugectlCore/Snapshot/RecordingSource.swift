/// A `SystemSource` that passes every call through and remembers what it saw, so that
/// `hugectl snapshot` captures exactly the inputs hugectl read — no list of files to keep in
/// step with the parsers, the way util-linux's lscpu dumps work.
public final class RecordingSource: SystemSource {
    private let inner: SystemSource

    /// Every file read, with its bytes as last read.
    public private(set) var files: [String: [UInt8]] = [:]
    /// Read failures worth replaying (`isWorthRecording`).
    public private(set) var errors: [String: ReadFailure] = [:]
    public private(set) var filesystems: [String: FilesystemUsage] = [:]

    /// When set, what was already recorded is answered from the record (a second collector
    /// then sees exactly the bytes the first one did, and the record stays one consistent
    /// reading); only what was not read yet goes to the system.
    public var reuseRecorded = false

    public init(_ inner: SystemSource) {
        self.inner = inner
    }

    /// A failed read or listing the replay must meet again: every failure but "no such
    /// file" (an absent file replays by itself), and that one too under `/proc/PID/` when the
    /// scan took it for a process that exited after it was listed (live, or recorded so in the
    /// tree being captured): such a process counts as vanished, whereas a tree that merely
    /// lacks its files counts it as not recorded (`ProcessReader.failed`). Without the record,
    /// a snapshot taken while processes come and go would not replay to what it recorded.
    func isWorthRecording(_ error: ReadError) -> Bool {
        if error.failure.isWorthRecording { return true }
        return Self.isProcessFile(error.path) && (inner.isLive || inner.manifest?.errors[error.path] != nil)
    }

    /// `/proc/PID/...` for a numeric PID (not `/proc/self/...`).
    static func isProcessFile(_ path: String) -> Bool {
        guard path.hasPrefix("/proc/") else { return false }
        let rest = path.utf8.dropFirst("/proc/".count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")), slash != rest.startIndex else { return false }
        return rest[..<slash].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    public var rootPath: String { inner.rootPath }
    public var isLive: Bool { inner.isLive }
    public var manifest: SnapshotManifest? { inner.manifest }

    public func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        if reuseRecorded {
            if let bytes = files[path] { return bytes }
            if let failure = errors[path] { throw ReadError(path: path, failure: failure) }
        }
        do {
            let bytes = try inner.read(path, limit: limit)
            files[path] = bytes
            errors[path] = nil
            return bytes
        } catch {
            files[path] = nil
            if isWorthRecording(error) { errors[path] = error.failure }
            throw error
        }
    }

    public private(set) var listings: [String: [String]] = [:]
    public private(set) var statuses: [String: FileStatus] = [:]
    public private(set) var links: [String: String] = [:]

    public func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String] {
        if reuseRecorded {
            if let names = listings[path] { return names.filter(matching) }
            if let failure = errors[path] { throw ReadError(path: path, failure: failure) }
        }
        do {
            // Recorded whole, whatever this caller's filter: a later caller (or the replay) may
            // list the same directory with another one. The source reads every name anyway.
            let names = try inner.entries(in: path) { _ in true }
            // Kept as a listing: a name may be a process that is gone before its files are read,
            // or a file on a hugetlbfs mount, neither of which is a directory in the tree.
            listings[path, default: []] = Array(Set(listings[path, default: []] + names)).sorted()
            return names.filter(matching)
        } catch {
            if isWorthRecording(error) { errors[path] = error.failure }
            throw error
        }
    }

    public func fileStatus(of path: String) throws(ReadError) -> FileStatus {
        if reuseRecorded, let status = statuses[path] { return status }
        do {
            let status = try inner.fileStatus(of: path)
            statuses[path] = status
            return status
        } catch {
            if error.failure.isWorthRecording { errors[SnapshotManifest.statErrorKey(path)] = error.failure }
            throw error
        }
    }

    public func linkTarget(of path: String) throws(ReadError) -> String {
        if reuseRecorded, let target = links[path] { return target }
        do {
            let target = try inner.linkTarget(of: path)
            links[path] = target
            return target
        } catch {
            if error.failure.isWorthRecording { errors[SnapshotManifest.linkErrorKey(path)] = error.failure }
            throw error
        }
    }

    public func filesystemUsage(of path: String) throws(ReadError) -> FilesystemUsage {
        if reuseRecorded, let usage = filesystems[path] { return usage }
        do {
            let usage = try inner.filesystemUsage(of: path)
            filesystems[path] = usage
            return usage
        } catch {
            if error.failure.isWorthRecording { errors[SnapshotManifest.statfsErrorKey(path)] = error.failure }
            throw error
        }
    }
}
