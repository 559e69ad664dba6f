#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The contents of a snapshot: the mirror tree of what was read, plus hugectl's own files
/// under `hugectl/`. Paths are absolute kernel paths (`/proc/meminfo`).
public struct SnapshotContents {
    public var directories: [String]
    public var files: [(path: String, bytes: [UInt8])]

    /// From what a `RecordingSource` saw, plus the manifest and any extra files of hugectl's own.
    public init(recording: RecordingSource, manifest: SnapshotManifest, extra: [(String, [UInt8])]) {
        var files = recording.files.sorted { $0.key < $1.key }.map { (path: $0.key, bytes: $0.value) }
        files.append((SnapshotManifest.path, Array(manifest.serialized().utf8)))
        for (path, bytes) in extra { files.append((path, bytes)) }
        var directories = Set<String>()
        for file in files {
            var parent = file.path
            while let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
                parent = String(parent[..<slash])
                directories.insert(parent)
            }
        }
        self.directories = directories.sorted()
        self.files = files
    }
}

/// Why a snapshot could not be written.
public struct SnapshotWriteError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}

/// Writes a snapshot as a directory tree. Never follows a symbolic link: every component is
/// created and opened relative to its parent with `O_NOFOLLOW`, the target must be empty or
/// absent, and everything is private to the owner (0700/0600), since a snapshot can hold other
/// users' command lines.
public enum SnapshotWriter {
    public static func write(_ contents: SnapshotContents, to directory: String) throws(SnapshotWriteError) {
        let rootFD = try openEmptyTarget(directory)
        defer { close(rootFD) }
        for dir in contents.directories {
            let fd = try openDirectory(components(dir, in: directory), under: rootFD, display: directory + dir)
            close(fd)
        }
        for file in contents.files {
            var parts = try components(file.path, in: directory)
            guard let name = parts.popLast() else {
                throw SnapshotWriteError(path: directory + file.path, reason: "not a file path")
            }
            let parentFD = try openDirectory(parts, under: rootFD, display: directory + file.path)
            defer { close(parentFD) }
            let fd = openat(parentFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0 { throw SnapshotWriteError(path: directory + file.path, reason: Errno.current.description) }
            defer { close(fd) }
            if let problem = writeAll(fd, file.bytes) {
                throw SnapshotWriteError(path: directory + file.path, reason: problem.description)
            }
        }
    }

    /// Creates the target (mode 0700) or accepts an existing empty directory that is not a link.
    private static func openEmptyTarget(_ directory: String) throws(SnapshotWriteError) -> Int32 {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SnapshotWriteError(path: directory, reason: Errno.current.description)
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            let err = Errno.current
            let reason = err == .tooManyLinks ? "is a symbolic link; refusing to write through it" : err.description
            throw SnapshotWriteError(path: directory, reason: reason)
        }
        guard let dir = fdopendir(dup(fd)) else {
            close(fd)
            throw SnapshotWriteError(path: directory, reason: Errno.current.description)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." {
                close(fd)
                throw SnapshotWriteError(path: directory, reason: "directory is not empty; refusing to write into it")
            }
        }
        return fd
    }

    private static func components(_ path: String, in directory: String) throws(SnapshotWriteError) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        guard path.hasPrefix("/"), !parts.isEmpty,
              parts.allSatisfy({ $0 != "." && $0 != ".." && !$0.isEmpty }) else {
            throw SnapshotWriteError(path: directory + path, reason: "refusing an unsafe path")
        }
        return parts
    }

    /// Opens (creating as needed) the directory `parts` below `rootFD`, refusing links.
    private static func openDirectory(_ parts: [String], under rootFD: Int32, display: String)
        throws(SnapshotWriteError) -> Int32 {
        var fd = dup(rootFD)
        for part in parts {
            if mkdirat(fd, part, 0o700) != 0 && errno != EEXIST {
                let err = Errno.current
                close(fd)
                throw SnapshotWriteError(path: display, reason: err.description)
            }
            let next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let err = Errno.current
            close(fd)
            if next < 0 { throw SnapshotWriteError(path: display, reason: err.description) }
            fd = next
        }
        return fd
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR; the errno on failure.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Errno? {
    bytes.withUnsafeBufferPointer { writeAll(fd, $0) }
}
