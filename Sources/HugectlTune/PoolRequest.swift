import HugectlCore

/// What `hugectl pool set SIZE COUNT` asks for.
public struct PoolRequest: Equatable, Sendable {
    public enum Count: Equatable, Sendable {
        /// `16`: that many pages (in the pool, or on each `--node`).
        case absolute(Int)
        /// `+16`, `-8`: that many more or fewer.
        case relative(Int)
        /// `0:4,1:8`: per node, as the kernel's `hugepages=` boot parameter writes it.
        case perNode([Int: Int])
    }

    public var pageSizeKB: Int
    public var count: Count?
    /// `--node N[,M...]`: write the per-node pools instead of the global one.
    public var nodes: [Int]
    /// `--overcommit N`: `nr_overcommit_hugepages`.
    public var overcommit: Int?
    /// `--policy-aware --interleave NODES`: a global count written to `nr_hugepages_mempolicy`
    /// under an interleave policy over these nodes.
    public var interleave: [Int]?

    public init(pageSizeKB: Int, count: Count?, nodes: [Int] = [], overcommit: Int? = nil, interleave: [Int]? = nil) {
        self.pageSizeKB = pageSizeKB
        self.count = count
        self.nodes = nodes
        self.overcommit = overcommit
        self.interleave = interleave
    }

    /// `2M`, `2MB`, `2048kB`, `1G`, or `default`; the sizes this kernel supports otherwise.
    public static func parseSize(_ text: String, snapshot: SystemSnapshot) throws(InputError) -> Int {
        let supported = snapshot.pools.map(\.pageSizeKB)
        let sizes = supported.map { PageSize.format(kB: $0) }.joined(separator: ", ")
        if text == "default" {
            guard let size = snapshot.defaultPageSizeKB else { throw InputError("this kernel reports no default huge page size") }
            return size
        }
        guard let kB = PageSize.parse(text), supported.contains(kB) else {
            throw InputError("unknown page size '\(text)' (this kernel supports: \(sizes))")
        }
        return kB
    }

    /// `16`, `+16`, `-8`, or `0:4,1:8`.
    public static func parseCount(_ text: String) throws(InputError) -> Count {
        if text.contains(":") {
            var perNode: [Int: Int] = [:]
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, let node = Int(parts[0]), node >= 0, node <= NodeList.maximum,
                      let pages = Int(parts[1]), pages >= 0, perNode[node] == nil else {
                    throw InputError("bad per-node count '\(text)' (write NODE:PAGES,NODE:PAGES, e.g. 0:4,1:8)")
                }
                perNode[node] = pages
            }
            return .perNode(perNode)
        }
        if let first = text.first, first == "+" || first == "-" {
            guard let delta = Int(text.dropFirst()), delta >= 0, text.count > 1 else {
                throw InputError("bad page count '\(text)'")
            }
            return .relative(first == "+" ? delta : -delta)
        }
        guard let pages = Int(text), pages >= 0 else { throw InputError("bad page count '\(text)'") }
        return .absolute(pages)
    }
}
