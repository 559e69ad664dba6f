import Foundation
@_exported import HugectlTestSupport
import Testing
@testable import HugectlCore

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
    _ = try runProcess("/bin/chmod", ["-R", "u+w", tree])
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

/// A VM fixture (`Tests/Fixtures/vm/RUN`) is one run of a scenario of Tests/vm/scenarios:
/// `NAME` on the first kernel of its `# kernels:` line, `NAME@LABEL` on each other one (LABEL
/// the package without `linux-image-` and `-amd64`), as Tests/vm/vm-test names them.
enum VMRun {
    /// The scenario a run is of: the name before `@`.
    static func scenario(of run: String) -> String {
        String(run.split(separator: "@", maxSplits: 1).first ?? Substring(run))
    }

    /// The kernel label of a run on another kernel (`6.12`), nil for the first kernel's.
    static func kernelLabel(of run: String) -> String? {
        run.split(separator: "@", maxSplits: 1).dropFirst().first.map(String.init)
    }

    /// The scenario script of a run (empty when there is none).
    static func script(of run: String) -> String {
        (try? String(contentsOfFile: "\(testsDirectory)/vm/scenarios/\(scenario(of: run)).sh", encoding: .utf8)) ?? ""
    }

    /// True when the run's scenario says `# prediction: exact`.
    static func isExact(_ run: String) -> Bool {
        script(of: run).split(separator: "\n").contains { $0.hasPrefix("# prediction: exact") }
    }

    /// Every run vm-test makes with its default kernel (`linux-image-amd64`), from the scripts.
    static func all() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: testsDirectory + "/vm/scenarios")
            .filter { $0.hasSuffix(".sh") }.map { String($0.dropLast(3)) }
        return files.flatMap { name -> [String] in
            let line = script(of: name).split(separator: "\n").first { $0.hasPrefix("# kernels:") }
            var kernels: [String] = []
            for word in (line?.dropFirst("# kernels:".count).split(separator: " ").map(String.init) ?? ["default"]) {
                let kernel = word == "linux-image-amd64" ? "default" : word
                if !kernels.contains(kernel) { kernels.append(kernel) }
            }
            return kernels.enumerated().map { index, kernel in
                guard index > 0 else { return name }
                var label = Substring(kernel)
                if label.hasPrefix("linux-image-") { label = label.dropFirst("linux-image-".count) }
                if label.hasSuffix("-amd64") { label = label.dropLast("-amd64".count) }
                return name + "@" + label
            }
        }.sorted()
    }
}
