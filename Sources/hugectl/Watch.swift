#if canImport(Glibc)
import Glibc
#endif
import HugectlCore

/// Set by SIGINT/SIGTERM during `--watch`; the loop ends cleanly at the next check.
nonisolated(unsafe) var watchStopRequested: sig_atomic_t = 0

/// `--watch SECONDS`: run `once` every SECONDS. On a terminal the screen is redrawn in place;
/// otherwise each run is appended (one compact JSON document a line with --json). Ctrl-C
/// ends the loop and exits 0.
func watch(every seconds: Double, once: () -> (text: String, ok: Bool)) -> ExitStatus {
    signal(SIGINT) { _ in watchStopRequested = 1 }
    signal(SIGTERM) { _ in watchStopRequested = 1 }
    // A parent may have started us with these signals blocked (the mask is inherited).
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    let redraw = Terminal.isTerminal(1)
    while watchStopRequested == 0 {
        let (text, ok) = once()
        if !ok { return .systemUnreadable }
        if redraw {
            Terminal.out("\u{1B}[H\u{1B}[2J" + text)
        } else {
            Terminal.out(text)
        }
        var slept = 0.0
        while slept < seconds && watchStopRequested == 0 {
            usleep(100_000)
            slept += 0.1
        }
    }
    return .success
}

extension Invocation {
    /// `--watch SECONDS`, if given.
    func watchInterval() throws(UsageError) -> Double? {
        guard let text = arguments.value("watch") else { return nil }
        guard let seconds = Double(text), seconds >= 0.1, seconds <= 86400 else {
            throw UsageError("--watch takes seconds between 0.1 and 86400, not '\(text)'")
        }
        return seconds
    }
}
