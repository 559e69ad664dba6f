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

    @Test func colourIsKeptOtherSequencesAreNot() {
        #expect("\u{1B}[1;31merror\u{1B}[0m".printableKeepingColour == "\u{1B}[1;31merror\u{1B}[0m")
        #expect("\u{1B}[2J\u{1B}[H".printableKeepingColour == "\\x1b[2J\\x1b[H")
        #expect("\u{1B}[31".printableKeepingColour == "\\x1b[31")
        #expect("one\n\u{1B}]2;t\u{07}\ntwo\n".printableLines == "one\n\\x1b]2;t\\x07\ntwo\n")
    }

    @Test func tableCellsAndTAPAreSafe() {
        var table = Table([.init("NAME")])
        table.add(["evil\u{1B}]0;title\u{07}"])
        #expect(!table.render().unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" })
        #expect(CheckTAP.yaml("a\u{1B}b") == "\"a\\x1bb\"")
    }
}
