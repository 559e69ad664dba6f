#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX ustar archive of a snapshot, for attaching to a bug report: everything sits under
/// one top directory, so `tar -xf FILE` makes a tree for `hugectl --root`.
public enum TarArchive {
    public static func archive(_ contents: SnapshotContents, topDirectory: String, mtime: Int)
        throws(SnapshotWriteError) -> [UInt8] {
        var out: [UInt8] = []
        try appendHeader(&out, name: topDirectory + "/", size: 0, directory: true, mtime: mtime)
        for dir in contents.directories {
            try appendHeader(&out, name: topDirectory + dir + "/", size: 0, directory: true, mtime: mtime)
        }
        for file in contents.files {
            try appendHeader(&out, name: topDirectory + file.path, size: file.bytes.count, directory: false, mtime: mtime)
            out += file.bytes
            out += [UInt8](repeating: 0, count: (512 - file.bytes.count % 512) % 512)
        }
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    /// Writes the archive to a new file (never over an existing one, never through a link).
    public static func write(_ bytes: [UInt8], to path: String) throws(SnapshotWriteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 { throw SnapshotWriteError(path: path, reason: Errno.current.description) }
        defer { close(fd) }
        if let problem = writeAll(fd, bytes) {
            throw SnapshotWriteError(path: path, reason: problem.description)
        }
    }

    private static func appendHeader(_ out: inout [UInt8], name: String, size: Int, directory: Bool,
                                     mtime: Int) throws(SnapshotWriteError) {
        var header = [UInt8](repeating: 0, count: 512)
        let nameBytes = Array(name.utf8)
        // ustar splits long names at a slash into prefix (155) and name (100).
        var prefix: [UInt8] = []
        var base = nameBytes
        if nameBytes.count > 100 {
            guard let split = nameBytes.indices.last(where: {
                nameBytes[$0] == 0x2F && $0 <= 155 && nameBytes.count - $0 - 1 <= 100
            }) else {
                throw SnapshotWriteError(path: name, reason: "path too long for a tar archive")
            }
            prefix = Array(nameBytes[..<split])
            base = Array(nameBytes[(split + 1)...])
        }
        put(&header, base, at: 0)
        put(&header, octal(directory ? 0o700 : 0o600, width: 8), at: 100)
        put(&header, octal(0, width: 8), at: 108)
        put(&header, octal(0, width: 8), at: 116)
        put(&header, octal(size, width: 12), at: 124)
        put(&header, octal(max(0, mtime), width: 12), at: 136)
        header[156] = directory ? 0x35 : 0x30
        put(&header, Array("ustar".utf8) + [0], at: 257)
        put(&header, Array("00".utf8), at: 263)
        put(&header, Array("root".utf8), at: 265)
        put(&header, Array("root".utf8), at: 297)
        put(&header, prefix, at: 345)
        // The checksum is computed with its own field taken as eight spaces.
        put(&header, [UInt8](repeating: 0x20, count: 8), at: 148)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(&header, octal(sum, width: 7) + [0x20], at: 148)
        out += header
    }

    private static func put(_ header: inout [UInt8], _ bytes: [UInt8], at offset: Int) {
        for (index, byte) in bytes.enumerated() { header[offset + index] = byte }
    }

    /// Zero-padded octal digits filling `width - 1` bytes, then a NUL.
    private static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        let padded = String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        return Array(padded.utf8) + [0]
    }
}

extension TarArchive {
    /// `bug-42.tar` -> `bug-42`: the archive's single top directory.
    public static func topDirectory(for path: String) -> String {
        var base = path.split(separator: "/").last.map(String.init) ?? "hugectl-snapshot"
        for suffix in [".tar"] where base.hasSuffix(suffix) && base.count > suffix.count {
            base.removeLast(suffix.count)
        }
        return base
    }
}
