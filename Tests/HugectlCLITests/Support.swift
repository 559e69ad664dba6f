import Foundation
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
func hugectl(_ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
    try run(hugectlPath, arguments, environment: environment)
}

func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
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
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return RunResult(
        status: process.terminationStatus,
        stdout: try String(contentsOfFile: dir + "/out", encoding: .utf8),
        stderr: try String(contentsOfFile: dir + "/err", encoding: .utf8))
}

func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "hugectl-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw CocoaError(.coderInvalidValue)
    }
    return object
}

/// Drops the `root` key, which names where a tree was read from and nothing else.
func withoutRoot(_ json: String) -> String {
    json.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("  \"root\": ") }.joined(separator: "\n")
}
