/// One entry of a directory of symbolic links such as `/proc/PID/fd`
/// (`SystemSource.links(in:matching:statusWhen:)`).
public struct DirectoryLink: Equatable, Sendable {
    /// The entry's name (`3` for descriptor 3).
    public var name: String
    /// What `readlink(2)` of it says.
    public var target: String
    /// `stat(2)` through it, when it was asked for and succeeded.
    public var status: FileStatus?

    public init(name: String, target: String, status: FileStatus? = nil) {
        self.name = name
        self.target = target
        self.status = status
    }
}

extension SystemSource {
    public var readsConcurrently: Bool { false }

    public func links(in path: String, matching: (String) -> Bool, statusWhen: (String) -> Bool) throws(ReadError)
        -> [DirectoryLink] {
        try linksOneByOne(in: path, matching: matching, statusWhen: statusWhen)
    }

    /// `links(in:matching:statusWhen:)` through `entries`, `linkTarget` and `fileStatus` of
    /// each entry's path: one call of each per entry.
    func linksOneByOne(in path: String, matching: (String) -> Bool, statusWhen: (String) -> Bool) throws(ReadError)
        -> [DirectoryLink] {
        let names = try entries(in: path, matching: matching)
        let prefix = path + "/"
        var found: [DirectoryLink] = []
        for name in names {
            let entry = prefix + name
            guard let target = try? linkTarget(of: entry) else { continue }
            found.append(DirectoryLink(name: name, target: target,
                                       status: statusWhen(target) ? try? fileStatus(of: entry) : nil))
        }
        return found
    }
}
