/// The one writer of terminal text: every report, table, note and `hugectl:` message shown to
/// people reaches the terminal through `render`, which escapes untrusted text and colours
/// painted spans. Formats with a grammar of their own (JSON, JUnit XML, Prometheus) escape by
/// it in their writers; none of them holds the terminal's rule, which lives here.
public enum OutputSink {
    /// `text` as written to a terminal: control characters of untrusted spans written out
    /// (`\xHH`, newlines included), those of trusted spans too but for the newline; with
    /// `color` (`--color`, `NO_COLOR`, a terminal: `Terminal.wantsColor`) painted spans in
    /// their colour.
    public static func render(_ text: StyledText, color: Bool) -> String {
        var out = ""
        for span in text.spans {
            if color, let paint = span.paint {
                out += sgr(paint) + visible(span) + reset
            } else {
                out += visible(span)
            }
        }
        return out
    }

    /// A span's text as the terminal shows it.
    static func visible(_ span: TextSpan) -> String {
        span.trusted ? span.text.printable(keepingNewlines: true) : span.text.printable
    }

    // The one colour grammar: SGR (`ESC [ code m`), reset after every painted span.
    static func sgr(_ paint: TextSpan.Paint) -> String {
        switch paint {
        case .bold: return "\u{1B}[1m"
        case .error: return "\u{1B}[1;31m"
        case .warning: return "\u{1B}[33m"
        case .ok: return "\u{1B}[32m"
        }
    }

    static let reset = "\u{1B}[0m"

    /// Every sequence `render` writes with `color`: one per paint, and the reset.
    static var colorSequences: [String] { TextSpan.Paint.allCases.map(sgr) + [reset] }

    /// Home the cursor and clear the screen: `--watch` redrawing a terminal.
    public static let clearScreen = "\u{1B}[H\u{1B}[2J"

    /// `text` escaped once: trusted spans of what the terminal shows, paints kept. Measuring,
    /// cutting and writing it then escape nothing again (a table's cells).
    static func escaped(_ text: StyledText) -> StyledText {
        // Trusted spans of plain text (nearly every cell of a table) are written as they are:
        // made by `append`, the same spans again. No copy of them.
        if text.spans.allSatisfy({ $0.trusted && $0.text.isPlainLine }) { return text }
        var out = StyledText()
        for span in text.spans { out.append(TextSpan(visible(span), trusted: true, paint: span.paint)) }
        return out
    }

    /// Columns `text` takes on a terminal: one per character shown, which is right for the
    /// text hugectl prints.
    static func width(_ text: StyledText) -> Int {
        // Scalars counted as the UTF-8 bytes that start one (a String is valid UTF-8).
        text.spans.reduce(0) { $0 + visible($1).utf8.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } }
    }

    /// The first `columns` columns of `text`. A span cut short becomes the trusted text of what
    /// it shows (already escaped, so it holds no control character), its paint kept.
    static func prefix(_ text: StyledText, columns: Int) -> StyledText {
        var out = StyledText()
        var left = columns
        for span in text.spans {
            let shown = visible(span)
            let count = shown.unicodeScalars.count
            if count <= left {
                out.append(span)
                left -= count
                continue
            }
            var cut = String.UnicodeScalarView()
            cut.append(contentsOf: shown.unicodeScalars.prefix(left))
            out.append(TextSpan(String(cut), trusted: true, paint: span.paint))
            break
        }
        return out
    }
}

extension StyledText {
    /// As the terminal gets it, through `OutputSink`.
    public func rendered(color: Bool = false) -> String { OutputSink.render(self, color: color) }
}

extension String {
    /// The text with every control character written as `\xHH` (C0 but tab, DEL, C1), as
    /// util-linux's `mbs_safe_encode()` does, so that a process name, a path or a file's
    /// contents quoted from a hostile tree cannot move the cursor, set the terminal's title
    /// or hide text on a terminal. Everything else, UTF-8 included, is kept.
    public var printable: String { printable(keepingNewlines: false) }

    /// Whether `printable` would change anything (any control character, newlines included).
    var hasControlCharacters: Bool {
        // Printable ASCII (nearly every name and path) is told apart byte by byte.
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return false }
        return unicodeScalars.contains(where: Self.isControl)
    }

    /// Printable ASCII, tab and newline only: what `printable(keepingNewlines: true)` keeps
    /// as it is without looking at scalars.
    var isPlainLine: Bool { utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A } }

    func printable(keepingNewlines: Bool) -> String {
        func escapes(_ scalar: Unicode.Scalar) -> Bool { Self.isControl(scalar) && !(keepingNewlines && scalar == "\n") }
        // Printable ASCII, tab and (kept) newlines: told apart byte by byte, as nearly all
        // text is (every cell of every table goes through here).
        if utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || (keepingNewlines && $0 == 0x0A) }) { return self }
        guard unicodeScalars.contains(where: escapes) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if escapes(scalar) {
                out.append(contentsOf: Self.escaped(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }

    static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\x" + (hex.count < 2 ? "0" + hex : hex)
    }
}
