import Testing
@testable import HugectlCLI
import HugectlCore

@Suite("Command-line parsing")
struct ArgumentTests {
    let specs = [
        OptionSpec("root", .required("DIR"), help: ""),
        OptionSpec("json", short: "J", help: ""),
        OptionSpec("color", .optional("WHEN"), help: ""),
        OptionSpec("output", short: "o", .required("COLUMNS"), help: ""),
        OptionSpec("help", short: "h", help: ""),
    ]

    @Test func longAndShortForms() throws {
        let (p, _) = try ArgumentParser.parse(["--root=/a", "--root", "/b", "-J", "-ocols", "-o", "x", "--color", "pos"], options: specs)
        #expect(p.value("root") == "/b")
        #expect(p.values("root") == ["/a", "/b"])
        #expect(p.has("json"))
        #expect(p.values("output") == ["cols", "x"])
        #expect(p.value("color") == "")
        #expect(p.positionals == ["pos"])
    }

    @Test func bundledShortFlagsAndDoubleDash() throws {
        let (p, _) = try ArgumentParser.parse(["-hJ", "--", "--json", "-"], options: specs)
        #expect(p.has("help") && p.has("json"))
        #expect(p.positionals == ["--json", "-"])
        let (q, _) = try ArgumentParser.parse(["-8", "+16"], options: specs)
        #expect(q.positionals == ["-8", "+16"])
    }

    @Test func stopsAtTheCommand() throws {
        let (p, rest) = try ArgumentParser.parse(["--root", "/x", "status", "--json"], options: specs, stopAtPositional: true)
        #expect(p.value("root") == "/x")
        #expect(rest == ["status", "--json"])
    }

    @Test func mistakes() {
        #expect(throws: UsageError("unrecognized option '--bogus'")) { try ArgumentParser.parse(["--bogus"], options: specs) }
        #expect(throws: UsageError("invalid option -- 'x'")) { try ArgumentParser.parse(["-x"], options: specs) }
        #expect(throws: UsageError("option '--root' requires an argument")) { try ArgumentParser.parse(["--root"], options: specs) }
        #expect(throws: UsageError("option '--json' doesn't allow an argument")) { try ArgumentParser.parse(["--json=1"], options: specs) }
        #expect(throws: UsageError("option requires an argument -- 'o'")) { try ArgumentParser.parse(["-o"], options: specs) }
    }
}
