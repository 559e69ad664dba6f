/// An aligned text table in the util-linux manner: upper-case headers, two spaces between
/// columns, widths from content, numbers right-aligned, no padding after the last column.
public struct Table {
    public struct Column {
        public var header: String
        public var rightAligned: Bool

        public init(_ header: String, rightAligned: Bool = false) {
            self.header = header
            self.rightAligned = rightAligned
        }
    }

    public var columns: [Column]
    public var rows: [[StyledText]] = []

    public init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Cells are untrusted text: most come from the kernel or a tree (process names, paths,
    /// mount options); `OutputSink` writes their control characters out.
    public mutating func add(_ row: [String]) {
        rows.append(row.map { .untrusted($0) })
    }

    /// A row with painted cells.
    public mutating func add(_ row: [StyledText]) {
        rows.append(row)
    }

    /// The table, its lines cut to `width` columns (a terminal's; nil: never cut). Each cell
    /// is escaped once (`OutputSink.escaped`), then measured, cut and written as it shows.
    public func render(headers: Bool = true, width: Int? = nil) -> StyledText {
        let rows = rows.map { $0.map(OutputSink.escaped) }
        let cellWidths = rows.map { $0.map(OutputSink.width) }
        var widths = columns.map { headers ? $0.header.unicodeScalars.count : 0 }
        for row in cellWidths {
            for (index, width) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], width)
            }
        }
        var out = StyledText()
        if headers {
            let names = line(columns.map { .trusted($0.header) }, cellWidths: columns.map { $0.header.unicodeScalars.count },
                             widths: widths)
            out += fitted(.trusted(names.spans.map(\.text).joined(), paint: .bold), width: width) + "\n"
        }
        for (row, rowWidths) in zip(rows, cellWidths) {
            out += fitted(line(row, cellWidths: rowWidths, widths: widths), width: width)
            out += "\n"
        }
        return out
    }

    /// On a terminal narrower than a line, the last column is cut to fit (as util-linux's
    /// tables do) and ends with "…"; elsewhere lines are never cut.
    private func fitted(_ text: StyledText, width: Int?) -> StyledText {
        guard let width, width > 20, OutputSink.width(text) > width else { return text }
        var cut = OutputSink.prefix(text, columns: width - 1)
        cut.appendEllipsis()
        return cut
    }

    private func line(_ cells: [StyledText], cellWidths: [Int], widths: [Int]) -> StyledText {
        var out = StyledText()
        for (index, column) in columns.enumerated() {
            let cell = index < cells.count ? cells[index] : StyledText()
            let pad = TextSpan(Self.spaces(max(0, widths[index] - (index < cellWidths.count ? cellWidths[index] : 0))),
                           trusted: true)
            if index > 0 { out.append(TextSpan("  ", trusted: true)) }
            if column.rightAligned { out.append(pad) }
            out.append(cell)
            if !column.rightAligned { out.append(pad) }
        }
        out.trimTrailingSpaces()
        return out
    }

    /// `count` spaces: the padding of a cell, made once for the usual widths.
    private static func spaces(_ count: Int) -> String {
        count < paddings.count ? paddings[count] : String(repeating: " ", count: count)
    }

    private static let paddings = (0..<80).map { String(repeating: " ", count: $0) }
}

/// How terminal output is shown: in colour or not, and how wide the terminal is.
public struct Style: Sendable {
    /// Whether painted spans are coloured (`Terminal.wantsColor`).
    public var color: Bool
    /// The terminal's width in columns when writing to one; nil otherwise (never cut).
    public var width: Int?

    public static let plain = Style(color: false)

    public init(color: Bool, width: Int? = nil) {
        self.color = color
        self.width = width
    }
}

/// Memory amounts as `lsblk` shows them: binary units, one decimal when not whole.
public enum HumanSize {
    public static func format(kB: Int) -> String {
        if kB == 0 { return "0" }
        let units = ["K", "M", "G", "T", "P", "E"]
        var value = Double(kB)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        if tenths % 10 == 0 { return "\(tenths / 10)\(units[unit])" }
        return "\(tenths / 10).\(tenths % 10)\(units[unit])"
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
