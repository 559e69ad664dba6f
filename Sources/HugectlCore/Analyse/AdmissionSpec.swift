/// One mapping `hugectl admit` is asked about: `SIZE=N[@POLICY]` and the options that say how
/// it would be made (`--shared`, `--noreserve`, `--mbind`, `--cpuset`, `--cgroup`, `--mount`,
/// `--as PID`).
public struct AdmissionSpec: Equatable, Sendable {
    /// As given on the command line, for the report.
    public var text: String
    public var pageSizeKB: Int
    public var pages: Int
    /// nil when no `@POLICY` was given (the task's default policy, or `--as` process's).
    public var policy: MemoryPolicy?
    /// `MAP_SHARED` (reserves in the object's map) rather than `MAP_PRIVATE`.
    public var shared = false
    /// `MAP_NORESERVE`: nothing reserved at mmap; every fault needs an unreserved page.
    public var noreserve = false
    /// The policy is set by `mbind` after mmap (a VMA policy, as QEMU's `host-nodes` does),
    /// not by the mapping task (`set_mempolicy`, `numactl --membind`): the mmap-time node check
    /// (`allowed_mems_nr`) does not see it.
    public var vmaPolicy = false
    /// `--cpuset NODES`: the mapping task's `cpuset.mems`.
    public var cpuset: [Int]?
    /// `--cgroup PATH`: the hugetlb cgroup the mapping task charges (as `/proc/PID/cgroup`).
    public var cgroup: String?
    /// `--mount DIR`: a hugetlbfs mount the mapped file is made on (its subpool applies).
    public var mount: String?
    /// `--as PID`: the cpuset, CPUs, cgroup and (without `@POLICY`) policy of that process.
    public var asPID: Int?

    public init(text: String, pageSizeKB: Int, pages: Int, policy: MemoryPolicy? = nil) {
        self.text = text
        self.pageSizeKB = pageSizeKB
        self.pages = pages
        self.policy = policy
    }

    /// `2M=512`, `1G=16@bind:1`, `2M=64@interleave:0-3`; the options are set by the caller.
    /// `pageSize` turns `2M`, `1G`, `default` into kB (or says why not).
    /// `parse` with page sizes read as written (`2M`, `1G`, `default`): the syntax alone,
    /// checked before anything is read.
    /// Each of `texts` through `parseSyntax`: the first error.
    public static func checkSyntax(_ texts: [String]) throws(InputError) {
        for text in texts { _ = try parseSyntax(text) }
    }

    /// `set` of each option given, in order (the options that are not the spec's are ignored).
    public mutating func set(all options: [(name: String, value: String)]) throws(InputError) {
        for option in options { _ = try set(option.name, option.value) }
    }

    public static func parseSyntax(_ text: String) throws(InputError) -> AdmissionSpec {
        try parse(text) { (size: String) throws(InputError) -> Int in
            guard let kB = PageSize.parse(size) ?? (size == "default" ? 1 : nil) else { throw InputError("unknown page size '\(size)'") }
            return kB
        }
    }

    public static func parse(_ text: String, pageSize: (String) throws(InputError) -> Int) throws(InputError) -> AdmissionSpec {
        let (head, policyText) = split(text, at: "@")
        let (sizeText, countText) = split(head, at: "=")
        guard let countText, !sizeText.isEmpty else {
            throw InputError("bad mapping '\(text)' (write SIZE=PAGES[@POLICY], e.g. 2M=512@bind:1)")
        }
        guard let pages = Int(countText), pages > 0, pages <= 1 << 40 else {
            throw InputError("bad page count '\(countText)' in '\(text)' (a whole number above 0)")
        }
        let kB = try pageSize(sizeText)
        guard kB > 0, !pages.multipliedReportingOverflow(by: kB).overflow, pages * kB <= 1 << 50 else {
            throw InputError("'\(text)' is larger than any machine's memory")
        }
        let policy = try policyText.map { (p: String) throws(InputError) -> MemoryPolicy in try parsePolicy(p) }
        return AdmissionSpec(text: text, pageSizeKB: kB, pages: pages, policy: policy)
    }

