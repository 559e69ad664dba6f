/// Huge page sizes, always carried in kB as the kernel names its sysfs directories.
public enum PageSize {
    /// `hugepages-2048kB` -> 2048.
    public static func fromDirectoryName(_ name: String) -> Int? {
        guard name.hasPrefix("hugepages-"), name.hasSuffix("kB") else { return nil }
        let digits = name.dropFirst("hugepages-".count).dropLast(2)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard let value = Int(digits), value > 0 else { return nil }
        return value
    }

    public static func directoryName(kB: Int) -> String { "hugepages-\(kB)kB" }

    /// 2048 -> "2M", 1048576 -> "1G", 64 -> "64K"; the largest unit that divides exactly.
    public static func format(kB: Int) -> String {
        let units: [(String, Int)] = [("T", 1 << 30), ("G", 1 << 20), ("M", 1 << 10)]
        for (suffix, scale) in units where kB >= scale && kB % scale == 0 {
            return "\(kB / scale)\(suffix)"
        }
        return "\(kB)K"
    }

    /// A size written by an operator or by the kernel in a mount option: `2M`, `2MB`, `2048kB`,
    /// `2048K`, `1G`, `1024M`; binary units; no unit means kB. Nil if malformed or absurd.
    public static func parse(_ text: String) -> Int? {
        guard let bytes = ByteSize.parse(text, defaultScale: 1024), bytes % 1024 == 0, bytes > 0 else {
            return nil
        }
        return bytes / 1024
    }
}

/// The kernel's `memparse`: a number with an optional binary suffix K, M, G, T, P, E
/// (an optional trailing `B`/`iB`, and `kB`, accepted too), in bytes.
public enum ByteSize {
    public static func parse(_ text: String, defaultScale: Int = 1) -> Int? {
        var digits = Substring(text)
        var scale = defaultScale
        let lower = text.lowercased()
        let suffixes: [(String, Int)] = [
            ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
            ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("tb", 1 << 40), ("pb", 1 << 50),
            ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40), ("p", 1 << 50),
            ("e", 1 << 60),
        ]
        for (suffix, value) in suffixes where lower.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            scale = value
            break
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy(ASCII.isDigit),
              let number = Array(digits.utf8)[...].decimal else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }
}
