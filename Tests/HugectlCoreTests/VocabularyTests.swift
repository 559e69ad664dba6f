import Foundation
import Testing
@testable import HugectlCore
@testable import HugectlTune

/// One vocabulary (docs/json.md, "Vocabulary"): the alias table, the new names it adds, and the
/// envelope of every document.
@Suite("JSON vocabulary and envelope")
struct VocabularyTests {
    /// docs/json-aliases.json, which validate-json reads, is this table.
    static func tableDocument() -> JSON {
        .object([
            ("description", .string("hugectl JSON: deprecated aliases of schema_version 1 (docs/json.md, Deprecated names). "
                + "Generated from Sources/HugectlCore/Render/Vocabulary.swift by HUGECTL_UPDATE_GOLDEN=1 swift test "
                + "--filter VocabularyTests; read by Tests/shell/validate-json.")),
            ("drop_release", .string(Vocabulary.dropRelease)),
            ("drop_schema_version", .int(Vocabulary.dropSchemaVersion)),
            ("envelope", .array(DocumentEnvelope.keys.map { .string($0) })),
            ("also_live", .object(Vocabulary.alsoLive.map { ($0.name, .string($0.meaning)) })),
            ("aliases", .array(Vocabulary.aliases.map { alias in
                .object([
                    ("documents", .array(alias.documents.map { .string($0.rawValue) })),
                    ("location", .string(alias.location)),
                    ("old", .string(alias.old)),
                    ("new", .string(alias.new)),
                    ("concept", .string(alias.concept)),
                    ("transform", .string(alias.transform.rawValue)),
                    ("field", .string(alias.field)),
                ])
            })),
        ])
    }

    @Test func docsTableIsTheCodesTable() throws {
        try compare(Self.tableDocument().serialized(), testsDirectory + "/../docs/json-aliases.json")
    }

    @Test func oneLiveNamePerConcept() {
        var names: [String: Set<String>] = [:]
        for alias in Vocabulary.aliases { names[alias.concept, default: []].insert(alias.new) }
        for (concept, new) in names { #expect(new.count == 1, "\(concept): \(new.sorted())") }
        let olds = Set(Vocabulary.aliases.map(\.old))
        for alias in Vocabulary.aliases {
            // A new name is never somebody's old name, unless that name lives on elsewhere.
            #expect(!olds.contains(alias.new) || Vocabulary.alsoLive.contains { $0.name == alias.new },
                    "\(alias.location).\(alias.new)")
        }
    }

    func status(_ fixture: String) throws -> StatusReport {
        StatusReport(snapshot: try SnapshotCollector.collect(from: SystemRoot.open(fixturesDirectory + "/" + fixture)))
    }

    func members(_ json: JSON, _ path: String...) -> [(String, JSON)] {
        var value = json.materialized
        for key in path {
            if case .array(let items) = value, let index = Int(key) { value = items[index]; continue }
            guard case .object(let members) = value, let child = members.first(where: { $0.0 == key })?.1 else { return [] }
            value = child
        }
        if case .object(let members) = value { return members }
        return []
    }

    @Test func newNamesFollowTheOldOnes() throws {
        let document = StatusJSON.document(try status("two-node"))
        let pool = members(document, "pools", "0")
        let keys = pool.map(\.0)
        #expect(Array(keys.prefix(12)) == ["page_size_kb", "total", "free", "reserved", "surplus", "overcommit",
                                            "mempolicy_total", "in_use", "nodes", "default", "gigantic", "demote_size_kb"])
        for (old, new) in [("total", "total_pages"), ("reserved", "reserved_pages"), ("in_use", "in_use_pages")] {
            #expect(pool.first { $0.0 == old }?.1 == pool.first { $0.0 == new }?.1, "\(new)")
        }
        let vma = members(document, "processes", "0", "vmas", "0")
        let byNode = vma.first { $0.0 == "node_pages" }?.1
        let array = vma.first { $0.0 == "nodes" }?.1
        guard case .object(let counts)? = byNode, case .array(let items)? = array else {
            Issue.record("node_pages \(String(describing: byNode)), nodes \(String(describing: array))")
            return
        }
        #expect(!counts.isEmpty)
        #expect(items == counts.map { .object([("node", .int(Int($0.0)!)), ("faulted_pages", $0.1)]) })
    }

    @Test func bytesBecomePagesOrMax() {
        let limit: [(String, JSON)] = [("page_size_kb", .int(2048)), ("max_bytes", .int(536_870_912)), ("rsvd_max_bytes", .null)]
        let document = Vocabulary.addingNewNames(.object([("cgroup", .object([("limits", .array([.object(limit)]))]))]),
                                                 .features)
        let result = members(document, "cgroup", "limits", "0")
        #expect(result.first { $0.0 == "max_pages" }?.1 == .int(256))
        #expect(result.first { $0.0 == "rsvd_max_pages" }?.1 == .string("max"))
        // Not a features document: nothing added.
        #expect(Vocabulary.addingNewNames(.object([("cgroup", .object([("limits", .array([.object(limit)]))]))]), .status)
                == .object([("cgroup", .object([("limits", .array([.object(limit)]))]))]))
    }

    @Test func everyDocumentHasTheEnvelope() throws {
        let report = try status("two-node")
        var features = try FeaturesCollector.collect(from: SystemRoot.open(fixturesDirectory + "/features-v2-6.1"))
        features.markNotProbed(FeaturesReport.snapshotReason)
        let change = try PoolChange.plan(PoolRequest(pageSizeKB: 2048, count: .absolute(20)), snapshot: report.snapshot,
                                         force: false)
        let documents: [(String, JSON)] = [
            ("status", StatusJSON.document(report)),
            ("procs", ProcsJSON.document(report, processes: report.consumers.processes)),
            ("features", FeaturesJSON.document(features)),
            ("plan", TuneRender.planJSON(PoolPlan.compute(report.snapshot, headroom: .none))),
            ("pool", TuneRender.poolJSON(change, result: nil, dryRun: true, before: report.snapshot.pool(kB: 2048))),
        ]
        for (name, document) in documents {
            let keys = members(document).map(\.0)
            for key in DocumentEnvelope.keys { #expect(keys.contains(key), "\(name): \(key)") }
            #expect(keys.prefix(2) == ["schema_version", "hugectl_version"], "\(name)")
            let at = members(document).first { $0.0 == "generated_at" }?.1
            guard case .string(let time)? = at else { Issue.record("\(name): generated_at \(String(describing: at))"); continue }
            #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "\(name): \(time)")
        }
        #expect(members(documents[3].1).first { $0.0 == "hostname" }?.1 == .string("fixture-two-node"))
    }
}
