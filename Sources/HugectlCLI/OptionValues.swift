import HugectlCore
import HugectlTune

/// The values of the options many commands share, checked: a bad one is a usage error.
public enum OutputFormat: String, CaseIterable {
    case text, json, prometheus
}

extension ParsedArguments {
    /// `--json` and `--format` for the commands whose formats are `OutputFormat`s: text and
    /// JSON unless `allowed` says more.
    public func outputFormat(allowed: [OutputFormat] = [.text, .json]) throws(UsageError) -> OutputFormat {
        try chosenFormat(default: .text, allowed: allowed)
    }

    /// `--color[=WHEN]`: without a value it means auto, as in util-linux.
    public func style() throws(UsageError) -> Style {
        var style = try colorStyle()
        style.width = Terminal.width()
        return style
    }

    private func colorStyle() throws(UsageError) -> Style {
        var mode = ColorMode.auto
        for option in options where option.name == "color" {
            guard let chosen = option.value.isEmpty && !option.hadValue ? .auto : ColorMode(rawValue: option.value) else {
                throw UsageError("unknown --color value '\(option.value)' (choose: auto, always, never)")
            }
            mode = chosen
        }
        return Style(color: Terminal.wantsColor(mode))
    }

    /// Refuses positional arguments for a command that takes none.
    public func expectNoArguments() throws(UsageError) {
        if let extra = positionals.first {
            throw UsageError("unexpected argument '\(extra)'")
        }
    }

    /// `--watch SECONDS`, if given.
    public func watchInterval() throws(UsageError) -> Double? {
        guard let text = value("watch") else { return nil }
        guard let seconds = Double(text), seconds >= 0.1, seconds <= 86400 else {
            throw UsageError("--watch takes seconds between 0.1 and 86400, not '\(text)'")
        }
        return seconds
    }

    /// `--lock-timeout SECONDS`: how long `pool` and `plan --apply` wait for the pool lock.
    public func lockTimeout() throws(UsageError) -> Double {
        guard let text = value("lock-timeout") else { return PoolLock.defaultTimeout }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= 86400 else {
            throw UsageError("bad --lock-timeout '\(text)' (seconds between 0 and 86400, e.g. 10)")
        }
        return seconds
    }
}

extension ParsedArguments {
    /// `--json` and `--format NAME`, NAME one of `allowed` (by default every case of `F`); as
    /// with every option, the last one given wins; neither given: `fallback`.
    public func chosenFormat<F: RawRepresentable & CaseIterable & Equatable>(
        default fallback: F, allowed: [F] = Array(F.allCases)
    ) throws(UsageError) -> F where F.RawValue == String {
        var format = fallback
        for option in options {
            if option.name == "json", let json = F(rawValue: "json") { format = json }
            guard option.name == "format" else { continue }
            guard let chosen = F(rawValue: option.value), allowed.contains(chosen) else {
                throw UsageError("unknown format '\(option.value)' (choose: \(allowed.map(\.rawValue).joined(separator: ", ")))")
            }
            format = chosen
        }
        return format
    }

    /// `--fail-on LEVEL` (the last one given), else error.
    public func failOn() throws(UsageError) -> Finding.Severity {
        guard let value = value("fail-on") else { return .error }
        guard let severity = Finding.Severity(rawValue: value) else {
            throw UsageError("--fail-on takes error, warning or info, not '\(value)'")
        }
        return severity
    }
}
