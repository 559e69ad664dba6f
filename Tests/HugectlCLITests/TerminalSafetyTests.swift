import Foundation
@testable import HugectlCore
import Testing

/// Text that a hostile tree controls (a counter file, a process name, a mount path) reaches the
/// terminal with its control characters written out (`\xHH`), never raw.
@Suite("No control characters from a tree reach the terminal")
struct TerminalSafetyTests {
    /// A title, a screen clear, a C1 CSI, and a colour (SGR): none of it is hugectl's to pass on.
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}2J\u{1B}[31m"

    /// A control character a terminal acts on: C0 but newline and tab, DEL, and C1 (U+009B,
    /// CSI, starts an escape sequence on many terminals).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }

    @Test func warningsTablesAndReportsAreEscaped() throws {
        try withTemporaryDirectory { dir in
            let root = dir + "/tree"
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: root)
            _ = try run("/bin/chmod", ["-R", "u+w", root])
            try (Self.hostile + "\n").write(toFile: root + "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
                                            atomically: true, encoding: .utf8)
            let pid = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/proc")
                .first { Int($0) != nil }, "a process in the fixture")
            let status = root + "/proc/\(pid)/status"
            let text = try String(contentsOfFile: status, encoding: .utf8)
            let renamed = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("Name:") ? "Name:\tevil" + Self.hostile : String($0) }.joined(separator: "\n")
            try renamed.write(toFile: status, atomically: true, encoding: .utf8)
            let textual = [["status"], ["status", "--color=always"], ["procs", "-v"], ["check"], ["check", "--format", "tap"],
                           ["plan"], ["admit", "default=1"], ["admit", "default=1", "--format", "tap"]]
            let other = [["status", "--json"], ["procs", "--json"], ["check", "--json"], ["plan", "--json"],
                         ["check", "--format", "junit"], ["check", "--format", "prometheus"], ["status", "--format", "prometheus"]]
            for arguments in textual + other {
                let r = try hugectl(["--root", root] + arguments)
                for (name, stream) in [("stdout", r.stdout), ("stderr", r.stderr)] {
                    // With --color=always only hugectl's own colours (`OutputSink`'s): each ESC starts one of them.
                    let own = OutputSink.colorSequences.reduce(stream) { $0.replacingOccurrences(of: $1, with: "") }
                    #expect(!own.unicodeScalars.contains(where: Self.isControl), "\(arguments) \(name): \(stream.debugDescription)")
                }
                if textual.contains(arguments) {
                    #expect((r.stdout + r.stderr).contains("\\x1b]0;pwned\\x07"), "\(arguments): the text is shown, escaped")
                    #expect(!(r.stdout + r.stderr).contains("\u{1B}[31m"), "\(arguments): a colour from the tree is escaped too")
                }
            }
            // The JSON keeps the name, its control characters as \u escapes (C1 included).
            let json = try hugectl(["--root", root, "procs", "--json"]).stdout
            #expect(json.contains("evil\\u001b]0;pwned\\u0007\\u001b[2J\\u009b2J"), "\(json)")
        }
    }
}
