#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The walk that lists a live process's large-page VMAs without its maps text: for a process
/// the pre-filter found a large page in (`ProcmapQuery.hasLargePages`), every file-backed VMA
/// is asked for again, with its name, and those with a page size above the base page are its
/// candidate mappings, as a maps line shows them (do_procmap_query fills `vma_start`,
/// `vma_end`, `vma_offset` as `vm_pgoff << PAGE_SHIFT`, `dev_major`/`dev_minor` and `inode` of
/// the file's superblock and inode, `PROCMAP_QUERY_VMA_SHARED` for `VM_MAYSHARE`, and the
/// `d_path` of the file, " (deleted)" included, as show_map_vma and `readlink(2)` of a
/// descriptor do; only maps escapes a newline as `\012`). Every hugetlb VMA is among them
/// (see `ProcmapQuery`); smaps still decides which are hugetlb. What it spares the kernel is the
/// text of every VMA, and hugectl the parsing of it: for DPDK's hundreds of one-page files,
/// about a millisecond of each.
extension ProcmapQuery {
    /// What one query with a name answered.
    enum EntryAnswer: Equatable {
        /// The first file-backed VMA ending above the address asked, as maps shows it, and its page size.
        case vma(MapsEntry, pageSize: UInt64)
        /// `ENOENT`: no file-backed VMA at or after the address.
        case none
        /// Any other failure (`ESRCH` for a task whose mm went away, `ENAMETOOLONG`).
        case failed(Errno)
    }

    /// `PROCMAP_QUERY_VMA_SHARED` in `vma_flags`.
    static let sharedVMA: UInt64 = 0x8
    /// The name buffer: `PATH_MAX`, the most `d_path` writes.
    static let nameCapacity = 4096

    /// Every file-backed VMA with a page size above `basePageSize`, walked in address order
    /// with `query` as `hasLargePages` walks them (the same alignment steps); nil when a query
    /// failed or the answers do not move forward (the caller then reads the text).
    static func largePageEntries(basePageSize: UInt64 = basePageSize, alignment: UInt64? = smallestHugePageSize,
                                 maxSteps: Int = maxSteps, query: (UInt64) -> EntryAnswer) -> [MapsEntry]? {
        let step = max(alignment ?? basePageSize, 1)
        var address: UInt64 = 0
        var entries: [MapsEntry] = []
        for _ in 0..<maxSteps {
            switch query(address) {
            case .none:
                return entries
            case .failed:
                return nil
            case .vma(let entry, let pageSize):
                if pageSize > basePageSize { entries.append(entry) }
                guard let next = nextAddress(after: entry.end, from: address, step: step) else { return nil }
                address = next
            }
        }
        return nil
    }

    /// One query on the open maps `fd` with a name buffer (`name`, `nameCapacity` bytes): the
    /// first file-backed VMA ending above `address`, whole.
    static func entry(_ fd: Int32, at address: UInt64, name: inout [UInt8]) -> EntryAnswer {
        name.withUnsafeMutableBytes { buffer in
            ask(fd, at: address, name: buffer) { words in
                guard let words else {
                    let error = Errno.current
                    return error == .noSuchFile ? .none : .failed(error)
                }
                // vma_name_size counts the terminating NUL; 0 when the VMA has no name.
                let nameSize = min(Int(words[10] & 0xffff_ffff), buffer.count)
                let path = nameSize > 1 ? String(decoding: buffer[0..<(nameSize - 1)], as: UTF8.self) : nil
                let device = DeviceNumber(major: UInt32(truncatingIfNeeded: words[9]),
                                          minor: UInt32(truncatingIfNeeded: words[9] >> 32))
                let entry = MapsEntry(start: words[3], end: words[4], shared: words[5] & sharedVMA != 0,
                                      offset: words[7], device: device, inode: words[8], path: path)
                return .vma(entry, pageSize: words[6])
            }
        }
    }
}
