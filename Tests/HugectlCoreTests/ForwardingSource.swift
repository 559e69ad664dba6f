@testable import HugectlCore

/// A test's `SystemSource` over another one: every call goes to `inner`, and a test subclass
/// overrides only what it changes (counts calls, fails a file part-way, reads whole files,
/// plays the live system). Streaming (`readLines`) goes to `inner`'s own; the pre-filter
/// (`largePageMappings`) and directory links behave as the protocol's defaults do, through
/// this source's own calls, so what a subclass overrides is what they see. Both are members
/// here rather than left to the defaults, so that a subclass's override is the one called.
class ForwardingSource: SystemSource, @unchecked Sendable {
    let inner: SystemSource

    init(_ inner: SystemSource) { self.inner = inner }

    var rootPath: String { inner.rootPath }
    var isLive: Bool { inner.isLive }
    var manifest: SnapshotManifest? { inner.manifest }
    /// Not concurrent unless a subclass says so, as the protocol's default.
    var readsConcurrently: Bool { false }
    var answersFileStatus: Bool { inner.answersFileStatus }

    func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] { try inner.read(path, limit: limit) }

    func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        try inner.readLines(path, limit: limit, body)
    }

    /// The protocol's default: always the text, through `readLines`.
    func largePageMappings(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) -> [MapsEntry]? {
        try readLines(path, limit: limit, body)
        return nil
    }

    func entries(in path: String, matching: (String) -> Bool) throws(ReadError) -> [String] {
        try inner.entries(in: path, matching: matching)
    }

    func filesystemUsage(of path: String) throws(ReadError) -> FilesystemUsage { try inner.filesystemUsage(of: path) }
    func fileStatus(of path: String) throws(ReadError) -> FileStatus { try inner.fileStatus(of: path) }
    func linkTarget(of path: String) throws(ReadError) -> String { try inner.linkTarget(of: path) }

    /// The protocol's default: one `entries`, then `linkTarget` and `fileStatus` per entry.
    func links(in path: String, matching: (String) -> Bool, targetMatches: (String) -> Bool,
               keeping: (FileStatus) -> Bool, knownTarget: (FileStatus) -> String?) throws(ReadError) -> [DirectoryLink] {
        try linksOneByOne(in: path, matching: matching, targetMatches: targetMatches, keeping: keeping)
    }
}
