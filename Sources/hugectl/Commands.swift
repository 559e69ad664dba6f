import HugectlCLI
import HugectlCore

/// A hugectl command: its spec (name, synopsis, options) and what it does.
struct Command: Sendable {
    var spec: CommandSpec
    var run: @Sendable (Invocation) -> ExitStatus

    var name: String { spec.name }
    var options: [OptionSpec] { spec.options }
}

/// What each command runs.
let runners: [String: @Sendable (Invocation) -> ExitStatus] = [
    "status": runStatus, "procs": runProcs, "check": runCheck, "admit": runAdmit, "pool": runPool, "plan": runPlan,
    "features": runFeatures, "snapshot": runSnapshot, "help": runHelp,
]

let commands: [Command] = commandSpecs.compactMap { spec in runners[spec.name].map { Command(spec: spec, run: $0) } }

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

extension Invocation {
    /// The snapshot of `source`, its warnings said on standard error; nil after saying why the
    /// system could not be read at all.
    func collect(_ source: SystemSource, scanProcesses: Bool = true, warn: Bool = true) -> SystemSnapshot? {
        switch Collected.from(source, scanProcesses: scanProcesses) {
        case .unreadable(let why):
            Terminal.error(why)
            return nil
        case .snapshot(let snapshot):
            if warn { sayWarnings(snapshot.warnings, source: source) }
            return snapshot
        }
    }
}

/// Each warning of a read on standard error, as `ReadDiagnostics` shows it.
func sayWarnings(_ warnings: [String], source: SystemSource) {
    for warning in ReadDiagnostics.warnings(warnings, source: source) { Terminal.error(warning) }
}
