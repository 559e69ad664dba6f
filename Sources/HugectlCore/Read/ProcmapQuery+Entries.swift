#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One query, and the walk on an open maps: how a live process's large-page VMAs are listed
/// without its maps text. An answer describes a VMA as its maps line would (do_procmap_query
/// fills `vma_start`, `vma_end`, `vma_offset` as `vm_pgoff << PAGE_SHIFT`, `dev_major`/
/// `dev_minor` and `inode` of the file's superblock and inode, `PROCMAP_QUERY_VMA_SHARED` for
/// `VM_MAYSHARE`, and, when a name buffer is given, the `d_path` of the file, " (deleted)"
/// included, as show_map_vma and `readlink(2)` of a descriptor do; only maps escapes a newline
/// as `\012`). Every hugetlb VMA is among those with a large page size (see `ProcmapQuery`);
/// smaps still decides which are hugetlb. What the walk spares the kernel is the text of every
/// VMA, and hugectl the parsing of it: for DPDK's hundreds of one-page files, about a
/// millisecond of each.
extension ProcmapQuery {
    /// `PROCMAP_QUERY_VMA_SHARED` in `vma_flags`.
    static let sharedVMA: UInt64 = 0x8
    /// The name buffer: `PATH_MAX`, the most `d_path` writes.
    static let nameCapacity = 4096

    /// The walk (`largePageEntries(query:)`) on the open maps `fd`, names asked into one buffer.
    static func largePageEntries(in fd: Int32) -> [MapsEntry]? {
        var name = [UInt8](repeating: 0, count: nameCapacity)
        return name.withUnsafeMutableBytes { buffer in
            largePageEntries { address, named in query(fd, at: address, name: named ? buffer : nil) }
        }
    }

    /// One `PROCMAP_QUERY` on the open maps `fd`: the first file-backed VMA ending above
    /// `address`, with its path written into `name` when given (nil: no name asked, and the
    /// entry has no path). The struct lives on the stack: a walk asks hundreds of times.
    static func query(_ fd: Int32, at address: UInt64, name: UnsafeMutableRawBufferPointer?) -> Answer {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: words) { words in
            words.initialize(repeating: 0)
            words[0] = UInt64(Self.words * 8)
            words[1] = coveringOrNextVMA | fileBackedVMA
            words[2] = address
            if let name, let base = name.baseAddress {
                words[10] = UInt64(name.count)  // vma_name_size; build_id_size 0
                words[11] = UInt64(UInt(bitPattern: base))
            }
            guard let base = words.baseAddress, ioctl(fd, request, base) == 0 else {
                let error = Errno.current
                return error == .noSuchFile ? .none : .failed(error)
            }
            // vma_name_size counts the terminating NUL; 0 when the VMA has no name.
            var path: String?
            if let name {
                let nameSize = min(Int(words[10] & 0xffff_ffff), name.count)
                path = nameSize > 1 ? String(decoding: name[0..<(nameSize - 1)], as: UTF8.self) : nil
            }
            let device = DeviceNumber(major: UInt32(truncatingIfNeeded: words[9]),
                                      minor: UInt32(truncatingIfNeeded: words[9] >> 32))
            let entry = MapsEntry(start: words[3], end: words[4], shared: words[5] & sharedVMA != 0,
                                  offset: words[7], device: device, inode: words[8], path: path)
            return .vma(entry, pageSize: words[6])
        }
    }
}
