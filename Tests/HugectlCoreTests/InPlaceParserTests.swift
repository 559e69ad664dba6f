import HugectlTestSupport
import Testing
@testable import HugectlCore

/// The maps header and numa_maps field readers work in place over the bytes, in one pass;
/// they take and refuse exactly what splitting the line into fields and reading each field
/// alone takes and refuses (the reference readers below), on lines as the kernel writes them
/// and on thousands of damaged ones.
@Suite("In-place maps header and numa_maps readers")
struct InPlaceParserTests {
    /// Each line with one to three bytes replaced, inserted or removed, from an alphabet of
    /// the bytes that matter to the readers.
    static func damaged(_ lines: [String], count: Int) -> [[UInt8]] {
        var generator = SplitMix(seed: 14)
        let alphabet = Array(" -:=0123456789abcdefABCDEFxgsNp\t".utf8) + [0xFF]
        var result: [[UInt8]] = []
        for index in 0..<count {
            var bytes = Array(lines[index % lines.count].utf8)
            generator.damage(&bytes, edits: 1...3, from: 0, alphabet: alphabet)
            result.append(bytes)
        }
        return result
    }

    static let headers = [
        "7f0000000000-7f0000200000 rw-s 00000000 00:27 200000                     /dev/hugepages/rtemap_0",
        "55d28e326000-55d28e328000 r--p 00001000 fe:00 1234                       /usr/bin/testpmd",
        "7f0000000000-7f0000200000 rw-p 00000000 00:0f 104001 /anon_hugepage (deleted)",
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
        "00400000-00452000 r-xp 00000000 08:02 173521",
        "  0-1 rw-s 0 0:0 0",
        "000000000000000000001-2 rw-s 0 0:0 0",
        "fffffffffffffffff-1 rw-s 0 0:0 0",
        "1-2 rw-s 0 100000000:0 0 x",
        "1-2 rw-s 0 0:0 18446744073709551616",
    ]

    /// The header reader as it was: the line split at spaces, each field read alone.
    static func referenceHeader(_ line: Bytes) -> (entry: MapsEntry, pathStart: Int)? {
        var cursor = line.startIndex
        func nextField() -> Bytes? {
            while cursor < line.endIndex && line[cursor] == ASCII.space { cursor += 1 }
            let start = cursor
            while cursor < line.endIndex && line[cursor] != ASCII.space { cursor += 1 }
            return start < cursor ? line[start..<cursor] : nil
        }
        guard let range = nextField(), let perms = nextField(), let offsetField = nextField(),
              let deviceField = nextField(), let inodeField = nextField() else { return nil }
        guard let dash = range.firstIndex(of: ASCII.dash), range[(dash + 1)...].firstIndex(of: ASCII.dash) == nil,
              let start = range[..<dash].unsigned(radix: 16), let end = range[(dash + 1)...].unsigned(radix: 16),
              perms.count == 4, let offset = offsetField.unsigned(radix: 16),
              let device = DeviceNumber.parse(deviceField, hexadecimal: true),
              let inode = inodeField.unsigned(radix: 10) else { return nil }
        while cursor < line.endIndex && line[cursor] == ASCII.space { cursor += 1 }
        let entry = MapsEntry(start: start, end: end, shared: perms[perms.startIndex + 3] == 0x73, offset: offset,
                              device: device, inode: inode, path: nil)
        return (entry, cursor - line.startIndex)
    }

    @Test func headersAsFieldByField() {
        let lines = Self.headers.map { Array($0.utf8) } + Self.damaged(Self.headers, count: 20_000)
        var taken = 0
        for bytes in lines {
            let line = bytes[...]
            let new = MapsParser.parseHeader(line, decodePath: false)
            let old = Self.referenceHeader(line)
            #expect(new?.entry == old?.entry, "\(line.text)")
            #expect(new.map { $0.pathBytes.startIndex - line.startIndex } == old?.pathStart, "\(line.text)")
            if new != nil { taken += 1 }
        }
        // Both outcomes are exercised: neither reader takes or refuses everything.
        #expect(taken > 1_000 && taken < lines.count - 1_000)
    }

