extension String {
    /// The text with every control character written as `\xHH` (C0 but tab, DEL, C1), as
    /// util-linux's `mbs_safe_encode()` does, so that a process name, a path or a file's
    /// contents quoted from a hostile tree cannot move the cursor, set the terminal's title
    /// or hide text on a terminal. Everything else, UTF-8 included, is kept.
    public var printable: String {
        guard unicodeScalars.contains(where: Self.isControl) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if Self.isControl(scalar) {
                out.append(contentsOf: Self.escaped(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// As `printable`, but keeps colour sequences (`ESC [ digits ; m`, SGR): what `Style`
    /// puts around a table cell. An SGR can only change colours; every other escape sequence
    /// (titles, cursor moves, OSC) is still written out.
    var printableKeepingColour: String {
        guard unicodeScalars.contains(where: Self.isControl) else { return self }
        let scalars = Array(unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\u{1B}", let end = Self.sgrEnd(scalars, from: index) {
                out.append(contentsOf: scalars[index...end])
                index = end + 1
                continue
            }
            if Self.isControl(scalar) {
                out.append(contentsOf: Self.escaped(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
            index += 1
        }
        return String(out)
    }

    /// `printableKeepingColour` line by line: the newlines of a whole report stay.
    public var printableLines: String {
        guard unicodeScalars.contains(where: { Self.isControl($0) && $0 != "\n" }) else { return self }
        return split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).printableKeepingColour }.joined(separator: "\n")
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }

    static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\x" + (hex.count < 2 ? "0" + hex : hex)
    }

    /// The index of the `m` ending an SGR sequence starting at `start` (`ESC [`), if it is one.
    private static func sgrEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        guard index < scalars.count, scalars[index] == "[" else { return nil }
        index += 1
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "m" { return index }
            guard ("0"..."9").contains(scalar) || scalar == ";" else { return nil }
            index += 1
        }
        return nil
    }
}
