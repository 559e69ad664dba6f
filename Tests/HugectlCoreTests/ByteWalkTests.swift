import Testing
@testable import HugectlCore

/// The renderers' and parsers' byte walks (JUnit and YAML escaping, trimming a table line,
/// mount options, `escapeOctal`, escaping a table cell) against the walks by scalar and by
/// Character they replaced, kept here as the reference, on random text made of what the
/// byte walks could get wrong: C1 controls (two UTF-8 bytes), a prepended mark that makes
/// one character of the space after it, combining marks, CR LF, multi-byte letters.
@Suite("Byte walks agree with the scalar walks")
struct ByteWalkTests {
    static let pieces: [String] = [
        "a", "Z", "0", " ", "  ", ",", "=", "&", "<", ">", "\"", "'", "\\", "\t", "\n", "\r", "\r\n",
        "\u{01}", "\u{1B}", "\u{7F}", "\u{80}", "\u{85}", "\u{9B}", "\u{9F}", "\u{A0}", "é", "e\u{301}",
        "\u{600}", "\u{600} ", ",\u{301}", "=\u{301}", " \u{301}", "巨", "✓", "size", "pagesize",
    ]

    static func texts(count: Int = 3000) -> [String] {
        var state: UInt64 = 0x5DEE_CE66_D1CE_4E5B
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var texts = pieces + ["", "plain text", "a,b=c", "size=2M,pagesize=1G"]
        for _ in 0..<count {
            texts.append((0..<next(9)).map { _ in pieces[next(pieces.count)] }.joined())
        }
        return texts
    }

    /// Scalar by scalar: `special` replaced, other control characters as `control` says.
    static func scalarWalk(_ text: String, _ special: [Unicode.Scalar: String], control: (Unicode.Scalar) -> String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if let replaced = special[scalar] {
                out += replaced
            } else if String.isControl(scalar) {
                out += control(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func junitReference(_ text: String) -> String {
        scalarWalk(text, ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;"]) {
            $0 == "\n" || $0 == "\r" ? String($0) : "?"
        }
    }

    static func yamlReference(_ text: String) -> String {
        "\"" + scalarWalk(text, ["\"": "\\\"", "\\": "\\\\", "\n": "\\n"], control: String.escaped) + "\""
    }

    static func trimReference(_ spans: [TextSpan]) -> [TextSpan] {
        var spans = spans
        while let last = spans.last, last.paint == nil, last.text.last == " " || last.text.isEmpty {
            var text = Substring(last.text)
            while text.last == " " { text = text[..<text.index(before: text.endIndex)] }
            spans.removeLast()
            var rest = StyledText()
            for span in spans { rest.append(span) }
            rest.append(TextSpan(String(text), trusted: last.trusted))
            spans = rest.spans
        }
        return spans
    }

    @Test func escapingAgrees() {
        for text in Self.texts() {
            #expect(CheckJUnit.escape(text) == Self.junitReference(text), "\(Array(text.unicodeScalars))")
            #expect(CheckTAP.yaml(text) == Self.yamlReference(text), "\(Array(text.unicodeScalars))")
            let octal = text.utf8.flatMap { byte -> [UInt8] in
                byte <= 0x20 || byte == 0x5C || byte == 0x7F ? [0x5C, 0x30 + (byte >> 6), 0x30 + ((byte >> 3) & 7), 0x30 + (byte & 7)] : [byte]
            }
            #expect(escapeOctal(text) == String(decoding: octal, as: UTF8.self))
        }
    }

    @Test func mountOptionsAgree() {
        for text in Self.texts() {
            let entry = MountEntry(source: "none", mountPoint: "/mnt", fsType: "hugetlbfs", options: text)
            for name in ["size", "pagesize", "a", "Z", ""] {
                #expect(entry.option(name) == entry.optionByCharacters(name), "\(Array(text.unicodeScalars)) \(name)")
            }
        }
    }

    @Test func trimmingAndCellEscapingAgree() {
        let texts = Self.texts(count: 1500)
        for (index, text) in texts.enumerated() {
            var line = StyledText()
            line.append(TextSpan(texts[(index * 7) % texts.count], trusted: index % 3 != 0, paint: index % 5 == 0 ? .bold : nil))
            line.append(TextSpan(text, trusted: index % 2 == 0))
            line.append(TextSpan(String(repeating: " ", count: index % 4), trusted: true))
            let reference = Self.trimReference(line.spans)
            var trimmed = line
            trimmed.trimTrailingSpaces()
            #expect(trimmed.spans == reference, "\(Array(text.unicodeScalars))")

            var escaped = StyledText()
            for span in line.spans { escaped.append(TextSpan(OutputSink.visible(span), trusted: true, paint: span.paint)) }
            #expect(OutputSink.escaped(line) == escaped)
            #expect(OutputSink.width(line) == line.spans.reduce(0) { $0 + OutputSink.visible($1).unicodeScalars.count })
        }
    }
}
