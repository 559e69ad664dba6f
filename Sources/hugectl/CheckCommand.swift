import HugectlCLI
import HugectlCore

/// `hugectl check`: the verdict for CI and deploy pipelines. Exit 0 when clean, 1 when a
/// finding is at or above `--fail-on`, 2 on usage errors, 3 when the system cannot be read.
func runCheck(_ invocation: Invocation) -> ExitStatus {
    let started = MonotonicClock.seconds()
    enum CheckFormat: String, CaseIterable { case text, json, junit, tap, prometheus }
    var format = CheckFormat.text
    var threshold = Finding.Severity.error
    var expectations = Expectations()
    let style: Style
    do throws(UsageError) {
        try invocation.arguments.expectNoArguments()
        style = try invocation.arguments.style()
        format = try invocation.arguments.chosenFormat(default: .text)
        threshold = try invocation.arguments.failOn()
        for option in invocation.arguments.options {
            switch option.name {
            case "require", "min-free", "max-surplus", "ignore":
                try UsageError.from { () throws(InputError) in try expectations.add(option.name, option.value) }
            case "expect":
                let bytes: [UInt8]
                do {
                    bytes = try readWholeFileForCommandLine(option.value)
                } catch {
                    throw UsageError("--expect \(option.value): \(error)")
                }
                try UsageError.from { () throws(InputError) in
                    try expectations.add(file: bytes, name: option.value == "-" ? "standard input" : option.value)
                }
            default: continue
            }
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    for id in expectations.unknownIgnores {
        Terminal.error("--ignore \(id): not a finding ID of hugectl \(HugectlVersion.current); it ignores nothing")
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    guard let snapshot = invocation.collect(source) else { return .systemUnreadable }
    let result = KeptUntilExit.keep(CheckResult.run(snapshot, expectations: expectations, threshold: threshold, started: started))
    switch format {
    case .text: Terminal.out(CheckText.render(result, headers: !invocation.arguments.has("no-headers"), width: style.width), color: style.color)
    case .json: Terminal.out(json: result.json)
    case .junit: Terminal.out(CheckJUnit.render(result))
    case .tap: Terminal.out(CheckTAP.render(result), color: false)
    case .prometheus: Terminal.out(Prometheus.render(result.report))
    }
    return result.passed ? .success : .shortfall
}
