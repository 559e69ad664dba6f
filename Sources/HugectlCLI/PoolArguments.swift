import HugectlCore
import HugectlTune

/// `pool set SIZE COUNT` / `pool reset SIZE` and their options as a `PoolRequest`; nil when
/// the sizes this kernel has (`readSizes`, called once the words are checked) could not be read.
public func poolRequest(_ args: ParsedArguments, root: String,
                        readSizes: () -> SystemSnapshot?) throws(UsageError) -> PoolRequest? {
    let words = args.positionals
    guard let verb = words.first, verb == "set" || verb == "reset" else {
        throw UsageError(words.first.map { "unknown pool action '\($0)' (choose: set, reset)" } ?? "pool needs an action: set or reset")
    }
    if root != "/" {
        throw UsageError("pool changes the running system; --root \(root) is a snapshot and read-only")
    }
    guard words.count >= 2 else { throw UsageError("pool \(verb) needs a page size (e.g. 2M)") }
    // The sizes this kernel has, for the SIZE operand; the pool itself is read again
    // under the lock before anything is planned.
    guard let sizes = readSizes() else { return nil }
    let size = try UsageError.from { () throws(InputError) in try PoolRequest.parseSize(words[1], snapshot: sizes) }
    let options = try PoolOptions(args)
    var request: PoolRequest
    if verb == "reset" {
        guard words.count == 2 else { throw UsageError("unexpected argument '\(words[2])'") }
        let gigantic = sizes.pool(kB: size)?.isGigantic ?? false
        request = PoolRequest(pageSizeKB: size, count: .absolute(0), nodes: options.nodes, overcommit: gigantic ? nil : 0,
                              interleave: options.interleave)
    } else {
        guard words.count <= 3 else { throw UsageError("unexpected argument '\(words[3])'") }
        let count = try UsageError.from { () throws(InputError) in try words.count == 3 ? PoolRequest.parseCount(words[2]) : nil }
        guard count != nil || options.overcommit != nil else { throw UsageError("pool set needs a page count (or --overcommit)") }
        if case .perNode = count, !options.nodes.isEmpty { throw UsageError("give nodes either in COUNT (0:4,1:8) or with --node, not both") }
        request = PoolRequest(pageSizeKB: size, count: count, nodes: options.nodes, overcommit: options.overcommit,
                              interleave: options.interleave)
    }
    if args.has("policy-aware") {
        guard case .absolute = request.count, request.nodes.isEmpty else {
            throw UsageError("--policy-aware takes one global COUNT (the kernel spreads it by the policy)")
        }
        guard options.interleave != nil else { throw UsageError("--policy-aware needs --interleave NODES") }
    }
    return request
}

/// `--overcommit`, `--node`, `--wait` and `--interleave`, checked.
public struct PoolOptions {
    public var overcommit: Int?
    public var nodes: [Int] = []
    public var interleave: [Int]?

    public init(_ args: ParsedArguments) throws(UsageError) {
        if let text = args.value("overcommit") {
            guard let value = Int(text), value >= 0 else { throw UsageError("bad --overcommit '\(text)'") }
            overcommit = value
        }
        if let text = args.value("node") {
            guard case .success(let list) = NodeList.parse(Array(text.utf8)[...]), !list.isEmpty else {
                throw UsageError("bad --node list '\(text)'")
            }
            nodes = list
        }
        if let text = args.value("wait") {
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
                throw UsageError("bad --wait '\(text)' (a number of seconds, e.g. 10)")
            }
            guard args.has("compact") else { throw UsageError("--wait applies only with --compact") }
        }
        if let text = args.value("interleave") {
            guard args.has("policy-aware") else { throw UsageError("--interleave applies only with --policy-aware") }
            guard case .success(let list) = NodeList.parse(Array(text.utf8)[...]), !list.isEmpty else {
                throw UsageError("bad --interleave list '\(text)'")
            }
            interleave = list
        }
    }
}

