import HugectlCore

// `--help` from the option tables (util-linux manners): the general help and each command's.

public let exitStatusHelp = """
    Exit status:
     0  success
     1  a check or tuning step fell short (commands that check or tune)
     2  usage error
     3  the system could not be read (missing --root, no hugetlb support, permission),
        or a snapshot could not be written

    """

public func optionLines(_ options: [OptionSpec]) -> String {
    let width = (options.map { $0.synopsis.count }.max() ?? 0) + 2
    return options.map { option in
        " " + option.synopsis + String(repeating: " ", count: width - option.synopsis.count) + option.help
    }.joined(separator: "\n") + "\n"
}

public func generalHelp() -> String {
    let width = (commandSpecs.map { $0.synopsis.count }.max() ?? 0) + 2
    let list = commandSpecs.map { command in
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

public func help(for command: CommandSpec) -> String {
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

