import Foundation
import Testing
@testable import HugectlCore

@Suite("Rendering")
struct RenderTests {
    @Test func jsonEscapingAndOrder() throws {
        let doc = JSON.object([("b", .string("quote\" back\\ nl\n tab\t bell\u{07} é")), ("a", .null),
                               ("n", .ints([1, 2])), ("e", .array([])), ("o", .object([]))])
        let text = doc.serialized()
        #expect(text.firstRange(of: "\"b\"")!.lowerBound < text.firstRange(of: "\"a\"")!.lowerBound)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["b"] as? String == "quote\" back\\ nl\n tab\t bell\u{07} é")
        #expect(parsed?["n"] as? [Int] == [1, 2])
        #expect(text.contains("\\u0007"))
        #expect(doc.compact() == #"{"b": "quote\" back\\ nl\n tab\t bell\u0007 é", "a": null, "n": [1, 2], "e": [], "o": {}}"#)
    }

    @Test func tableAlignsFromContent() {
        var table = Table([.init("NAME"), .init("PAGES", rightAligned: true), .init("NOTE")])
        table.add(["2M", "8", "default"])
        table.add(["1G", "1024", ""])
        #expect(table.render().rendered() == "NAME  PAGES  NOTE\n2M        8  default\n1G     1024\n")
        #expect(table.render(headers: false).rendered() == "2M     8  default\n1G  1024\n")
    }

    @Test func narrowTerminalsCutTheLastColumn() {
        var table = Table([.init("ID"), .init("MESSAGE")])
        table.add(["reserve-policy-shortfall", String(repeating: "x", count: 100)])
        let cut = table.render(width: 40).rendered()
        #expect(cut.split(separator: "\n").allSatisfy { $0.count <= 40 })
        #expect(cut.split(separator: "\n")[1].hasSuffix("…"))
        #expect(table.render().rendered().split(separator: "\n")[1].count == 26 + 100, "off a terminal nothing is cut")
    }

    @Test func colourOnlyWhenAsked() {
        #expect(OutputSink.render(.trusted("x", paint: .error), color: false) == "x")
        #expect(OutputSink.render(.trusted("x", paint: .error), color: true) == "\u{1B}[1;31mx\u{1B}[0m")
        #expect(Terminal.wantsColor(.never) == false)
        #expect(Terminal.wantsColor(.always) == true)
    }

    @Test func humanSizes() {
        #expect(HumanSize.format(kB: 0) == "0")
        #expect(HumanSize.format(kB: 16384) == "16M")
        #expect(HumanSize.format(kB: 1048576) == "1G")
        #expect(HumanSize.format(kB: 3534276) == "3.4G")
        #expect(HumanSize.format(kB: 512) == "512K")
        #expect(HumanSize.format(kB: Int.max).hasSuffix("E"))
    }

    @Test func absurdCountsDoNotTrap() {
        let s = SystemSnapshot(root: "/", defaultPageSizeKB: 1048576, pools: [
            HugePagePool(pageSizeKB: 1048576, total: Int.max, free: Int.max, reserved: 0, surplus: 0),
        ])
        let text = StatusText.render(StatusReport(snapshot: s)).rendered()
        #expect(text.contains("9223372036854775807"))
    }
}
