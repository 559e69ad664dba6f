/// `hugectl check` output: findings at or above a threshold fail the check.
public struct CheckResult: Sendable {
    public var report: StatusReport
    public var threshold: Finding.Severity

    public init(report: StatusReport, threshold: Finding.Severity) {
        self.report = report
        self.threshold = threshold
    }

    public var failing: [Finding] { report.findings.filter { $0.severity >= threshold } }
    public var passed: Bool { failing.isEmpty }
}

public enum CheckText {
    public static func render(_ result: CheckResult, headers: Bool = true, style: Style = .plain) -> String {
        body(result, headers: headers, style: style).printableLines
    }

    private static func body(_ result: CheckResult, headers: Bool, style: Style) -> String {
        var out = ""
        let findings = result.report.findings
        if !findings.isEmpty {
            out += StatusText.findingTable(findings, style: style).render(headers: headers, style: style) + "\n"
            for finding in findings {
                out += "\(finding.id)"
                if let kB = finding.pageSizeKB { out += " \(PageSize.format(kB: kB))" }
                if !finding.nodes.isEmpty { out += " node \(NodeList.format(finding.nodes))" }
                if !finding.pids.isEmpty { out += " pids \(finding.pids.map(String.init).joined(separator: ","))" }
                out += ": \(finding.hint.printable)\n"
            }
            out += "\n"
        }
        // Said once: the scan-incomplete row and hint say it, unless it was --ignore'd.
        if !findings.contains(where: { $0.id == LedgerChecks.scanID }),
           let note = ConsumersText.scanNote(result.report.consumers.scan) {
            out += note + "\n"
        }
        let failing = result.failing.count
        if result.passed {
            out += style.green("PASS") + ": no finding at or above \(result.threshold.rawValue)"
            out += findings.isEmpty ? ".\n" : " (\(findings.count) below it).\n"
        } else {
            out += style.red("FAIL") + ": \(failing) finding\(failing == 1 ? "" : "s") at or above \(result.threshold.rawValue).\n"
        }
        return out
    }
}

/// JUnit XML: one test case per check (finding ID), failed when it reported a finding at or
/// above the threshold; findings below it are reported as system-out.
public enum CheckJUnit {
    public static func render(_ result: CheckResult) -> String {
        let byID = Dictionary(grouping: result.report.findings, by: \.id)
        let failures = FindingCatalog.ids.filter { id in (byID[id] ?? []).contains { $0.severity >= result.threshold } }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"hugectl check\" tests=\"\(FindingCatalog.all.count)\" failures=\"\(failures)\" errors=\"0\">\n"
        out += "  <testsuite name=\"hugectl check\" tests=\"\(FindingCatalog.all.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        for (id, _) in FindingCatalog.all {
            let findings = byID[id] ?? []
            out += "    <testcase classname=\"hugectl\" name=\"\(escape(id))\">\n"
            let failing = findings.filter { $0.severity >= result.threshold }
            if !failing.isEmpty {
                let message = failing.map(\.message).joined(separator: "; ")
                out += "      <failure type=\"\(escape(failing.map(\.severity).max()?.rawValue ?? "error"))\" message=\"\(escape(message))\">"
                out += escape(failing.map(describe).joined(separator: "\n"))
                out += "</failure>\n"
            }
            let below = findings.filter { $0.severity < result.threshold }
            if !below.isEmpty {
                out += "      <system-out>\(escape(below.map(describe).joined(separator: "\n")))</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    static func describe(_ finding: Finding) -> String {
        var text = "\(finding.severity.rawValue): \(finding.message)"
        if !finding.pids.isEmpty { text += " [pids \(finding.pids.map(String.init).joined(separator: ","))]" }
        return text + "\nhint: \(finding.hint)"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 allows tab, newline, carriage return and nothing else below 0x20.
                // C1 (U+0080-U+009F) is discouraged by XML 1.0 and a terminal escape: also '?'.
                if (scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r")
                    || (0x7F...0x9F).contains(scalar.value) { out += "?" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}

/// TAP version 13: one test point per check, `not ok` when it failed, with a YAML block.
public enum CheckTAP {
    public static func render(_ result: CheckResult) -> String {
        let byID = Dictionary(grouping: result.report.findings, by: \.id)
        var out = "TAP version 13\n1..\(FindingCatalog.all.count)\n"
        for (number, entry) in FindingCatalog.all.enumerated() {
            let findings = byID[entry.id] ?? []
            let failing = findings.filter { $0.severity >= result.threshold }
            out += "\(failing.isEmpty ? "ok" : "not ok") \(number + 1) - \(entry.id)\n"
            if !findings.isEmpty {
                out += "  ---\n  findings:\n"
                for finding in findings {
                    out += "    - severity: \(finding.severity.rawValue)\n"
                    if let kB = finding.pageSizeKB { out += "      page_size_kb: \(kB)\n" }
                    out += "      nodes: [\(finding.nodes.map(String.init).joined(separator: ", "))]\n"
                    out += "      pages: \(finding.pages)\n"
                    out += "      pids: [\(finding.pids.map(String.init).joined(separator: ", "))]\n"
                    out += "      message: \(yaml(finding.message))\n"
                    out += "      hint: \(yaml(finding.hint))\n"
                    out += "      vmas: [" + finding.vmas.map { "{pid: \($0.pid), start: \"\($0.startText)\"}" }
                        .joined(separator: ", ") + "]\n"
                }
                out += "  ...\n"
            }
        }
        return out
    }

    /// A double-quoted YAML scalar.
    static func yaml(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            // YAML allows no other control character in a scalar: \xHH, as YAML escapes them.
            default:
                if String.isControl(scalar) { out += String.escaped(scalar) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
