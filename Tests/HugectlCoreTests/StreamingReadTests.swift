import Foundation
import Glibc
import Testing
@testable import HugectlCore

// maps, smaps and numa_maps are read in pieces that end at line boundaries
// (`SystemSource.readLines`) and parsed by accumulators (`MapsParser.CandidateScan`,
// `SmapsParser.HugetlbScan`, `NumaMapsParser.EntryScan`). These tests hold the two halves to
// their contracts: any split gives the whole-text parse, and the reader's pieces are the file.

/// A parse result the tests can compare.
private struct Parsed<Items: Equatable, Problems: Equatable>: Equatable {
    var items: Items
    var problems: Problems
}

/// The offsets just after each newline, except the end: where a piece may end.
private func lineBoundaries(_ text: [UInt8]) -> [Int] {
    var result: [Int] = []
    for (index, byte) in text.enumerated() where byte == ASCII.newline && index + 1 < text.count {
        result.append(index + 1)
    }
    return result
}

/// `text` cut at `cuts` (sorted offsets), empty pieces left out as the reader leaves them out.
private func pieces(_ text: [UInt8], at cuts: [Int]) -> [Bytes] {
    var result: [Bytes] = []
    var start = 0
    for cut in cuts + [text.count] where cut > start {
        result.append(text[start..<cut])
        start = cut
    }
    return result
}

/// Every file the parsers read in the fixture trees, and the kernel captures whole (their
/// prose and section markers make good damage), with some hand-made damage.
private let corpus: [(name: String, text: [UInt8])] = {
    var files: [(String, [UInt8])] = []
    let names = Set(["maps", "smaps", "numa_maps"])
    if let walker = FileManager.default.enumerator(atPath: fixturesDirectory) {
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard names.contains(name) || relative.hasPrefix("kernel-captures/") else { continue }
            if let data = FileManager.default.contents(atPath: fixturesDirectory + "/" + relative) {
                files.append((relative, [UInt8](data)))
            }
        }
    }
    let damaged = """
        7f0000000000-7f0000400000 rw-s 00000000 00:11 5   /anon_hugepage (deleted)
        Size:               4096 kB

        KernelPageSize:     2048 kB
        Shared_Hugetlb:     oops kB
        Private_Hugetlb:    2048 kB
        no colon here
        VmFlags: rd wr sh mr mw me ms de ht
        7f1000000000-7f10zz000000 rw-s 00000000 00:11 6   /anon_hugepage (deleted)
        Size: 2048 kB
        VmFlags: ht


        7f2000000000-7f2000200000 rw-p 00000000 00:11 7   /anon_hugepage (deleted)
        Size:               2048 kB
        KernelPageSize:     2048 kB
        VmFlags: rd wr mr mw me de ht
        7f2000000000 bind:1-3 file=/mnt/h/db\\040file huge anon=3 dirty=3 N1=2 N3=1 kernelpagesize_kB=2048
        7f1000000000 frobnicate:0 file=/x huge
        zzzz default
        7f3000000000-7f3000200000 rw-s 00000000 00:27 9 /mnt/huge/file
        1-2 rw-s 0 0027 1 /x
        7f4000000000-7f4000200000 rw-s 00000000 00:11 8   /SYSV00000000 (deleted)
        Size:               2048 kB
        KernelPageSize:     2048 kB
        Shared_Hugetlb:     2048 kB
        VmFlags: rd wr sh ht
        """
    files.append(("hand-made damage", Array(damaged.utf8)))
    files.append(("hand-made damage + newline", Array((damaged + "\n").utf8)))
    files.append(("empty", []))
    files.append(("newlines only", Array("\n\n\n".utf8)))
    return files.sorted { $0.0 < $1.0 }
}()

/// The three accumulators, fed with `pieces`, in the forms the scanner uses them and without
/// filters. The devices make every line of the text a maps candidate (a full parse of each),
/// and half of the hugetlb VMAs are filtered out, so both paths of each parser are split.
private struct Parsers {
    let devices: Set<DeviceNumber>
    let smapsStarts: Set<UInt64>
    let numaStarts: Set<UInt64>

