/// A report as a command makes it (`status`, `procs`): terminal text, Prometheus text, or a
/// JSON document. Printed once, a JSON document is written in pieces as it is made
/// (`Terminal.out(json:)`): the text of a process's hundreds of VMAs and open files is never
/// made whole in memory, nor copied into a String and again into bytes for `write(2)` (for
/// DPDK's 600 files, about 600 page faults and three copies of half a megabyte). The bytes
/// are the same as `text(compactJSON: false)`'s.
public enum ReportOutput {
    case text(String)
    case json(JSON)

    /// The whole text, as one `--watch` round prints it: JSON on one line when `compactJSON`.
    public func text(compactJSON: Bool) -> String {
        switch self {
        case .text(let text): text
        case .json(let document): compactJSON ? document.compact() + "\n" : document.serialized()
        }
    }
}

extension Terminal {
    /// The report on standard output, a JSON document in pieces as it is made.
    public static func out(_ report: ReportOutput) {
        switch report {
        case .text(let text): out(text)
        case .json(let document): out(json: document)
        }
    }
}
