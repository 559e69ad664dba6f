/// One JSON vocabulary for every document (docs/json.md, "Vocabulary"): one key per concept,
/// units in the key name, per-node data as arrays of `{node, ...}` objects. Keys of schema
/// version 1 that break these rules stay where they are as deprecated aliases; this table adds
/// their new names, appended after the object's other keys, so that the key order promised for
/// version 1 holds. The same table is docs/json-aliases.json, which `validate-json` reads
/// (a test keeps the two equal); the release that drops the old names is `dropRelease`.
public enum Vocabulary {
    /// The release (and schema version) that drops every deprecated alias.
    public static let dropRelease = "0.3.0"
    public static let dropSchemaVersion = 2

    public enum Document: String, CaseIterable, Sendable {
        case status, procs, pool, plan, features
    }

    /// How the new key's value comes from the old one.
    public enum Transform: String, Sendable {
        /// The same value.
        case same
        /// `{"0": 3, "1": 1}` becomes `[{"node": 0, FIELD: 3}, {"node": 1, FIELD: 1}]`.
        case nodeObject = "node_object"
        /// Bytes become pages of the object's `page_size_kb`, rounded down (as the kernel
        /// counts a limit); `null` (unlimited) becomes `"max"`.
        case bytesToPages = "bytes_to_pages"
    }

    public struct Alias: Equatable, Sendable {
        public var documents: [Document]
        /// Where the object is: `$.pools[]`, `$.processes[].vmas[]`.
        public var location: String
        public var old: String
        public var new: String
        public var transform: Transform
        /// The count's key inside each element, for `nodeObject`.
        public var field: String?
        /// What the key means; aliases of one concept share one new name.
        public var concept: String
    }

    static func alias(_ documents: [Document], _ location: String, _ old: String, _ new: String, _ concept: String,
                      _ transform: Transform = .same, field: String? = nil) -> Alias {
        Alias(documents: documents, location: location, old: old, new: new, transform: transform, field: field,
              concept: concept)
    }

    /// Old name → new name, by document and location (docs/json.md, "Deprecated names").
    public static let aliases: [Alias] = {
        let status: [Document] = [.status]
        let processes: [Document] = [.status, .procs]
        var table: [Alias] = []
        for location in ["$.pools[]", "$.pools[].nodes[]"] {
            table += [
                alias(status, location, "total", "total_pages", "pool total pages"),
                alias(status, location, "free", "free_pages", "pool free pages"),
            ]
            if location == "$.pools[]" { table.append(alias(status, location, "reserved", "reserved_pages", "pool reserved pages")) }
            table.append(alias(status, location, "surplus", "surplus_pages", "pool surplus pages"))
            if location == "$.pools[]" {
                table += [
                    alias(status, location, "overcommit", "overcommit_pages", "pool overcommit limit pages"),
                    alias(status, location, "mempolicy_total", "mempolicy_total_pages", "pool mempolicy total pages"),
                    alias(status, location, "in_use", "in_use_pages", "pool in-use pages"),
                ]
            }
        }
        table += [
            alias(status, "$.meminfo", "huge_pages_total", "total_pages", "pool total pages"),
            alias(status, "$.meminfo", "huge_pages_free", "free_pages", "pool free pages"),
            alias(status, "$.meminfo", "huge_pages_rsvd", "reserved_pages", "pool reserved pages"),
            alias(status, "$.meminfo", "huge_pages_surp", "surplus_pages", "pool surplus pages"),
            alias(status, "$.meminfo", "hugepagesize_kb", "page_size_kb", "page size"),
            alias(status, "$.reservations[]", "kernel_reserved", "reserved_pages", "pool reserved pages"),
            alias(status, "$.reservations[]", "unattributed", "unattributed_pages", "unattributed reserved pages"),
            alias(status, "$.reservations[].attributed", "shared_objects", "shared_object_pages", "reserved pages of mapped shared objects"),
            alias(status, "$.reservations[].attributed", "private_owners", "private_owner_pages", "reserved pages of private owners"),
            alias(status, "$.reservations[].attributed", "min_size", "min_size_unused_pages", "unused min_size reserve pages"),
            alias(status, "$.reservations[].attributed", "orphans", "orphan_pages", "reserved pages of orphans"),
            alias(status, "$.reservations[].orphans[]", "pages_reserved", "reserved_pages", "object reserved pages"),
            alias(status, "$.reservations[].orphans[]", "pages_instantiated", "instantiated_pages", "object instantiated pages"),
            alias(processes, "$.processes[].vmas[]", "reserved_pending", "reserved_pending_pages", "owed reserved pages"),
            alias(processes, "$.processes[].vmas[]", "node_pages", "nodes", "faulted pages per node", .nodeObject,
                  field: "faulted_pages"),
        ]
        for location in ["$.before", "$.after"] {
            table += [
                alias([.pool], location, "total", "total_pages", "pool total pages"),
                alias([.pool], location, "overcommit", "overcommit_pages", "pool overcommit limit pages"),
                alias([.pool], location, "nodes", "per_node", "pool total pages per node", .nodeObject, field: "total_pages"),
            ]
        }
        table += [
            alias([.pool], "$.requested", "overcommit", "overcommit_pages", "pool overcommit limit pages"),
            alias([.pool], "$.shortfall[]", "asked", "asked_pages", "pages asked"),
            alias([.pool], "$.shortfall[]", "got", "got_pages", "pages got"),
        ]
        for location in ["$.sizes[]", "$.sizes[].nodes[]"] {
            table += [
                alias([.plan], location, location == "$.sizes[]" ? "total_now" : "now", "now_total_pages", "pool total pages now"),
                alias([.plan], location, location == "$.sizes[]" ? "total_planned" : "planned", "planned_total_pages",
                      "pool total pages planned"),
                alias([.plan], location, "surplus_now", "now_surplus_pages", "pool surplus pages now"),
            ]
        }
        table += [
            alias([.features], "$.probe.pool_changes[]", "before", "before_pages", "pool total pages before the probe"),
            alias([.features], "$.probe.pool_changes[]", "grown_to", "grown_to_pages", "pool total pages grown to"),
            alias([.features], "$.probe.pool_changes[]", "restored_to", "restored_to_pages", "pool total pages restored to"),
            alias([.features], "$.sizes[]", "pool_total", "total_pages", "pool total pages"),
            alias([.features], "$.sizes[]", "pool_free", "free_pages", "pool free pages"),
            alias([.features], "$.sizes[]", "pool_reserved", "reserved_pages", "pool reserved pages"),
            alias([.features], "$.hugetlbfs.mounts[]", "nr_inodes", "inode_limit", "mount inode limit"),
            alias([.features], "$.cgroup.limits[]", "cgroup", "directory", "cgroup directory path"),
            alias([.features], "$.cgroup.limits[]", "max_bytes", "max_pages", "cgroup fault limit", .bytesToPages),
            alias([.features], "$.cgroup.limits[]", "rsvd_max_bytes", "rsvd_max_pages", "cgroup reservation limit",
                  .bytesToPages),
        ]
        return table
    }()

