/// `unmapped-files-hold-pages`: files on a hugetlbfs mount that no process maps or holds open
/// but that hold huge pages, in their page cache or reserved.
///
/// A hugetlbfs file keeps its pages after its last mapper exits: munmap and exit free nothing
/// of a shared mapping (`hugetlb_vm_op_close` returns only a private owner's reservation), so
/// the pages stay in the page cache and the unfaulted reserved ones in the inode's reservation
/// map until the file is truncated, punched or unlinked and last closed (`hugetlbfs_evict_inode`
/// → `remove_inode_hugepages`, which frees the folios and `hugetlb_unreserve_pages` the
/// reservations). DPDK's `rtemap_*` files after the application exits, and a QEMU guest's
/// `mem-path=` file, hold whole pools this way. A warning: `rm` of the files frees them.
public enum UnmappedFiles {
    public static let id = "unmapped-files-hold-pages"
    /// Paths named in a hint's command; the rest are counted.
    static let namedPaths = 4

    public static func findings(in input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        let unread = FreeableFiles.unreadProcesses(input.consumers.scan)
        for ledger in input.ledgers {
            let size = PageSize.format(kB: ledger.pageSizeKB)
            for entry in ledger.inUse.unmapped where !entry.freeable.isEmpty {
                guard let mount = entry.mountPoint else { continue }
                let files = entry.freeable.count
                let split = FreeableFiles.split(inUse: entry.freeableInUse, reserved: entry.freeableReserved,
                                                exact: entry.freeableReservedExact)
                findings.append(Finding(
                    id: id, severity: .warning, pageSizeKB: ledger.pageSizeKB, pages: entry.freeablePages,
                    message: "\(files) file\(files == 1 ? "" : "s") on \(mount) that \(FreeableFiles.nobody(unread)) maps or holds open "
                        + (files == 1 ? "holds " : "hold ") + Finding.pages(entry.freeablePages, size) + " " + split,
                    hint: (unread == 0 ? "" : "check that none of the \(unread) processes hugectl could not read uses them, then ")
                        + "remove them to free the pages: " + command(entry.freeable)))
            }
        }
        return findings
    }

    /// `rm -- PATH...`, with at most `namedPaths` paths and a count of the rest.
    public static func command(_ paths: [String]) -> String {
        let named = paths.prefix(namedPaths).map(ShellWord.quote).joined(separator: " ")
        let rest = paths.count - min(paths.count, namedPaths)
        return "rm -- " + named + (rest > 0 ? " (and \(rest) more: 'hugectl status --json', reservations[].orphans)" : "")
    }
}

/// A word as a POSIX shell reads it back: left bare when it holds only safe characters,
/// otherwise in single quotes.
enum ShellWord {
    static func quote(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/._-+:,=@%".unicodeScalars.contains(scalar))
        }
        guard !safe else { return word }
        var quoted = "'"
        for character in word { quoted += character == "'" ? "'\\''" : String(character) }
        return quoted + "'"
    }
}
