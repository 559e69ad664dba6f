/// `hugectl admit` output: text, the admission JSON document (docs/json.md), TAP and JUnit.
public enum AdmissionJSON {
    public static func document(_ outcome: AdmissionOutcome, poolChanges: [String] = [], warnings: [String] = []) -> JSON {
        let snapshot = outcome.base
        return .object([
            ("schema_version", .int(StatusJSON.schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("root", .string(snapshot.root)),
            ("kernel_release", .string(snapshot.kernelRelease)),
            ("admitted", .bool(outcome.admitted)),
            ("mappings", .array(outcome.mappings.map(mapping))),
            ("pool_changes", .array(poolChanges.map { .string($0) })),
            ("collateral", .array(outcome.collateral.map(change))),
            ("findings", .array(outcome.after.map(StatusJSON.finding))),
            ("verdict", .object([
                ("result", .string(outcome.passed ? "pass" : "fail")),
                ("fail_on", .string(outcome.threshold.rawValue)),
                ("failing", .int(outcome.failing.count)),
            ])),
            ("warnings", .array(warnings.map { .string($0) })),
        ] + DocumentEnvelope(snapshot).members().filter { $0.0 == "generated_at" || $0.0 == "hostname" })
    }

    static func mapping(_ m: AdmissionOutcome.Mapping) -> JSON {
        let spec = m.spec
        return .object([
            ("spec", .string(spec.text)),
            ("page_size_kb", .int(spec.pageSizeKB)),
            ("pages", .int(spec.pages)),
            ("shared", .bool(spec.shared)),
            ("noreserve", .bool(spec.noreserve)),
            ("policy", spec.policy.map(StatusJSON.policy) ?? .null),
            ("policy_by_mbind", .bool(spec.vmaPolicy)),
            ("cpuset", .ints(spec.cpuset)),
            ("cgroup", .string(spec.cgroup)),
            ("mount", .string(spec.mount)),
            ("as_pid", .int(spec.asPID)),
            ("mmap", .object([
                ("result", .string(m.mmap.result.rawValue)),
                ("errno", .string(m.mmap.errno)),
                ("reason", .string(m.mmap.reason)),
                ("charged_pages", .int(m.mmap.chargedPages)),
                ("reserved_pages", .int(m.mmap.reservedPages)),
                ("surplus_pages", .int(m.mmap.surplusPages)),
                ("steps", .array(m.mmap.steps.map { step in
                    .object([("check", .string(step.check)), ("result", .string(step.result.rawValue)), ("detail", .string(step.detail))])
                })),
            ])),
            ("vma", m.vma.map { .object([("pid", .int($0.pid)), ("start", .string($0.startText))]) } ?? .null),
            ("faults", .object([
                ("certain_pages", .int(m.faults.certain)),
                ("at_risk_pages", .int(m.faults.atRisk)),
                ("findings", .array(m.faults.findings.map(StatusJSON.finding))),
            ])),
        ])
    }

    static func change(_ c: AdmissionCollateral.Change) -> JSON {
        .object([
            ("change", .string(c.kind.rawValue)),
            ("before_pages", .int(c.pagesBefore)),
            ("pids", .ints(c.pids)),
            ("finding", StatusJSON.finding(c.finding)),
        ])
    }
}

public enum AdmissionText {
    public static func render(_ outcome: AdmissionOutcome, poolChanges: [String] = []) -> StyledText {
        var out = StyledText()
        if !poolChanges.isEmpty { out += "pool change: \(poolChanges.joined(separator: " "))\n" }
        for m in outcome.mappings {
            out += "admit \(m.spec.text) (\(m.spec.how))\n"
            switch m.mmap.result {
            case .ok:
                let surplus = m.mmap.surplusPages > 0 ? ", \(m.mmap.surplusPages) as new surplus pages" : ""
                out += "  mmap:   ok: " + (m.spec.noreserve ? "MAP_NORESERVE, nothing reserved"
                    : "\(m.mmap.reservedPages) pages reserved\(trusted: surplus)") + "\n"
            case .refused: out += "  mmap:   " + .trusted("refused", paint: .error) + " (\(m.mmap.errno ?? "ENOMEM")): \(m.mmap.reason ?? "")\n"
            case .unknown, .skipped: out += "  mmap:   unknown: \(m.mmap.reason ?? "")\n"
            }
            guard m.vma != nil else { continue }
            out += "  faults: \(m.faults.certain) certain to fail, \(m.faults.atRisk) at risk"
            out += m.faults.findings.isEmpty ? "\n" : " (\(m.faults.findings.map(\.id).joined(separator: ", ")))\n"
        }
        let collateral = outcome.collateral
        out += collateral.isEmpty ? "collateral: none\n" : "collateral:\n"
        for c in collateral {
            var line: StyledText = "  \(c.kind.rawValue) \(c.finding.severity.rawValue) \(c.finding.id)"
            if let kB = c.finding.pageSizeKB { line += " \(trusted: PageSize.format(kB: kB))" }
            if !c.finding.nodes.isEmpty { line += " node \(trusted: NodeList.format(c.finding.nodes))" }
            let pages = "page" + (c.finding.pages == 1 ? "" : "s")
            line += c.kind == .worsened ? ": \(c.pagesBefore) -> \(c.finding.pages) \(trusted: pages)" : ": \(c.finding.pages) \(trusted: pages)"
            if !c.pids.isEmpty { line += ", pids \(trusted: c.pids.map(String.init).joined(separator: ","))" }
            out += line + "\n    \(c.finding.message)\n"
        }
        if outcome.passed {
            out += .trusted("PASS", paint: .ok) + ": admitted; nothing certain to fail, nothing new at or above \(outcome.threshold.rawValue).\n"
        } else {
            out += .trusted("FAIL", paint: .error) + ": \(trusted: failures(outcome).joined(separator: "; ")).\n"
        }
        return out
    }

    static func failures(_ outcome: AdmissionOutcome) -> [String] {
        var why: [String] = []
        let refused = outcome.mappings.filter { $0.mmap.result != .ok }.count
        if refused > 0 { why.append("\(refused) mmap\(refused == 1 ? "" : "s") refused or unknown") }
        let certain = outcome.mappings.reduce(0) { $0 + $1.faults.certain }
        if certain > 0 { why.append("\(certain) page\(certain == 1 ? "" : "s") of the new mappings certain to fail") }
        let failing = outcome.failing.count
        if failing > 0 { why.append("\(failing) finding\(failing == 1 ? "" : "s") created or worsened at or above \(outcome.threshold.rawValue)") }
        return why
    }
}

/// TAP and JUnit: per new mapping a test of its mmap and one of its faults, then one per
/// finding ID, failed when the change creates or worsens a finding at or above the threshold.
public enum AdmissionTestFormats {
    struct Case { var name: String; var failure: String?; var note: String? }

    static func cases(_ outcome: AdmissionOutcome) -> [Case] {
        var cases: [Case] = []
        for m in outcome.mappings {
            cases.append(Case(name: "mmap \(m.spec.text)", failure: m.mmap.result == .ok ? nil : "\(m.mmap.result.rawValue): \(m.mmap.reason ?? "")",
                              note: nil))
            let faults = "\(m.faults.certain) certain to fail, \(m.faults.atRisk) at risk"
            cases.append(Case(name: "faults \(m.spec.text)", failure: m.vma == nil ? "not mapped" : m.faults.certain > 0 ? faults : nil,
                              note: m.vma != nil && m.faults.certain == 0 && m.faults.atRisk > 0 ? faults : nil))
        }
        let failing = outcome.failing
        let changes = AdmissionCollateral.compare(before: outcome.before, after: outcome.after, includeNew: true)
        for id in FindingCatalog.ids {
            let bad = failing.filter { $0.finding.id == id }
            let other = changes.filter { $0.finding.id == id && !bad.map(\.finding.message).contains($0.finding.message) }
            func text(_ list: [AdmissionCollateral.Change]) -> String? {
                list.isEmpty ? nil : list.map { "\($0.kind.rawValue): \($0.finding.message)" }.joined(separator: "; ")
            }
            cases.append(Case(name: id, failure: text(bad), note: text(other)))
        }
        return cases
    }

    public static func tap(_ outcome: AdmissionOutcome) -> StyledText {
        let all = cases(outcome)
        var out: StyledText = "TAP version 13\n1..\(all.count)\n# hugectl admit \(outcome.base.hostLabel)\n"
        for (number, c) in all.enumerated() {
            out += "\(c.failure == nil ? "ok" : "not ok") \(number + 1) - \(c.name)\n"
            if let detail = c.failure ?? c.note { out += "  ---\n  message: \(CheckTAP.yaml(detail))\n  ...\n" }
        }
        return out
    }

    public static func junit(_ outcome: AdmissionOutcome) -> String {
        let all = cases(outcome)
        let failures = all.filter { $0.failure != nil }.count
        let host = CheckJUnit.escape(outcome.base.hostLabel)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"hugectl admit\" tests=\"\(all.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        out += "  <testsuite name=\"hugectl admit \(host)\" tests=\"\(all.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        for c in all {
            out += "    <testcase classname=\"\(CheckJUnit.classPrefix)\(host)\" name=\"\(CheckJUnit.escape(c.name))\">\n"
            if let failure = c.failure {
                out += "      <failure type=\"error\" message=\"\(CheckJUnit.escape(failure))\">\(CheckJUnit.escape(failure))</failure>\n"
            }
            if let note = c.note { out += "      <system-out>\(CheckJUnit.escape(note))</system-out>\n" }
            out += "    </testcase>\n"
        }
        return out + "  </testsuite>\n</testsuites>\n"
    }
}
