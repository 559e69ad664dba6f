/// What an operator requires of the pools (`hugectl check --require 2M=512 ...`), and the
/// findings to leave out (`--ignore ID[:PID]`). Each unmet expectation is an
/// `expectation-unmet` finding.
public struct Expectations: Equatable, Sendable {
    public enum Rule: Equatable, Sendable {
        /// At least `pages` in the pool, or on each of `nodes`.
        case require(pageSizeKB: Int, pages: Int, nodes: [Int])
        /// At least `pages` free and unreserved (free − reserved).
        case minFree(pageSizeKB: Int, pages: Int)
        /// At most `pages` surplus pages.
        case maxSurplus(pageSizeKB: Int, pages: Int)

        /// The rule as an expectation file writes it (`require 2M=512@0-1`).
        public var text: String {
            switch self {
            case .require(let kB, let pages, let nodes):
                return "require \(PageSize.format(kB: kB))=\(pages)" + (nodes.isEmpty ? "" : "@" + NodeList.format(nodes))
            case .minFree(let kB, let pages): return "min-free \(PageSize.format(kB: kB))=\(pages)"
            case .maxSurplus(let kB, let pages): return "max-surplus \(PageSize.format(kB: kB))=\(pages)"
            }
        }
    }

    public struct Ignore: Equatable, Sendable {
        public var id: String
        public var pid: Int?

        /// `ID` or `ID:PID`, as given.
        public var text: String { pid.map { "\(id):\($0)" } ?? id }
    }

    public static let id = "expectation-unmet"
    public static let keywords = ["require", "min-free", "max-surplus", "ignore"]

    public var rules: [Rule] = []
    public var ignores: [Ignore] = []
    /// `--ignore` IDs that are not in `FindingCatalog`, in the order given: they ignore nothing.
    public var unknownIgnores: [String] = []

    public init() {}

    /// Adds one expectation given as `KEYWORD VALUE` (`require`, `2M=512`).
    public mutating func add(_ keyword: String, _ value: String) throws(InputError) {
        switch keyword {
        case "ignore":
            let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let id = parts.first, !id.isEmpty else { throw InputError("--ignore needs ID or ID:PID, got '\(value)'") }
            // An ID this version does not know (one a later hugectl added, or a typo) is
            // accepted and ignores nothing, so that one expectations file serves every version;
            // `unknownIgnores` says so on stderr.
            if !FindingCatalog.ids.contains(id) && !unknownIgnores.contains(id) { unknownIgnores.append(id) }
            var pid: Int?
            if parts.count == 2 {
                guard let number = Int(parts[1]), number > 0 else { throw InputError("--ignore: bad PID in '\(value)'") }
                pid = number
            }
            ignores.append(Ignore(id: id, pid: pid))
        case "require", "min-free", "max-surplus":
            let (sizeText, rest) = Self.split(value, "=")
            guard let rest, let size = PageSize.parse(sizeText) else {
                throw InputError("--\(keyword) needs SIZE=PAGES (e.g. 2M=512), got '\(value)'")
            }
            let (countText, nodeText) = Self.split(rest, "@")
            guard let pages = Int(countText), pages >= 0 else {
                throw InputError("--\(keyword): bad page count in '\(value)'")
            }
            var nodes: [Int] = []
            if nodeText != nil && keyword != "require" {
                throw InputError("--\(keyword) takes SIZE=PAGES; only --require takes @NODES")
            }
            if let nodeText {
                guard case .success(let list) = NodeList.parse(Array(nodeText.utf8)[...]), !list.isEmpty else {
                    throw InputError("--\(keyword): bad node list in '\(value)'")
                }
                nodes = list
            }
            switch keyword {
            case "require": rules.append(.require(pageSizeKB: size, pages: pages, nodes: nodes))
            case "min-free": rules.append(.minFree(pageSizeKB: size, pages: pages))
            default: rules.append(.maxSurplus(pageSizeKB: size, pages: pages))
            }
        default:
            throw InputError("unknown expectation '\(keyword)' (choose: \(Self.keywords.joined(separator: ", ")))")
        }
    }

    /// An `--expect` file: one expectation a line, as on the command line with or without the
    /// leading `--` (`require 2M=512`, `--ignore scan-incomplete`); `#` starts a comment.
    public mutating func add(file bytes: [UInt8], name: String) throws(InputError) {
        for (number, raw) in bytes.all.lines.enumerated() {
            var line = raw.text
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if words.isEmpty { continue }
            if words.count == 1, let equals = words[0].firstIndex(of: "="), words[0].hasPrefix("--") {
                words = [String(words[0][..<equals]), String(words[0][words[0].index(after: equals)...])]
            }
            guard words.count == 2 else {
                throw InputError("\(name): line \(number + 1): expected 'KEYWORD VALUE', got '\(line.clipped)'")
            }
            let keyword = words[0].hasPrefix("--") ? String(words[0].dropFirst(2)) : words[0]
            do {
                try add(keyword, words[1])
            } catch {
                throw InputError("\(name): line \(number + 1): \(error.message)")
            }
        }
    }