    init(_ text: [UInt8]) {
        var devices: Set<DeviceNumber> = []
        text[...].forEachLine { line in
            let fields = line.fields
            if fields.count >= 4, let device = DeviceNumber.parse(fields[3], hexadecimal: true) { devices.insert(device) }
        }
        self.devices = devices
        let vmas = SmapsParser.hugetlbVMAs(text[...]).vmas
        smapsStarts = Set(vmas.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.mapping.start))
        let numa = NumaMapsParser.parse(text[...]).entries
        numaStarts = Set(numa.enumerated().filter { $0.offset % 2 == 1 }.map(\.element.start))
    }

    func maps(_ pieces: [Bytes], devices: Set<DeviceNumber>) -> Parsed<[MapsEntry], [MapsLineProblem]> {
        var scan = MapsParser.CandidateScan(hugetlbfsDevices: devices)
        for piece in pieces { scan.feed(piece) }
        return Parsed(items: scan.result.entries, problems: scan.result.problems)
    }

    func smaps(_ pieces: [Bytes], onlyStarts: Set<UInt64>?) -> Parsed<[SmapsVMA], [String]> {
        var scan = SmapsParser.HugetlbScan(onlyStarts: onlyStarts)
        for piece in pieces { scan.feed(piece) }
        return Parsed(items: scan.result.vmas, problems: scan.result.problems)
    }

    func numa(_ pieces: [Bytes], onlyStarts: Set<UInt64>?) -> Parsed<[NumaMapsEntry], [String]> {
        var scan = NumaMapsParser.EntryScan(onlyStarts: onlyStarts)
        for piece in pieces { scan.feed(piece) }
        return Parsed(items: scan.result.entries, problems: scan.result.problems)
    }

    /// Every result for one way of cutting the text.
    func all(_ pieces: [Bytes]) -> AllParsed {
        AllParsed(
            maps: maps(pieces, devices: []), mapsEveryLine: maps(pieces, devices: devices),
            smaps: smaps(pieces, onlyStarts: nil), smapsFiltered: smaps(pieces, onlyStarts: smapsStarts),
            numa: numa(pieces, onlyStarts: nil), numaFiltered: numa(pieces, onlyStarts: numaStarts))
    }
}

private struct AllParsed: Equatable {
    var maps: Parsed<[MapsEntry], [MapsLineProblem]>
    var mapsEveryLine: Parsed<[MapsEntry], [MapsLineProblem]>
    var smaps: Parsed<[SmapsVMA], [String]>
    var smapsFiltered: Parsed<[SmapsVMA], [String]>
    var numa: Parsed<[NumaMapsEntry], [String]>
    var numaFiltered: Parsed<[NumaMapsEntry], [String]>

    /// Which of the six differ from `other`, for the failure message.
    func differences(from other: AllParsed) -> [String] {
        var result: [String] = []
        if maps != other.maps { result.append("maps: \(maps) vs \(other.maps)") }
        if mapsEveryLine != other.mapsEveryLine { result.append("maps (every line a candidate): \(mapsEveryLine) vs \(other.mapsEveryLine)") }
        if smaps != other.smaps { result.append("smaps: \(smaps) vs \(other.smaps)") }
        if smapsFiltered != other.smapsFiltered { result.append("smaps (filtered): \(smapsFiltered) vs \(other.smapsFiltered)") }
        if numa != other.numa { result.append("numa_maps: \(numa) vs \(other.numa)") }
        if numaFiltered != other.numaFiltered { result.append("numa_maps (filtered): \(numaFiltered) vs \(other.numaFiltered)") }
        return result
    }
}

