/// `hugectl/manifest` in a snapshot tree: when and where it was taken, and what a mirror of
/// files cannot carry by itself — read errors other than "no such file", `statfs` answers,
/// and whether the pool counters were stable. One `keyword value...` line each; paths are
/// escaped like `/proc/mounts`.
public struct SnapshotManifest: Equatable, Sendable {
    /// Where the manifest lives inside the tree.
    public static let path = "/hugectl/manifest"
    public static let formatVersion = 1
    /// Bound for reading a manifest: a process holding 60,000 hugetlb files open adds ~100
    /// bytes a file (its link and stat answer).
    public static let readLimit = 256 << 20

    public var format: Int = SnapshotManifest.formatVersion
    public var time: String?
    public var hostname: String?
    public var kernelRelease: String?
    public var hugectlVersion: String?
    /// The root the snapshot was taken from (`/`, or another snapshot).
    public var source: String?
    public var countersConsistent: Bool?
    public var errors: [String: ReadFailure] = [:]
    public var filesystems: [String: FilesystemUsage] = [:]
    /// Directory listings, for directories whose entries are not all in the tree (`/proc`).
    public var listings: [String: [String]] = [:]
    /// `stat(2)` answers: hugetlbfs files and the objects behind `/proc/PID/fd` and `map_files`
    /// (keyed by the paths' bytes: `PathTable`).
    public var statuses: PathTable<FileStatus> = [:]
    /// `readlink(2)` answers.
    public var links: PathTable<String> = [:]
    /// Lines this version did not understand, with why (a newer hugectl may have written them).
    public var problems: [String] = []

    public init() {}

    /// The key under which a failed `statfs` of a mount point is kept in `errors`.
    public static func statfsErrorKey(_ mountPoint: String) -> String { "statfs:" + mountPoint }
    public static func statErrorKey(_ path: String) -> String { "stat:" + path }
    public static func linkErrorKey(_ path: String) -> String { "readlink:" + path }

    public static func parse(_ bytes: [UInt8]) -> SnapshotManifest {
        parse(bytes, onTwoThreads: bytes.count >= twoThreadBytes && severalCoresOnline)
    }

    /// A manifest this large (a snapshot of a process holding some 10,000 files open) has its
    /// `stat` lines read on a thread of their own while this one reads the others.
    static let twoThreadBytes = 1 << 20

    /// Which lines a pass of `parse` reads; the others it counts and skips.
    enum Lines { case all, statOnly, allButStat }

    /// `parse(_:)`, on two threads or on this one: the same manifest either way. A `stat` line
    /// changes only `statuses` and `problems`, so the two passes' manifests are one when the
    /// other pass's statuses and problems (merged in line order) are taken into this one's.
    static func parse(_ bytes: [UInt8], onTwoThreads: Bool) -> SnapshotManifest {
        guard onTwoThreads else { return parse(bytes, .all) }
        var (manifest, stats) = alongside({ parse(bytes, .statOnly) }) { parse(bytes, .allButStat) }
        manifest.statuses = stats.statuses
        if !stats.problems.isEmpty {
            var merged: [String] = []
            merged.reserveCapacity(manifest.problems.count + stats.problems.count)
            var other = stats.problems[...]
            for problem in manifest.problems {
                while let next = other.first, lineNumber(next) < lineNumber(problem) { merged.append(next); other.removeFirst() }
                merged.append(problem)
            }
            manifest.problems = merged + other
        }
        return manifest
    }

    /// N of a problem `parse` noted as "line N: ...".
    private static func lineNumber(_ problem: String) -> Int {
        Int(problem.dropFirst("line ".count).prefix { $0.isASCII && $0.isNumber }) ?? 0
    }

