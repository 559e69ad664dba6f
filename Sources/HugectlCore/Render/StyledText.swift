/// A piece of terminal text: hugectl's own words (trusted) or text a kernel, a tree or a
/// command line gave (untrusted: a process name, a path, a mount option, a message quoting
/// them), with an optional paint. Renderers of terminal text emit spans and never escape or
/// colour anything themselves: `OutputSink` alone does both.
public struct TextSpan: Sendable, Equatable {
    /// What a span means, not how it looks: `OutputSink` holds the one colour grammar.
    public enum Paint: Sendable, Equatable, CaseIterable {
        case bold, error, warning, ok

        /// The paint of a severity: errors and warnings stand out, information does not.
        public static func severity(_ severity: Finding.Severity) -> Paint? {
            switch severity {
            case .error: return .error
            case .warning: return .warning
            case .info: return nil
            }
        }
    }

    public var text: String
    /// Trusted text may break lines; untrusted text stays on its line whatever it holds.
    public var trusted: Bool
    public var paint: Paint?

    public init(_ text: String, trusted: Bool, paint: Paint? = nil) {
        self.text = text
        self.trusted = trusted
        self.paint = paint
    }
}

/// Terminal text as spans. A string literal is trusted; in an interpolated literal the literal
/// parts are trusted, an interpolated `String` (or any other value but an integer) is
/// untrusted, and an interpolated `StyledText` keeps its spans:
/// `"PID \(pid) could not be read: \(path)"`.
public struct StyledText: Sendable, Equatable, ExpressibleByStringInterpolation {
    public private(set) var spans: [TextSpan] = []

    public init() {}

    public init(stringLiteral value: String) {
        append(TextSpan(value, trusted: true))
    }

    public init(stringInterpolation: Interpolation) {
        self = stringInterpolation.text
    }

    public static func trusted(_ text: String, paint: TextSpan.Paint? = nil) -> StyledText {
        var styled = StyledText()
        styled.append(TextSpan(text, trusted: true, paint: paint))
        return styled
    }

    public static func untrusted(_ text: String, paint: TextSpan.Paint? = nil) -> StyledText {
        var styled = StyledText()
        styled.append(TextSpan(text, trusted: false, paint: paint))
        return styled
    }

    public var isEmpty: Bool { spans.allSatisfy { $0.text.isEmpty && $0.paint == nil } }

    /// Adjacent unpainted spans of the same trust become one. Untrusted text without a control
    /// character shows as it is, as trusted text does: it is kept as trusted text, so that a
    /// table of plain names is one span, not one per cell.
    public mutating func append(_ span: TextSpan) {
        var span = span
        if !span.trusted && !span.text.hasControlCharacters { span.trusted = true }
        // No copy of the last span is held while its text grows: the append stays in place.
        if span.paint == nil, !spans.isEmpty, spans[spans.count - 1].paint == nil, spans[spans.count - 1].trusted == span.trusted {
            spans[spans.count - 1].text += span.text
        } else if !span.text.isEmpty || span.paint != nil {
            spans.append(span)
        }
    }

    public mutating func append(_ other: StyledText) {
        for span in other.spans { append(span) }
    }

    public static func + (lhs: StyledText, rhs: StyledText) -> StyledText {
        var out = lhs
        out.append(rhs)
        return out
    }

    public static func += (lhs: inout StyledText, rhs: StyledText) {
        lhs.append(rhs)
    }

    public struct Interpolation: StringInterpolationProtocol {
        var text = StyledText()

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            text.append(TextSpan(literal, trusted: true))
        }

        public mutating func appendInterpolation(_ value: StyledText) {
            text.append(value)
        }

        public mutating func appendInterpolation(_ value: String) {
            text.append(TextSpan(value, trusted: false))
        }

        /// hugectl's own text built elsewhere (a page size, a list of node numbers).
        public mutating func appendInterpolation(trusted value: String) {
            text.append(TextSpan(value, trusted: true))
        }

        public mutating func appendInterpolation<T: BinaryInteger>(_ value: T) {
            text.append(TextSpan(String(value), trusted: true))
        }

        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            text.append(TextSpan(value.description, trusted: false))
        }
    }
}

extension Sequence where Element == StyledText {
    public func joined(separator: StyledText = StyledText()) -> StyledText {
        var out = StyledText()
        for (index, text) in enumerated() {
            if index > 0 { out.append(separator) }
            out.append(text)
        }
        return out
    }
}

extension StyledText {
    /// Unpainted spaces at the end go: no padding after the last column.
    mutating func trimTrailingSpaces() {
        while let last = spans.last, last.paint == nil, last.text.utf8.last == 0x20 || last.text.isEmpty {
            // Spaces after an ASCII byte (nearly every line): cut as bytes, no Character is
            // formed. After any other byte a space may end a larger character (a prepended
            // mark and the space are one), which Characters tell.
            let utf8 = last.text.utf8
            var end = utf8.endIndex
            while end > utf8.startIndex && utf8[utf8.index(before: end)] == 0x20 { end = utf8.index(before: end) }
            if end == utf8.startIndex || utf8[utf8.index(before: end)] < 0x80 {
                spans.removeLast()
                append(TextSpan(String(last.text[..<end]), trusted: last.trusted))
                continue
            }
            // A space that ends a larger character is not trimmed (nor what is before it).
            guard last.text.last == " " || last.text.isEmpty else { return }
            // Index by index from the end: `dropLast()` on a Substring counts it from the start
            // each time, quadratic in a padded line's length (a long name widens a column).
            var text = Substring(last.text)
            while text.last == " " { text = text[..<text.index(before: text.endIndex)] }
            spans.removeLast()
            append(TextSpan(String(text), trusted: last.trusted))
        }
    }

    /// "…" at the end of a line cut short, in the paint of the span it follows.
    mutating func appendEllipsis() {
        guard let last = spans.last, last.trusted else { return append(TextSpan("…", trusted: true, paint: spans.last?.paint)) }
        spans[spans.count - 1].text += "…"
    }
}
