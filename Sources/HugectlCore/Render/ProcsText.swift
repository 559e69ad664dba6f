/// What `hugectl procs [PID|NAME...]` was asked: which processes, per process or per
/// mapping (`-v`), sorted by which column, with which columns; checked when made.
public struct ProcsQuery: Sendable {
    public var selectors: [String]
    public var verbose: Bool
    public var sort: String?
    public var columns: String?

    public init(selectors: [String] = [], verbose: Bool = false, sort: String? = nil, columns: String? = nil) throws(InputError) {
        self.selectors = selectors
        self.verbose = verbose
        self.sort = sort
        self.columns = columns
        if verbose {
            if let sort { _ = try Listings.mappings.sortOrder(sort) }
            _ = try Listings.mappings.select(columns)
        } else {
            if let sort { _ = try Listings.processes.sortOrder(sort) }
            _ = try Listings.processes.select(columns)
        }
    }

    /// The processes the selectors name (a PID, or a command name), all without selectors.
    public func processes(_ report: StatusReport) -> [HugetlbProcess] {
        report.consumers.processes.filter { process in
            selectors.isEmpty || selectors.contains { selector in
                Int(selector).map { $0 == process.pid } ?? (process.name == selector)
            }
        }
    }

    /// The table of the selected processes, sorted and with the chosen columns.
    public func table(_ report: StatusReport) -> Table {
        let processes = processes(report)
        if verbose {
            let listing = Listings.mappings
            let rows = (try? listing.sorted(Listings.MappingRow.rows(processes), by: sort)) ?? []
            return (try? listing.table(rows, columns: columns)) ?? Table([])
        }
        let listing = Listings.processes
        let rows = (try? listing.sorted(ConsumersText.processRows(processes), by: sort)) ?? []
        return (try? listing.table(rows, columns: columns)) ?? Table([])
    }
}

/// `hugectl procs` for people: the table, or a sentence when it is empty; the PIDs asked for
/// that could not be read; the note when the scan was incomplete.
public enum ProcsText {
    public static func render(_ report: StatusReport, query: ProcsQuery, headers: Bool, width: Int?) -> StyledText {
        let table = query.table(report)
        var out = table.rows.isEmpty ? "" : table.render(headers: headers, width: width)
        if table.rows.isEmpty {
            out += query.selectors.isEmpty ? "No process holds hugetlb memory.\n" : "No matching process holds hugetlb memory.\n"
        }
        for item in report.consumers.scan.unreadable where query.selectors.contains(String(item.pid)) {
            out += "PID \(item.pid) could not be read: \(item.path): \(item.reason).\n"
        }
        if let note = ScanNote.text(report.consumers.scan) { out += "\n" + note + "\n" }
        return out
    }
}
