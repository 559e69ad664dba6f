#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Standard output and error as file descriptors (Swift 6 rejects the C `stdout` globals).
public enum Terminal {
    /// The first failed write to standard output (a full disk, `> /dev/full`, an I/O error),
    /// so that hugectl never exits 0 when its report was not written; see `outputFailure`.
    nonisolated(unsafe) private static var firstOutputError: Errno?

    /// A document written as it is: a format with its own escaping (JSON, JUnit, Prometheus)
    /// or hugectl's own fixed text (help). Terminal text goes through `out(_:color:)`.
    public static func out(_ text: String) {
        Array(text.utf8).withUnsafeBufferPointer { emit($0) }
    }

    /// Terminal text, escaped and coloured by `OutputSink`.
    public static func out(_ text: StyledText, color: Bool) {
        out(OutputSink.render(text, color: color))
    }

    /// `out(document.serialized())`, written in pieces as it is made (`JSON.serialized(in:)`).
    public static func out(json document: JSON) {
        document.serialized { piece in emit(piece) }
    }

    /// Bytes on standard output, unless a write has failed already: after the first failure
    /// nothing more is written, so a reader never gets a report with a hole in it (a transient
    /// `EIO` or `ENOSPC` followed by writes that succeed) and a gone reader costs no more
    /// `write(2)`s.
    private static func emit(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard firstOutputError == nil else { return }
        firstOutputError = writeAll(1, bytes)
    }

    /// Why standard output could not be written, if it could not. A reader that went away
    /// (`EPIPE`, e.g. `hugectl procs | head -1`) is not a failure, as in util-linux's
    /// `close_stdout()`.
    public static var outputFailure: Errno? {
        guard let error = firstOutputError, error != Errno(EPIPE) else { return nil }
        return error
    }

    /// Whether a write to standard output has failed, for any reason: a loop that keeps
    /// writing (`--watch`) stops at the first.
    public static var outputStopped: Bool { firstOutputError != nil }

    public static func err(_ text: String) { _ = writeAll(2, Array(text.utf8)) }

    /// `hugectl: <what>: <why>` on standard error.
    /// `message` is untrusted (`OutputSink` escapes it): it often quotes a file of a hostile tree.
    public static func error(_ message: String) { err(OutputSink.render("hugectl: \(message)\n", color: false)) }

    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Columns of the terminal on `fd`, or nil when it is not one (or says 0).
    public static func width(_ fd: Int32 = 1) -> Int? {
        guard isTerminal(fd) else { return nil }
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// Whether to colour output: `--color=always|never|auto`; auto means a terminal,
    /// no `NO_COLOR` (https://no-color.org) and a `TERM` other than `dumb`.
    public static func wantsColor(_ mode: ColorMode, fd: Int32 = 1) -> Bool {
        switch mode {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = environment("NO_COLOR"), !noColor.isEmpty { return false }
            if environment("TERM") == "dumb" { return false }
            return isTerminal(fd)
        }
    }
}

public enum ColorMode: String, CaseIterable, Sendable {
    case auto, always, never
}

/// A file named on the command line (`--expect FILE`), read like every other file: bounded,
/// regular files only. Relative paths are relative to the working directory, not `--root`.
/// `-` is standard input (a pipe, a file or a terminal), read to its end with the same bound.
public func readWholeFileForCommandLine(_ path: String) throws(ReadFailure) -> [UInt8] {
    path == "-" ? try readStandardInput(limit: ReadLimit.smallFile) : try readWholeFile(path, limit: ReadLimit.smallFile)
}

/// Standard input to its end, at most `limit` bytes (more is `tooLarge`); reads interrupted
/// by a signal are retried.
func readStandardInput(limit: Int) throws(ReadFailure) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let got = chunk.withUnsafeMutableBytes { raw in Glibc.read(0, raw.baseAddress, raw.count) }
        if got < 0 {
            let err = Errno.current
            if err == .interrupted { continue }
            throw .system(err)
        }
        if got == 0 { return bytes }
        if bytes.count + got > limit { throw .tooLarge(limit: limit) }
        bytes.append(contentsOf: chunk[0..<got])
    }
}

/// `CLOCK_MONOTONIC` in seconds: durations that wall-clock steps do not disturb.
public enum MonotonicClock {
    public static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
