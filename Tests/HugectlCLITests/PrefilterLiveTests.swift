import Foundation
import Glibc
import Testing
@testable import HugectlCore

extension LiveSystemTests {
/// The maps pre-filter never misses a hugetlb VMA: with a holder of every kind running (and
/// whatever else the machine runs), every VMA that a full read of every process's smaps marks
/// `ht` is in hugectl's report, and hugectl reports nothing smaps does not mark `ht`.
@Suite("The maps pre-filter against a full smaps read")
struct PrefilterLiveTests {
    struct VMAKey: Hashable, CustomStringConvertible {
        var pid: Int
        var start: String
        var description: String { "\(pid):\(start)" }
    }

    /// Every hugetlb VMA of every readable process, from the whole of smaps (no pre-filter).
    func fullSmapsScan() throws -> Set<VMAKey> {
        var found = Set<VMAKey>()
        let root = SystemRoot.live()
        for name in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int(name), pid > 0 else { continue }
            guard let bytes = try? root.read("/proc/\(pid)/smaps", limit: 256 << 20) else { continue }
            for vma in SmapsParser.hugetlbVMAs(bytes[...]).vmas {
                found.insert(VMAKey(pid: pid, start: String(vma.mapping.start, radix: 16)))
            }
        }
        return found
    }

    @Test func everyHugetlbVMAIsFound() throws {
        try withPool(32) {
            try withHugetlbfs("pagesize=2M") { mount in
                let kinds: [(HolderKind, String?, Bool)] = [
                    (.anonShared, nil, false), (.anonPrivate, nil, false), (.fileShared, mount + "/s", false),
                    (.filePrivate, mount + "/p", false), (.sysv, nil, false), (.memfdShared, nil, false),
                    (.memfdPrivate, nil, false), (.fileShared, mount + "/nr", true),
                ]
                defer { for (_, path, _) in kinds { if let path { unlink(path) } } }
                var holders: [Holder] = []
                defer { for holder in holders { holder.stop() } }
                for (kind, path, noreserve) in kinds {
                    holders.append(try Holder(kind: kind, pages: 2, path: path, noreserve: noreserve, prefault: 1))
                }
                // A process that deleted its file while keeping the mapping: "(deleted)" path.
                let deleted = try Holder(kind: .fileShared, pages: 1, path: mount + "/gone", prefault: 1)
                holders.append(deleted)
                unlink(mount + "/gone")

                let truth = try fullSmapsScan()
                let r = try hugectl(["status", "--json"])
                #expect(r.status == 0, "\(r.stderr)")
                let doc = try jsonObject(r.stdout)
                var reported = Set<VMAKey>()
                for process in doc["processes"] as? [[String: Any]] ?? [] {
                    guard let pid = process["pid"] as? Int else { continue }
                    for vma in process["vmas"] as? [[String: Any]] ?? [] {
                        if let start = vma["start"] as? String { reported.insert(VMAKey(pid: pid, start: start)) }
                    }
                }
                for holder in holders {
                    #expect(truth.contains(VMAKey(pid: Int(holder.pid), start: holder.start)), "smaps shows holder \(holder.pid)")
                }
                // Processes that exist in both reads: other tests' processes may come and go.
                let alive = Set(truth.map(\.pid)).intersection(reported.map(\.pid))
                let holderPIDs = Set(holders.map { Int($0.pid) })
                let missed = truth.filter { key in alive.contains(key.pid) || holderPIDs.contains(key.pid) }
                    .subtracting(reported)
                #expect(missed.isEmpty, "the pre-filter missed \(missed.sorted { $0.pid < $1.pid })")
                let extra = reported.filter { alive.contains($0.pid) }.subtracting(truth)
                #expect(extra.isEmpty, "reported as hugetlb but not ht in smaps: \(extra)")
            }
        }
    }