    static let numaLines = [
        "7f0000000000 bind:0 file=/dev/hugepages/rtemap_0 huge dirty=1 N0=1 kernelpagesize_kB=2048",
        "7f0000200000 default file=/anon_hugepage\\040(deleted) huge anon=2 dirty=2 mapped=3 mapmax=4 N0=1 N1=1 kernelpagesize_kB=2048",
        "7f0000400000 interleave:0-1 huge anon=1 N0=2 N0=1 N65536=1 N65537=1 Nx=3 kernelpagesize_kB=2048",
        "7f0000600000 prefer (many):0-1 anon=99999999999999999999 dirty=18014398509481984 mapped=18014398509481983",
    ]

    /// The fields after the policy as they were read: token by token with `forEachField`.
    static func referenceFields(_ line: String) -> NumaMapsEntry? {
        guard let entry = NumaMapsParser.parse(Array(line.utf8).all).entries.first,
              let space = line.utf8.firstIndex(of: ASCII.space) else { return nil }
        var expected = entry
        expected.huge = false
        expected.anon = 0; expected.dirty = 0; expected.mapped = 0; expected.mapmax = 0
        expected.kernelPageSizeKB = nil
        var pages: [Int: Int] = [:]
        let rest = Array(line.utf8[line.utf8.index(after: space)...])[...]
        // Only the fields after the policy: its words are never `huge` or `key=value`.
        let afterPolicy = NumaMapsParser.parsePolicy(rest)!.1
        rest[afterPolicy...].forEachField { token in
            if token.equals("huge") { expected.huge = true; return }
            guard let equals = token.firstIndex(of: ASCII.equals) else { return }
            let key = token[token.startIndex..<equals]
            if key.hasPrefix("file") { return }
            guard let count = token[(equals + 1)...].decimal, count < SmapsParser.addressSpaceKB else { return }
            if key.count > 1 && key[key.startIndex] == 0x4E, let node = key.dropFirst().decimal, node <= NodeList.maximum {
                pages[node] = count
            } else if key.equals("anon") { expected.anon = count }
            else if key.equals("dirty") { expected.dirty = count }
            else if key.equals("mapped") { expected.mapped = count }
            else if key.equals("mapmax") { expected.mapmax = count }
            else if key.equals("kernelpagesize_kB") { expected.kernelPageSizeKB = count }
        }
        expected.nodePages = pages
        return expected
    }

    @Test func numaFieldsAsTokenByToken() {
        let known = Self.numaLines.map { NumaMapsParser.parse(Array($0.utf8).all).entries.first }
        #expect(known[0]?.huge == true && known[0]?.dirty == 1 && known[0]?.nodePages == [0: 1])
        #expect(known[1]?.anon == 2 && known[1]?.mapped == 3 && known[1]?.mapmax == 4 && known[1]?.kernelPageSizeKB == 2048)
        #expect(known[2]?.nodePages == [0: 1, 65536: 1])
        #expect(known[3]?.anon == 0 && known[3]?.dirty == 0 && known[3]?.mapped == 18_014_398_509_481_983)
        var compared = 0
        for bytes in Self.damaged(Self.numaLines, count: 20_000) {
            let line = String(decoding: bytes, as: UTF8.self)
            guard Array(line.utf8) == bytes, let expected = Self.referenceFields(line) else { continue }
            compared += 1
            #expect(NumaMapsParser.parse(bytes[...]).entries.first == expected, "\(line)")
        }
        #expect(compared > 10_000)
    }
}

