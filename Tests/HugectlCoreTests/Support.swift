import Foundation
@testable import HugectlCore

/// The repository's Tests/ directory, found from this file's path.
let testsDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.path
}()

let fixturesDirectory = testsDirectory + "/Fixtures"
/// Copies of ../shared/kernel-captures files the parser tests read, so the suite stands alone.
let capturesDirectory = fixturesDirectory + "/kernel-captures"

func bytes(_ text: String) -> Bytes { Array(text.utf8)[...] }

/// A scratch directory removed when the closure returns, however it returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "hugectl-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Writes `files` (kernel path -> content) under `root`.
func writeTree(_ root: String, _ files: [String: String]) throws {
    for (path, text) in files {
        let full = root + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }
}

/// Copies a fixture tree to a scratch location so a test may break it.
func copyFixture(_ name: String, to path: String) throws {
    try FileManager.default.copyItem(atPath: fixturesDirectory + "/" + name, toPath: path)
}

/// The `key:` lines of a capture file's first block matching `marker`, as kernel text.
func captureSection(_ file: String, after marker: String) throws -> String {
    let text = try String(contentsOfFile: capturesDirectory + "/" + file, encoding: .utf8)
    guard let start = text.range(of: marker) else { return "" }
    var lines: [String] = []
    for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
        if line.hasPrefix("----") || line.hasPrefix("====") { break }
        lines.append(line.hasPrefix("  ") ? String(line.dropFirst(2)) : String(line))
    }
    return lines.joined(separator: "\n") + "\n"
}
