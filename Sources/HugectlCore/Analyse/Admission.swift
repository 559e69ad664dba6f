import Dispatch

/// `hugectl admit`: the analysis run over the snapshot as it would be with new mappings (and
/// changed pools), compared with the analysis of the snapshot as it is.
///
/// Each new mapping is first put through mmap (`AdmissionMmap`, `hugetlb_reserve_pages`); a
/// mapping mmap accepts is added to the snapshot as a process of its own (PID 0, `pid` below)
/// with its policy, cpuset, cgroup and mount, owing every page (`SystemSnapshot.adding`). Its
/// faults are the fault findings that name it; the collateral is every finding the change
/// creates or worsens for the mappings already there, and those it resolves.
public enum Admission {
    /// The PID the new mappings are given in findings.
    public static let pid = 0

    /// The finding IDs about pages that fail at fault time (as `Tests/vm/vm-test` judges them).
    public static let faultIDs: Set<String> = [
        ReservationShortfall.certainID, ReservationShortfall.possibleID, ReservationShortfall.rescueID,
        UnreservedDemand.noreserveID, UnreservedDemand.inheritedID, CgroupLimitShortfall.id, SubpoolLimits.sizeID,
    ]

    /// The address the `index`-th new mapping is given.
    public static func start(_ index: Int) -> UInt64 { UInt64(index + 1) << 44 }

    /// `specs` mapped one after the other on `pooled` (the snapshot with a pool change made,
    /// or `snapshot` itself), judged against `snapshot`.
    public static func evaluate(_ snapshot: SystemSnapshot, pooled: SystemSnapshot? = nil, specs: [AdmissionSpec],
                                threshold: Finding.Severity = .error) throws(InputError) -> AdmissionOutcome {
        var current = pooled ?? snapshot
        var mapped: [AdmissionOutcome.Mapping] = []
        for (index, unresolved) in specs.enumerated() {
            let (spec, process) = try resolve(unresolved, index: index, in: current)
            // The ledgers say what a min_size= reserve still holds: needed with --mount only.
            let ledgers = spec.mount == nil ? [] : AnalysisInput(snapshot: current).ledgers
            let (answer, reserved) = AdmissionMmap.reserve(spec, process: process, in: current, ledgers: ledgers)
            var entry = AdmissionOutcome.Mapping(spec: spec, mmap: answer, vma: nil)
            if answer.result == .ok {
                current = reserved.adding(process, spec: spec, index: index)
                entry.vma = Finding.VMA(pid: pid, start: start(index))
            }
            mapped.append(entry)
        }
        let (before, input, after) = analyses(before: snapshot, after: current)
        let owed = owedPages(input)
        for index in mapped.indices {
            guard let vma = mapped[index].vma else { continue }
            mapped[index].faults = faults(of: vma, pages: mapped[index].spec.pages, in: after, owed: owed)
        }
        return AdmissionOutcome(snapshot: current, base: snapshot, poolChanged: pooled != nil, mappings: mapped,
                                before: before, after: after,
                                collateral: AdmissionCollateral.compare(before: before, after: after), threshold: threshold)
    }

