#if canImport(Glibc)
import Glibc
#endif
import HugectlCore

/// Set by SIGINT/SIGTERM during `--watch`; the loop ends cleanly at the next check.
nonisolated(unsafe) var watchStopRequested: sig_atomic_t = 0

/// `--watch SECONDS`: run `once` every SECONDS. On a terminal the screen is redrawn in place;
/// otherwise each run is appended (one compact JSON document a line with --json). Text
/// reports start with a header line as procps `watch` prints one (the interval, the command
/// and the time), and appended ones are separated by a blank line. Ctrl-C ends the loop and
/// exits 0.
///
/// The loop ends at the first failed write of a report, whatever SIGPIPE's disposition
/// (systemd starts services with it ignored): SIGPIPE is ignored here so that a reader that
/// went away shows as `EPIPE`, which ends the loop with exit 0 as a one-shot run's
/// `| head -1` does; any other write error ends it with exit 3 (main says why).
public func watch(every seconds: Double, header: Bool, once: () -> (text: String, ok: Bool)) -> ExitStatus {
    signal(SIGINT) { _ in watchStopRequested = 1 }
    signal(SIGTERM) { _ in watchStopRequested = 1 }
    // A parent may have started us with these signals blocked (the mask is inherited).
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    signal(SIGPIPE, SIG_IGN)
    let redraw = Terminal.isTerminal(1)
    while watchStopRequested == 0 {
        var (text, ok) = once()
        if !ok { return .systemUnreadable }
        if header { text = watchHeader(every: seconds) + "\n\n" + text }
        if redraw {
            Terminal.out(OutputSink.clearScreen + text)
        } else {
            Terminal.out(text + (header ? "\n" : ""))
        }
        // The reader went away (EPIPE): stop, exit 0. Nowhere to write (a full disk): stop;
        // main says why and exits 3.
        if Terminal.outputStopped { return Terminal.outputFailure == nil ? .success : .systemUnreadable }
        var slept = 0.0
        while slept < seconds && watchStopRequested == 0 {
            usleep(100_000)
            slept += 0.1
        }
    }
    return .success
}

/// `Every 2s: hugectl status    Sun Nov 22 05:40:00 2026`: the interval, the command line as
/// given (untrusted: escaped as any text from outside), and the local time of the run.
public func watchHeader(every seconds: Double) -> String {
    let interval = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    let command = (["hugectl"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let length = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
    let stamp = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return OutputSink.render("Every \(interval)s: \(command)    \(stamp)", color: false)
}

