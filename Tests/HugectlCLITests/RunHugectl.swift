import Foundation
@_exported import HugectlTestSupport
import Glibc

/// The `hugectl` built next to this test bundle.
let hugectlPath: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return (exe as NSString).deletingLastPathComponent + "/hugectl"
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

/// Runs hugectl with `arguments` to its end (see `run`).
func hugectl(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> RunResult {
    try run(hugectlPath, arguments, environment: environment, input: input)
}

/// Runs `program` to its end (`runProcess`) in `testEnvironment(environment)`; its output
/// must be UTF-8.
func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
         input: String? = nil) throws -> RunResult {
    let result = try runProcess(program, arguments, environment: testEnvironment(environment), input: input)
    guard result.isUTF8 else { throw CocoaError(.fileReadInapplicableStringEncoding) }
    return result
}

/// Runs hugectl (or `program`) in `testEnvironment()`, SIGKILLed after `timeout` seconds; its
/// output is decoded leniently.
func runBounded(_ arguments: [String], program: String = hugectlPath, timeout: Double = 30) throws -> RunResult {
    try runProcess(program, arguments, environment: testEnvironment(), timeout: timeout)
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
