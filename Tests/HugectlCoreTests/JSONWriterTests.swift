import Testing
@testable import HugectlCore

/// The JSON writer (issue 14: a 60,000-mapping document written in a fraction of a second)
/// writes what `String(value)` and the escaping rules of docs/json.md say, and its pieces
/// are the whole text.
@Suite("JSON writer")
struct JSONWriterTests {
    @Test func integersAsStringWritesThem() {
        let values = [0, 9, 10, -1, -9, -10, 42, 2048, 1 << 54, Int.max, Int.min, 100_000_000_000_000_000]
        #expect(JSON.array(values.map { .int($0) }).compact() == "[" + values.map { String($0) }.joined(separator: ", ") + "]")
    }

    @Test func stringsEscapedAsDocumented() {
        let text = "plain \"quoted\" back\\slash\n\r\t\u{01}\u{7F}\u{9B}é✓"
        #expect(JSON.string(text).compact() == #""plain \"quoted\" back\\slash\n\r\t\u0001\u007f\u009bé✓""#)
        #expect(JSON.string("/dev/hugepages/rtemap_0").compact() == #""/dev/hugepages/rtemap_0""#)
    }

    /// Every scalar up to U+00FF: the named escapes, `\u00XX` for exactly C0, DEL and C1
    /// (docs/threat-model.md), itself otherwise. The set written out is literal here, not
    /// the shared `String.isControl` the writer uses, so a change to either shows.
    @Test func controlEscapeSetIsC0DelC1() {
        let named: [UInt32: String] = [0x22: #"\""#, 0x5C: #"\\"#, 0x0A: #"\n"#, 0x0D: #"\r"#, 0x09: #"\t"#]
        for value in UInt32(0)...0xFF {
            let scalar = Unicode.Scalar(value)!
            let hex = String(value, radix: 16)
            let expected = named[value] ?? (value < 0x20 || (0x7F...0x9F).contains(value)
                ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex : String(scalar))
            #expect(JSON.string(String(scalar)).compact() == "\"" + expected + "\"", "U+\(hex)")
        }
    }

    @Test func deepIndentation() {
        var value = JSON.object([("leaf", .int(1))])
        for _ in 0..<40 { value = .object([("k", value)]) }
        let text = value.serialized()
        let line = text.split(separator: "\n").first { $0.contains("leaf") }
        #expect(line == Substring(String(repeating: " ", count: 82) + "\"leaf\": 1"))
    }

    /// A document of many objects comes in several pieces that, joined, are `serialized()`.
    @Test func piecesAreTheWholeText() {
        let items = (0..<20_000).map { index in
            JSON.object([("start", .string(String(index, radix: 16))), ("pages", .int(index)), ("nodes", .ints([0, 1]))])
        }
        let document = JSON.object([("vmas", .array(items)), ("end", .bool(true))])
        var pieces: [[UInt8]] = []
        document.serialized { pieces.append(Array($0)) }
        #expect(pieces.count > 1)
        #expect(String(decoding: pieces.joined(), as: UTF8.self) == document.serialized())
    }

    /// A report's text for `--watch` is the document indented, or on one line with `compactJSON`
    /// (one JSON Lines record); printed once, the same document goes out in pieces
    /// (`Terminal.out(_:)`), as above. The texts are written out here, not made by the writer.
    @Test func aReportsTextIsItsDocument() {
        let document = JSON.object([("pid", .int(7)), ("vmas", .array([.object([("start", .string("7f00"))])]))])
        #expect(ReportOutput.json(document).text(compactJSON: false)
            == "{\n  \"pid\": 7,\n  \"vmas\": [\n    {\n      \"start\": \"7f00\"\n    }\n  ]\n}\n")
        #expect(ReportOutput.json(document).text(compactJSON: true) == #"{"pid": 7, "vmas": [{"start": "7f00"}]}"# + "\n")
        #expect(ReportOutput.text("pools\n").text(compactJSON: true) == "pools\n")
    }
}
