import HugectlCore

/// A hugectl command: its name, synopsis, options and what it does.
struct Command: Sendable {
    var name: String
    var synopsis: String
    var summary: String
    var options: [OptionSpec]
    var run: @Sendable (Invocation) -> ExitStatus
}

/// Options every command accepts, before or after the command name.
let globalOptions: [OptionSpec] = [
    OptionSpec("root", .required("DIR"), help: "read the system under DIR (a snapshot tree) instead of /"),
    OptionSpec("help", short: "h", help: "display this help"),
    OptionSpec("version", short: "V", help: "display version"),
]

/// Options of the commands that print a report (status, procs).
let outputOptions: [OptionSpec] = [
    OptionSpec("json", short: "J", help: "print the JSON document (same as --format json)"),
    OptionSpec("format", .required("FORMAT"), help: "output format: text or json"),
    OptionSpec("color", .optional("WHEN"), help: "colorize output: auto (the default; also --color alone), always or never"),
    OptionSpec("no-headers", short: "n", help: "do not print table headers"),
]

let commands: [Command] = [
    Command(
        name: "status", synopsis: "status",
        summary: "show pools, pools per node, hugetlbfs mounts and a verdict (the default)",
        options: outputOptions, run: runStatus),
    Command(
        name: "procs", synopsis: "procs [PID|NAME...]",
        summary: "show the processes holding hugetlb memory: mapped, faulted and owed pages",
        options: outputOptions + [
            OptionSpec("verbose", short: "v", help: "one row per hugetlb mapping (VMA) instead of per process"),
            OptionSpec("sort", .required("COLUMN"), help: "sort by COLUMN (a header name; -COLUMN for descending)"),
        ],
        run: runProcs),
    Command(
        name: "check", synopsis: "check [--fail-on LEVEL] [EXPECTATIONS]",
        summary: "predict failing reservations and gate on them: exit 1 when a finding reaches --fail-on",
        options: [
            OptionSpec("json", short: "J", help: "print the JSON document (same as --format json)"),
            OptionSpec("format", .required("FORMAT"), help: "output format: text, json, junit or tap"),
            OptionSpec("color", .optional("WHEN"), help: "colorize output: auto (the default; also --color alone), always or never"),
            OptionSpec("no-headers", short: "n", help: "do not print table headers"),
            OptionSpec("fail-on", .required("LEVEL"), help: "fail on findings at or above LEVEL: error (default), warning or info"),
            OptionSpec("expect", .required("FILE"), help: "read expectations from FILE, one a line ('require 2M=512'; # comments)"),
            OptionSpec("require", .required("SIZE=N[@NODES]"), help: "the pool (or each of NODES) has at least N pages"),
            OptionSpec("min-free", .required("SIZE=N"), help: "at least N pages are free and unreserved"),
            OptionSpec("max-surplus", .required("SIZE=N"), help: "at most N surplus pages"),
            OptionSpec("ignore", .required("ID[:PID]"), help: "leave out findings with ID (only for PID, if given)"),
        ],
        run: runCheck),
    Command(
        name: "snapshot", synopsis: "snapshot [DIR] [--tar FILE]",
        summary: "capture every file hugectl reads into DIR and/or a tar FILE, for --root",
        options: [OptionSpec("tar", .required("FILE"), help: "write the snapshot as a tar archive FILE (as well as DIR, if given)")],
        run: runSnapshot),
    Command(
        name: "help", synopsis: "help [COMMAND]",
        summary: "show help for hugectl or for a command",
        options: [], run: runHelp),
]

func command(named name: String) -> Command? {
    commands.first { $0.name == name }
}

/// The parsed command line handed to a command.
struct Invocation: Sendable {
    var command: Command
    var arguments: ParsedArguments

    var root: String { arguments.value("root") ?? "/" }

    /// Opens the root, printing the error and returning nil when it cannot be used.
    func openRoot() -> SystemRoot? {
        do {
            return try SystemRoot.open(root)
        } catch {
            Terminal.error(error.description)
            return nil
        }
    }
}

enum OutputFormat: String, CaseIterable {
    case text, json
}

extension Invocation {
    /// `--json` or `--format`; a bad `--format` is a usage error.
    /// `--json` and `--format`; as with every option, the last one given wins.
    func outputFormat() throws(UsageError) -> OutputFormat {
        var format = OutputFormat.text
        for option in arguments.options {
            switch option.name {
            case "json": format = .json
            case "format":
                guard let chosen = OutputFormat(rawValue: option.value) else {
                    throw UsageError("unknown format '\(option.value)' (choose: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                format = chosen
            default: continue
            }
        }
        return format
    }

    /// `--color[=WHEN]`: without a value it means auto, as in util-linux.
    func style() throws(UsageError) -> Style {
        var mode = ColorMode.auto
        for option in arguments.options where option.name == "color" {
            guard let chosen = option.value.isEmpty && !option.hadValue ? .auto : ColorMode(rawValue: option.value) else {
                throw UsageError("unknown --color value '\(option.value)' (choose: auto, always, never)")
            }
            mode = chosen
        }
        return Style(color: Terminal.wantsColor(mode))
    }

    /// Refuses positional arguments for a command that takes none.
    func expectNoArguments() throws(UsageError) {
        if let extra = arguments.positionals.first {
            throw UsageError("unexpected argument '\(extra)'")
        }
    }
}
