#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `PROCMAP_QUERY` (Linux 6.11+; fs/proc/task_mmu.c `do_procmap_query`, uapi
/// include/uapi/linux/fs.h `struct procmap_query`): an ioctl on an open `/proc/PID/maps` that
/// describes one VMA without formatting the maps text. Asked for the first file-backed VMA at
/// or after an address (`PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_FILE_BACKED_VMA`),
/// with no name and no build ID, it walks a process's file-backed VMAs for about the cost of a
/// system call each, and each answer carries `vma_page_size`, which is `vma_kernel_pagesize()`:
/// the huge page size for a hugetlb VMA (`hugetlb_vm_op_pagesize`, and for a SysV
/// `SHM_HUGETLB` attachment `shm_pagesize` in ipc/shm.c, which forwards to the hugetlbfs
/// file's), the base page for every ordinary one.
///
/// Every hugetlb VMA is file-backed: a hugetlbfs file's mapping, and the internal hugetlbfs
/// files that `hugetlb_file_setup` makes for `MAP_ANONYMOUS | MAP_HUGETLB` (mm/mmap.c
/// `ksys_mmap_pgoff`), `MFD_HUGETLB` memfds and `SHM_HUGETLB` segments. So a process none of
/// whose file-backed VMAs has a page size above the base page has no hugetlb VMA, and its maps
/// text need not be read: the live scan's pre-filter (`SystemSource.largePageMappings`).
/// A VMA with a large page size that is not hugetlb (device DAX) only costs a smaps read.
///
/// The ioctl works on the descriptor the maps open gave (`proc_maps_open`: the same
/// `PTRACE_MODE_READ` check as reading it), on the mm taken at that open; a task without one
/// (a kernel thread, a process that exited) answers `ESRCH`, and then the text is read, as
/// before. A kernel without the ioctl answers `ENOTTY`: that is learnt once per run
/// (`isAvailable`), and every maps is then read as text, quietly.
enum ProcmapQuery {
    /// What one query answered.
    enum Answer: Equatable {
        /// The first file-backed VMA ending above the address asked, as a maps line shows it
        /// (its path only when the query asked for the name), and its page size.
        case vma(MapsEntry, pageSize: UInt64)
        /// `ENOENT`: no file-backed VMA at or after the address.
        case none
        /// Any other failure (`ENOTTY` without the ioctl, `ESRCH` without an mm, `ENAMETOOLONG`).
        case failed(Errno)
    }

    /// `_IOWR('f', 17, struct procmap_query)`: the struct is 104 bytes.
    static let request: UInt = 0xc068_6611
    /// `struct procmap_query` as 13 64-bit words: size, query_flags, query_addr, vma_start,
    /// vma_end, vma_flags, vma_page_size, vma_offset, inode, dev_major | dev_minor << 32,
    /// vma_name_size | build_id_size << 32, vma_name_addr, build_id_addr.
    static let words = 13
    static let coveringOrNextVMA: UInt64 = 0x10
    static let fileBackedVMA: UInt64 = 0x20
    /// A walk longer than this is given up (the text is read): far above `vm.max_map_count`.
    static let maxSteps = 1 << 24

    /// The base page size: what `vma_kernel_pagesize` says of every VMA that is not huge.
    static let basePageSize = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))

    /// The file-backed VMAs with a page size above `basePageSize`, as maps lines show them, in
    /// address order: [] when there is none (the pre-filter: nothing more of the process's maps
    /// is read), nil when a query failed or the answers do not move forward (the caller then
    /// reads the text, which decides as before). One walk with `query` (the address to start
    /// from, and whether to ask for the name → the answer): without names, each answer a
    /// system call that formats nothing, until the first VMA with a large page size; that
    /// address is asked again with the name, and every query after it too (a process with one
    /// large page most often has more, and each costs one query, with the name, instead of two).
    ///
    /// A hugetlb VMA starts at a multiple of its page size (`hugetlb_get_unmapped_area` and
    /// `prepare_hugepage_range` refuse any other address, `hugetlb_vm_op_split` any other
    /// split), so after a VMA ending at E the next one that can be hugetlb starts at or after E
    /// rounded up to `alignment`, the smallest huge page size: the walk asks from there, and the
    /// small file mappings packed below (a library's, a program's many small ones) cost no
    /// query. One that covers that address is still answered, and looked at.
    static func largePageEntries(basePageSize: UInt64 = basePageSize, alignment: UInt64? = smallestHugePageSize,
                                 maxSteps: Int = maxSteps, query: (UInt64, _ named: Bool) -> Answer) -> [MapsEntry]? {
        let step = max(alignment ?? basePageSize, 1)
        var address: UInt64 = 0
        var named = false
        var entries: [MapsEntry] = []
        for _ in 0..<maxSteps {
            switch query(address, named) {
            case .none:
                return entries
            case .failed:
                return nil
            case .vma(let entry, let pageSize):
                if pageSize > basePageSize {
                    guard named else {
                        named = true
                        continue  // the same address again, now with the name
                    }
                    entries.append(entry)
                }
                guard let next = nextAddress(after: entry.end, from: address, step: step) else { return nil }
                address = next
            }
        }
        return nil
    }

    /// Where a walk asks next after a VMA ending at `end` was the answer for `address`: `end`
    /// rounded up to `step`. find_vma gives a VMA ending above the address: one that does not
    /// (or an end that cannot be rounded up) is no walk, nil.
    static func nextAddress(after end: UInt64, from address: UInt64, step: UInt64) -> UInt64? {
        guard end > address else { return nil }
        let (rounded, overflow) = end.addingReportingOverflow(step - 1)
        guard !overflow else { return nil }
        return rounded - rounded % step
    }

    /// The smallest huge page size this kernel has (its `/sys/kernel/mm/hugepages/hugepages-
    /// <N>kB` directories), the alignment every hugetlb VMA has; nil when none can be listed
    /// (the walk then visits every file-backed VMA).
    static let smallestHugePageSize: UInt64? = {
        guard let dir = opendir("/sys/kernel/mm/hugepages") else { return nil }
        defer { closedir(dir) }
        var smallest: UInt64?
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix("hugepages-"), name.hasSuffix("kB"),
                  let kB = UInt64(name.dropFirst("hugepages-".count).dropLast(2)), kB > 0 else { continue }
            smallest = min(smallest ?? .max, kB * 1024)
        }
        return smallest.map { $0 > basePageSize ? $0 : basePageSize }
    }()

    /// Whether the live pre-filter may be used in this run: the kernel has the ioctl (one
    /// query on `/proc/self/maps`, once) and `HUGECTL_PROCMAP_QUERY=0` does not turn it off
    /// (for tests that compare the two scans; the only place that variable is read).
    static let isAvailable: Bool = {
        if let value = getenv("HUGECTL_PROCMAP_QUERY"), String(cString: value) == "0" { return false }
        let fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return isAvailable(firstAnswer: query(fd, at: 0, name: nil))
    }()

    /// What the first query of a run says of the ioctl: any answer but a failure means the
    /// kernel has it (`ENOTTY` or `EINVAL`: it has not; anything else: not to be relied on).
    static func isAvailable(firstAnswer: Answer) -> Bool {
        if case .failed = firstAnswer { return false }
        return true
    }
}