    private static func split(_ text: String, _ separator: Character) -> (String, String?) {
        guard let at = text.firstIndex(of: separator) else { return (text, nil) }
        return (String(text[..<at]), String(text[text.index(after: at)...]))
    }

    /// The unmet expectations, as findings. `freeable`: per page size, the files nobody maps
    /// or holds open that hold pages (`AnalysisContext.freeable`), which a hint names before
    /// growing the pool.
    public func findings(in snapshot: SystemSnapshot, freeable: [Int: FreeableFiles] = [:]) -> [Finding] {
        var findings: [Finding] = []
        for rule in rules {
            switch rule {
            case .require(let kB, let pages, let nodes):
                let size = PageSize.format(kB: kB)
                guard let pool = snapshot.pool(kB: kB) else {
                    findings.append(unmet(kB, pages: pages, "no \(size) pool on this system (\(pages) pages required)",
                                          hint: "this kernel supports: \(snapshot.pools.map { PageSize.format(kB: $0.pageSizeKB) }.joined(separator: ", "))"))
                    continue
                }
                if nodes.isEmpty {
                    guard let total = pool.total else {
                        findings.append(unknown(kB, pages: pages, "the \(size) pool's size (nr_hugepages) could not be read, \(pages) pages required",
                                                hint: "see the read errors hugectl printed; an unknown count never meets a requirement"))
                        continue
                    }
                    if total < pages {
                        findings.append(unmet(kB, pages: pages - total, "the \(size) pool has \(total) pages, \(pages) required",
                                              hint: Self.requireHint("echo \(pages) > \(KernelPath.pool(kB: kB, .total))",
                                                                     files: freeable[kB])))
                    }
                } else {
                    findings += requireOnNodes(pool, nodes, pages: pages, in: snapshot, freeable: freeable[kB])
                }
            case .minFree(let kB, let pages):
                let size = PageSize.format(kB: kB)
                let pool = snapshot.pool(kB: kB)
                if let pool, pool.free == nil || pool.reserved == nil {
                    findings.append(unknown(kB, pages: pages, "the \(size) pool's free_hugepages or resv_hugepages could not be read, \(pages) free and unreserved pages required",
                                            hint: "see the read errors hugectl printed; an unknown count never meets a requirement"))
                    continue
                }
                let available = max(0, (pool?.free ?? 0) - (pool?.reserved ?? 0))
                if available < pages {
                    findings.append(unmet(kB, pages: pages - available,
                                          "\(available) \(size) pages are free and unreserved, \(pages) required",
                                          hint: Self.minFreeHint(pool, kB: kB, missing: pages - available, files: freeable[kB])))
                }
            case .maxSurplus(let kB, let pages):
                let size = PageSize.format(kB: kB)
                if let pool = snapshot.pool(kB: kB), pool.surplus == nil {
                    findings.append(unknown(kB, pages: pages, "the \(size) pool's surplus_hugepages could not be read, at most \(pages) allowed",
                                            hint: "see the read errors hugectl printed; an unknown count never meets a limit"))
                    continue
                }
                let surplus = snapshot.pool(kB: kB)?.surplus ?? 0
                if surplus > pages {
                    findings.append(unmet(kB, pages: surplus - pages, "\(surplus) \(size) surplus pages, at most \(pages) allowed",
                                          hint: "surplus pages come from nr_overcommit_hugepages; make the pool persistent instead"))
                }
            }
        }
        return findings
    }

    /// `--require SIZE=N@NODES`: one finding per node of the system that has fewer than N
    /// pages of the size, and one for all the nodes it does not have (neither a directory
    /// under /sys/devices/system/node nor a per-node pool): a list such as `0-65536` names
    /// tens of thousands of them, which one finding says better than one each.
    private func requireOnNodes(_ pool: HugePagePool, _ nodes: [Int], pages: Int, in snapshot: SystemSnapshot,
                                freeable: FreeableFiles?) -> [Finding] {
        let kB = pool.pageSizeKB
        let size = PageSize.format(kB: kB)
        let present = Set(snapshot.nodes.map(\.node)).union(pool.nodes.map(\.node))
        var findings: [Finding] = []
        var absent: [Int] = []
        for node in nodes {
            guard present.contains(node) else { absent.append(node); continue }
            let share = pool.nodes.first { $0.node == node }
            if let share, share.total == nil {
                findings.append(unknown(kB, nodes: [node], pages: pages,
                                        "node \(node)'s \(size) pool size (nr_hugepages) could not be read, \(pages) pages required",
                                        hint: "see the read errors hugectl printed; an unknown count never meets a requirement"))
                continue
            }
            let total = share?.total ?? 0
            if total < pages {
                findings.append(unmet(kB, nodes: [node], pages: pages - total,
                                      "node \(node) has \(total) \(size) pages, \(pages) required",
                                      hint: Self.requireHint("echo \(pages) > \(KernelPath.nodePool(node, kB: kB, .total))",
                                                             files: freeable)))
            }
        }
        if !absent.isEmpty { findings.append(absentNodes(absent, kB: kB, pages: pages, present: present)) }
        return findings
    }

