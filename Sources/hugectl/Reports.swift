import HugectlCLI
import HugectlCore

/// A report printed once, or every `--watch` interval: `once` makes it (compact JSON when
/// appended to a non-terminal); exit 3 when the system could not be read.
func printReport(format: OutputFormat, interval: Double?, once: (_ compactJSON: Bool) -> (text: String, ok: Bool)) -> ExitStatus {
    if let interval {
        return watch(every: interval, header: format == .text) { once(!Terminal.isTerminal(1)) }
    }
    let (text, ok) = once(false)
    guard ok else { return .systemUnreadable }
    Terminal.out(text)
    return .success
}
