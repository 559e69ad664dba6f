#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SystemRoot {
    /// Live, on a kernel with `PROCMAP_QUERY`: the maps is opened as `readLines` opens it (the
    /// same errors), its file-backed VMAs are walked with the ioctl, and when none has a page
    /// size above the base page nothing more is done (false). Otherwise (a large page, or a
    /// query that failed: `ESRCH` for a task without an mm) the text is read through the same
    /// descriptor, exactly as `readLines` would have read it. A tree reads the text.
    public func readMapsIfLargePages(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) -> Bool {
        guard isLive, ProcmapQuery.isAvailable else {
            try readLines(path, limit: limit, body)
            return true
        }
        do {
            let (fd, _) = try openRegularFile(location(path))
            defer { close(fd) }
            return try ProcmapQuery.readUnlessSmallPagesOnly(query: { ProcmapQuery.query(fd, at: $0) }) { () throws(ReadFailure) in
                try readOpenFileInLines(fd, limit: limit, bufferSize: Self.streamBufferSize, body)
            }
        } catch {
            throw ReadError(path: path, failure: error)
        }
    }
}
