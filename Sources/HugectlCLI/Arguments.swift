/// A command-line option as getopt_long knows it.
public struct OptionSpec: Sendable {
    public enum Argument: Sendable, Equatable {
        case none
        /// `--root DIR` or `--root=DIR`.
        case required(String)
        /// `--color[=WHEN]`: only the `=` form gives a value.
        case optional(String)
    }

    public var long: String
    public var short: Character?
    public var argument: Argument
    public var help: String

    public init(_ long: String, short: Character? = nil, _ argument: Argument = .none, help: String) {
        self.long = long
        self.short = short
        self.argument = argument
        self.help = help
    }

    /// `-o, --output COLUMNS` as help text shows it.
    public var synopsis: String {
        var text = short.map { "-\($0), " } ?? "    "
        text += "--\(long)"
        switch argument {
        case .none: break
        case .required(let name): text += " \(name)"
        case .optional(let name): text += "[=\(name)]"
        }
        return text
    }
}

/// What the command line said: option values by long name (in order given; a flag's value is
/// empty) and the positional arguments.
public struct ParsedArguments: Sendable {
    /// One option as given: `--color` has no value, `--color=` an empty one.
    public struct Option: Sendable, Equatable {
        public var name: String
        public var value: String
        public var hadValue: Bool

        public init(_ name: String, _ value: String = "", hadValue: Bool = true) {
            self.name = name
            self.value = value
            self.hadValue = hadValue
        }
    }

    public var options: [Option] = []
    public var positionals: [String] = []

    public init() {}

    public func has(_ name: String) -> Bool { options.contains { $0.name == name } }

    /// The last value given for the option (later ones win, as with getopt).
    public func value(_ name: String) -> String? { options.last { $0.name == name }?.value }

    public func values(_ name: String) -> [String] { options.filter { $0.name == name }.map(\.value) }
}

/// A mistake on the command line: exit status 2 with one line and a hint.
public struct UsageError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Hand-rolled `getopt_long`: `--opt=value`, `--opt value`, `-o value`, `-ovalue`, bundled
/// short flags (`-hV`), `--` ends options, a lone `-` is a positional.
public enum ArgumentParser {
    /// Parses `arguments`. With `stopAtPositional`, parsing ends at the first positional and
    /// the remaining words are returned unparsed (used to find the command after global options).
    public static func parse(_ arguments: [String], options specs: [OptionSpec], stopAtPositional: Bool = false)
        throws(UsageError) -> (parsed: ParsedArguments, rest: [String]) {
        var parsed = ParsedArguments()
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" {
                // Everything after is positional; when looking for the command, it is the rest.
                if stopAtPositional { return (parsed, Array(arguments[index...])) }
                parsed.positionals += arguments[index...]
                return (parsed, [])
            }
            if word.hasPrefix("--") {
                try parseLong(word, specs: specs, arguments: arguments, index: &index, into: &parsed)
                continue
            }
            if word.hasPrefix("-") && word.count > 1 && !isNegativeNumber(word) {
                try parseShort(word, specs: specs, arguments: arguments, index: &index, into: &parsed)
                continue
            }
            if stopAtPositional {
                return (parsed, Array(arguments[(index - 1)...]))
            }
            parsed.positionals.append(word)
        }
        return (parsed, [])
    }

    /// `--name`, `--name=value` or `--name value`.
    private static func parseLong(_ word: String, specs: [OptionSpec], arguments: [String], index: inout Int,
                                  into parsed: inout ParsedArguments) throws(UsageError) {
        let body = word.dropFirst(2)
        let name: String
        var inline: String?
        if let equals = body.firstIndex(of: "=") {
            name = String(body[..<equals])
            inline = String(body[body.index(after: equals)...])
        } else {
            name = String(body)
        }
        guard let spec = specs.first(where: { $0.long == name }) else {
            throw UsageError("unrecognized option '--\(name)'")
        }
        switch spec.argument {
        case .none:
            if inline != nil { throw UsageError("option '--\(name)' doesn't allow an argument") }
            parsed.options.append(.init(name, hadValue: false))
        case .optional:
            parsed.options.append(.init(name, inline ?? "", hadValue: inline != nil))
        case .required:
            if let inline {
                parsed.options.append(.init(name, inline))
            } else if index < arguments.count {
                parsed.options.append(.init(name, arguments[index]))
                index += 1
            } else {
                throw UsageError("option '--\(name)' requires an argument")
            }
        }
    }

    /// `-x`, bundled flags `-hV`, `-o value` or `-ovalue`.
    private static func parseShort(_ word: String, specs: [OptionSpec], arguments: [String], index: inout Int,
                                   into parsed: inout ParsedArguments) throws(UsageError) {
        var letters = Array(word.dropFirst())
        while !letters.isEmpty {
            let letter = letters.removeFirst()
            guard let spec = specs.first(where: { $0.short == letter }) else {
                throw UsageError("invalid option -- '\(letter)'")
            }
            switch spec.argument {
            case .none, .optional:
                parsed.options.append(.init(spec.long, hadValue: false))
            case .required:
                if !letters.isEmpty {
                    parsed.options.append(.init(spec.long, String(letters)))
                    letters = []
                } else if index < arguments.count {
                    parsed.options.append(.init(spec.long, arguments[index]))
                    index += 1
                } else {
                    throw UsageError("option requires an argument -- '\(letter)'")
                }
            }
        }
    }

    /// `-8` in `pool set 2M -8` is a relative count, not an option.
    private static func isNegativeNumber(_ word: String) -> Bool {
        word.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }
}
