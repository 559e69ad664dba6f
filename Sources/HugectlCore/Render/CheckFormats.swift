/// `hugectl check` output: findings at or above a threshold fail the check.
public struct CheckResult: Sendable {
    public var report: StatusReport
    public var threshold: Finding.Severity
    /// The expectations checked and the `--ignore` rules.
    public var expectations: Expectations
    /// Findings `--ignore` left out (they are in no other list).
    public var ignored: [Finding]
    /// How long the check took, for JUnit's `time`.
    public var seconds: Double?

    public init(report: StatusReport, threshold: Finding.Severity, expectations: Expectations = Expectations(),
                ignored: [Finding] = [], seconds: Double? = nil) {
        self.report = report
        self.threshold = threshold
        self.expectations = expectations
        self.ignored = ignored
        self.seconds = seconds
    }

    public var failing: [Finding] { report.findings.filter { $0.severity >= threshold } }
    public var passed: Bool { failing.isEmpty }

    /// A check (finding ID) is skipped when `--ignore` named it whole, or left out every one of
    /// its findings and none remain.
    public func skipped(_ id: String) -> Bool {
        expectations.ignoredIDs.contains(id)
            || (ignored.contains { $0.id == id } && !report.findings.contains { $0.id == id })
    }

    /// `check --json`: the status document with the gate's `verdict`.
    public var json: JSON {
        guard case .object(var members) = StatusJSON.document(report) else { return StatusJSON.document(report) }
        members.append(("verdict", .object([
            ("result", .string(passed ? "pass" : "fail")),
            ("fail_on", .string(threshold.rawValue)),
            ("failing", .int(failing.count)),
            ("ignored", .array(expectations.ignores.map { ignore in
                .object([("id", .string(ignore.id)), ("pid", .int(ignore.pid)),
                         ("findings", .int(ignored.filter { $0.id == ignore.id }.count))])
            })),
            ("expectations", .array(expectations.rules.map { .string($0.text) })),
        ])))
        return .object(members)
    }
}

public enum CheckText {
    public static func render(_ result: CheckResult, headers: Bool = true, width: Int? = nil) -> StyledText {
        var out = StyledText()
        let findings = result.report.findings
        if !findings.isEmpty {
            out += StatusText.findingTable(findings).render(headers: headers, width: width) + "\n"
            for finding in findings {
                out += "\(finding.id)"
                if let kB = finding.pageSizeKB { out += " \(trusted: PageSize.format(kB: kB))" }
                if !finding.nodes.isEmpty { out += " node \(trusted: NodeList.format(finding.nodes))" }
                if !finding.pids.isEmpty { out += " pids \(finding.pids.map(String.init).joined(separator: ","))" }
                out += ": \(finding.hint)\n"
            }
            out += "\n"
        }
        // Said once: the scan-incomplete row and hint say it, unless it was --ignore'd.
        if let note = ScanNote.once(result.report.consumers.scan, findings: findings, preferNote: false).note {
            out += note + "\n"
        }
        let failing = result.failing.count
        if result.passed {
            out += .trusted("PASS", paint: .ok) + ": no finding at or above \(result.threshold.rawValue)"
            out += findings.isEmpty ? ".\n" : " (\(findings.count) below it).\n"
        } else {
            out += .trusted("FAIL", paint: .error) + ": \(failing) finding\(failing == 1 ? "" : "s") at or above \(result.threshold.rawValue).\n"
        }
        return out
    }
}