/// `StartSet` answers as a `Set` does, whatever the order of the look-ups.
@Suite("Start address look-ups")
struct StartSetTests {
    @Test func answersAsASetInAnyOrder() {
        var generator = SplitMix(seed: 7)
        for size in [0, 1, 2, 3, 10, 200] {
            let asked = (0..<size).map { _ in UInt64.random(in: 0..<400, using: &generator) }
            let reference = Set(asked)
            var starts = StartSet(asked.shuffled(using: &generator))
            #expect(starts.count == reference.count)
            // Ascending (as the kernel writes), descending, and at random, one after another.
            let probes = Array(0..<410).map(UInt64.init) + (0..<410).reversed().map(UInt64.init)
                + (0..<2_000).map { _ in UInt64.random(in: 0..<410, using: &generator) }
            var met: Set<UInt64> = []
            for probe in probes {
                let index = starts.index(of: probe)
                #expect((index != nil) == reference.contains(probe), "\(probe) of \(size)")
                #expect(starts.contains(probe) == reference.contains(probe))
                if let index, probe % 3 == 0 {
                    starts.markMet(index)
                    met.insert(probe)
                }
            }
            #expect(starts.metCount == met.count)
        }
    }
}

/// The mount walk knows files by directory and name (`ConsumerScanner.directoryAndName`): the
/// pair must give back the path the walk makes, `directory + "/" + name` (`"/" + name` in `/`).
@Suite("Names of the files a mount walk knows")
struct MountNameTests {
    @Test func splitAtTheLastSlashByBytes() {
        #expect(ConsumerScanner.directoryAndName(of: "/dev/hugepages/rtemap_0")! == ("/dev/hugepages", "rtemap_0"))
        #expect(ConsumerScanner.directoryAndName(of: "/dev/hugepages/a b (deleted)")! == ("/dev/hugepages", "a b (deleted)"))
        #expect(ConsumerScanner.directoryAndName(of: "/dev/hugepages/sub/file")! == ("/dev/hugepages/sub", "file"))
        #expect(ConsumerScanner.directoryAndName(of: "/file")! == ("/", "file"))
        #expect(ConsumerScanner.directoryAndName(of: "/mnt/h/\u{E9}t\u{E9}")! == ("/mnt/h", "\u{E9}t\u{E9}"))
        // The bytes are kept as they are: a decomposed name stays decomposed.
        let (directory, name) = ConsumerScanner.directoryAndName(of: "/mnt/cafe\u{301}/f\u{301}")!
        #expect(Array(directory.utf8) == Array("/mnt/cafe\u{301}".utf8) && Array(name.utf8) == Array("f\u{301}".utf8))
    }

    @Test func pathsTheWalkNeverMakesHaveNoName() {
        #expect(ConsumerScanner.directoryAndName(of: "/dev/hugepages/") == nil)
        #expect(ConsumerScanner.directoryAndName(of: "rtemap_0") == nil)
        #expect(ConsumerScanner.directoryAndName(of: "") == nil)
        #expect(ConsumerScanner.directoryAndName(of: "/dev/hugepages//rtemap_0") == nil)
        #expect(ConsumerScanner.directoryAndName(of: "//rtemap_0") == nil)
    }

    @Test func sameBytesComparesBytesNotCharacters() {
        for (string, other, same) in [("/mnt/h", "/mnt/h", true), ("/mnt/h", "/mnt/hh", false), ("", "", true),
                                      ("/mnt/caf\u{E9}", "/mnt/cafe\u{301}", false), ("/mnt/a", "/mnt/b", false)] {
            let bytes = Array(other.utf8)
            #expect(bytes.withUnsafeBufferPointer { ConsumerScanner.sameBytes(string, $0) } == same, "\(string) \(other)")
        }
    }

    @Test func theWalksPathComesBack() {
        for path in ["/dev/hugepages/rtemap_0", "/a/b/c", "/x", "/mnt/h/a b (deleted)"] {
            let (directory, name) = ConsumerScanner.directoryAndName(of: path)!
            #expect((directory == "/" ? "" : directory) + "/" + name == path)
        }
    }
}
