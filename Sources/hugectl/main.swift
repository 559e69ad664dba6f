#if canImport(Glibc)
import Glibc
#endif
import HugectlCLI
import HugectlCore

/// hugectl [global options] [COMMAND] [options] [arguments]
func main(_ words: [String]) -> ExitStatus {
    do throws(UsageError) {
        // Global options may come before the command; the command's own come anywhere after it.
        let (global, rest) = try ArgumentParser.parse(words, options: globalOptions + outputOptions, stopAtPositional: true)
        if global.has("version") {
            Terminal.out("hugectl \(HugectlVersion.current)\n")
            return .success
        }
        let name = rest.first ?? "status"
        guard let chosen = command(named: name) else {
            Terminal.error("unknown command '\(name)'")
            Terminal.err("Try 'hugectl --help' for the list of commands.\n")
            return .usage
        }
        if global.has("help") && rest.isEmpty {
            Terminal.out(generalHelp())
            return .success
        }
        let allowed = globalOptions + chosen.options
        for option in global.options where !allowed.contains(where: { $0.long == option.name }) {
            throw UsageError("option '--\(option.name)' does not apply to '\(chosen.name)'")
        }
        var parsed: ParsedArguments
        do {
            (parsed, _) = try ArgumentParser.parse(Array(rest.dropFirst()), options: allowed)
        } catch {
            return usageFailure(error, command: chosen)
        }
        parsed.options = global.options + parsed.options
        if parsed.has("help") {
            Terminal.out(help(for: chosen.spec))
            return .success
        }
        if parsed.has("version") {
            Terminal.out("hugectl \(HugectlVersion.current)\n")
            return .success
        }
        return chosen.run(Invocation(command: chosen, arguments: parsed))
    } catch {
        return usageFailure(error, command: nil)
    }
}

/// One line saying what was wrong, one saying where to look; exit status 2.
func usageFailure(_ error: UsageError, command: Command?) -> ExitStatus {
    Terminal.error(error.message)
    if let command {
        Terminal.err("Try 'hugectl help \(command.name)' for more information.\n")
    } else {
        Terminal.err("Try 'hugectl --help' for more information.\n")
    }
    return .usage
}

var status = main(Array(CommandLine.arguments.dropFirst()))
// A report that could not be written is not a success, whatever it said (util-linux's
// close_stdout() does the same).
if let failure = Terminal.outputFailure {
    Terminal.error("write error: standard output: \(failure)")
    status = .systemUnreadable
}
exit(status.rawValue)
