/// The pages of one size that `rm` of files nobody maps or holds open would give back
/// (`unmapped-files-hold-pages`), and how the hints that would grow a pool name them first.
///
/// Unlinking a hugetlbfs file nobody maps or holds open evicts its inode
/// (`hugetlbfs_evict_inode` → `remove_inode_hugepages`): every page of its page cache is freed
/// (`free_huge_folio`) and every reservation of its map is returned
/// (`hugetlb_unreserve_pages`). A freed page goes back to the pool's free pages on the node it
/// was on — unless that node has surplus pages, when it goes back to the buddy allocator
/// instead (`free_huge_folio`: `surplus_huge_pages_node[nid]`) and the pool shrinks. Which node
/// a file's pages are on is nowhere in /proc, so only the pages that cannot be elsewhere count
/// as freed on a node set (`freed(on:_:)`).
public struct FreeableFiles: Equatable, Sendable {
    public var pageSizeKB: Int
    /// The mounts the files are on, in mount-point order.
    public var mounts: [String] = []
    /// Every file's path, sorted.
    public var paths: [String] = []
    /// Their page-cache pages (`st_blocks`).
    public var inUse = 0
    /// Their reserved pages, and of those the ones read exactly (not an estimate:
    /// `OwedEstimate`).
    public var reserved = 0
    public var reservedExact = 0

    public var reservedEstimated: Bool { reservedExact < reserved }

    /// Processes whose mappings or open files could not be read (`scan.unreadable`, or not
    /// recorded in a captured tree): one of them may use the files.
    public var unreadProcesses = 0

    public var pages: Int { inUse + reserved }

    /// "no process", or "no process hugectl could read" when some could not be read.
    var nobody: String { Self.nobody(unreadProcesses) }

    static func nobody(_ unread: Int) -> String { unread == 0 ? "no process" : "no process hugectl could read" }

    /// The processes whose maps, smaps or fds could not be read, and those a tree lacks.
    static func unreadProcesses(_ scan: ScanReport) -> Int {
        let pids = Set(scan.unreadable.filter { item in
            item.path.hasSuffix("/maps") || item.path.hasSuffix("/smaps") || item.path.hasSuffix("/fd")
        }.map(\.pid))
        return pids.count + scan.notRecorded
    }

    /// "1 page missing", "2 pages missing".
    static func missing(_ pages: Int) -> String { "\(pages) page\(pages == 1 ? "" : "s") missing" }

    /// Per page size, the files that `rm` frees (none for a size without such files).
    /// (Read it as `AnalysisContext.freeable`, worked out once per snapshot.)
    static func bySize(_ ledgers: [ReservationLedger], scan: ScanReport) -> [Int: FreeableFiles] {
        var result: [Int: FreeableFiles] = [:]
        let unread = unreadProcesses(scan)
        for ledger in ledgers {
            var files = FreeableFiles(pageSizeKB: ledger.pageSizeKB)
            files.unreadProcesses = unread
            for entry in ledger.inUse.unmapped where !entry.freeable.isEmpty {
                guard let mount = entry.mountPoint else { continue }
                files.mounts.append(mount)
                files.paths += entry.freeable
                files.inUse += entry.freeableInUse
                files.reserved += entry.freeableReserved
                files.reservedExact += entry.freeableReservedExact
            }
            files.paths.sort()
            if files.pages > 0 { result[ledger.pageSizeKB] = files }
        }
        return result
    }

    /// "the 3 files on /dev/hugepages that no process maps or holds open, which hold 600 2M
    /// pages (600 in use, 0 reserved)".
    public var described: String {
        let size = PageSize.format(kB: pageSizeKB)
        return "the \(paths.count) file\(paths.count == 1 ? "" : "s") on \(mounts.joined(separator: ", ")) "
            + "that \(nobody) maps or holds open, which hold\(paths.count == 1 ? "s" : "") " + Finding.pages(pages, size)
            + " " + Self.split(inUse: inUse, reserved: reserved, exact: reservedExact)
    }

    /// "(600 in use, 0 reserved)", "(0 in use, 4 reserved, an estimate)": an estimate when
    /// some reserved pages were not read exactly, as the finding and the hints both say it.
    static func split(inUse: Int, reserved: Int, exact: Int) -> String {
        "(\(inUse) in use, \(reserved) reserved" + (exact < reserved ? ", an estimate" : "") + ")"
    }

    /// "remove the 3 files ... (finding unmapped-files-hold-pages): rm -- PATH...".
    public var removal: String {
        "remove " + described + " (finding \(UnmappedFiles.id)): " + UnmappedFiles.command(paths)
    }

    /// Of the pages in use, how many `rm` returns to the free pages of `nodes` (every node of
    /// the pool when empty): at least those that cannot be elsewhere — the pages in use on
    /// the other nodes may be the files', and a freed page leaves the pool while there are
    /// surplus pages —, at most those in use on `nodes`. A count that could not be read
    /// leaves the least 0 and the most every page in use.
    public func freed(on nodes: [Int], _ pool: HugePagePool) -> (least: Int, most: Int) {
        guard !nodes.isEmpty, !pool.nodes.isEmpty else {
            return (pool.surplus.map { max(0, inUse - $0) } ?? 0, inUse)
        }
        var inside = 0, outside = 0, known = true
        for share in pool.nodes {
            guard let total = share.total, let free = share.free else { known = false; continue }
            if nodes.contains(share.node) { inside += max(0, total - free) } else { outside += max(0, total - free) }
        }
        guard known, let surplus = pool.surplus else { return (0, inUse) }
        return (max(0, min(inside, inUse - outside) - surplus), min(inUse, inside))
    }

    /// Of the pages `rm` frees, those that certainly raise free − reserved (`--min-free`):
    /// the pages in use and the reservations read exactly, less the surplus pages — a freed
    /// page leaves the pool while there are some, and a returned reservation takes an unused
    /// surplus page with it (`hugetlb_acct_memory` → `return_unused_surplus_pages`).
    public func unreservedGain(_ pool: HugePagePool) -> Int {
        guard let surplus = pool.surplus else { return 0 }
        return max(0, inUse + reservedExact - surplus)
    }
}
