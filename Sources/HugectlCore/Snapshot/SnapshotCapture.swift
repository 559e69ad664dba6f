#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `hugectl snapshot`: read the system once through a recorder, and turn what was read into a
/// tree that `--root` analyses to the same answer. The status document computed from the same
/// reads is kept as `hugectl/status.json`, so a replay can be checked against it. What
/// `hugectl features` reads (without `--probe`) is recorded too: the boot command line,
/// `/proc/filesystems`, `/proc/cgroups`, the hugetlb cgroup hierarchy, the userfaultfd settings.
public enum SnapshotCapture {
    public static let statusPath = "/hugectl/status.json"

    public struct Result {
        public var contents: SnapshotContents
        public var report: StatusReport
        public var manifest: SnapshotManifest
        /// The status collector's warnings, then those only the features collector had.
        public var warnings: [String]
    }

    /// - Parameter redact: leave out command lines and file names (`RedactingSource`).
    public static func capture(from source: SystemSource, now: Int = Int(time(nil)), redact: Bool = false)
        throws(ReadError) -> Result {
        let recorder = RecordingSource(redact ? RedactingSource(source) : source)
        var snapshot = try SnapshotCollector.collect(from: recorder)
        // A redacted snapshot names no host, in its manifest or in its recorded status.
        if redact { snapshot.hostname = nil }
        let report = StatusReport(snapshot: snapshot)
        // features reads the files status read as status read them, and records the rest.
        recorder.reuseRecorded = true
        let features = try? FeaturesCollector.collect(from: recorder)
        let warnings = snapshot.warnings + (features?.warnings ?? []).filter { !snapshot.warnings.contains($0) }
        var manifest = SnapshotManifest()
        manifest.time = isoTime(now)
        manifest.hostname = redact ? nil : (source.isLive ? hostname() : source.manifest?.hostname)
        manifest.kernelRelease = snapshot.kernelRelease
        manifest.hugectlVersion = HugectlVersion.current
        manifest.source = source.rootPath
        manifest.countersConsistent = snapshot.consistent
        manifest.errors = recorder.errors
        manifest.filesystems = recorder.filesystems
        manifest.listings = recorder.listings
        manifest.statuses = PathTable(recorder.statuses)
        manifest.links = PathTable(recorder.links)
        let status = Array(StatusJSON.document(report).serialized().utf8)
        let contents = SnapshotContents(recording: recorder, manifest: manifest, extra: [(statusPath, status)])
        return Result(contents: contents, report: report, manifest: manifest, warnings: warnings)
    }

    /// `2026-11-22T02:30:00Z`.
    public static func isoTime(_ seconds: Int) -> String {
        var value = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&value, &parts) != nil else { return "\(seconds)" }
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let bytes = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