@Suite("Streaming parsers: any split at line boundaries gives the whole-text parse")
struct StreamingParserTests {
    /// The whole-text functions (what the fuzz targets and older tests call) and the
    /// accumulators fed one piece agree, and the corpus is not vacuous.
    @Test func wholeTextFunctionsAreTheAccumulators() {
        var vmas = 0, problems = 0, candidates = 0, numa = 0
        for (name, text) in corpus {
            let parsers = Parsers(text)
            let whole = pieces(text, at: [])
            let smaps = SmapsParser.hugetlbVMAs(text[...], onlyStarts: parsers.smapsStarts)
            #expect(Parsed(items: smaps.vmas, problems: smaps.problems) == parsers.smaps(whole, onlyStarts: parsers.smapsStarts), "\(name)")
            let maps = MapsParser.candidates(text[...], hugetlbfsDevices: parsers.devices)
            #expect(Parsed(items: maps.entries, problems: maps.problems) == parsers.maps(whole, devices: parsers.devices), "\(name)")
            let numaParsed = NumaMapsParser.parse(text[...])
            #expect(Parsed(items: numaParsed.entries, problems: numaParsed.problems) == parsers.numa(whole, onlyStarts: nil), "\(name)")
            let all = SmapsParser.hugetlbVMAs(text[...])
            vmas += all.vmas.count
            problems += all.problems.count + maps.problems.count + numaParsed.problems.count
            candidates += maps.entries.count
            numa += numaParsed.entries.count
        }
        #expect(corpus.count > 100, "the fixture trees' maps, smaps and numa_maps were found")
        #expect(vmas >= 15 && problems > 50 && candidates > 500 && numa > 20,
                "vmas \(vmas), problems \(problems), candidates \(candidates), numa entries \(numa)")
    }

    /// Two pieces, cut at every line boundary of every text: mid-entry for smaps wherever an
    /// entry has more than one line. Line numbers in problems are part of the comparison.
    @Test func everySingleCutGivesTheWholeParse() {
        for (name, text) in corpus {
            let parsers = Parsers(text)
            let expected = parsers.all(pieces(text, at: []))
            for cut in lineBoundaries(text) {
                let got = parsers.all(pieces(text, at: [cut]))
                if got != expected {
                    Issue.record("\(name): cut at byte \(cut) changes the parse:\n\(got.differences(from: expected))")
                    break
                }
            }
        }
    }

    /// One line a piece, and many random cuts (seeded: a failure names its seed).
    @Test func everyLineAPieceAndRandomCutsGiveTheWholeParse() {
        var generator = SplitMix(seed: 0x5EED_2026)
        for (name, text) in corpus {
            let parsers = Parsers(text)
            let expected = parsers.all(pieces(text, at: []))
            let boundaries = lineBoundaries(text)
            #expect(parsers.all(pieces(text, at: boundaries)) == expected, "\(name): one line a piece")
            guard !boundaries.isEmpty else { continue }
            for round in 0..<20 {
                let count = Int.random(in: 1...max(1, boundaries.count / 2), using: &generator)
                let cuts = Set((0..<count).map { _ in boundaries[Int.random(in: 0..<boundaries.count, using: &generator)] })
                let got = parsers.all(pieces(text, at: cuts.sorted()))
                if got != expected {
                    Issue.record("\(name): round \(round), cuts \(cuts.sorted()) change the parse:\n\(got.differences(from: expected))")
                    break
                }
            }
        }
    }

    /// A last line without a newline ends the text, however the text is cut.
    @Test func lastLineWithoutNewlineCounts() {
        let text = Array("7f0000000000-7f0000200000 rw-p 00000000 00:11 7 /anon_hugepage (deleted)\nSize: 2048 kB\nKernelPageSize: 2048 kB\nVmFlags: rd wr ht".utf8)
        for cuts in [[], lineBoundaries(text)] {
            var scan = SmapsParser.HugetlbScan()
            for piece in pieces(text, at: cuts) { scan.feed(piece) }
            #expect(scan.result.vmas.count == 1 && scan.result.vmas.first?.kernelPageSizeKB == 2048)
            #expect(scan.lineCount == 4)
        }
        var maps = MapsParser.CandidateScan(hugetlbfsDevices: [])
        maps.feed(text[0..<(text.firstIndex(of: ASCII.newline) ?? 0)])
        #expect(maps.result.entries.count == 1 && maps.lineCount == 1)
    }
}

