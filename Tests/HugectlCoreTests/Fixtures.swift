import Foundation
@_exported import HugectlTestSupport
import Testing
@testable import HugectlCore

/// The repository's Tests/ directory, found from this file's path.
let testsDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.path
}()

let fixturesDirectory = testsDirectory + "/Fixtures"

/// The hand-made system trees: every `Tests/Fixtures/NAME` with an `expected/status.txt`,
/// found on disk, so that a new fixture is tested without being listed anywhere.
let statusFixtures: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesDirectory)) ?? []
    return names.filter { FileManager.default.fileExists(atPath: fixturesDirectory + "/\($0)/expected/status.txt") }.sorted()
}()
/// Copies of ../shared/kernel-captures files the parser tests read, so the suite stands alone.
let capturesDirectory = fixturesDirectory + "/kernel-captures"

func bytes(_ text: String) -> Bytes { Array(text.utf8)[...] }

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

/// A copy of host-1node as a `hugectl snapshot` that did not record what `features` reads yet
/// wrote it: without /proc/cmdline, filesystems, cgroups, the userfaultfd sysctl, the cgroup
/// tree, and the manifest's /dev and /sys/fs/cgroup answers. Returns the copy's path.
func statusOnlySnapshot(in dir: String, fixtures: String) throws -> String {
    let fm = FileManager.default
    let tree = dir + "/host-1node"
    try fm.copyItem(atPath: fixtures + "/host-1node", toPath: tree)
    let chmod = Process()
    chmod.executableURL = URL(fileURLWithPath: "/bin/chmod")
    chmod.arguments = ["-R", "u+w", tree]
    try chmod.run()
    chmod.waitUntilExit()
    for path in ["/proc/cmdline", "/proc/filesystems", "/proc/cgroups", "/proc/sys/vm/unprivileged_userfaultfd", "/sys/fs"] {
        try? fm.removeItem(atPath: tree + path)
    }
    let manifest = tree + "/hugectl/manifest"
    let kept = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("list /dev") && !$0.contains("/dev/userfaultfd") && !$0.contains("/sys/fs/cgroup") }
    try kept.joined(separator: "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
    return tree
}

/// `actual` must equal the expected-output file at `path`; with HUGECTL_UPDATE_GOLDEN=1 the
/// file is written instead (review the diff).
func compare(_ actual: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    if ProcessInfo.processInfo.environment["HUGECTL_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try actual.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(actual == expected, "\(path) differs", sourceLocation: sourceLocation)
}
