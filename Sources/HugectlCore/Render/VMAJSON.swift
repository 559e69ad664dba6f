/// The `vmas` of a process in the status and procs documents (`StatusJSON.mappingMembers`, one
/// object per hugetlb VMA), made for tens of thousands of them: what consecutive VMAs
/// share (their policy, their node counts, their device) is made into JSON once and
/// shared, and the deprecated aliases of `$.processes[].vmas[]` are appended as each object
/// is made (`Vocabulary.MemberCompleter`), so `Vocabulary.addingNewNames` finds them there
/// rather than copying every object to append them.
struct VMAEncoder {
    private var lastPolicy: MemoryPolicy??
    private var lastPolicyJSON = JSON.null
    private var lastNodePages: [Int: Int]?
    private var lastNodePagesJSON = JSON.null
    private var lastDevice: DeviceNumber?
    private var lastDeviceText = ""
    private var aliases = Vocabulary.MemberCompleter(location: "$.processes[].vmas[]", document: .status)

    /// Every mapping's object, in order.
    static func encode(_ mappings: [HugetlbMapping]) -> [JSON] {
        var encoder = VMAEncoder()
        var result: [JSON] = []
        result.reserveCapacity(mappings.count)
        for mapping in mappings { result.append(encoder.encode(mapping)) }
        return result
    }

    /// The mapping's object, with the aliases `Vocabulary.addingNewNames` would append.
    mutating func encode(_ m: HugetlbMapping) -> JSON {
        if lastPolicy != .some(m.policy) {
            lastPolicy = .some(m.policy)
            lastPolicyJSON = m.policy.map(StatusJSON.policy) ?? .null
        }
        if lastNodePages != m.nodePages {
            lastNodePages = m.nodePages
            lastNodePagesJSON = StatusJSON.nodePages(m.nodePages)
        }
        if lastDevice != m.object.device {
            lastDevice = m.object.device
            lastDeviceText = m.object.device.mapsText
        }
        var members = StatusJSON.mappingMembers(m, policy: lastPolicyJSON, nodePages: lastNodePagesJSON,
                                                device: lastDeviceText, spare: aliases.count)
        aliases.complete(&members)
        return .object(members)
    }
}