@Suite("Streaming reads: SystemRoot.readLines hands over the file in whole lines")
struct StreamingReadTests {
    /// Reads `path` through `readFileInLines` with `bufferSize` and checks the pieces against
    /// the contract; returns them put together.
    private func streamed(_ path: String, limit: Int = 1 << 30, bufferSize: Int,
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        var joined: [UInt8] = []
        var pieces: [Bytes] = []
        try readFileInLines(path, limit: limit, bufferSize: bufferSize) { piece in
            pieces.append(piece)
            joined += piece
        }
        for (index, piece) in pieces.enumerated() {
            #expect(!piece.isEmpty, "piece \(index) is empty", sourceLocation: sourceLocation)
            if index < pieces.count - 1 {
                #expect(piece.last == ASCII.newline, "piece \(index) of \(pieces.count) does not end a line",
                        sourceLocation: sourceLocation)
            }
            // A newline is only ever the piece's last byte or a line inside it: the piece
            // starts where a line starts.
            if index > 0 {
                #expect(pieces[index - 1].last == ASCII.newline, sourceLocation: sourceLocation)
            }
        }
        return joined
    }

    private func write(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The cases the brief names, at the real buffer size and at tiny ones that make every
    /// file long: empty, no final newline, lines longer than the buffer, exactly a buffer.
    @Test func piecesPutTogetherAreTheFile() throws {
        let buffer = SystemRoot.streamBufferSize
        let line64 = Array(repeating: UInt8(ascii: "x"), count: 63) + [ASCII.newline]
        var cases: [(String, [UInt8])] = [
            ("empty", []),
            ("one newline", [ASCII.newline]),
            ("no final newline", Array("a\nbb\nccc".utf8)),
            ("empty lines", Array("\n\na\n\n\nb\n\n".utf8)),
            ("exactly a buffer of lines", Array(repeatElement(line64, count: buffer / 64).joined())),
            ("exactly a buffer, no newline", Array(repeating: UInt8(ascii: "y"), count: buffer)),
            ("a buffer less one, then newline", Array(repeating: UInt8(ascii: "y"), count: buffer - 1) + [ASCII.newline]),
            ("a buffer plus one", Array(repeatElement(line64, count: buffer / 64).joined()) + [UInt8(ascii: "z")]),
            ("a line of 3.5 buffers between short lines",
             Array("short\n".utf8) + Array(repeating: UInt8(ascii: "L"), count: buffer * 7 / 2) + Array("\nend\n".utf8)),
            ("a long last line without newline",
             Array("short\n".utf8) + Array(repeating: UInt8(ascii: "L"), count: buffer * 2 + 17)),
        ]
        var generator = SplitMix(seed: 42)
        var random: [UInt8] = []
        while random.count < 5 * buffer {
            let length = Bool.random(using: &generator) ? Int.random(in: 0...120, using: &generator)
                                                         : Int.random(in: 0...(buffer + 300), using: &generator)
            random += repeatElement(UInt8.random(in: 0x20...0x7e, using: &generator), count: length)
            random.append(ASCII.newline)
        }
        cases.append(("random line lengths", random))
        try withTemporaryDirectory { dir in
            for (index, (name, bytes)) in cases.enumerated() {
                let path = dir + "/case\(index)"
                try write(path, bytes)
                for size in [buffer, 1, 2, 3, 7, 64, 4096] {
                    let joined = try streamed(path, bufferSize: size)
                    let same = joined == bytes  // not in #expect: it would print both arrays
                    #expect(same, "\(name), buffer \(size): \(joined.count) bytes back of \(bytes.count)")
                }
                // Through the root, as the scanner reads, and against `read`.
                let root = try SystemRoot.open(dir)
                var viaRoot: [UInt8] = []
                var count = 0
                try root.readLines("/case\(index)", limit: 1 << 30) { viaRoot += $0; count += 1 }
                let same = viaRoot == (try root.read("/case\(index)", limit: 1 << 30))
                #expect(same, "\(name): readLines gave \(viaRoot.count) bytes")
                if bytes.isEmpty { #expect(count == 0, "an empty file has no piece") }
            }
        }
    }

    /// The bound and the errors are `read`'s: the same `ReadError` for the same file.
    @Test func limitAndErrorsAreThoseOfRead() throws {
        try withTemporaryDirectory { dir in
            let root = try SystemRoot.open(dir)
            try write(dir + "/lines", Array(repeatElement(Array("0123456789\n".utf8), count: 1000).joined()))
            try write(dir + "/oneline", Array(repeating: UInt8(ascii: "a"), count: 11_000))
            try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
            #expect(mkfifo(dir + "/fifo", 0o600) == 0)
            #expect(symlink("loop", dir + "/loop") == 0)
            func outcome(_ body: () throws(ReadError) -> Void) -> ReadError? {
                do { try body(); return nil } catch { return error }
            }
            for (path, limit) in [("/lines", 4096), ("/lines", 10_999), ("/lines", 11_000), ("/oneline", 5000),
                                  ("/oneline", 10_999), ("/oneline", 11_000), ("/d", 4096), ("/fifo", 4096),
                                  ("/loop", 4096), ("/missing", 4096), ("/lines", 0)] {
                let byRead = outcome { () throws(ReadError) in _ = try root.read(path, limit: limit) }
                var got = 0
                let byLines = outcome { () throws(ReadError) in try root.readLines(path, limit: limit) { got += $0.count } }
                #expect(byLines == byRead, "\(path) limit \(limit): readLines \(String(describing: byLines)), read \(String(describing: byRead))")
                if byRead == nil { #expect(got == 11_000, "\(path) limit \(limit)") }
            }
            #expect(outcome { () throws(ReadError) in try root.readLines("/lines", limit: 10_999) { _ in } }
                    == ReadError(path: "/lines", failure: .tooLarge(limit: 10_999)))
            // A long line is bounded too, whatever the buffer: it never grows past the limit.
            for size in [1, 100, 4096, 1 << 16] {
                #expect(throws: ReadFailure.tooLarge(limit: 5000)) {
                    try readFileInLines(dir + "/oneline", limit: 5000, bufferSize: size) { _ in }
                }
            }
        }
        // A snapshot's recorded error is replayed by readLines as by read.
        try withTemporaryDirectory { dir in
            try writeTree(dir, ["/hugectl/manifest": "format 1\nerror EACCES /proc/7/smaps\n", "/proc/7/smaps": "x\n"])
            let replay = try SystemRoot.open(dir)
            #expect(throws: ReadError(path: "/proc/7/smaps", failure: .system(.permissionDenied))) {
                try replay.readLines("/proc/7/smaps", limit: 4096) { _ in }
            }
        }
    }

    /// A real seq_file: the pieces of this process's smaps are whole lines, and parse.
    @Test func procSelfSmapsComesInWholeLines() throws {
        var pieces = 0
        var bytes = 0
        var scan = SmapsParser.HugetlbScan()
        try SystemRoot.live().readLines("/proc/self/smaps", limit: 64 << 20) { piece in
            pieces += 1
            bytes += piece.count
            #expect(piece.last == ASCII.newline, "seq_file text ends every line")
            scan.feed(piece)
        }
        #expect(bytes > 8192 && pieces >= 1)
        #expect(scan.result.problems.isEmpty)
        var maps = MapsParser.CandidateScan(hugetlbfsDevices: [])
        try SystemRoot.live().readLines("/proc/self/maps", limit: 64 << 20) { maps.feed($0) }
        #expect(maps.lineCount > 10 && maps.result.problems.isEmpty)
    }
}

