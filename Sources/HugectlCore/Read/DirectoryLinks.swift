/// One entry of a directory of symbolic links such as `/proc/PID/fd`
/// (`SystemSource.links(in:matching:targetMatches:keeping:knownTarget:)`).
public struct DirectoryLink: Equatable, Sendable {
    /// The entry's name (`3` for descriptor 3).
    public var name: String
    /// What `readlink(2)` of it says.
    public var target: String
    /// `stat(2)` through it.
    public var status: FileStatus

    public init(name: String, target: String, status: FileStatus) {
        self.name = name
        self.target = target
        self.status = status
    }
}

extension SystemSource {
    public func links(in path: String, matching: (String) -> Bool, targetMatches: (String) -> Bool,
                      keeping: (FileStatus) -> Bool, knownTarget: (FileStatus) -> String?) throws(ReadError) -> [DirectoryLink] {
        try linksOneByOne(in: path, matching: matching, targetMatches: targetMatches, keeping: keeping)
    }

    /// `links(in:matching:targetMatches:keeping:knownTarget:)` with no target known beforehand.
    public func links(in path: String, matching: (String) -> Bool, targetMatches: (String) -> Bool,
                      keeping: (FileStatus) -> Bool) throws(ReadError) -> [DirectoryLink] {
        try links(in: path, matching: matching, targetMatches: targetMatches, keeping: keeping, knownTarget: { _ in nil })
    }

    /// `links(in:matching:targetMatches:keeping:knownTarget:)` through `entries`, `linkTarget` and
    /// `fileStatus` of each entry's path: one call of each per entry, the stat only for a
    /// target `targetMatches` accepts.
    func linksOneByOne(in path: String, matching: (String) -> Bool, targetMatches: (String) -> Bool,
                       keeping: (FileStatus) -> Bool) throws(ReadError) -> [DirectoryLink] {
        let names = try entries(in: path, matching: matching)
        let prefix = path + "/"
        var found: [DirectoryLink] = []
        for name in names {
            let entry = prefix + name
            guard let target = try? linkTarget(of: entry), targetMatches(target),
                  let status = try? fileStatus(of: entry), keeping(status) else { continue }
            found.append(DirectoryLink(name: name, target: target, status: status))
        }
        return found
    }
}
