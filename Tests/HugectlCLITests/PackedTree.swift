// Shared by the tests (RobustnessTests) and the `tree` fuzz target (Fuzz/run compiles this
// file into it), so both read the same input format and run the same pipeline. Nothing here
// may import Foundation or Testing: the fuzz target links HugectlCore only.
@testable import HugectlCore

/// A whole captured tree in one input, the `tree` fuzz target's format: files, each
/// introduced by a line `=== /kernel/path`, whose content runs to the next such line. A file
/// `/hugectl/manifest` answers stat, statfs, readlink and listings, as in a snapshot.
/// Directories are implied by the paths.
final class PackedTree: SystemSource {
    let rootPath = "/packed"
    let isLive = false
    let manifest: SnapshotManifest?
    let files: [String: [UInt8]]
    let children: [String: Set<String>]

    init(_ bytes: [UInt8]) {
        let marker = Array("=== ".utf8)
        var files: [String: [UInt8]] = [:]
        var children: [String: Set<String>] = [:]
        var path: String?
        var contentStart = 0
        func flush(_ end: Int) {
            guard let path else { return }
            files[path] = Array(bytes[contentStart..<max(contentStart, end)])
            PackedTree.list(path, in: &children)
        }
        // Lines found with memchr (ASCII.forEachLine): a byte loop here would be the fuzz
        // target's own cost, traced for coverage, on every execution.
        bytes.withUnsafeBufferPointer { buffer in
            ASCII.forEachLine(buffer) { lineStart, lineEnd in
                guard UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd]).starts(with: marker) else { return }
                flush(lineStart)
                path = String(decoding: buffer[(lineStart + marker.count)..<lineEnd], as: UTF8.self)
                contentStart = min(lineEnd + 1, bytes.count)
            }
        }
        flush(bytes.count)
        self.files = files
        self.children = children
        manifest = files[SnapshotManifest.path].map(SnapshotManifest.parse)
    }

    /// Lists `/a/b/c` as `c` in `/a/b`, `b` in `/a` and `a` in `/`, up to the first directory
    /// that lists its entry already (its ancestors were listed with it). A plain ASCII path is
    /// cut at its slashes' bytes; any other (`//`, no leading `/`, a trailing `/`, a "/" that a
    /// combining mark makes part of a larger character) is split into characters as before.
    static func list(_ path: String, in children: inout [String: Set<String>]) {
        let utf8 = path.utf8
        var plain = utf8.first == 0x2F && utf8.last != 0x2F
        var previous: UInt8 = 0
        for byte in utf8 where plain {
            plain = byte < 0x80 && !(byte == 0x2F && previous == 0x2F)
            previous = byte
        }
        guard plain else {
            var components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            while let last = components.popLast() {
                guard children["/" + components.joined(separator: "/"), default: []].insert(last).inserted else { break }
            }
            return
        }
        var end = utf8.endIndex
        while let slash = utf8[..<end].lastIndex(of: 0x2F) {
            let directory = slash == utf8.startIndex ? "/" : String(path[..<slash])
            guard children[directory, default: []].insert(String(path[utf8.index(after: slash)..<end])).inserted else { break }
            end = slash
        }
    }

    func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        if let recorded = manifest?.errors[path] { throw ReadError(path: path, failure: recorded) }
        if let bytes = files[path] {
            if bytes.count > limit { throw ReadError(path: path, failure: .tooLarge(limit: limit)) }
            return bytes
        }
        if children[path] != nil { throw ReadError(path: path, failure: .system(.isDirectory)) }
        throw ReadError(path: path, failure: .system(.noSuchFile))
    }

    func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String] {
        if let recorded = manifest?.errors[path] { throw ReadError(path: path, failure: recorded) }
        if let listed = manifest?.listings[path] { return listed.filter(matching).sorted() }
        guard let names = children[path] else {
            throw ReadError(path: path, failure: .system(files[path] != nil ? Errno(20 /* ENOTDIR */) : .noSuchFile))
        }
        return names.filter(matching).sorted()
    }

    func filesystemUsage(of path: String) throws(ReadError) -> FilesystemUsage {
        if let recorded = manifest?.filesystems[path] { return recorded }
        throw ReadError(path: path, failure: .notRecorded)
    }

    func fileStatus(of path: String) throws(ReadError) -> FileStatus {
        if let recorded = manifest?.statuses[path] { return recorded }
        throw ReadError(path: path, failure: .notRecorded)
    }

    func linkTarget(of path: String) throws(ReadError) -> String {
        if let recorded = manifest?.links[path] { return recorded }
        throw ReadError(path: path, failure: .system(.noSuchFile))
    }
}

/// What `status`, `procs` and `check` (with `--require`, `--min-free` and `--max-surplus`
/// expectations on every pool) do with a tree, every renderer included.
func runWholePipeline(_ source: SystemSource) {
    guard let snapshot = try? SnapshotCollector.collect(from: source) else { return }
    let input = AnalysisInput(snapshot: snapshot)
    var expectations = Expectations()
    for pool in snapshot.pools {
        try? expectations.add("require", PageSize.format(kB: pool.pageSizeKB) + "=4@0-1")
        try? expectations.add("min-free", PageSize.format(kB: pool.pageSizeKB) + "=2")
        try? expectations.add("max-surplus", PageSize.format(kB: pool.pageSizeKB) + "=0")
    }
    let findings = expectations.filter(Analysis.findings(for: input) + expectations.findings(in: snapshot))
    let report = StatusReport(input: input, findings: findings)
    _ = StatusJSON.document(report).serialized()
    _ = StatusText.render(report)
    _ = ProcsJSON.document(report, processes: report.consumers.processes).serialized()
    for verbose in [false, true] {
        if let query = try? ProcsQuery(verbose: verbose, sort: "-owed") {
            _ = ProcsText.render(report, query: query, headers: true, width: nil)
        }
    }
    _ = ScanNote.text(report.consumers.scan)
    let result = CheckResult(report: report, threshold: .warning)
    _ = CheckText.render(result)
    _ = CheckJUnit.render(result)
    _ = CheckTAP.render(result)
    _ = Prometheus.render(report)
}
