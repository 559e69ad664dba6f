import HugectlTestSupport
import Testing
@testable import HugectlCore

/// `PathTable`, the manifest's byte-keyed table of `stat` and `link` answers, answers as the
/// `[String: Value]` it replaced: thousands of random inserts, overwrites, removals and
/// lookups (present, absent, prefixes and extensions of present paths, `prefix` + `name`
/// joined), checked against a dictionary after every step; and a manifest's tables keep
/// what its lines said through `serialized()` and `parse`.
@Suite("Byte-keyed path table")
struct PathTableTests {
    /// Paths from a small alphabet, so that they collide, share prefixes and repeat; some
    /// non-ASCII, some empty, some longer than a stack buffer would hold.
    static func path(_ generator: inout SplitMix) -> String {
        let pieces = ["/proc/", "5000", "/fd/", "1", "2", "10", "/dev/hugepages/", "rtemap_", "é", "\u{7F}", " ", "x"]
        var path = ""
        for _ in 0..<Int.random(in: 0...6, using: &generator) { path += pieces.randomElement(using: &generator)! }
        if Int.random(in: 0..<200, using: &generator) == 0 { path += String(repeating: "y", count: 5000) }
        return path
    }

    @Test func answersAsADictionaryOfStrings() {
        var generator = SplitMix(seed: 20261204)
        var table = PathTable<Int>()
        var reference: [String: Int] = [:]
        for step in 0..<20_000 {
            let key = Self.path(&generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<5:
                table[key] = step
                reference[key] = step
            case 5:
                table[key] = nil
                reference[key] = nil
            default:
                #expect(table[key] == reference[key], "\(key)")
            }
            // A prefix of the key and the key with more after it: neither is the key.
            let cut = key.index(key.startIndex, offsetBy: Int.random(in: 0...key.count, using: &generator))
            let head = String(key[..<cut]), tail = String(key[cut...])
            #expect(table.value(prefix: head, name: tail) == reference[key])
            #expect(table[head] == reference[head])
            #expect(table[key + "/"] == reference[key + "/"])
            #expect(table.count == reference.count)
            #expect(table.isEmpty == reference.isEmpty)
        }
        #expect(table.sorted().map(\.key) == reference.keys.sorted())
        #expect(table.sorted().map(\.value) == reference.sorted { $0.key < $1.key }.map(\.value))
        #expect(table == PathTable(reference))
        #expect(table != PathTable(reference.filter { $0.value % 2 == 0 }))
    }

