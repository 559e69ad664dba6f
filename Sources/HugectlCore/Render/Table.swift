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
    public var rows: [[String]] = []

    public init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Cells are made printable here (control characters as `\xHH`, colours kept): most
    /// come from the kernel or a tree (process names, paths, mount options).
    public mutating func add(_ row: [String]) {
        rows.append(row.map(\.printableKeepingColour))
    }

    public func render(headers: Bool = true, style: Style = .plain) -> String {
        var widths = columns.map { headers ? $0.header.displayWidth : 0 }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.displayWidth)
            }
        }
        var out = ""
        if headers {
            out += style.bold(fitted(line(columns.map(\.header), widths: widths), width: style.width)) + "\n"
        }
        for row in rows {
            out += fitted(line(row, widths: widths), width: style.width) + "\n"
        }
        return out
    }

    /// On a terminal narrower than a line, the last column is cut to fit (as util-linux's
    /// tables do) and ends with "…"; elsewhere lines are never cut.
    private func fitted(_ text: String, width: Int?) -> String {
        guard let width, width > 20, text.displayWidth > width else { return text }
        let cut = text.prefix(columns: width - 1)
        return cut + (cut.contains("\u{1B}") ? "\u{1B}[0m…" : "…")
    }

    private func line(_ cells: [String], widths: [Int]) -> String {
        var pieces: [String] = []
        for (index, column) in columns.enumerated() {
            let cell = index < cells.count ? cells[index] : ""
            let pad = String(repeating: " ", count: max(0, widths[index] - cell.displayWidth))
            let isLast = index == columns.count - 1
            if column.rightAligned {
                pieces.append(pad + cell)
            } else {
                pieces.append(isLast ? cell : cell + pad)
            }
        }
        var text = pieces.joined(separator: "  ")
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}

extension String {
    /// Columns on a terminal: one per character, which is right for the text hugectl prints,
    /// not counting colour escape sequences (`ESC [ ... m`).
    var displayWidth: Int {
        var width = 0
        var inEscape = false
        for scalar in unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }

    /// The first `columns` visible characters, escape sequences kept whole.
    func prefix(columns: Int) -> String {
        var out = ""
        var width = 0
        var inEscape = false
        for scalar in unicodeScalars {
            if inEscape {
                out.unicodeScalars.append(scalar)
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
                out.unicodeScalars.append(scalar)
            } else {
                if width == columns { break }
                out.unicodeScalars.append(scalar)
                width += 1
            }
        }
        return out
    }
}

/// Terminal styling: ANSI colours only when wanted (a tty, no NO_COLOR, or --color=always).
public struct Style: Sendable {
    public var color: Bool
    /// The terminal's width in columns when writing to one; nil otherwise (never cut).
    public var width: Int?

    public static let plain = Style(color: false)

    public init(color: Bool, width: Int? = nil) {
        self.color = color
        self.width = width
    }

    private func wrap(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func red(_ text: String) -> String { wrap(text, "1;31") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    public func green(_ text: String) -> String { wrap(text, "32") }

    public func severity(_ severity: Finding.Severity, _ text: String) -> String {
        switch severity {
        case .error: return red(text)
        case .warning: return yellow(text)
        case .info: return text
        }
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
