#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Opens paths inside a captured tree (`--root DIR`) as if DIR were `/`: symbolic links are
/// followed, but an absolute target starts again at DIR and `..` never climbs above it, the
/// way `openat2(2)` with `RESOLVE_IN_ROOT` (fs/namei.c) or a chroot resolves them. So a tree
/// with `proc/meminfo -> /etc/shadow` reads DIR/etc/shadow (which does not exist), never the
/// host's file. Done by hand, one component at a time with `O_NOFOLLOW`, so it works on any
/// kernel and libc; a link swapped in between the check and the open fails with `ELOOP` or
/// `ENOTDIR`, never escapes.
struct TreeResolver {
    /// The tree's directory, opened `O_RDONLY | O_DIRECTORY`; owned by the `SystemRoot`.
    let rootFD: Int32
    /// As the kernel's `MAXSYMLINKS`.
    static let maxLinks = 40

    /// An open descriptor for `path` (absolute inside the tree) with `flags` (`O_NOFOLLOW`
    /// is added: the last component is resolved here too).
    func open(_ path: String, flags: Int32) throws(ReadFailure) -> Int32 {
        // Directories walked so far; the last is the current one. rootFD is never closed here.
        var stack: [Int32] = [rootFD]
        defer { for fd in stack.dropFirst() { close(fd) } }
        var pending = Self.components(path)
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            let current = stack[stack.count - 1]
            if name == "." { continue }
            if name == ".." {
                if stack.count > 1 { close(stack.removeLast()) }
                continue
            }
            var info = stat()
            if fstatat(current, name, &info, AT_SYMLINK_NOFOLLOW) != 0 { throw .system(.current) }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                links += 1
                if links > Self.maxLinks { throw .system(.tooManyLinks) }
                let target = try Self.linkTarget(current, name)
                if target.hasPrefix("/") {
                    for fd in stack.dropFirst() { close(fd) }
                    stack = [rootFD]
                }
                pending = Self.components(target) + pending
                continue
            }
            if pending.isEmpty {
                let fd = openat(current, name, flags | O_NOFOLLOW | O_CLOEXEC)
                if fd < 0 { throw .system(.current) }
                return fd
            }
            let fd = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 { throw .system(.current) }
            stack.append(fd)
        }
        // The path named the root itself (or climbed back to it).
        let fd = openat(stack[stack.count - 1], ".", flags | O_CLOEXEC)
        if fd < 0 { throw .system(.current) }
        return fd
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private static func linkTarget(_ directory: Int32, _ name: String) throws(ReadFailure) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(directory, name, &buffer, buffer.count)
        if count < 0 { throw .system(.current) }
        if count >= buffer.count { throw .system(Errno(ENAMETOOLONG)) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
