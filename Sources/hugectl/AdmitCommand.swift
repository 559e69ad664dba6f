import HugectlCLI
import HugectlCore
import HugectlTune

/// `hugectl admit SIZE=N[@POLICY]... [--pools SIZE=COUNT]`: would new mappings (or a pool
/// change) fit, and what would they break? Exit 0 when admitted with nothing certain to fail
/// and nothing new at or above `--fail-on`, 1 otherwise, 2 on usage errors, 3 when the
/// system cannot be read. The answer is `Admission.evaluate`'s; this only parses and prints.
func runAdmit(_ invocation: Invocation) -> ExitStatus {
    enum AdmitFormat: String, CaseIterable { case text, json, tap, junit }
    var format = AdmitFormat.text
    var threshold = Finding.Severity.error
    var template = AdmissionSpec(text: "", pageSizeKB: 0, pages: 0)
    let arguments = invocation.arguments
    let style: Style
    do throws(UsageError) {
        style = try invocation.arguments.style()
        format = try invocation.chosenFormat(default: .text)
        threshold = try invocation.failOn()
        for option in arguments.options {
            _ = try UsageError.from { () throws(InputError) in try template.set(option.name, option.value) }
        }
        if arguments.positionals.isEmpty && !arguments.has("pools") {
            throw UsageError("nothing to admit: give SIZE=PAGES[@POLICY] (e.g. 2M=512@bind:1) or --pools")
        }
        // The syntax first, before anything is read.
        for text in arguments.positionals {
            _ = try UsageError.from { () throws(InputError) in
                try AdmissionSpec.parse(text) { (size: String) throws(InputError) -> Int in
                    guard let kB = PageSize.parse(size) ?? (size == "default" ? 1 : nil) else { throw InputError("unknown page size '\(size)'") }
                    return kB
                }
            }
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    let outcome: AdmissionOutcome
    do {
        outcome = try AdmissionRun.run(source: source, specs: { (snapshot: SystemSnapshot) throws(InputError) -> [AdmissionSpec] in
            try AdmissionSpec.parseAll(arguments.positionals, template: template) { (size: String) throws(InputError) -> Int in
                try PoolRequest.parseSize(size, snapshot: snapshot)
            }
        }, pools: arguments.values("pools"), cgroups: Set([template.cgroup].compactMap { $0 }), threshold: threshold)
    } catch {
        switch error {
        case .usage(let usage): return usageFailure(UsageError(usage.message), command: invocation.command)
        case .unreadable(let read):
            Terminal.error(ReadDiagnostics.unreadable(read, source: source))
            return .systemUnreadable
        }
    }
    sayWarnings(outcome.base.warnings, source: source)
    let pools = arguments.values("pools")
    switch format {
    case .text: Terminal.out(AdmissionText.render(outcome, poolChanges: pools, style: style))
    case .json: Terminal.out(AdmissionJSON.document(outcome, poolChanges: pools, warnings: outcome.base.warnings).serialized())
    case .tap: Terminal.out(AdmissionTestFormats.tap(outcome))
    case .junit: Terminal.out(AdmissionTestFormats.junit(outcome))
    }
    return outcome.passed ? .success : .shortfall
}

extension Invocation {
    /// `--json` and `--format` among `F`'s cases; the last one given wins.
    func chosenFormat<F: RawRepresentable & CaseIterable>(default fallback: F) throws(UsageError) -> F where F.RawValue == String {
        var format = fallback
        for option in arguments.options {
            if option.name == "json", let json = F(rawValue: "json") { format = json }
            guard option.name == "format" else { continue }
            guard let chosen = F(rawValue: option.value) else {
                throw UsageError("unknown format '\(option.value)' (choose: \(F.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            format = chosen
        }
        return format
    }

    /// `--fail-on LEVEL` (the last one given), else error.
    func failOn() throws(UsageError) -> Finding.Severity {
        guard let value = arguments.value("fail-on") else { return .error }
        guard let severity = Finding.Severity(rawValue: value) else {
            throw UsageError("--fail-on takes error, warning or info, not '\(value)'")
        }
        return severity
    }
}
