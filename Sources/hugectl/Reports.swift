import HugectlCLI
import HugectlCore

/// A report printed once, or every `--watch` interval: `once` makes it; printed once, a JSON
/// document goes out in pieces as it is written (`Terminal.out`); under `--watch` it is one
/// text, compact JSON when appended to a non-terminal. Exit 3 when the system could not be read.
func printReport(format: OutputFormat, interval: Double?, once: () -> (output: ReportOutput, ok: Bool)) -> ExitStatus {
    if let interval {
        return watch(every: interval, header: format == .text) {
            let (output, ok) = once()
            return (output.text(compactJSON: !Terminal.isTerminal(1)), ok)
        }
    }
    let (output, ok) = once()
    guard ok else { return .systemUnreadable }
    Terminal.out(KeptUntilExit.keep(output))
    return .success
}