    /// Old names that remain the live name of another concept elsewhere: where the table does
    /// not list them, they mean that other concept.
    public static let alsoLive: [(name: String, meaning: String)] = [
        ("before", "the pool document's state before the change (an object)"),
        ("cgroup", "a process's cgroup as the kernel names it (\"/app/db\"), relative to its hierarchy"),
        ("nodes", "per-node data (an array of {node, ...} objects), or a list of node numbers"),
        ("orphans", "the ledger's list of objects no process maps (an array)"),
    ]

    /// `document` with the new name of every deprecated key it has appended to that key's
    /// object (recursively), unless the object has it already.
    public static func addingNewNames(_ document: JSON, _ kind: Document) -> JSON {
        add(document, at: 0, tries[kind] ?? LocationTrie(aliases.filter { $0.documents.contains(kind) }))
    }

    /// Each document's trie, made once: the table is constant (a `--watch` or a fuzz target
    /// renders thousands of documents).
    private static let tries = Dictionary(uniqueKeysWithValues: Document.allCases.map { kind in
        (kind, LocationTrie(aliases.filter { $0.documents.contains(kind) }))
    })

    /// The table's locations as a tree of key and `[]` steps from `$`: a value whose location
    /// no alias lies under is passed over whole, and no location text is built per value (a
    /// document of 60,000 mappings has a million of them).
    struct LocationTrie {
        var aliases: [[Alias]] = [[]]
        var members: [[(key: String, node: Int)]] = [[]]
        var items: [Int?] = [nil]

        init(_ table: [Alias]) {
            for alias in table {
                var node = 0
                var rest = Substring(alias.location.dropFirst())  // "$"
                while !rest.isEmpty {
                    if rest.hasPrefix("[]") {
                        rest = rest.dropFirst(2)
                        if let next = items[node] {
                            node = next
                        } else {
                            let next = newNode()
                            items[node] = next
                            node = next
                        }
                    } else {
                        rest = rest.dropFirst()  // "."
                        let key = String(rest.prefix { $0 != "." && $0 != "[" })
                        rest = rest.dropFirst(key.count)
                        if let next = members[node].first(where: { $0.key == key })?.node {
                            node = next
                        } else {
                            let next = newNode()
                            members[node].append((key, next))
                            node = next
                        }
                    }
                }
                aliases[node].append(alias)
            }
        }

        private mutating func newNode() -> Int {
            aliases.append([])
            members.append([])
            items.append(nil)
            return aliases.count - 1
        }
    }

