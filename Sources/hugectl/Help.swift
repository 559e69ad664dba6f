import HugectlCLI
import HugectlCore

let exitStatusHelp = """
    Exit status:
     0  success
     1  a check or tuning step fell short (commands that check or tune)
     2  usage error
     3  the system could not be read (missing --root, no hugetlb support, permission),
        or a snapshot could not be written

    """

func optionLines(_ options: [OptionSpec]) -> String {
    let width = (options.map { $0.synopsis.count }.max() ?? 0) + 2
    return options.map { option in
        " " + option.synopsis + String(repeating: " ", count: width - option.synopsis.count) + option.help
    }.joined(separator: "\n") + "\n"
}

func generalHelp() -> String {
    let width = (commands.map { $0.synopsis.count }.max() ?? 0) + 2
    let list = commands.map { command in
        " " + command.synopsis + String(repeating: " ", count: width - command.synopsis.count) + command.summary
    }.joined(separator: "\n")
    return """

        Usage:
         hugectl [options] [command] [command options]

        Inspect and tune the kernel's hugetlb (huge page) pools, and tell before it bites when a
        huge page reservation will not be honoured at fault time.

        Commands:
        \(list)

        Options:
        \(optionLines(globalOptions))
        Output options (status, procs):
        \(optionLines(outputOptions))
        \(exitStatusHelp)
        Run 'hugectl help COMMAND' for a command's options. For more details see hugectl(8).

        """
}

func help(for command: Command) -> String {
    """

    Usage:
     hugectl [options] \(command.synopsis)

    \(command.summary.prefix(1).uppercased() + command.summary.dropFirst()).

    Options:
    \(optionLines(command.options + globalOptions))
    \(command.columns.map { $0 + "\n" } ?? "")\(exitStatusHelp)
    For more details see hugectl(8).

    """
}

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
    Terminal.out(help(for: target))
    return .success
}
