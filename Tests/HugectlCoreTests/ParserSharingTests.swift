import Testing
@testable import HugectlCore

/// The process parsers reuse what one line shares with the line before (a path, a policy,
/// node counts) to spare an allocation per VMA; what they return is what parsing each line
/// alone gives.
@Suite("Parsers sharing repeated values")
struct ParserSharingTests {
    @Test func policiesThatStartAlikeStayApart() {
        let text = """
            7f0000000000 prefer:0 huge anon=1 N0=1 kernelpagesize_kB=2048
            7f0000200000 prefer (many):0-1 huge anon=1 N0=1 kernelpagesize_kB=2048
            7f0000400000 bind:0 huge anon=1 N0=1 kernelpagesize_kB=2048
            7f0000600000 bind:0-1 huge anon=2 N0=1 N1=1 kernelpagesize_kB=2048
            7f0000800000 bind:0-1 huge anon=2 N0=1 N1=1 kernelpagesize_kB=2048
            7f0000a00000 bind=static:0-1 huge anon=1 N1=1 kernelpagesize_kB=2048
            7f0000b00000 bind:0-12 huge anon=1 N1=1 kernelpagesize_kB=2048
            7f0000c00000 interleave:0-1 huge anon=1 N0=2 N0=1 kernelpagesize_kB=2048
            7f0000e00000 default huge
            """
        let whole = NumaMapsParser.parse(Array(text.utf8).all)
        let alone = text.split(separator: "\n").flatMap { NumaMapsParser.parse(Array($0.utf8).all).entries }
        #expect(whole.entries == alone)
        #expect(whole.entries.map(\.policy.mode) == [.preferred, .preferredMany, .bind, .bind, .bind, .bind, .bind, .interleave, .default])
        #expect(whole.entries[5].policy.flags == ["static"])
        #expect(whole.entries[6].policy.nodes == Array(0...12))
        #expect(whole.entries[3].nodePages == [0: 1, 1: 1])
        #expect(whole.entries[7].nodePages == [0: 1])
        #expect(whole.entries[8].nodePages.isEmpty)
    }

    @Test func repeatedPathsAndOddFieldsAsAlone() {
        let entry = { (start: String, path: String, extra: String) in
            "\(start)-\(start.dropLast(1))8 rw-s 00000000 00:11 104001                     \(path)\n"
                + "Size:               2048 kB\nKernelPageSize:     2048 kB\n\(extra)VmFlags: rd wr sh ht \n"
        }
        let text = entry("7f0000000000", "/anon_hugepage (deleted)", "")
            + entry("7f0000200000", "/anon_hugepage (deleted)", "Private_Hugetlb: 00000000000000000002048 kB\n")
            + entry("7f0000400000", "/anon_hugepage", "Shared_Hugetlb: 12x kB\n")
            + entry("7f0000600000", "", "Shared_Hugetlb:\n")
        let whole = SmapsParser.hugetlbVMAs(Array(text.utf8).all)
        #expect(whole.vmas.map(\.mapping.path) == ["/anon_hugepage (deleted)", "/anon_hugepage (deleted)", "/anon_hugepage", nil])
        #expect(whole.vmas[1].privateHugetlbKB == 2048)
        #expect(whole.problems.count == 2)
        for split in [1, 2, 5, 9] {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.utf8) + [0x0A] }
            var scan = SmapsParser.HugetlbScan()
            for start in stride(from: 0, to: lines.count, by: split) {
                scan.feed(Array(lines[start..<min(start + split, lines.count)].joined()).all)
            }
            #expect(scan.result.vmas == whole.vmas)
            #expect(scan.result.problems == whole.problems)
        }
    }

    /// A mapping's kind by the name's prefix, told apart early by the name's second byte for a
    /// file: the same as comparing each prefix, for names that share some of their bytes.
    @Test func mappingKindsByPrefix() {
        func byPrefix(_ name: String, shared: Bool) -> MappingKind {
            if name.hasPrefix("/anon_hugepage") { return shared ? .anonShared : .anonPrivate }
            if name.hasPrefix("/SYSV") { return .sysvShm }
            if name.hasPrefix("/memfd:") { return shared ? .memfdShared : .memfdPrivate }
            return shared ? .fileShared : .filePrivate
        }
        let names = ["/anon_hugepage", "/anon_hugepage (deleted)", "/anon", "/SYSV00000000 (deleted)", "/SYS",
                     "/memfd:pool (deleted)", "/memfd", "/mem:", "/dev/hugepages/rtemap_0", "/a", "/", "", "S",
                     "anon_hugepage", "/Sx", "/mx", "/é/anon_hugepage"]
        for name in names {
            let kinds = MappingKind.kinds(path: name)
            #expect(kinds.shared == byPrefix(name, shared: true) && kinds.private == byPrefix(name, shared: false), "\(name)")
        }
        #expect(MappingKind.kinds(path: nil) == (.fileShared, .filePrivate))
    }
}
