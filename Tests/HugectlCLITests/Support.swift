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
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
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
