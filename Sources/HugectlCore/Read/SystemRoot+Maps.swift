#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SystemRoot {
    /// Live, on a kernel with `PROCMAP_QUERY`: the maps is opened as `readLines` opens it (the
    /// same errors), its file-backed VMAs are walked with the ioctl, and when none has a page
    /// size above the base page nothing more is done ([]); when some have, they are listed
    /// with a second walk (`ProcmapQuery.largePageEntries`), names included. Otherwise (a
    /// query that failed: `ESRCH` for a task without an mm) the text is read through the same
    /// descriptor, exactly as `readLines` would have read it (nil). A tree reads the text.
    public func largePageMappings(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) -> [MapsEntry]? {
        guard isLive, ProcmapQuery.isAvailable else {
            try readLines(path, limit: limit, body)
            return nil
        }
        do {
            let (fd, _) = try openRegularFile(location(path))
            defer { close(fd) }
            switch ProcmapQuery.hasLargePages(basePageSize: ProcmapQuery.basePageSize, alignment: ProcmapQuery.smallestHugePageSize,
                                              query: { ProcmapQuery.query(fd, at: $0) }) {
            case false?:
                return []
            case true?:
                var name = [UInt8](repeating: 0, count: ProcmapQuery.nameCapacity)
                if let entries = ProcmapQuery.largePageEntries(query: { ProcmapQuery.entry(fd, at: $0, name: &name) }) {
                    return entries
                }
            case nil:
                break
            }
            try readOpenFileInLines(fd, limit: limit, bufferSize: Self.streamBufferSize, body)
            return nil
        } catch {
            throw ReadError(path: path, failure: error)
        }
    }
}
