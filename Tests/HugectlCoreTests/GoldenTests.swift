import Foundation
import Testing
@testable import HugectlCore

/// Every fixture tree has its expected `status` text and JSON under `expected/`. They were
/// produced by hugectl and read by a person; regenerate after a deliberate change with
/// `HUGECTL_UPDATE_GOLDEN=1 swift test` and review the diff.
@Suite("Expected output for every fixture tree")
struct GoldenTests {
    static let fixtures = statusFixtures

    func report(_ fixture: String) throws -> StatusReport {
        let root = fixturesDirectory + "/" + fixture
        var snapshot = try SnapshotCollector.collect(from: SystemRoot.open(root))
        snapshot.root = "FIXTURE"  // the checkout's location must not matter
        snapshot.collectedAt = 1_764_547_200  // nor the time of the run (2025-12-01T00:00:00Z)
        return StatusReport(snapshot: snapshot)
    }

    @Test(arguments: fixtures)
    func statusText(fixture: String) throws {
        let text = StatusText.render(try report(fixture)).rendered()
        try compare(text, "\(fixturesDirectory)/\(fixture)/expected/status.txt")
    }

    @Test(arguments: fixtures)
    func statusJSON(fixture: String) throws {
        let json = StatusJSON.document(try report(fixture)).serialized()
        try compare(json, "\(fixturesDirectory)/\(fixture)/expected/status.json")
        // And it is JSON that a standard parser accepts, with the contract's numbers in it.
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(parsed?["schema_version"] as? Int == 1)
    }

    /// Every fixture tree found on disk has its expected output: a new tree without it fails
    /// here rather than being compared with nothing (HUGECTL_UPDATE_GOLDEN=1 writes it).
    @Test(arguments: fixtureTrees)
    func everyFixtureTreeHasItsExpectedOutput(fixture: String) {
        for file in expectedOutputs(of: fixture) {
            #expect(FileManager.default.fileExists(atPath: "\(fixturesDirectory)/\(fixture)/expected/\(file)"),
                    "\(fixture) has no expected/\(file)")
        }
    }

    /// The fixtures are found on disk: an empty list would make the suites that take them as
    /// arguments pass unasked.
    @Test func fixtureTreesAreFound() {
        #expect(statusFixtures.count >= 9 && statusFixtures.contains("two-node"), "\(statusFixtures)")
        #expect(featuresFixtures.count >= 2, "\(featuresFixtures)")
    }

    /// A snapshot's own record of what it said matches what its tree says now
    /// (Tests/Fixtures/make-host-snapshot writes both; re-run it when the output changes).
    @Test func hostSnapshotReplaysItsRecordedStatus() throws {
        let root = fixturesDirectory + "/host-1node"
        let snapshot = try SnapshotCollector.collect(from: SystemRoot.open(root))
        var replayed = StatusJSON.document(StatusReport(snapshot: snapshot)).serialized()
        let recorded = try String(contentsOfFile: root + SnapshotCapture.statusPath, encoding: .utf8)
        replayed = replayed.replacingOccurrences(of: "\"root\": \"\(root)\"", with: "\"root\": \"/\"")
        // When it was read is now, not when it was captured.
        #expect(replayed.withoutGeneratedAt == recorded.withoutGeneratedAt)
    }
}
