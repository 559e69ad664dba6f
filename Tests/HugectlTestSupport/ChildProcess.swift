import Foundation
import Glibc

/// The one way the tests start programs: `ChildProcess` starts one and leaves it running (a
/// lock holder, `--watch`, a holder driven through a socket), `runProcess` runs one to its end
/// with its output captured. posix_spawn, with every signal at its default disposition and
/// none blocked (a test runner may ignore SIGPIPE or SIGTERM; the program must not inherit
/// that) and no descriptor of the test process but the three it is given.
public final class ChildProcess: @unchecked Sendable {
    /// Where one of the child's standard descriptors comes from or goes.
    public enum Stream {
        /// /dev/null.
        case null
        /// The test process's own.
        case inherit
        /// A file: read for stdin; created or truncated for stdout and stderr.
        case file(String)
        /// A descriptor of the test process (dup2'ed; the caller keeps and closes its own).
        case descriptor(Int32)
    }

    /// How the child ended.
    public struct Termination: Sendable, Equatable {
        /// The wait status, as waitpid(2) gives it.
        public var rawStatus: Int32
        /// How it ended is unknown: waitpid(2) said it is no child of ours (`ECHILD`: reaped
        /// elsewhere, or SIGCHLD ignored). Neither an exit nor a signal, so a test that
        /// expects either fails rather than taking it for success.
        public var unknown = false
        /// True when it exited (rather than being killed by a signal).
        public var exited: Bool { !unknown && rawStatus & 0x7f == 0 }
        /// Its exit status when it exited, the signal that ended it otherwise; -1 when unknown.
        public var status: Int32 { unknown ? -1 : exited ? (rawStatus >> 8) & 0xff : rawStatus & 0x7f }
        /// The signal that ended it, if one did.
        public var signal: Int32? { exited || unknown ? nil : rawStatus & 0x7f }

        /// The end of a child waitpid(2) no longer knows.
        public static let lost = Termination(rawStatus: 0, unknown: true)
    }

    public let pid: pid_t
    /// When it was started.
    public let started = Date()
    private var ended: Termination?

    /// Starts `program` (a path) with `arguments`; `environment` nil is the test process's.
    public init(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0)
            case .inherit: break
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, fd, path, fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .descriptor(let source): posix_spawn_file_actions_adddup2(&actions, source, fd)
            }
        }
        _ = addCloseFrom?(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp: [UnsafeMutablePointer<CChar>?] = (environment ?? [:]).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = environment == nil ? posix_spawn(&pid, program, &actions, &attributes, argv, environ)
            : posix_spawn(&pid, program, &actions, &attributes, argv, &envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        self.pid = pid
    }

    deinit {
        if ended == nil {
            kill(pid, SIGKILL)
            _ = reap(blocking: true)
        }
    }

    /// True until the child has ended (it is reaped then).
    public var isRunning: Bool { ended == nil && reap(blocking: false) == nil }

    /// How it ended, once it has.
    public var termination: Termination? { ended ?? reap(blocking: false) }

    public func signal(_ signal: Int32) {
        if ended == nil { kill(pid, signal) }
    }

    public func terminate() { signal(SIGTERM) }

    /// Waits until it ends.
    @discardableResult
    public func wait() -> Termination {
        while true {
            if let end = reap(blocking: true) { return end }
        }
    }

    /// Waits until it ends, or `timeout` seconds at most (nil: it is still running).
    @discardableResult
    public func wait(timeout: Double) -> Termination? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = termination { return end }
            if Date() >= deadline { return nil }
            usleep(5_000)
        }
    }

    /// Waits up to `timeout` seconds, then SIGKILLs it; says whether it had to.
    public func waitOrKill(after timeout: Double) -> (termination: Termination, killed: Bool) {
        if let end = wait(timeout: timeout) { return (end, false) }
        signal(SIGKILL)
        return (wait(), true)
    }

    private func reap(blocking: Bool) -> Termination? {
        if let ended { return ended }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if r == pid {
                ended = Termination(rawStatus: status)
                return ended
            }
            if r < 0 && errno == EINTR { continue }
            if r < 0 {   // not a child of ours any more (ECHILD): how it ended is unknown
                ended = .lost
                return ended
            }
            return nil
        }
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34), which Swift's Glibc does not
/// declare: the child closes every descriptor from 3 up, whatever lacks O_CLOEXEC.
private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
private let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
    .map { unsafeBitCast($0, to: AddCloseFrom.self) }

/// What a program run to its end did.
public struct RunResult: CustomStringConvertible, Sendable {
    /// The exit status, or the signal that ended it (`exitedNormally` false); -1 (and
    /// `exitedNormally` false) when how it ended is unknown (`Termination.lost`).
    public var status: Int32
    public var exitedNormally: Bool
    /// Killed (SIGKILL) at the timeout.
    public var timedOut: Bool
    public var seconds: Double
    public var stdoutBytes: Data
    public var stderrBytes: Data

    /// The output, decoded as UTF-8 (invalid bytes replaced).
    public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }
    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    /// Both outputs are valid UTF-8.
    public var isUTF8: Bool {
        String(data: stdoutBytes, encoding: .utf8) != nil && String(data: stderrBytes, encoding: .utf8) != nil
    }

    public var description: String {
        let how = timedOut ? "timed out" : exitedNormally ? "exit \(status)"
            : status < 0 ? "end unknown (reaped elsewhere)" : "signal \(status)"
        return "\(how) after \(String(format: "%.1f", seconds)) s; stdout: \(stdout.prefix(2000)); stderr: \(stderr.prefix(2000))"
    }
}

/// Runs `program` to its end: stdin from /dev/null or a file holding `input`, stdout and stderr
/// captured through files (no pipe can fill up); with a `timeout`, SIGKILLs it after that many
/// seconds. `environment` nil is the test process's.
public func runProcess(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                       input: String? = nil, timeout: Double? = nil) throws -> RunResult {
    try withTemporaryDirectory { dir in
        if let input { try Data(input.utf8).write(to: URL(fileURLWithPath: dir + "/in")) }
        let child = try ChildProcess(program, arguments, environment: environment,
                                     stdin: input == nil ? .null : .file(dir + "/in"),
                                     stdout: .file(dir + "/out"), stderr: .file(dir + "/err"))
        let (end, killed) = timeout.map { child.waitOrKill(after: $0) } ?? (child.wait(), false)
        return RunResult(
            status: end.status, exitedNormally: end.exited, timedOut: killed,
            seconds: Date().timeIntervalSince(child.started),
            stdoutBytes: (try? Data(contentsOf: URL(fileURLWithPath: dir + "/out"))) ?? Data(),
            stderrBytes: (try? Data(contentsOf: URL(fileURLWithPath: dir + "/err"))) ?? Data())
    }
}