    /// Paths inserted in ascending byte order (as a manifest lists them) keep the table a sorted
    /// array; looked up in order through a hint, out of order, overwritten and removed, then
    /// turned into a hash table by a path out of order: it answers as the dictionary does
    /// throughout.
    @Test func orderedThenHashed() {
        var generator = SplitMix(seed: 77)
        var keys = Set<[UInt8]>()
        while keys.count < 3000 { keys.insert(Array(Self.path(&generator).utf8)) }
        let ordered = keys.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
        var table = PathTable<Int>()
        var reference: [String: Int] = [:]
        func check(_ key: String) {
            #expect(table[key] == reference[key], "\(key)")
        }
        for (index, key) in ordered.enumerated() {
            table[key] = index
            reference[key] = index
            if index % 7 == 0 {
                let other = ordered[Int.random(in: 0...index, using: &generator)]
                let value = Bool.random(using: &generator) ? nil : -index
                table[other] = value
                reference[other] = value
            }
            check(ordered[Int.random(in: 0..<ordered.count, using: &generator)])
        }
        // In order, but some paths skipped and some absent ones asked for between them.
        var hint = -1
        for key in ordered where Int.random(in: 0..<3, using: &generator) > 0 {
            let cut = key.index(key.startIndex, offsetBy: key.count / 2)
            #expect(table.value(prefix: String(key[..<cut]), name: String(key[cut...]), hint: &hint) == reference[key])
            if Bool.random(using: &generator) { #expect(table.value(prefix: key, name: "\u{7F}~", hint: &hint) == nil) }
        }
        #expect(table.count == reference.count)
        for step in 0..<3000 {
            let key = Self.path(&generator)
            table[key] = step
            reference[key] = step
            check(ordered[Int.random(in: 0..<ordered.count, using: &generator)])
            check(key)
        }
        hint = -1
        for key in ordered where Bool.random(using: &generator) {
            #expect(table.value(prefix: "", name: key, hint: &hint) == reference[key])
        }
        #expect(table.count == reference.count)
        #expect(table == PathTable(reference))
        #expect(table.sorted().map(\.key) == reference.keys.sorted())
    }

    @Test func equalityIgnoresInsertionOrderAndRemovedPaths() {
        var first: PathTable<String> = ["/a": "1", "/b": "2"]
        var second: PathTable<String> = ["/b": "2", "/c": "3", "/a": "1"]
        #expect(first != second)
        second["/c"] = nil
        #expect(first == second)
        first["/a"] = "0"
        #expect(first != second)
        #expect(PathTable<String>() == [:])
    }

    /// The parser's in-place path (`HotLines`) and the general one give the same tables; paths
    /// with escapes and non-ASCII bytes are keyed by what they decode to.
    @Test func manifestTablesRoundTrip() {
        var manifest = SnapshotManifest()
        let status = FileStatus(device: DeviceNumber(major: 0, minor: 39), inode: 7, mode: 0o100600,
                                size: 2097152, blocks: 4096, blockSize: 2097152)
        for fd in 0..<3000 {
            manifest.links["/proc/5000/fd/\(fd)"] = "/dev/hugepages/rtemap_\(fd)"
            manifest.statuses["/proc/5000/fd/\(fd)"] = status
        }
        manifest.links["/dev/huge pages/é\\x"] = "/memfd:a b (deleted)"
        manifest.statuses["/dev/huge pages/é\\x"] = status
        let parsed = SnapshotManifest.parse(Array(manifest.serialized().utf8))
        #expect(parsed == manifest)
        #expect(parsed.problems.isEmpty)
        #expect(parsed.links["/dev/huge pages/é\\x"] == "/memfd:a b (deleted)")
        #expect(parsed.statuses.value(prefix: "/proc/5000/fd/", name: "2999") == status)
        #expect(parsed.links.value(prefix: "/proc/5000/fd/", name: "3000") == nil)
        // A line that is not as written (a stat key out of order) is read the general way.
        let odd = SnapshotManifest.parse(Array("stat /x ino=7 dev=0:39 mode=100600 size=1 blocks=0 blksize=2097152\n".utf8))
        #expect(odd.statuses["/x"]?.inode == 7)
    }

    /// The in-place reader of `link` and `stat` lines takes exactly what the general reader
    /// takes, with the same answer: each of thousands of damaged lines is parsed as it is and
    /// with its first space made a tab (which the in-place reader declines and the general
    /// one splits on alike).
    @Test func inPlaceLinesAgreeWithTheGeneralReader() {
        let lines = ["stat /proc/5000/fd/10 dev=0:39 ino=200000 mode=100600 size=2097152 blocks=4096 blksize=2097152",
                     "link /proc/5000/fd/10 /dev/hugepages/rtemap_0",
                     "link /proc/1/fd/3 /memfd:x\\040y\\134 (deleted)",
                     "stat /dev/h\\040p/\\303\\251 dev=4294967295:7 ino=18446744073709551615 mode=37777777777 size=1 blocks=0 blksize=1"]
        let alphabet = Array(" \t=:0123456789abdeiklmnoz/\\".utf8) + [0xFF, 0xC3, 0x0B]
        var generator = SplitMix(seed: 42)
        var taken = 0
        for index in 0..<6000 {
            var line = Array(lines[index % lines.count].utf8)
            generator.damage(&line, edits: 0...3, from: 5, alphabet: alphabet)
            var general = line
            general[4] = 0x09
            let inPlace = SnapshotManifest.parse(line + [0x0A])
            #expect(inPlace == SnapshotManifest.parse(general + [0x0A]), "\(String(decoding: line, as: UTF8.self))")
            if inPlace.problems.isEmpty { taken += 1 }
        }
        #expect(taken > 1000)
    }

    /// A large manifest's `stat` lines are read on a thread of their own (`parse(_:onTwoThreads:)`):
    /// the manifest, its problems and their order included, is the one read on one thread.
    @Test func twoThreadsReadWhatOneReads() {
        let lines = ["stat /proc/5000/fd/10 dev=0:39 ino=200000 mode=100600 size=2097152 blocks=4096 blksize=2097152",
                     "link /proc/5000/fd/10 /dev/hugepages/rtemap_0", " stat /x dev=0:1 ino=1 mode=0 size=0 blocks=0 blksize=1",
                     "stat", "stat\t/y", "statx /z", "list /proc 1 2 3", "error ENOENT /proc/9/maps", "# stat /c",
                     "statfs /dev/hugepages bsize=2097152 blocks=0 bfree=0 bavail=0 files=0 ffree=0", "format 1", "bogus"]
        let alphabet = Array(" \t=:0123456789abdeiklmnostz/".utf8) + [0xFF]
        var generator = SplitMix(seed: 9)
        var text: [UInt8] = []
        for index in 0..<20_000 {
            var line = Array(lines[Int.random(in: 0..<lines.count, using: &generator)].utf8)
            if index % 3 == 0 {
                let at = Int.random(in: 0...line.count, using: &generator)
                line.insert(alphabet.randomElement(using: &generator)!, at: at)
            }
            if index % 5 == 0 { line = Array("stat /proc/5000/fd/\(index) dev=0:39 ino=\(index) mode=100600 size=1 blocks=0 blksize=2097152".utf8) }
            text += line + [0x0A]
        }
        let one = SnapshotManifest.parse(text, onTwoThreads: false)
        let two = SnapshotManifest.parse(text, onTwoThreads: true)
        #expect(two == one)
        #expect(one.problems.count > 1000 && one.statuses.count > 4000 && !one.links.isEmpty)
        #expect(SnapshotManifest.parse(text) == one)
    }
}