    /// `default`, `local`, `preferred:N`, `preferred-many:NODES`, `interleave:NODES`,
    /// `bind:NODES` (also `weighted-interleave:NODES`).
    public static func parsePolicy(_ text: String) throws(InputError) -> MemoryPolicy {
        let (word, nodeText) = split(text, at: ":")
        let modes: [(String, MemoryPolicy.Mode)] = [
            ("default", .default), ("local", .local), ("preferred", .preferred), ("preferred-many", .preferredMany),
            ("interleave", .interleave), ("weighted-interleave", .weightedInterleave), ("bind", .bind),
        ]
        guard let mode = modes.first(where: { $0.0 == word })?.1 else {
            throw InputError("unknown policy '\(word)' (choose: \(modes.map(\.0).joined(separator: ", ")))")
        }
        let takesNodes = mode != .default && mode != .local
        guard takesNodes == (nodeText != nil) else {
            throw InputError(takesNodes ? "policy '\(word)' needs nodes (e.g. \(word):0-1)" : "policy '\(word)' takes no nodes")
        }
        guard let nodeText else { return MemoryPolicy(mode: mode) }
        let nodes = try parseNodes(nodeText, what: "policy '\(text)'")
        if mode == .preferred && nodes.count != 1 {
            throw InputError("policy 'preferred' takes one node (preferred-many takes several)")
        }
        return MemoryPolicy(mode: mode, nodes: nodes)
    }

    /// `0-3,8`: a non-empty node list.
    public static func parseNodes(_ text: String, what: String) throws(InputError) -> [Int] {
        guard case .success(let nodes) = NodeList.parse(Array(text.utf8)[...]), !nodes.isEmpty else {
            throw InputError("bad node list '\(text)' in \(what) (write e.g. 0-1,3)")
        }
        return nodes
    }

    /// The options that say how every mapping is made; those in `valueOptions` take a value.
    public static let flagOptions: Set<String> = ["shared", "private", "noreserve", "mbind"]
    public static let valueOptions: Set<String> = ["cpuset", "cgroup", "mount", "as"]

    /// Applies one option (`--shared`, `--cpuset 0-1`, ...) to this spec; false when `option`
    /// is not one of them.
    public mutating func set(_ option: String, _ value: String) throws(InputError) -> Bool {
        switch option {
        case "shared": shared = true
        case "private": shared = false
        case "noreserve": noreserve = true
        case "mbind": vmaPolicy = true
        case "cpuset": cpuset = try Self.parseNodes(value, what: "--cpuset")
        case "cgroup":
            guard value.hasPrefix("/") else { throw InputError("--cgroup takes a path as /proc/PID/cgroup names it (/a/b)") }
            cgroup = value
        case "mount": mount = value
        case "as":
            guard let pid = Int(value), pid > 0 else { throw InputError("--as takes a PID, not '\(value)'") }
            asPID = pid
        default: return false
        }
        return true
    }

    /// Each of `texts` parsed, with the options of `template`.
    public static func parseAll(_ texts: [String], template: AdmissionSpec,
                                pageSize: (String) throws(InputError) -> Int) throws(InputError) -> [AdmissionSpec] {
        var specs: [AdmissionSpec] = []
        for text in texts {
            let parsed = try parse(text, pageSize: pageSize)
            var spec = template
            spec.text = parsed.text
            spec.pageSizeKB = parsed.pageSizeKB
            spec.pages = parsed.pages
            spec.policy = parsed.policy
            specs.append(spec)
        }
        return specs
    }

    private static func split(_ text: String, at mark: Character) -> (String, String?) {
        guard let at = text.firstIndex(of: mark) else { return (text, nil) }
        return (String(text[..<at]), String(text[text.index(after: at)...]))
    }

    /// How the mapping is made, in words: `private`, `shared, MAP_NORESERVE, policy by mbind`.
    public var how: String {
        var words = [shared ? "shared" : "private"]
        if noreserve { words.append("MAP_NORESERVE") }
        if let policy { words.append("policy \(policy.text)" + (vmaPolicy ? " by mbind" : "")) }
        if let cpuset { words.append("cpuset mems \(NodeList.format(cpuset))") }
        if let cgroup { words.append("cgroup \(cgroup)") }
        if let mount { words.append("on \(mount)") }
        if let asPID { words.append("as PID \(asPID)") }
        return words.joined(separator: ", ")
    }
}