    /// Required nodes the system does not have: unmet (no page of theirs can exist), one
    /// finding for all of them, with `pages` the count each was required to have.
    private func absentNodes(_ absent: [Int], kB: Int, pages: Int, present: Set<Int>) -> Finding {
        let size = PageSize.format(kB: kB)
        let which = absent.count == 1 ? "node \(absent[0]) is" : "nodes \(NodeList.format(absent)) are"
        let asked = "\(pages) \(size) pages required" + (absent.count == 1 ? "" : " on each")
        guard !present.isEmpty else {
            return unmet(kB, nodes: absent, pages: pages,
                         "\(which) not on this system (it lists no NUMA node), \(asked)",
                         hint: "\(KernelPath.nodes) lists no node: see the read errors hugectl printed")
        }
        let nodes = NodeList.format(present.sorted())
        return unmet(kB, nodes: absent, pages: pages,
                     "\(which) not on this system (its nodes: \(nodes)), \(asked)",
                     hint: "require only nodes this system has (\(nodes))")
    }

    /// Files nobody maps hold pages that `rm` frees (`unmapped-files-hold-pages`): named
    /// before growing the pool, which is needed only for what they do not give back. `rm`
    /// raises free − reserved by their pages in use and their reservations, less the surplus
    /// pages (`FreeableFiles.unreservedGain`); the growth is "at most" what is left when part
    /// of that is estimated.
    static func minFreeHint(_ pool: HugePagePool?, kB: Int, missing: Int, files: FreeableFiles?) -> String {
        let size = PageSize.format(kB: kB)
        guard let files, let pool, files.pages > 0 else { return "grow the \(size) pool by \(missing) pages" }
        let gain = files.unreservedGain(pool)
        if gain >= missing { return files.removal + "; that gives back at least the " + FreeableFiles.missing(missing) }
        let rest = missing - gain
        return files.removal + "; then grow the \(size) pool by "
            + (gain == files.pages ? "\(rest) page\(rest == 1 ? "" : "s")" : "the pages still missing (at most \(rest))")
    }

    /// `--require` counts the pool's size, which `rm` does not change: files nobody maps
    /// that hold pages of the size are named first (they keep the pages from use), and the
    /// write that grows the pool stays whole.
    static func requireHint(_ write: String, files: FreeableFiles?) -> String {
        guard let files, files.pages > 0 else { return write }
        return files.removal + "; that gives their pages back to the pool but does not change its size, "
            + "which the requirement counts: " + write
    }

    /// An expectation about a count that could not be read: unmet, whatever it asked
    /// (`pages` is what was asked: how far from it is unknown).
    private func unknown(_ kB: Int, nodes: [Int] = [], pages: Int, _ message: String, hint: String) -> Finding {
        unmet(kB, nodes: nodes, pages: pages, message, hint: hint)
    }

    private func unmet(_ kB: Int, nodes: [Int] = [], pages: Int, _ message: String, hint: String) -> Finding {
        Finding(id: Self.id, severity: .error, pageSizeKB: kB, nodes: nodes, pages: pages, message: message, hint: hint)
    }

    /// `findings` without the ignored ones. `ID:PID` takes PID (and its mappings) out of a
    /// finding's PIDs and drops the finding when no PID is left.
    public func filter(_ findings: [Finding]) -> [Finding] {
        partition(findings).kept
    }

    /// The findings kept, and those `--ignore` left out whole (`ID`, or `ID:PID` for the last
    /// PID of a finding): CI reports show the latter as skipped.
    public func partition(_ findings: [Finding]) -> (kept: [Finding], ignored: [Finding]) {
        var kept: [Finding] = []
        var ignored: [Finding] = []
        for original in findings {
            var finding = original
            var dropped = false
            for ignore in ignores where ignore.id == finding.id {
                guard let pid = ignore.pid else { dropped = true; break }
                if finding.pids.contains(pid) {
                    finding.pids.removeAll { $0 == pid }
                    finding.vmas.removeAll { $0.pid == pid }
                    if finding.pids.isEmpty { dropped = true; break }
                }
            }
            if dropped { ignored.append(original) } else { kept.append(finding) }
        }
        return (kept, ignored)
    }

    /// The IDs ignored whole (`--ignore ID` without a PID).
    public var ignoredIDs: Set<String> { Set(ignores.filter { $0.pid == nil }.map(\.id)) }
}