/// A tree whose files fail part-way: `failing` gets `piecesBefore` of its lines (one line a
/// piece) and then the error, as a process exiting during the read gives. Everything else
/// comes from the tree.
private final class FailingPartWay: ForwardingSource, @unchecked Sendable {
    let failing: String
    let piecesBefore: Int
    let failure: ReadFailure

    init(_ inner: SystemRoot, failing: String, piecesBefore: Int, failure: ReadFailure) {
        self.failing = failing
        self.piecesBefore = piecesBefore
        self.failure = failure
        super.init(inner)
    }

    override func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        if path == failing { throw ReadError(path: path, failure: failure) }
        return try inner.read(path, limit: limit)
    }

    override func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        guard path == failing else { return try inner.readLines(path, limit: limit, body) }
        let bytes = try inner.read(path, limit: limit)
        let cuts = lineBoundaries(bytes)
        for (index, piece) in pieces(bytes, at: cuts).enumerated() where index < piecesBefore { body(piece) }
        throw ReadError(path: path, failure: failure)
    }
}

/// Passes every call to `inner` but `readLines`, which reads as the protocol's default does
/// (`readWhole`: the whole file through `read`, one piece): the reading the scanner did before
/// streaming.
private final class WholeReads: ForwardingSource, @unchecked Sendable {
    override func readLines(_ path: String, limit: Int, _ body: (Bytes) -> Void) throws(ReadError) {
        try readWhole(path, limit: limit, body)
    }
}

