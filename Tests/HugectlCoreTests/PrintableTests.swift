import Testing
@testable import HugectlCore

@Suite("Printable output")
struct PrintableTests {
    @Test func controlCharactersAreWrittenOut() {
        #expect("a\u{1B}]0;pwned\u{07}b".printable == "a\\x1b]0;pwned\\x07b")
        #expect("x\u{7F}\u{9B}2Jy".printable == "x\\x7f\\x9b2Jy")
        #expect("tab\tand données 巨大".printable == "tab\tand données 巨大")
        #expect("line\nbreak".printable == "line\\x0abreak")
    }

    /// Untrusted text is escaped whole, a colour sequence it holds included; trusted text keeps
    /// its line breaks; only painted spans are coloured, and only when colour is wanted.
    @Test func theSinkEscapesUntrustedSpansAndColoursPaintedOnes() {
        let name = "evil\u{1B}[1;31mred\u{1B}]2;t\u{07}\nnext"
        let text: StyledText = "one\n" + .trusted("FAIL", paint: .error) + ": \(name) (\(3) pages)\n"
        #expect(text.rendered() == "one\nFAIL: evil\\x1b[1;31mred\\x1b]2;t\\x07\\x0anext (3 pages)\n")
        #expect(text.rendered(color: true) == "one\n\u{1B}[1;31mFAIL\u{1B}[0m: evil\\x1b[1;31mred\\x1b]2;t\\x07\\x0anext (3 pages)\n")
        #expect(StyledText.trusted("a\u{1B}[2J\nb").rendered() == "a\\x1b[2J\nb", "trusted text keeps only its newlines")
    }

    @Test func tableCellsAndTAPAreSafe() {
        var table = Table([.init("NAME"), .init("NOTE")])
        table.add(["evil\u{1B}]0;title\u{07}", "x"])
        table.add([.trusted("error", paint: .error), .untrusted("a\nb")])
        let shown = table.render().rendered(color: true)
        let name = "evil\\x1b]0;title\\x07"  // 20 columns: the width of the escaped text
        func pad(_ count: Int) -> String { String(repeating: " ", count: count) }
        #expect(shown == "\u{1B}[1mNAME\(pad(18))NOTE\u{1B}[0m\n\(name)  x\n\u{1B}[1;31merror\u{1B}[0m\(pad(17))a\\x0ab\n")
        let cut = table.render(width: 21).rendered(color: true)
        #expect(cut == "\u{1B}[1mNAME\(pad(16))\u{2026}\u{1B}[0m\n\(name)\u{2026}\n\u{1B}[1;31merror\u{1B}[0m\(pad(15))\u{2026}\n")
        #expect(CheckTAP.yaml("a\u{1B}b") == "\"a\\x1bb\"")
    }
}
