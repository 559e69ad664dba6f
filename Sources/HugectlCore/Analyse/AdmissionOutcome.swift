/// What `hugectl admit` answers: per new mapping its mmap and its faults, then the collateral.
public struct AdmissionOutcome: Sendable {
    public struct Faults: Equatable, Sendable {
        /// Pages of the new mapping that fail whatever the order of faults.
        public var certain = 0
        /// Further pages that fail in some order of faults.
        public var atRisk = 0
        /// The fault findings naming the new mapping.
        public var findings: [Finding] = []
    }

    public struct Mapping: Sendable {
        public var spec: AdmissionSpec
        public var mmap: AdmissionMmap.Answer
        /// The new mapping as findings name it (PID 0), when mmap accepts it.
        public var vma: Finding.VMA?
        public var faults = Faults()
    }

    /// The snapshot with the change made, and as it was.
    public var snapshot: SystemSnapshot
    public var base: SystemSnapshot
    public var poolChanged: Bool
    public var mappings: [Mapping]
    /// The findings of the snapshot as it is, and with the change.
    public var before: [Finding]
    public var after: [Finding]
    public var collateral: [AdmissionCollateral.Change]
    public var threshold: Finding.Severity

    /// Every mmap would succeed.
    public var admitted: Bool { mappings.allSatisfy { $0.mmap.result == .ok } }
    /// Changes at or above the threshold: findings created or worsened (for the new mappings
    /// too).
    public var failing: [AdmissionCollateral.Change] {
        AdmissionCollateral.compare(before: before, after: after, includeNew: true)
            .filter { $0.kind != .resolved && $0.finding.severity >= threshold }
    }
    /// Exit 0: admitted, nothing of the new mappings certain to fail, nothing new at or above
    /// the threshold.
    public var passed: Bool {
        admitted && mappings.allSatisfy { $0.faults.certain == 0 } && failing.isEmpty
    }
}

/// The findings a change creates, worsens or resolves, for the mappings already there.
public enum AdmissionCollateral {
    public struct Change: Sendable {
        public enum Kind: String, Sendable { case created, worsened, resolved }
        public var kind: Kind
        /// The finding after the change (before it, for a resolved one).
        public var finding: Finding
        /// Its pages before the change (0 when created).
        public var pagesBefore: Int
        /// The processes already there that it names (the new mappings' PID 0 left out).
        public var pids: [Int]
    }

    /// A finding is the same one before and after when its ID, page size and nodes agree.
    struct Key: Hashable {
        var id: String
        var kB: Int?
        var nodes: [Int]
        init(_ f: Finding) { id = f.id; kB = f.pageSizeKB; nodes = f.nodes }
    }

    /// Findings of one key merged: pages summed, PIDs and mappings joined, most severe kept.
    static func merged(_ findings: [Finding]) -> [Key: Finding] {
        var out: [Key: Finding] = [:]
        for finding in findings {
            let key = Key(finding)
            guard var seen = out[key] else { out[key] = finding; continue }
            seen.pages += finding.pages
            seen.pids = Array(Set(seen.pids + finding.pids)).sorted()
            seen.vmas = Array(Set(seen.vmas + finding.vmas)).sorted()
            if finding.severity > seen.severity { seen.severity = finding.severity }
            out[key] = seen
        }
        return out
    }

    /// Created, worsened (more pages or more severe), resolved; in the order of `after`, then
    /// of `before`. Without `includeNew`, findings naming only the new mappings are left out
    /// (they are the new mappings' faults).
    public static func compare(before: [Finding], after: [Finding], includeNew: Bool = false) -> [Change] {
        let old = merged(before), new = merged(after)
        var changes: [Change] = []
        var seen: Set<Key> = []
        func existing(_ f: Finding) -> [Int] { f.pids.filter { $0 != Admission.pid } }
        func onlyNew(_ f: Finding) -> Bool { !f.vmas.isEmpty && f.vmas.allSatisfy { $0.pid == Admission.pid } }
        for finding in after {
            let key = Key(finding)
            guard seen.insert(key).inserted, let now = new[key] else { continue }
            if !includeNew && onlyNew(now) { continue }
            if let was = old[key] {
                if now.pages > was.pages || now.severity > was.severity {
                    changes.append(Change(kind: .worsened, finding: now, pagesBefore: was.pages, pids: existing(now)))
                }
            } else {
                changes.append(Change(kind: .created, finding: now, pagesBefore: 0, pids: existing(now)))
            }
        }
        for finding in before where new[Key(finding)] == nil && seen.insert(Key(finding)).inserted {
            if let was = old[Key(finding)] {
                changes.append(Change(kind: .resolved, finding: was, pagesBefore: was.pages, pids: existing(was)))
            }
        }
        return changes
    }
}
