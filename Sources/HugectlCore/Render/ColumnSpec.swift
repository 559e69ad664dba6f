/// One column of a listing, as util-linux's `coldescs[]` describe theirs: the name (the
/// header, and what `-o` and `--sort` take in any case), a line of help, the alignment, the
/// cell, the value it sorts by, and the key of the same value in the JSON document.
public struct ColumnSpec<Row>: Sendable {
    public var name: String
    public var help: String
    public var rightAligned: Bool
    public var jsonKey: String?
    public var cell: @Sendable (Row) -> String
    /// What `--sort` compares: the value, not its rendering (`2M` sorts below `1G`).
    public var sortKey: @Sendable (Row) -> SortValue

    public init(_ name: String, _ help: String, rightAligned: Bool = false, json jsonKey: String? = nil,
                cell: @escaping @Sendable (Row) -> String, sort sortKey: (@Sendable (Row) -> SortValue)? = nil) {
        self.name = name
        self.help = help
        self.rightAligned = rightAligned
        self.jsonKey = jsonKey
        self.cell = cell
        self.sortKey = sortKey ?? { .text(cell($0)) }
    }
}

/// A value `--sort` compares: numbers as numbers, text as text; an unknown number sorts first.
public enum SortValue: Comparable, Sendable {
    case unknown
    case number(Double)
    case text(String)

    public static func count(_ value: Int?) -> SortValue { value.map { .number(Double($0)) } ?? .unknown }
}

/// The columns of one listing, in their default order: they make its table, check `-o` and
/// `--sort`, and give the column list of `--help` (and the one the man page and the
/// completions must agree with).
public struct Listing<Row>: Sendable {
    /// How `--help` names the listing (`status`, `procs -v`).
    public var name: String
    public var columns: [ColumnSpec<Row>]

    public init(_ name: String, _ columns: [ColumnSpec<Row>]) {
        self.name = name
        self.columns = columns
    }

    /// The column names as `-o` and `--sort` take them (lower case).
    public var names: [String] { columns.map { $0.name.lowercased() } }

    /// The named columns, in the order named (`-o/--output`, as in util-linux): names match in
    /// any case; a `+` before the list appends to the default columns.
    public func select(_ list: String?) throws(InputError) -> [ColumnSpec<Row>] {
        guard let list else { return columns }
        var wanted = list.split(separator: ",").map { $0.trimmingSpaces().uppercased() }
        if list.hasPrefix("+") {
            wanted = columns.map(\.name) + wanted.map { $0.hasPrefix("+") ? String($0.dropFirst()) : $0 }
        }
        var chosen: [ColumnSpec<Row>] = []
        for name in wanted {
            guard let column = columns.first(where: { $0.name == name }) else {
                throw InputError("unknown column '\(name.lowercased())' (choose: \(names.joined(separator: ", ")))")
            }
            chosen.append(column)
        }
        guard !chosen.isEmpty else { throw InputError("--output needs at least one column") }
        return chosen
    }

    /// `--sort COLUMN` (`-COLUMN` descending): the column and the direction.
    public func sortOrder(_ key: String) throws(InputError) -> (column: ColumnSpec<Row>, descending: Bool) {
        let descending = key.hasPrefix("-")
        let name = (descending ? String(key.dropFirst()) : key).uppercased()
        guard let column = columns.first(where: { $0.name == name }) else {
            throw InputError("unknown --sort column '\(key)' (choose: \(names.joined(separator: ", ")))")
        }
        return (column, descending)
    }

    /// The rows sorted by `key` (stable: ties keep their order); as they are without one.
    public func sorted(_ rows: [Row], by key: String?) throws(InputError) -> [Row] {
        guard let key else { return rows }
        let (column, descending) = try sortOrder(key)
        let keyed = rows.enumerated().map { (offset: $0.offset, key: column.sortKey($0.element), row: $0.element) }
        return keyed.sorted { lhs, rhs in
            if lhs.key == rhs.key { return lhs.offset < rhs.offset }
            return descending ? lhs.key > rhs.key : lhs.key < rhs.key
        }.map(\.row)
    }

    /// The table of `rows` with the columns `-o` chose (all without it).
    public func table(_ rows: [Row], columns list: String? = nil) throws(InputError) -> Table {
        let chosen = try select(list)
        var table = Table(chosen.map { Table.Column($0.name, rightAligned: $0.rightAligned) })
        for row in rows { table.add(chosen.map { $0.cell(row) }) }
        return table
    }

    /// `Columns (status -o):` and one line per column with its help, for `--help`.
    public var helpText: String {
        let width = (columns.map(\.name.count).max() ?? 0) + 2
        return columns.map { column in
            " " + column.name.lowercased() + String(repeating: " ", count: width - column.name.count) + column.help
        }.joined(separator: "\n") + "\n"
    }
}