    private static func parse(_ bytes: [UInt8], _ lines: Lines) -> SnapshotManifest {
        var manifest = SnapshotManifest()
        bytes.withUnsafeBufferPointer { buffer in
            // One list of fields for every line, emptied and refilled: no array per line.
            var fields: [Bytes] = []
            let hot = HotLines()
            var number = 0
            ASCII.forEachLine(buffer) { start, end in
                number += 1
                let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
                if lines != .all && HotLines.isStat(line) != (lines == .statOnly) { return }
                // `link` and `stat` lines as written (nearly all of a large manifest) are read
                // in place; anything else, or anything unusual in them, the general way.
                if hot.take(line, into: &manifest) { return }
                fields.removeAll(keepingCapacity: true)
                bytes[start..<end].forEachField { fields.append($0) }
                guard let keyword = fields.first, keyword.first != 0x23 /* # */ else { return }
                if let problem = manifest.take(keyword, fields.dropFirst()) {
                    manifest.problems.append("line \(number): " + problem)
                }
            }
        }
        return manifest
    }

    /// One line's keyword and the fields after it; what is wrong with it, if anything.
    private mutating func take(_ keyword: Bytes, _ rest: ArraySlice<Bytes>) -> String? {
        let first = rest.first
        if keyword.equals("stat") {
            guard rest.count == 7, let status = Self.parseStatus(rest.dropFirst()) else { return "malformed stat line" }
            statuses[unescapeOctal(rest[rest.startIndex])] = status
        } else if keyword.equals("link") {
            guard rest.count == 2 else { return "malformed link line" }
            links[unescapeOctal(rest[rest.startIndex])] = unescapeOctal(rest[rest.startIndex + 1])
        } else if keyword.equals("format") {
            format = first?.decimal ?? 0
        } else if keyword.equals("time") {
            time = first?.text
        } else if keyword.equals("hostname") {
            hostname = first.map(unescapeOctal)
        } else if keyword.equals("kernel") {
            kernelRelease = first.map(unescapeOctal)
        } else if keyword.equals("hugectl") {
            hugectlVersion = first?.text
        } else if keyword.equals("source") {
            source = first.map(unescapeOctal)
        } else if keyword.equals("counters-consistent") {
            countersConsistent = first.map { $0.equals("yes") }
        } else if keyword.equals("error") {
            guard rest.count == 2, let failure = Self.parseFailure(rest[rest.startIndex].text) else {
                return "malformed error line"
            }
            errors[unescapeOctal(rest[rest.startIndex + 1])] = failure
        } else if keyword.equals("statfs") {
            guard rest.count == 7, let usage = Self.parseUsage(rest.dropFirst()) else { return "malformed statfs line" }
            filesystems[unescapeOctal(rest[rest.startIndex])] = usage
        } else if keyword.equals("list") {
            guard let path = first else { return "malformed list line" }
            listings[unescapeOctal(path)] = rest.dropFirst().map(unescapeOctal)
        } else {
            return "unknown keyword '\(keyword.text.clipped)'"
        }
        return nil
    }