@Suite("The process scan over streamed files")
struct StreamingScanTests {
    /// A file that fails part-way counts as a file that could not be read at all: nothing
    /// parsed from its first pieces survives, for maps, smaps and numa_maps alike, whether the
    /// process vanished (ESRCH) or the read was refused (EACCES).
    @Test func failurePartWayIsAllOrNothing() throws {
        let tree = fixturesDirectory + "/shortfall-2node"
        let root = try SystemRoot.open(tree)
        let baseline = try SnapshotCollector.collect(from: root)
        #expect(baseline.consumers.processes.map(\.pid) == [4001, 4002])
        for name in ["maps", "smaps", "numa_maps"] {
            let path = "/proc/4001/\(name)"
            let lines = try root.read(path).filter { $0 == ASCII.newline }.count
            for failure in [ReadFailure.system(.noSuchProcess), .system(.permissionDenied)] {
                let none = try SnapshotCollector.collect(
                    from: FailingPartWay(root, failing: path, piecesBefore: 0, failure: failure))
                #expect(none.consumers != baseline.consumers, "\(path): failing changes the scan")
                for before in 1...lines {
                    let partWay = try SnapshotCollector.collect(
                        from: FailingPartWay(root, failing: path, piecesBefore: before, failure: failure))
                    #expect(partWay.consumers == none.consumers, "\(path) \(failure) after \(before) of \(lines) lines")
                    #expect(partWay.warnings == none.warnings, "\(path) \(failure) after \(before) of \(lines) lines")
                }
            }
        }
        // What each failure means, as before streaming.
        let maps = try SnapshotCollector.collect(
            from: FailingPartWay(root, failing: "/proc/4001/maps", piecesBefore: 1, failure: .system(.noSuchProcess)))
        #expect(maps.consumers.processes.map(\.pid) == [4002])
        #expect(maps.consumers.scan.vanished == 1 && maps.consumers.scan.unreadable.isEmpty)
        #expect(maps.consumers.scan.processesScanned == baseline.consumers.scan.processesScanned - 1)
        let smaps = try SnapshotCollector.collect(
            from: FailingPartWay(root, failing: "/proc/4001/smaps", piecesBefore: 10, failure: .system(.permissionDenied)))
        #expect(smaps.consumers.processes.map(\.pid) == [4002])
        #expect(smaps.consumers.scan.unreadable == [.init(pid: 4001, path: "/proc/4001/smaps", reason: "Permission denied")])
        let numa = try SnapshotCollector.collect(
            from: FailingPartWay(root, failing: "/proc/4001/numa_maps", piecesBefore: 1, failure: .system(.noSuchProcess)))
        let mapping = try #require(numa.consumers.processes.first?.mappings.first)
        #expect(mapping.policy == nil && mapping.nodePages.isEmpty, "numa_maps counts wholly or not at all")
        #expect(baseline.consumers.processes.first?.mappings.first?.policy == MemoryPolicy(mode: .bind, nodes: [1]))
    }

    /// Streaming changes nothing a tree says: every fixture tree collected through
    /// `SystemRoot.readLines` gives what whole reads (the protocol's default) give.
    @Test func everyFixtureTreeScansAsWithWholeReads() throws {
        let trees = try FileManager.default.contentsOfDirectory(atPath: fixturesDirectory).sorted().filter {
            FileManager.default.fileExists(atPath: fixturesDirectory + "/\($0)/proc/meminfo")
        }
        #expect(trees.count >= 6)
        var processes = 0
        for tree in trees {
            let root = try SystemRoot.open(fixturesDirectory + "/" + tree)
            let streamed = try SnapshotCollector.collect(from: root)
            let whole = try SnapshotCollector.collect(from: WholeReads(root))
            #expect(streamed.consumers == whole.consumers, "\(tree)")
            #expect(streamed.warnings == whole.warnings, "\(tree)")
            processes += streamed.consumers.processes.count
        }
        #expect(processes > 5)
    }

    /// `hugectl snapshot` records the files the scan streamed exactly as it recorded them when
    /// they were read whole: RecordingSource takes the default `readLines`, through its `read`.
    @Test func recordingKeepsWholeFilesOfStreamedReads() throws {
        let tree = fixturesDirectory + "/host-1node"
        let recorder = RecordingSource(try SystemRoot.open(tree))
        _ = try SnapshotCollector.collect(from: recorder)
        let streamedFiles = recorder.files.keys.filter {
            $0.hasSuffix("/maps") || $0.hasSuffix("/smaps") || $0.hasSuffix("/numa_maps")
        }
        #expect(streamedFiles.count > 20)
        for path in streamedFiles {
            let onDisk = FileManager.default.contents(atPath: tree + path).map { [UInt8]($0) }
            #expect(recorder.files[path] == onDisk, "\(path)")
        }
        let wholeRecorder = RecordingSource(WholeReads(try SystemRoot.open(tree)))
        _ = try SnapshotCollector.collect(from: wholeRecorder)
        #expect(recorder.files == wholeRecorder.files)
        #expect(recorder.errors == wholeRecorder.errors)
        // Pieces through the recorder are the file, and it keeps the file whole.
        let one = RecordingSource(try SystemRoot.open(tree))
        let path = try #require(streamedFiles.first { $0.hasSuffix("/smaps") })
        var joined: [UInt8] = []
        try one.readLines(path, limit: 1 << 20) { joined += $0 }
        #expect(joined == one.files[path] && !joined.isEmpty)
    }
}
