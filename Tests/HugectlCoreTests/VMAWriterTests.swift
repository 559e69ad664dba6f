import Testing
@testable import HugectlCore

/// The direct writer of `vmas` (`VMAWriter`, issue 14) writes the bytes the generic path
/// writes: the objects `VMAEncoder` makes (with the aliases `Vocabulary` appends), written by
/// `JSON`'s writer, at every indentation and on one line.
@Suite("VMA writer")
struct VMAWriterTests {
    /// Mappings that differ in every member, and runs of mappings that share their policy,
    /// node counts, device and kind (the writer repeats the bytes of those).
    static var mappings: [HugetlbMapping] {
        let paths: [String?] = [
            "/dev/hugepages/rtemap_0", nil, "/dev/hugepages/a \"quoted\" name", "/x/back\\slash",
            "/x/new\nline\ttab\r", "/x/\u{01}\u{1F}\u{7F}\u{9B}c1", String(decoding: [0x2F, 0xFF, 0xC3, 0x28, 0x80], as: UTF8.self),
            "/x/é✓ 日本", "", "/anon_hugepage",
        ]
        let policies: [MemoryPolicy?] = [
            nil, MemoryPolicy(mode: .bind, nodes: [1]), MemoryPolicy(mode: .interleave, nodes: [0, 1, 3], flags: ["static"]),
            MemoryPolicy(mode: .default), MemoryPolicy(mode: .preferredMany, nodes: [], flags: ["relative", "bal\"an\u{1}cing"]),
        ]
        let nodePages: [[Int: Int]] = [[:], [0: 3], [1: 2, 0: 1], [7: 0, 2: 1 << 40]]
        let devices = [DeviceNumber(major: 0, minor: 0x11), DeviceNumber(major: 0x103, minor: 0xfffff),
                       DeviceNumber(major: 0, minor: 0)]
        let starts: [UInt64] = [0, 1, 0xf, 0x10, 0x7f3a_0000_0000, UInt64.max, 1 << 63]
        var result: [HugetlbMapping] = []
        for index in 0..<120 {
            let kind = MappingKind.allCases[index % MappingKind.allCases.count]
            let inode: UInt64 = index % 11 == 0 ? UInt64.max : UInt64(index * 7919)
            // Runs of three share what the writer shares.
            let run = index / 3
            var m = HugetlbMapping(
                start: starts[index % starts.count], end: starts[(index + 3) % starts.count] &+ 0x20_0000,
                pageSizeKB: index % 4 == 0 ? 1_048_576 : 2048, kind: kind, path: paths[index % paths.count],
                object: ObjectID(device: devices[run % devices.count], inode: inode),
                shared: index % 2 == 0, noreserve: index % 5 == 0, pages: index * 3 - 7, faultedPages: index % 9,
                reservedPending: index % 4 == 1 ? -2 : index, inherited: index % 6 == 0,
                policy: policies[run % policies.count], nodePages: nodePages[run % nodePages.count])
            m.deleted = index % 3 == 0
            m.followsThreadPolicy = index % 7 == 0
            m.reservedPendingEstimated = index % 8 == 0
            result.append(m)
        }
        return result
    }

    /// The first line where the two texts differ, for a readable failure.
    func expectSameText(_ value: JSON, _ label: String) {
        let generic = value.materialized
        for (written, expected) in [(value.serialized(), generic.serialized()), (value.compact(), generic.compact())] {
            let same = written == expected
            let lines = (written.split(separator: "\n", omittingEmptySubsequences: false),
                         expected.split(separator: "\n", omittingEmptySubsequences: false))
            let at = zip(lines.0, lines.1).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(lines.0.count, lines.1.count)
            let shown = { (text: [Substring]) in at < text.count ? String(text[at].prefix(300)) : "(end)" }
            #expect(same, "\(label): line \(at + 1): \(shown(lines.0)) instead of \(shown(lines.1))")
        }
    }

    @Test func sameBytesAsTheGenericPath() {
        let mappings = Self.mappings
        expectSameText(.vmas(mappings), "top level")
        expectSameText(.vmas([mappings[4]]), "one mapping")
        expectSameText(.vmas([]), "none")
        // In a process of the status document, and deeper.
        var nested = JSON.object([("processes", .array([.object([("pid", .int(1)), ("vmas", .vmas(mappings))])]))])
        expectSameText(nested, "in a document")
        for _ in 0..<30 { nested = .object([("k", nested), ("v", .vmas(Array(mappings.prefix(5))))]) }
        expectSameText(nested, "deeply nested")
    }

    /// Each mapping alone, so that the bytes shared with a previous mapping are never reused:
    /// a writer that failed to make them again would differ here or above.
    @Test func eachMappingAloneAndReversed() {
        let mappings = Self.mappings
        for (index, m) in mappings.enumerated() { expectSameText(.vmas([m]), "mapping \(index)") }
        expectSameText(.vmas(mappings.reversed()), "reversed")
    }

    /// A process's open objects and a finding's mappings, written as rows, are the text of
    /// their objects written by the generic writer.
    @Test func openObjectsAndFindingVMAs() {
        let ids = Self.mappings.map(\.object) + [ObjectID(device: DeviceNumber(major: 0xfff, minor: 0xff), inode: 0)]
        let vmas = Self.mappings.enumerated().map { Finding.VMA(pid: $0.offset % 4 == 0 ? -$0.offset : $0.offset, start: $0.element.start) }
        for rows in [JSON.rows(JSONRows(.openObjects(ids))), .rows(JSONRows(.findingVMAs(vmas)))] {
            expectSameText(rows, "top level")
            expectSameText(.object([("a", .array([.object([("b", rows), ("c", .int(1))])]))]), "nested")
        }
        expectSameText(.rows(JSONRows(.openObjects([]))), "none")
        expectSameText(.rows(JSONRows(.findingVMAs(Array(vmas.prefix(1))))), "one")
    }

    /// The rows written straight to bytes get no alias (`Vocabulary.addingNewNames` passes
    /// them over): none may be defined under them but the ones `VMAWriter` writes.
    @Test func noAliasUnderTheRows() {
        let locations = Set(Vocabulary.aliases.map(\.location))
        #expect(locations.filter { $0.hasPrefix("$.processes[].vmas[]") } == ["$.processes[].vmas[]"])
        #expect(!locations.contains { $0.hasPrefix("$.processes[].open_objects") || $0.hasPrefix("$.findings") })
    }

    /// The generic path still has the members the writer writes; a new alias or member of
    /// `$.processes[].vmas[]` changes its text, and the comparison above then fails.
    @Test func theKeysAreTheDocumentedOnes() {
        guard case .array(let objects) = JSON.vmas(Array(Self.mappings.prefix(1))).materialized,
              case .object(let members)? = objects.first else {
            Issue.record("no object")
            return
        }
        #expect(members.map(\.0) == ["start", "end", "page_size_kb", "kind", "path", "deleted", "device", "inode", "shared",
                                     "noreserve", "pages", "faulted_pages", "reserved_pending", "inherited", "policy",
                                     "node_pages", "follows_thread_policy", "reserved_pending_estimated",
                                     "reserved_pending_pages", "nodes"])
    }
}
