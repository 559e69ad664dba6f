import Foundation
import Testing
import HugectlCore

/// The listings' `ColumnSpec`s are the one column list: the man page, the three completions
/// and the JSON documents must agree with them, and `--sort` compares values.
@Suite("Column specs of the listings")
struct ColumnSpecTests {
    static let repository = ((fixturesDirectory as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent

    static var listings: [(name: String, columns: [String], json: [String])] {
        [
            (Listings.pools.name, Listings.pools.names, Listings.pools.columns.compactMap(\.jsonKey)),
            (Listings.processes.name, Listings.processes.names, Listings.processes.columns.compactMap(\.jsonKey)),
            (Listings.mappings.name, Listings.mappings.names, Listings.mappings.columns.compactMap(\.jsonKey)),
        ]
    }

    func read(_ path: String) throws -> String {
        try String(contentsOfFile: Self.repository + "/" + path, encoding: .utf8)
    }

    @Test(arguments: ["completions/_hugectl", "completions/hugectl.bash", "completions/hugectl.fish"])
    func completionsOfferTheSpecsColumns(file: String) throws {
        let text = try read(file)
        for listing in Self.listings {
            #expect(text.contains(listing.columns.joined(separator: " ")), "\(file) lacks the \(listing.name) columns in order")
        }
    }

    /// The words the man page sets in bold (`.B word`, `.BR word ,`, `.RB ( word ,`), in order: each listing's
    /// columns appear there as one run (the `-o` and `--sort` paragraphs).
    @Test func manPageListsTheSpecsColumns() throws {
        let bold = try read("man/hugectl.8").split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard let first = words.first, words.count > 1 else { return nil }
            if first == ".B" || first == ".BR" { return String(words[1]) }
            if first == ".RB", words[1] == "(", words.count > 2 { return String(words[2]) }
            return nil
        }
        for listing in Self.listings {
            let run = listing.columns
            let found = bold.indices.contains { start in
                start + run.count <= bold.count && Array(bold[start..<start + run.count]) == run
            }
            #expect(found, "man/hugectl.8 lacks the \(listing.name) columns \(run.joined(separator: ", ")) in order")
        }
    }

    @Test func jsonKeysAreTheDocumentsKeys() throws {
        let root = fixturesDirectory + "/two-node"
        let status = try hugectl(["--root", root, "status", "--json"]).stdout
        let procs = try hugectl(["--root", root, "procs", "--json"]).stdout
        for listing in Self.listings {
            for key in listing.json {
                #expect(status.contains("\"\(key)\":") || procs.contains("\"\(key)\":"), "\(listing.name): no JSON key \(key)")
            }
        }
    }

    /// `--sort size` orders 2M below 1G (by kB), not as text ("1G" < "2M").
    @Test func sortsOnValuesNotText() throws {
        let small = HugePagePool(pageSizeKB: 2048)
        let large = HugePagePool(pageSizeKB: 1_048_576)
        let rows = [Listings.PoolRow(pool: large, isDefault: false), Listings.PoolRow(pool: small, isDefault: true)]
        #expect(try Listings.pools.sorted(rows, by: "size").map(\.pool.pageSizeKB) == [2048, 1_048_576])
        #expect(try Listings.pools.sorted(rows, by: "-size").map(\.pool.pageSizeKB) == [1_048_576, 2048])
        #expect(throws: InputError.self) { try Listings.pools.sorted(rows, by: "nope") }
    }

    @Test func outputSelectsAndRefuses() throws {
        #expect(try Listings.pools.select("free,SIZE").map(\.name) == ["FREE", "SIZE"])
        #expect(try Listings.pools.select("+memory").map(\.name) == Listings.pools.columns.map(\.name) + ["MEMORY"])
        #expect(throws: InputError("unknown column 'bogus' (choose: \(Listings.pools.names.joined(separator: ", ")))")) {
            try Listings.pools.select("bogus")
        }
        #expect(throws: InputError("--output needs at least one column")) { try Listings.pools.select(",") }
    }

    @Test func helpListsEveryColumn() throws {
        let help = try hugectl(["help", "procs"]).stdout
        for name in Listings.mappings.names + Listings.processes.names {
            #expect(help.contains("\n " + name + " "), "hugectl help procs lacks column \(name)")
        }
        #expect(try hugectl(["help", "status"]).stdout.contains("Columns (status):\n " + Listings.pools.names[0]))
    }
}