    /// The findings of `base` (without fix hints: only compared) and the analysis and
    /// findings of `changed`. The two are independent: they run on two cores at once.
    static func analyses(before base: SystemSnapshot, after changed: SystemSnapshot)
        -> (before: [Finding], input: AnalysisInput, after: [Finding]) {
        final class Results: @unchecked Sendable {
            var before: [Finding] = []
            var input: AnalysisInput?
            var after: [Finding] = []
        }
        let results = Results()
        // Each iteration writes its own properties only.
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                results.before = Analysis.findingsWithoutFixHints(for: base)
            } else {
                let input = AnalysisInput(snapshot: changed)
                results.input = input
                results.after = Analysis.findings(for: input)
            }
        }
        return (results.before, results.input ?? AnalysisInput(snapshot: changed), results.after)
    }

    /// The spec with `--as` filled in, and the process that would make the mapping.
    static func resolve(_ spec: AdmissionSpec, index: Int, in snapshot: SystemSnapshot) throws(InputError)
        -> (AdmissionSpec, HugetlbProcess) {
        var spec = spec
        var process = HugetlbProcess(pid: pid, name: "admit:\(spec.text)")
        if let asPID = spec.asPID {
            guard let model = snapshot.consumers.processes.first(where: { $0.pid == asPID }) else {
                throw InputError("--as \(asPID): no process with that PID holds hugetlb memory here "
                    + "(give its cpuset and cgroup with --cpuset and --cgroup instead)")
            }
            process.memsAllowed = model.memsAllowed
            process.cpusAllowed = model.cpusAllowed
            process.cgroup = model.cgroup
            let policies = Set(model.mappings.compactMap { $0.policy?.text })
            if spec.policy == nil, policies.count == 1 { spec.policy = model.mappings.first?.policy }
        }
        if let cpuset = spec.cpuset { process.memsAllowed = cpuset }
        if let cgroup = spec.cgroup { process.cgroup = cgroup }
        if let path = spec.mount {
            guard let mount = snapshot.mounts.first(where: { $0.path == path }) else {
                throw InputError("--mount \(path): not a hugetlbfs mount here")
            }
            guard mount.pageSizeKB == spec.pageSizeKB else {
                throw InputError("--mount \(path) has \(mount.pageSizeKB.map { PageSize.format(kB: $0) } ?? "unknown") pages, "
                    + "not \(PageSize.format(kB: spec.pageSizeKB))")
            }
        }
        return (spec, process)
    }

    /// Pages each of `vmas` and of the mappings sharing findings with them still wants at fault
    /// time: owed pages, or for MAP_NORESERVE and inherited mappings the unfaulted length.
    static func owedPages(_ input: AnalysisInput) -> [Finding.VMA: Int] {
        var owed: [Finding.VMA: Int] = [:]
        for process in input.consumers.processes {
            for mapping in process.mappings {
                let wants = mapping.noreserve || mapping.inherited ? max(0, mapping.pages - mapping.faultedPages) : mapping.reservedPending
                owed[Finding.VMA(pid: process.pid, start: mapping.start)] = wants
            }
        }
        return owed
    }

    /// The new mapping's share of the fault findings that name it. A finding's pages fail
    /// among all its mappings in an order the kernel does not fix: those the others cannot
    /// absorb are certain for this one, the rest up to its own length at risk.
    static func faults(of vma: Finding.VMA, pages: Int, in findings: [Finding], owed: [Finding.VMA: Int])
        -> AdmissionOutcome.Faults {
        var result = AdmissionOutcome.Faults()
        let mine = owed[vma] ?? pages
        for finding in findings where faultIDs.contains(finding.id) && finding.vmas.contains(vma) && finding.pages > 0 {
            result.findings.append(finding)
            let others = finding.vmas.filter { $0 != vma }.reduce(0) { $0 + (owed[$1] ?? 0) }
            let share = min(finding.pages, mine)
            let certain = finding.severity == .error ? min(share, max(0, finding.pages - others)) : 0
            result.certain += certain
            result.atRisk += share - certain
        }
        result.certain = min(result.certain, pages)
        result.atRisk = min(result.atRisk, pages - result.certain)
        return result
    }
}

extension SystemSnapshot {
    /// The snapshot with `process` holding the new mapping of `spec` (the `index`-th): every
    /// page owed, none faulted; a shared mapping or one on `--mount` gets an object of its
    /// own (a new file, or shared anonymous memory).
    public func adding(_ process: HugetlbProcess, spec: AdmissionSpec, index: Int) -> SystemSnapshot {
        var changed = self
        let object = ObjectID(device: DeviceNumber(major: 0, minor: 0), inode: UInt64.max - UInt64(index))
        let kind: MappingKind = spec.mount != nil ? (spec.shared ? .fileShared : .filePrivate)
            : (spec.shared ? .anonShared : .anonPrivate)
        let path = spec.mount.map { "\($0)/hugectl-admit-\(index)" } ?? "/anon_hugepage"
        let bytes = UInt64(spec.pages) * UInt64(spec.pageSizeKB) * 1024
        var mapping = HugetlbMapping(start: Admission.start(index), end: Admission.start(index) + bytes, pageSizeKB: spec.pageSizeKB,
                                     kind: kind, path: path, object: object, shared: spec.shared, noreserve: spec.noreserve,
                                     pages: spec.pages, faultedPages: 0, policy: spec.policy ?? MemoryPolicy(mode: .default))
        mapping.deleted = spec.mount == nil
        changed.consumers.objects[object] = HugetlbObject(
            id: object, kind: spec.mount != nil ? .file : .anon, pageSizeKB: spec.pageSizeKB, path: path,
            sizeBytes: bytes, instantiated: 0, mountPoint: spec.mount)
        var holder = process
        holder.mappings = [mapping]
        changed.consumers.processes.append(holder)
        return changed
    }
}
