import Foundation

/// What both test suites share: scratch directories, replayable random numbers, the fixture
/// trees (and, in ChildProcess.swift, the one way to start a program).

/// A scratch directory removed when the closure returns, however it returns.
public func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "hugectl-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Deterministic pseudo-random numbers (SplitMix64), so that a failure can be replayed.
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// `bytes` with `edits` random edits at positions from `lowest` on: a byte of `alphabet`
    /// put in place of one, one removed, or one inserted. The damaged-line tests of the
    /// parsers (a reader in place against the general one) share it.
    public mutating func damage(_ bytes: inout [UInt8], edits: ClosedRange<Int>, from lowest: Int, alphabet: [UInt8]) {
        for _ in 0..<Int.random(in: edits, using: &self) {
            let at = Int.random(in: lowest...bytes.count, using: &self)
            let byte = alphabet.randomElement(using: &self)!
            switch Int.random(in: 0..<3, using: &self) {
            case 0 where at < bytes.count: bytes[at] = byte
            case 1 where at < bytes.count: bytes.remove(at: at)
            default: bytes.insert(byte, at: at)
            }
        }
    }
}

/// The repository's Tests/ directory, found from this file's path.
public let testsDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.path
}()

public let fixturesDirectory = testsDirectory + "/Fixtures"

/// The hand-made system trees: every `Tests/Fixtures/NAME` holding a `proc` directory, found
/// on disk, so that a new fixture is tested without being listed anywhere. Those named
/// `features-*` are the trees of `hugectl features`, the others those of `status`.
public let fixtureTrees: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesDirectory)) ?? []
    return names.filter { FileManager.default.fileExists(atPath: fixturesDirectory + "/\($0)/proc") }.sorted()
}()

/// The trees of `status` (and every command but `features`): expected/status.{txt,json}.
public let statusFixtures = fixtureTrees.filter { !$0.hasPrefix("features-") }

/// The trees of `features`: expected/features.{txt,json}.
public let featuresFixtures = fixtureTrees.filter { $0.hasPrefix("features-") }

/// The expected-output files every fixture tree must have (under its `expected/`).
public func expectedOutputs(of fixture: String) -> [String] {
    fixture.hasPrefix("features-") ? ["features.txt", "features.json"] : ["status.txt", "status.json"]
}

extension String {
    /// A JSON document without its `generated_at` line: two runs a second apart say the same.
    public var withoutGeneratedAt: String {
        split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("  \"generated_at\": ") }
            .joined(separator: "\n")
    }
}
