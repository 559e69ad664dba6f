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
        format = try arguments.chosenFormat(default: .text)
        threshold = try arguments.failOn()
        try UsageError.from { () throws(InputError) in try template.set(all: arguments.options.map { ($0.name, $0.value) }) }
        if arguments.positionals.isEmpty && !arguments.has("pools") {
            throw UsageError("nothing to admit: give SIZE=PAGES[@POLICY] (e.g. 2M=512@bind:1) or --pools")
        }
        // The syntax first, before anything is read.
        try UsageError.from { () throws(InputError) in try AdmissionSpec.checkSyntax(arguments.positionals) }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    let outcome: AdmissionOutcome
    do {
        outcome = try AdmissionRun.run(source: source, texts: arguments.positionals, template: template,
                                       pools: arguments.values("pools"), threshold: threshold)
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
    case .text: Terminal.out(AdmissionText.render(outcome, poolChanges: pools), color: style.color)
    case .json: Terminal.out(AdmissionJSON.document(outcome, poolChanges: pools, warnings: outcome.base.warnings).serialized())
    case .tap: Terminal.out(AdmissionTestFormats.tap(outcome), color: false)
    case .junit: Terminal.out(AdmissionTestFormats.junit(outcome))
    }
    return outcome.passed ? .success : .shortfall
}