    /// Issue 14: the page-size pre-filter (`PROCMAP_QUERY`, Linux 6.11+, which spares the maps
    /// text of every process without a hugetlb VMA) finds exactly what the text scan finds:
    /// with a holder of every kind (one holding only an fd, one with a fork child, one whose
    /// file is deleted), `status --json` with it and with `HUGECTL_PROCMAP_QUERY=0` agree on
    /// everything but what changes by itself between two runs (free memory, NUMA counters,
    /// processes started and ended meanwhile) and the candidate count, which is lower with it.
    @Test func pageSizeScanIsTheTextScan() throws {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let version = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        if version.count == 2, (version[0], version[1]) >= (6, 11) {
            #expect(ProcmapQuery.isAvailable, "Linux \(release) has PROCMAP_QUERY")
        }
        try withPool(40) {
            try withHugetlbfs("pagesize=2M") { mount in
                let kinds: [(HolderKind, String?, Bool)] = [
                    (.anonShared, nil, false), (.anonPrivate, nil, false), (.fileShared, mount + "/s", false),
                    (.filePrivate, mount + "/p", false), (.sysv, nil, false), (.memfdShared, nil, false),
                    (.memfdPrivate, nil, false), (.fileShared, mount + "/nr", true),
                ]
                defer { for (_, path, _) in kinds { if let path { unlink(path) } } }
                var holders: [Holder] = []
                defer { for holder in holders { holder.stop() } }
                for (kind, path, noreserve) in kinds {
                    holders.append(try Holder(kind: kind, pages: 2, path: path, noreserve: noreserve, prefault: 1))
                }
                holders.append(try Holder(kind: .anonPrivate, pages: 2, prefault: 1, fork: true))
                // Only the descriptor: no VMA, so the pre-filter skips its maps; the fd scan finds it.
                holders.append(try Holder(kind: .memfdShared, pages: 2, prefault: 1, unmapAfterSetup: true))
                holders.append(try Holder(kind: .fileShared, pages: 1, path: mount + "/gone", prefault: 1))
                unlink(mount + "/gone")

                // The walk lists each holder's hugetlb VMAs as its smaps headers (maps lines)
                // show them, names included (`ProcmapQuery.largePageEntries`).
                if ProcmapQuery.isAvailable {
                    for holder in holders {
                        let fd = open("/proc/\(holder.pid)/maps", O_RDONLY | O_CLOEXEC)
                        #expect(fd >= 0)
                        defer { close(fd) }
                        let walked = ProcmapQuery.largePageEntries(in: fd)
                        let smaps = try SystemRoot.live().read("/proc/\(holder.pid)/smaps", limit: 256 << 20)
                        let text = SmapsParser.hugetlbVMAs(smaps[...]).vmas.map(\.mapping)
                        #expect(walked == text, "holder \(holder.pid): \(walked ?? []) against \(text)")
                    }
                }
                let withQuery = try statusDocument([:])
                let withText = try statusDocument(["HUGECTL_PROCMAP_QUERY": "0"])
                let pids = Set((withQuery.document["processes"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int })
                for holder in holders {
                    #expect(pids.contains(Int(holder.pid)), "holder \(holder.pid) found")
                    if holder.childPid > 0 { #expect(pids.contains(Int(holder.childPid)), "fork child found") }
                }
                let keys = Set(withQuery.stable.keys).union(withText.stable.keys).sorted()
                // Compared as canonical JSON (sorted keys): Foundation's isEqual on Linux does
                // not find two parsed `true`s equal.
                func canonical(_ value: Any?) -> Data? {
                    try? JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: [.sortedKeys])
                }
                let differing = keys.filter { canonical(withQuery.stable[$0]) != canonical(withText.stable[$0]) }
                #expect(differing.isEmpty, "with PROCMAP_QUERY and with the text, these differ: \(differing.map { key in "\(key): \(withQuery.stable[key] ?? "none") against \(withText.stable[key] ?? "none")" })")
                #expect(withQuery.candidates <= withText.candidates)
            }
        }
    }

    /// `status --json` in `environment`: the document, what of it must not change between two
    /// runs, the candidate count and the text.
    func statusDocument(_ environment: [String: String]) throws
        -> (document: [String: Any], stable: [String: Any], candidates: Int, text: String) {
        let r = try hugectl(["status", "--json"], environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        let document = try jsonObject(r.stdout)
        var stable = document
        // Free memory and NUMA counters move by themselves; other engineers' processes come and go.
        for key in ["generated_at", "nodes", "meminfo"] { stable[key] = nil }
        var scan = document["scan"] as? [String: Any] ?? [:]
        let candidates = scan["candidates"] as? Int ?? -1
        for key in ["processes_seen", "processes_scanned", "vanished", "candidates"] { scan[key] = nil }
        stable["scan"] = scan
        // "1 of 125 processes could not be read": the count of processes moves, the rest must not.
        stable["findings"] = (document["findings"] as? [[String: Any]] ?? []).map { finding in
            var finding = finding
            if let message = finding["message"] as? String {
                finding["message"] = message.replacingOccurrences(of: #" of [0-9]+ processes"#, with: " of N processes",
                                                                  options: .regularExpression)
            }
            return finding
        }
        return (document, stable, candidates, r.stdout)
    }
}
}