/// JUnit XML: one test case per check (finding ID), failed when it reported a finding at or
/// above the threshold; findings below it are reported as system-out.
public enum CheckJUnit {
    public static func render(_ result: CheckResult) -> String {
        let byID = Dictionary(grouping: result.report.findings, by: \.id)
        let failures = FindingCatalog.ids.filter { id in
            !result.skipped(id) && (byID[id] ?? []).contains { $0.severity >= result.threshold }
        }.count
        let skipped = FindingCatalog.ids.filter(result.skipped).count
        let snapshot = result.report.snapshot
        let host = escape(snapshot.hostLabel)
        let time = result.seconds.map { " time=\"\(seconds($0))\"" } ?? ""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"hugectl check\" tests=\"\(FindingCatalog.all.count)\" failures=\"\(failures)\" errors=\"0\""
            + " skipped=\"\(skipped)\"\(time)>\n"
        out += "  <testsuite name=\"hugectl check \(host)\" tests=\"\(FindingCatalog.all.count)\" failures=\"\(failures)\" errors=\"0\""
            + " skipped=\"\(skipped)\"\(time)"
        if let hostname = snapshot.hostname { out += " hostname=\"\(escape(hostname))\"" }
        if let at = snapshot.collectedAt { out += " timestamp=\"\(String(SnapshotCapture.isoTime(at).dropLast()))\"" }
        out += ">\n"
        for (id, _) in FindingCatalog.all {
            let findings = byID[id] ?? []
            out += "    <testcase classname=\"\(classPrefix)\(host)\" name=\"\(escape(id))\">\n"
            if result.skipped(id) {
                let count = result.ignored.filter { $0.id == id }.count
                out += "      <skipped message=\"ignored by --ignore \(escape(id)): \(count) finding\(count == 1 ? "" : "s") left out\"/>\n"
                out += "    </testcase>\n"
                continue
            }
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

    /// Test cases are `hugectl@HOST`: CI systems that keep one test per class and name (GitLab)
    /// then show every host of a fleet job.
    public static let classPrefix = "hugectl@"

    /// Seconds with millisecond precision, as JUnit's `time` (a decimal, no exponent).
    static func seconds(_ value: Double) -> String {
        let millis = Int((max(0, value) * 1000).rounded())
        let fraction = millis % 1000
        return "\(millis / 1000)." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + "\(fraction)"
    }

    static func describe(_ finding: Finding) -> String {
        var text = "\(finding.severity.rawValue): \(finding.message)"
        if !finding.pids.isEmpty { text += " [pids \(finding.pids.map(String.init).joined(separator: ","))]" }
        return text + "\nhint: \(finding.hint)"
    }

    static func escape(_ text: String) -> String {
        // Byte by byte over the UTF-8 (a String is valid UTF-8): a C1 control character
        // U+0080-U+009F is the pair C2 80...C2 9F; every other non-ASCII byte is kept.
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && !Self.special($0) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return text
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        ASCII.forEachByteOrC1(of: text) { byte, isC1 in
            if isC1 { out.append(0x3F); return }  // '?' for the whole C1 character
            switch byte {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&apos;".utf8)
            // XML 1.0 allows tab, newline, carriage return and nothing else below 0x20.
            // DEL and C1 (U+0080-U+009F) are discouraged by XML 1.0 and act on a terminal:
            // every control character of the terminal's rule but newline and CR is '?'.
            case 0x00..<0x20 where byte != 0x09 && byte != 0x0A && byte != 0x0D, 0x7F: out.append(0x3F)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The ASCII bytes XML escapes as entities.
    private static func special(_ byte: UInt8) -> Bool {
        byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27
    }
}

/// TAP version 13: one test point per check, `not ok` when it failed, with a YAML block.
public enum CheckTAP {
    public static func render(_ result: CheckResult) -> StyledText {
        let byID = Dictionary(grouping: result.report.findings, by: \.id)
        var out: StyledText = "TAP version 13\n1..\(FindingCatalog.all.count)\n# hugectl check \(result.report.snapshot.hostLabel)\n"
        for (number, entry) in FindingCatalog.all.enumerated() {
            let findings = byID[entry.id] ?? []
            if result.skipped(entry.id) {
                let count = result.ignored.filter { $0.id == entry.id }.count
                out += "ok \(number + 1) - \(entry.id) # SKIP ignored by --ignore (\(count) finding\(count == 1 ? "" : "s") left out)\n"
                continue
            }
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
                    out += "      vmas: [\(finding.vmas.map { "{pid: \($0.pid), start: \"\($0.startText)\"}" }.joined(separator: ", "))]\n"
                }
                out += "  ...\n"
            }
        }
        return out
    }

    /// A double-quoted YAML scalar.
    static func yaml(_ text: String) -> String {
        // Byte by byte over the UTF-8, as `CheckJUnit.escape`; every other non-ASCII byte is kept.
        var out: [UInt8] = [0x22]
        out.reserveCapacity(text.utf8.count + 2)
        ASCII.forEachByteOrC1(of: text) { byte, isC1 in
            if isC1 { out.append(contentsOf: String.escaped(Unicode.Scalar(byte)).utf8); return }
            switch byte {
            case 0x22: out.append(contentsOf: "\\\"".utf8)
            case 0x5C: out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            // YAML allows no other control character in a scalar: \xHH, as YAML escapes them.
            case 0x00..<0x20 where byte != 0x09, 0x7F: out.append(contentsOf: String.escaped(Unicode.Scalar(byte)).utf8)
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}
