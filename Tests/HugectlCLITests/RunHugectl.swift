import Foundation
@_exported import HugectlTestSupport
import Glibc

/// The `hugectl` built next to this test bundle.
let hugectlPath: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return (exe as NSString).deletingLastPathComponent + "/hugectl"
}()

let fixturesDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.path + "/Fixtures"
}()

/// The tuner's lock for every hugectl these tests start (`HUGECTL_LOCK_PATH`, unless a test
/// or the caller's environment names another): a file in a directory of this test run's,
/// root-owned and 0755 like /run, removed when the run ends, so that no test (the live pool
/// tests included) creates, holds or leaves /run/hugectl.lock, which belongs to the host.
let testLockPath: String = {
    let dir = NSTemporaryDirectory() + "hugectl-test-lock." + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                             attributes: [.posixPermissions: 0o755])
    testLockDirectory = dir
    atexit {
        guard let dir = testLockDirectory else { return }
        unlink(dir + "/hugectl.lock")
        rmdir(dir)
    }
    return dir + "/hugectl.lock"
}()
nonisolated(unsafe) private var testLockDirectory: String?

/// The environment hugectl runs with in a test: the caller's, without `NO_COLOR`, with
/// `testLockPath`, then `extra`.
func testEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = nil
    if env["HUGECTL_LOCK_PATH"] == nil { env["HUGECTL_LOCK_PATH"] = testLockPath }
    for (key, value) in extra { env[key] = value }
    return env
}

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs hugectl with `arguments`, output captured through files (no pipe can fill up).
/// With `input`, standard input is a file holding it.
func hugectl(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> RunResult {
    try run(hugectlPath, arguments, environment: environment, input: input)
}

func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
         input: String? = nil) throws -> RunResult {
    let captured = try launch(program, arguments, environment: environment, timeout: nil, input: input)
    guard let stdout = String(data: captured.stdout, encoding: .utf8),
          let stderr = String(data: captured.stderr, encoding: .utf8) else {
        throw CocoaError(.fileReadInapplicableStringEncoding)
    }
    return RunResult(status: captured.status, stdout: stdout, stderr: stderr)
}

/// What `launch` saw of a finished (or killed) program.
struct LaunchResult {
    var status: Int32
    var exitedNormally: Bool
    var timedOut: Bool
    var seconds: Double
    var stdout: Data
    var stderr: Data
}

/// Runs `program` with stdin from /dev/null (or a file holding `input`) and its output captured
/// through files (no pipe can fill up), `NO_COLOR` unset; with a `timeout`, SIGKILLs it after
/// that many seconds.
func launch(_ program: String, _ arguments: [String], environment: [String: String] = [:],
            timeout: Double?, input: String? = nil) throws -> LaunchResult {
    let dir = NSTemporaryDirectory() + "hugectl-cli-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
    _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.environment = testEnvironment(environment)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
    process.standardOutput = out
    process.standardError = err
    if let input {
        _ = FileManager.default.createFile(atPath: dir + "/in", contents: Data(input.utf8))
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir + "/in"))
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    let start = Date()
    try process.run()
    var timedOut = false
    if let timeout {
        while process.isRunning {
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(5_000)
        }
    }
    process.waitUntilExit()
    try out.close()
    try err.close()
    return LaunchResult(
        status: process.terminationStatus, exitedNormally: process.terminationReason == .exit, timedOut: timedOut,
        seconds: Date().timeIntervalSince(start),
        stdout: (try? Data(contentsOf: URL(fileURLWithPath: dir + "/out"))) ?? Data(),
        stderr: (try? Data(contentsOf: URL(fileURLWithPath: dir + "/err"))) ?? Data())
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw CocoaError(.coderInvalidValue)
    }
    return object
}

/// Drops the `root` key, which names where a tree was read from, and `generated_at`, when it was read.
func withoutRoot(_ json: String) -> String {
    json.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("  \"root\": ") && !$0.hasPrefix("  \"generated_at\": ") }.joined(separator: "\n")
}

extension String {
    /// A JSON document without its `generated_at` line: two runs a second apart say the same.
    var withoutGeneratedAt: String {
        split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("  \"generated_at\": ") }
            .joined(separator: "\n")
    }
}