    private static func add(_ value: JSON, at node: Int, _ trie: LocationTrie) -> JSON {
        switch value {
        case .array(let items):
            guard let child = trie.items[node] else { return value }
            return .array(items.map { add($0, at: child, trie) })
        case .object(let members):
            let children = trie.members[node]
            let table = trie.aliases[node]
            if children.isEmpty && table.isEmpty { return value }
            var result = members
            if !children.isEmpty {
                for index in result.indices {
                    guard let child = children.first(where: { $0.key == result[index].0 })?.node else { continue }
                    result[index].1 = add(result[index].1, at: child, trie)
                }
            }
            for alias in table {
                // A new name is appended last: looked for from the end.
                guard !result.reversed().contains(where: { sameKey($0.0, alias.new) }),
                      let old = members.first(where: { sameKey($0.0, alias.old) })?.1 else { continue }
                result.append((alias.new, converted(old, alias, in: members[...])))
            }
            return .object(result)
        default:
            return value
        }
    }

    /// The aliases of one location appended to an object's members while the object is made,
    /// as `addingNewNames` would append them once it is made, which then finds them there:
    /// for objects made by the thousand (`VMAEncoder`). A converted value is made once and
    /// shared while the old value it comes from repeats from one object to the next.
    struct MemberCompleter {
        private let table: [Alias]
        private var last: [(old: JSON, new: JSON)?]

        init(location: String, document: Document) {
            table = Vocabulary.aliases.filter { $0.location == location && $0.documents.contains(document) }
            last = Array(repeating: nil, count: table.count)
        }

        /// How many members `complete` may append.
        var count: Int { table.count }

        mutating func complete(_ members: inout [(String, JSON)]) {
            let made = members.count
            for index in table.indices {
                let alias = table[index]
                guard !members.reversed().contains(where: { sameKey($0.0, alias.new) }),
                      let old = members[..<made].first(where: { sameKey($0.0, alias.old) })?.1 else { continue }
                if alias.transform == .same {
                    members.append((alias.new, old))
                } else if let kept = last[index], Vocabulary.same(kept.old, old) {
                    members.append((alias.new, kept.new))
                } else {
                    let new = converted(old, alias, in: members[..<made])
                    last[index] = (old, new)
                    members.append((alias.new, new))
                }
            }
        }
    }

    /// Equal keys, told apart by their length first: most keys of an object differ in it.
    @inline(__always)
    static func sameKey(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a == b
    }

    /// Equal values, compared without making arrays of keys or values (`JSON ==` does).
    static func same(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)):
            return x.count == y.count && x.indices.allSatisfy { same(x[$0], y[$0]) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.indices.allSatisfy { x[$0].0 == y[$0].0 && same(x[$0].1, y[$0].1) }
        default: return false
        }
    }

    static func converted(_ value: JSON, _ alias: Alias, in members: ArraySlice<(String, JSON)>) -> JSON {
        switch alias.transform {
        case .same:
            return value
        case .nodeObject:
            guard case .object(let byNode) = value else { return value }
            return .array(byNode.compactMap { key, count in
                Int(key).map { .object([("node", .int($0)), (alias.field ?? "pages", count)]) }
            })
        case .bytesToPages:
            guard case .int(let bytes) = value else { return .string("max") }
            guard case .int(let kB)? = members.first(where: { $0.0 == "page_size_kb" })?.1, kB > 0 else { return .null }
            return .int(bytes / (kB * 1024))
        }
    }
}

/// The keys every document starts or ends with (docs/json.md, "The envelope"): who wrote it,
/// of what, when and where. A document gets, after its own keys, those it does not have yet.
public struct DocumentEnvelope: Equatable, Sendable {
    public var root: String
    public var kernelRelease: String?
    public var generatedAt: Int?
    public var hostname: String?
    public var warnings: [String]

    public init(root: String, kernelRelease: String?, generatedAt: Int?, hostname: String?, warnings: [String]) {
        self.root = root
        self.kernelRelease = kernelRelease
        self.generatedAt = generatedAt
        self.hostname = hostname
        self.warnings = warnings
    }

    public init(_ snapshot: SystemSnapshot, warnings: [String]? = nil) {
        self.init(root: snapshot.root, kernelRelease: snapshot.kernelRelease, generatedAt: snapshot.collectedAt,
                  hostname: snapshot.hostname, warnings: warnings ?? snapshot.warnings)
    }

    /// The envelope's keys, in order.
    public static let keys = ["schema_version", "hugectl_version", "root", "kernel_release", "warnings",
                              "generated_at", "hostname"]

    public func members() -> [(String, JSON)] {
        [
            ("schema_version", .int(StatusJSON.schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("root", .string(root)),
            ("kernel_release", .string(kernelRelease)),
            ("warnings", .array(warnings.map { .string($0) })),
            ("generated_at", .string(generatedAt.map(SnapshotCapture.isoTime))),
            ("hostname", .string(hostname)),
        ]
    }

    /// `members` with the envelope keys they lack appended, in the envelope's order.
    public func completing(_ members: [(String, JSON)]) -> [(String, JSON)] {
        members + self.members().filter { key, _ in !members.contains { $0.0 == key } }
    }
}
