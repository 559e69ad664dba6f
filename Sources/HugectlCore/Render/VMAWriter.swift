/// The `vmas` of a process written straight to bytes (`JSON.vmas`): the same text as the
/// objects `VMAEncoder` makes written by the generic writer, without making them. Keys are
/// quoted once, with what comes before them (the comma, the newline, the indentation); each
/// value is written from the mapping; what consecutive mappings share (their policy, their
/// node counts, their device, their kind) is written once, by the generic writer, and its
/// bytes are repeated. `VMAWriterTests` holds the two paths to the same bytes.
struct VMAWriter {
    /// Keys of a mapping's object in order (`StatusJSON.mappingMembers`), then the aliases
    /// `Vocabulary.MemberCompleter` appends for `$.processes[].vmas[]`.
    private static let keys = ["start", "end", "page_size_kb", "kind", "path", "deleted", "device", "inode", "shared",
                               "noreserve", "pages", "faulted_pages", "reserved_pending", "inherited", "policy",
                               "node_pages", "follows_thread_policy", "reserved_pending_estimated",
                               "reserved_pending_pages", "nodes"]
    private let layout: ObjectLayout
    private var lastPolicy: MemoryPolicy??
    private var policyBytes: [UInt8] = []
    private var lastNodePages: [Int: Int]?
    private var nodePagesBytes: [UInt8] = []
    private var nodesBytes: [UInt8] = []
    private var lastDevice: DeviceNumber?
    private var deviceBytes: [UInt8] = []
    private var lastKind: MappingKind?
    private var kindBytes: [UInt8] = []

    /// For objects at `indent` (as `JSON.write` passes it to each item of an array); nil:
    /// one line (`JSON.compact`).
    init(indent: Int?) {
        layout = ObjectLayout(keys: Self.keys, indent: indent)
    }

    /// The alias whose value `nodes` is (`node_pages` as `{node, faulted_pages}` objects).
    private static let nodesAlias = Vocabulary.aliases.first { $0.location == "$.processes[].vmas[]" && $0.new == "nodes" }

    /// The mapping's object, as `VMAEncoder.encode(m)` written at this writer's indent.
    mutating func write(_ m: HugetlbMapping, into out: inout ByteSink) {
        share(m)
        let prefixes = layout.prefixes
        out.append(prefixes[0]); JSON.writeHex(m.start, into: &out)
        out.append(prefixes[1]); JSON.writeHex(m.end, into: &out)
        out.append(prefixes[2]); JSON.writeInt(m.pageSizeKB, into: &out)
        out.append(prefixes[3]); out.append(kindBytes)
        out.append(prefixes[4])
        if let path = m.path { JSON.writeString(path, into: &out) } else { out.append("null") }
        out.append(prefixes[5]); JSON.writeBool(m.deleted, into: &out)
        out.append(prefixes[6]); out.append(deviceBytes)
        out.append(prefixes[7]); JSON.writeInt(Int(clamping: m.object.inode), into: &out)
        out.append(prefixes[8]); JSON.writeBool(m.shared, into: &out)
        out.append(prefixes[9]); JSON.writeBool(m.noreserve, into: &out)
        out.append(prefixes[10]); JSON.writeInt(m.pages, into: &out)
        out.append(prefixes[11]); JSON.writeInt(m.faultedPages, into: &out)
        out.append(prefixes[12]); JSON.writeInt(m.reservedPending, into: &out)
        out.append(prefixes[13]); JSON.writeBool(m.inherited, into: &out)
        out.append(prefixes[14]); out.append(policyBytes)
        out.append(prefixes[15]); out.append(nodePagesBytes)
        out.append(prefixes[16]); JSON.writeBool(m.followsThreadPolicy, into: &out)
        out.append(prefixes[17]); JSON.writeBool(m.reservedPendingEstimated, into: &out)
        out.append(prefixes[18]); JSON.writeInt(m.reservedPending, into: &out)
        out.append(prefixes[19]); out.append(nodesBytes)
        out.append(layout.closing)
    }

    /// The bytes of what `m` shares with the mapping before it, made again where it differs,
    /// by the generic writer from the values `VMAEncoder` makes.
    private mutating func share(_ m: HugetlbMapping) {
        if lastKind != m.kind {
            lastKind = m.kind
            kindBytes = JSON.string(m.kind.rawValue).bytes(indent: layout.valueIndent)
        }
        if lastDevice != m.object.device {
            lastDevice = m.object.device
            deviceBytes = JSON.string(m.object.device.mapsText).bytes(indent: layout.valueIndent)
        }
        if lastPolicy != .some(m.policy) {
            lastPolicy = .some(m.policy)
            policyBytes = (m.policy.map(StatusJSON.policy) ?? .null).bytes(indent: layout.valueIndent)
        }
        if lastNodePages != m.nodePages {
            lastNodePages = m.nodePages
            let nodePages = StatusJSON.nodePages(m.nodePages)
            nodePagesBytes = nodePages.bytes(indent: layout.valueIndent)
            let nodes = Self.nodesAlias.map { Vocabulary.converted(nodePages, $0, in: [][...]) } ?? .null
            nodesBytes = nodes.bytes(indent: layout.valueIndent)
        }
    }
}
