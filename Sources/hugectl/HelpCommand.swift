import HugectlCLI
import HugectlCore

/// `hugectl help [COMMAND]`.
func runHelp(_ invocation: Invocation) -> ExitStatus {
    let positionals = invocation.arguments.positionals
    guard let name = positionals.first else {
        Terminal.out(generalHelp())
        return .success
    }
    if positionals.count > 1 {
        return usageFailure(UsageError("unexpected argument '\(positionals[1])'"), command: invocation.command)
    }
    guard let target = command(named: name) else {
        Terminal.error("unknown command '\(name)'")
        Terminal.err("Try 'hugectl --help' for the list of commands.\n")
        return .usage
    }
    Terminal.out(help(for: target.spec))
    return .success
}
