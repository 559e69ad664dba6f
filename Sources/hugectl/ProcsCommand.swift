import HugectlCLI
import HugectlCore

/// `hugectl procs [PID|NAME ...]`: who holds hugetlb memory, one row per process and page
/// size, or per VMA with `-v`.
func runProcs(_ invocation: Invocation) -> ExitStatus {
    let format: OutputFormat
    let style: Style
    let verbose = invocation.arguments.has("verbose")
    let sortKey = invocation.arguments.value("sort")
    let columns = invocation.arguments.value("output")
    let interval: Double?
    do throws(UsageError) {
        format = try invocation.outputFormat()
        style = try invocation.style()
        interval = try invocation.watchInterval()
        let names = verbose ? ConsumersText.mappingColumns : ConsumersText.processColumns
        if let sortKey {
            let name = sortKey.hasPrefix("-") ? String(sortKey.dropFirst()) : sortKey
            guard names.contains(name.uppercased()) else {
                throw UsageError("unknown --sort column '\(sortKey)' (choose: \(names.map { $0.lowercased() }.joined(separator: ", ")))")
            }
        }
        if let columns {
            _ = try UsageError.from { () throws(InputError) in
                try (verbose ? ConsumersText.mappingTable([]) : ConsumersText.processTable([])).selecting(columns)
            }
        }
    } catch {
        return usageFailure(error, command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    let selectors = invocation.arguments.positionals
    func once(compactJSON: Bool) -> (text: String, ok: Bool) {
        guard let snapshot = invocation.collect(source) else { return ("", false) }
        let report = StatusReport(snapshot: snapshot)
        let processes = report.consumers.processes.filter { process in
            selectors.isEmpty || selectors.contains { selector in
                Int(selector).map { $0 == process.pid } ?? (process.name == selector)
            }
        }
        if format == .json {
            let document = ProcsJSON.document(report, processes: processes)
            return (compactJSON ? document.compact() + "\n" : document.serialized(), true)
        }
        let headers = !invocation.arguments.has("no-headers")
        var table: Table
        if verbose {
            var rows: [[String]] = []
            for process in processes {
                for mapping in process.mappings.sorted(by: { $0.start < $1.start }) {
                    rows.append(ConsumersText.mappingCells(process, mapping))
                }
            }
            table = ConsumersText.mappingTable(sorted(rows, by: sortKey, columns: ConsumersText.mappingColumns))
        } else {
            let cells = sorted(ConsumersText.processTable(ConsumersText.processRows(processes)).rows, by: sortKey,
                               columns: ConsumersText.processColumns)
            table = ConsumersText.processTable([])
            for row in cells { table.add(row) }
        }
        if let columns, let chosen = try? table.selecting(columns) { table = chosen }
        var out = table.rows.isEmpty ? "" : table.render(headers: headers, style: style)
        if table.rows.isEmpty {
            out += selectors.isEmpty ? "No process holds hugetlb memory.\n" : "No matching process holds hugetlb memory.\n"
        }
        for item in report.consumers.scan.unreadable where selectors.contains(String(item.pid)) {
            out += "PID \(item.pid) could not be read: \(item.path): \(item.reason).\n"
        }
        if let note = ConsumersText.scanNote(report.consumers.scan) { out += "\n" + note + "\n" }
        return (out.printableLines, true)
    }
    if let interval {
        return watch(every: interval, header: format == .text) { once(compactJSON: !Terminal.isTerminal(1)) }
    }
    let (text, ok) = once(compactJSON: false)
    guard ok else { return .systemUnreadable }
    Terminal.out(text)
    return .success
}

/// Rows sorted by a column (`-COLUMN` for descending); numbers compare as numbers.
func sorted(_ rows: [[String]], by key: String?, columns: [String]) -> [[String]] {
    guard let key else { return rows }
    let descending = key.hasPrefix("-")
    let name = (descending ? String(key.dropFirst()) : key).uppercased()
    guard let column = columns.firstIndex(of: name) else { return rows }
    return rows.enumerated().sorted { lhs, rhs in
        let a = column < lhs.element.count ? lhs.element[column] : ""
        let b = column < rhs.element.count ? rhs.element[column] : ""
        if a == b { return lhs.offset < rhs.offset }
        let less: Bool
        if let x = sortValue(a, column: name), let y = sortValue(b, column: name) { less = x < y } else { less = a < b }
        return descending ? !less : less
    }.map(\.element)
}

/// Numbers compare as numbers: sizes (`2M`, `1G`) by their kB, addresses (`7f..-7f..`) by
/// their start, counts as they are.
func sortValue(_ cell: String, column: String) -> Double? {
    switch column {
    case "SIZE": return PageSize.parse(cell).map(Double.init)
    case "ADDRESS": return cell.split(separator: "-").first.flatMap { UInt64($0, radix: 16) }.map(Double.init)
    default: return Int(cell).map(Double.init)
    }
}