    public func serialized() -> String {
        // Written as UTF-8 bytes, paths escaped straight into them: no String per line or per
        // path (a snapshot of a process holding 60,000 files open has 120,000 lines).
        var out: [UInt8] = []
        out.reserveCapacity(256 + 96 * (errors.count + filesystems.count + listings.count + statuses.count + links.count))
        func put(_ text: String) { out.append(contentsOf: text.utf8) }
        func put(escaped text: String) { escapeOctal(text, into: &out) }
        put("# hugectl snapshot; analyse it with: hugectl --root DIR status\n")
        put("format \(format)\n")
        if let time { put("time "); put(time); put("\n") }
        if let hostname { put("hostname "); put(escaped: hostname); put("\n") }
        if let kernelRelease { put("kernel "); put(escaped: kernelRelease); put("\n") }
        if let hugectlVersion { put("hugectl "); put(hugectlVersion); put("\n") }
        if let source { put("source "); put(escaped: source); put("\n") }
        if let countersConsistent { put(countersConsistent ? "counters-consistent yes\n" : "counters-consistent no\n") }
        for (path, failure) in errors.sorted(by: { $0.key < $1.key }) {
            put("error "); put(SnapshotManifest.format(failure)); put(" "); put(escaped: path); put("\n")
        }
        for (path, usage) in filesystems.sorted(by: { $0.key < $1.key }) {
            put("statfs "); put(escaped: path)
            put(" bsize=\(usage.blockSize) blocks=\(usage.blocks) bfree=\(usage.blocksFree) bavail=\(usage.blocksAvailable)")
            put(" files=\(usage.files) ffree=\(usage.filesFree)\n")
        }
        for (path, names) in listings.sorted(by: { $0.key < $1.key }) {
            put("list "); put(escaped: path)
            for name in names { put(" "); put(escaped: name) }
            put("\n")
        }
        for (path, status) in statuses.sorted() {
            put("stat "); put(escaped: path)
            put(" dev=\(status.device) ino=\(status.inode) mode=\(String(status.mode, radix: 8))")
            put(" size=\(status.size) blocks=\(status.blocks) blksize=\(status.blockSize)\n")
        }
        for (path, target) in links.sorted() {
            put("link "); put(escaped: path); put(" "); put(escaped: target.isEmpty ? "?" : target); put("\n")
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func parseStatus(_ fields: ArraySlice<Bytes>) -> FileStatus? {
        // `key=value` fields, the last of a key counting; no dictionary per line (a snapshot
        // of a process holding 60,000 files open has as many of these lines).
        var dev: Bytes?, ino: Bytes?, mode: Bytes?, size: Bytes?, blocks: Bytes?, blksize: Bytes?
        for field in fields {
            guard let equals = field.firstIndex(of: ASCII.equals) else { return nil }
            let key = field[field.startIndex..<equals]
            let value = field[(equals + 1)...]
            if key.equals("dev") { dev = value }
            else if key.equals("ino") { ino = value }
            else if key.equals("mode") { mode = value }
            else if key.equals("size") { size = value }
            else if key.equals("blocks") { blocks = value }
            else if key.equals("blksize") { blksize = value }
        }
        guard let dev = dev.flatMap({ DeviceNumber.parse($0, hexadecimal: false) }),
              let ino = ino?.unsigned(radix: 10), let mode = mode?.unsigned(radix: 8),
              mode <= UInt64(UInt32.max), let size = size?.unsigned(radix: 10),
              let blocks = blocks?.unsigned(radix: 10), let blksize = blksize?.unsigned(radix: 10)
        else { return nil }
        return FileStatus(device: dev, inode: ino, mode: UInt32(mode), size: size, blocks: blocks, blockSize: blksize)
    }

    static func format(_ failure: ReadFailure) -> String {
        switch failure {
        case .system(let errno): return errno.name
        case .notRegularFile: return "not-regular"
        case .tooLarge(let limit): return "too-large:\(limit)"
        case .notRecorded: return "not-recorded"
        }
    }

    static func parseFailure(_ text: String) -> ReadFailure? {
        switch text {
        case "not-regular": return .notRegularFile
        case "not-recorded": return .notRecorded
        default:
            if text.hasPrefix("too-large:"), let limit = Int(text.dropFirst("too-large:".count)) {
                return .tooLarge(limit: limit)
            }
            return Errno(name: text).map { .system($0) }
        }
    }

    private static func parseUsage(_ fields: ArraySlice<Bytes>) -> FilesystemUsage? {
        var values: [String: UInt64] = [:]
        for field in fields {
            let parts = field.split(on: ASCII.equals)
            guard parts.count == 2, let value = UInt64(parts[1].text) else { return nil }
            values[parts[0].text] = value
        }
        guard let bsize = values["bsize"], let blocks = values["blocks"], let bfree = values["bfree"],
              let bavail = values["bavail"], let files = values["files"], let ffree = values["ffree"]
        else { return nil }
        return FilesystemUsage(blockSize: bsize, blocks: blocks, blocksFree: bfree,
                               blocksAvailable: bavail, files: files, filesFree: ffree)
    }
}
