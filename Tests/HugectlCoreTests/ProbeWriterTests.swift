import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlProbe
import HugectlTune

/// `features --probe` grows and puts back a pool through the `SysfsWriter` it is given: in a
/// test, one that records the writes (and never reaches /sys).
@Suite("Probe writes through an injected SysfsWriter")
struct ProbeWriterTests {
    final class RecordingWriter: SysfsWriter {
        var writes: [(path: String, value: Int)] = []
        var fails = false

        func write(_ value: Int, to path: String) throws(ReadError) {
            writes.append((path, value))
            if fails { throw ReadError(path: path, failure: .system(.permissionDenied)) }
        }
    }

    let source: SystemRoot
    let path = KernelPath.pool(kB: 2048) + "/nr_hugepages"

    init() throws {
        source = try SystemRoot.open(fixturesDirectory + "/two-node")
    }

    @Test func growWritesOneMorePageThroughTheWriter() throws {
        let writer = RecordingWriter()
        // The tree does not change: the kernel "gave nothing", and grow says what it reads.
        let result = FeaturesProbe.grow(kB: 2048, from: 16, source: source, writer: writer)
        #expect(writer.writes.map(\.path) == [path])
        #expect(writer.writes.map(\.value) == [17])
        #expect(try result.get() == 16)
    }

    @Test func aRefusedGrowThatChangedNothingIsAFailure() {
        let writer = RecordingWriter()
        writer.fails = true
        let result = FeaturesProbe.grow(kB: 2048, from: 16, source: source, writer: writer)
        #expect(writer.writes.count == 1)
        guard case .failure(let error) = result else {
            Issue.record("a refused write on an unchanged pool must be a failure")
            return
        }
        #expect(error.failure == .system(.permissionDenied))
    }

    @Test func restoreWritesTheOldSizeBack() {
        let writer = RecordingWriter()
        // The pool reads 16: the first write back is enough.
        #expect(FeaturesProbe.restore(kB: 2048, to: 16, source: source, writer: writer) == 16)
        #expect(writer.writes.map(\.value) == [16])
        // It reads 16, not 15: written twice, then what is there is said.
        let again = RecordingWriter()
        #expect(FeaturesProbe.restore(kB: 2048, to: 15, source: source, writer: again) == 16)
        #expect(again.writes.map(\.value) == [15, 15])
    }
}
