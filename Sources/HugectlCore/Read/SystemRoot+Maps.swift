#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SystemRoot {
    /// Live, on a kernel with `PROCMAP_QUERY`: the maps is opened as `readLines` opens it (the
    /// same errors), and its file-backed VMAs are walked with the ioctl
    /// (`ProcmapQuery.largePageEntries`): those with a page size above the base page, names
    /// included, [] when there is none (nothing more is read). Otherwise (a query that failed:
    /// `ESRCH` for a task without an mm) the text is read through the same descriptor, exactly
    /// as `readLines` would have read it (nil). A tree reads the text.
    public func largePageMappings(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) -> [MapsEntry]? {
        guard isLive, ProcmapQuery.isAvailable else {
            try readLines(path, limit: limit, body)
            return nil
        }
        do {
            let (fd, _) = try openRegularFile(location(path))
            defer { close(fd) }
            if let entries = ProcmapQuery.largePageEntries(in: fd) { return entries }
            try readOpenFileInLines(fd, limit: limit, bufferSize: Self.streamBufferSize, body)
            return nil
        } catch {
            throw ReadError(path: path, failure: error)
        }
    }
}
