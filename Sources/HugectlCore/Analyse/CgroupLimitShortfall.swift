/// `cgroup-limit-shortfall`: faults a hugetlb cgroup limit will refuse, with or without a
/// reservation, however many free pages the pool has.
///
/// `alloc_hugetlb_folio` (mm/hugetlb.c) charges every page it allocates at fault to the
/// *faulting* task's hugetlb cgroup before it looks at the pool: first, for a fault without a
/// reservation (`map_chg`: MAP_NORESERVE, a fork child's copy), the reservation counter
/// (`hugetlb_cgroup_charge_cgroup_rsvd`, limit `hugetlb.<size>.rsvd.max`, v1
/// `rsvd.limit_in_bytes`), then for every fault the fault counter
/// (`hugetlb_cgroup_charge_cgroup`, limit `hugetlb.<size>.max`, v1 `limit_in_bytes`). Both go
/// through `page_counter_try_charge` (mm/hugetlb_cgroup.c, mm/page_counter.c), which charges
/// the cgroup and every ancestor and fails when any of them would pass its limit: the fault
/// returns VM_FAULT_SIGBUS. A reservation made at mmap was charged to the reservation counter
/// then (`hugetlb_reserve_pages`), so its fault charges only the fault counter.
///
/// Per page size and counter, the pages the tasks of each cgroup will still fault — the owed
/// pages of their reservations (`FaultDemands.reserved`) and, for both counters, the pages they
/// will fault with none (`FaultDemands.unreserved`) — are set against each limited cgroup's
/// room, `limit − usage`, from the leaves up (what a cgroup's limit refuses is charged to no
/// ancestor). A private mapping's pages are charged to its process's cgroup. A shared object's
/// page is charged to whichever mapper faults it first, so:
/// - certain (an error): what fails when each such page is charged only to the deepest cgroup
///   every one of its mappers is in (and that cgroup's ancestors), which it charges whoever
///   faults it. Fewer constraints can only serve more faults, so these fail in any case;
/// - at most: what fails when each page is charged to every cgroup one of its mappers is in
///   (at most once per cgroup, and never more than the pages below it): each cgroup's real
///   load is no larger, so no fault order fails more there. Per limited cgroup, the pages
///   beyond its certain ones are a warning.
/// Without shared objects across cgroups both counts are the same: exact.
/// A page refused by the reservation counter is not charged to the fault counter, so one
/// page may appear under both: the counter with the larger certain count gives the errors and
/// the other only warnings (certain = the larger of the two, possible = the rest of both).
/// Processes whose cgroup is unknown, and cgroups whose limit or usage could not be read,
/// are left out (they are in the status document's warnings). All threads of a process are
/// taken to be in its cgroup (cgroup2 threaded cgroups are not modelled).
public enum CgroupLimitShortfall {
    public static let id = "cgroup-limit-shortfall"

    /// Which counter: the fault counter (`max`) or the reservation counter (`rsvd.max`).
    enum Counter {
        case faults, reservations
    }

    /// Pages some cgroups' tasks will fault, and which cgroups they may be charged to.
    struct Item {
        var pages: Int
        var groups: Set<String>
        var demand: FaultDemand
    }

    /// One limited cgroup's verdict for one counter.
    struct Verdict {
        var path: String
        var counter: Counter
        var limit: Int
        var usage: Int
        var wanted: Int
        var certain: Int
        var upper: Int
        var demands: [FaultDemand]
    }

    public static func findings(in input: AnalysisInput) -> [Finding] {
        let cgroups = input.snapshot.cgroups
        // Most systems set no hugetlb limit: then the fault demands are not worked out again.
        let limited = cgroups.groups.contains { group in
            group.sizes.contains { $0.limit?.pages != nil || $0.reservationLimit?.pages != nil }
        }
        guard limited else { return [] }
        let groupOf = Dictionary(input.consumers.processes.compactMap { p in p.cgroup.map { (p.pid, $0) } },
                                 uniquingKeysWith: { first, _ in first })
        let reserved = FaultDemands.reserved(input)
        let unreserved = FaultDemands.unreserved(input)
        let withoutReservation = unreserved.noreserve + unreserved.inherited
        func items(_ demands: [FaultDemand]) -> [Item] {
            demands.compactMap { demand in
                let groups = demand.pids.map { groupOf[$0] }
                // A mapper whose cgroup is unknown may be charged anywhere: no placement.
                guard !groups.isEmpty, !groups.contains(nil), demand.pages > 0 else { return nil }
                return Item(pages: demand.pages, groups: Set(groups.compactMap { $0 }), demand: demand)
            }
        }
        var findings: [Finding] = []
        for pool in input.snapshot.pools {
            let kB = pool.pageSizeKB
            let faults = solve(items(reserved.filter { $0.pageSizeKB == kB } + withoutReservation.filter { $0.pageSizeKB == kB }),
                               cgroups, kB: kB, counter: .faults)
            let reservations = solve(items(withoutReservation.filter { $0.pageSizeKB == kB }), cgroups, kB: kB,
                                     counter: .reservations)
            let certainFaults = faults.reduce(0) { $0 + $1.certain }
            let certainReservations = reservations.reduce(0) { $0 + $1.certain }
            let errorsFrom: Counter = certainReservations > certainFaults ? .reservations : .faults
            for verdict in faults + reservations {
                let errors = verdict.counter == errorsFrom ? verdict.certain : 0
                if errors > 0 { findings.append(finding(verdict, .error, pages: errors, cgroups, kB: kB)) }
                if verdict.upper > errors {
                    findings.append(finding(verdict, .warning, pages: verdict.upper - errors, beyond: errors > 0, cgroups, kB: kB))
                }
            }
        }
        return findings
    }

    /// Each limited cgroup's certain and possible failures for one counter, from the leaves up.
    static func solve(_ items: [Item], _ cgroups: HugetlbCgroups, kB: Int, counter: Counter) -> [Verdict] {
        guard !items.isEmpty else { return [] }
        var room: [String: (limit: Int, usage: Int)] = [:]
        for group in cgroups.groups {
            guard let usage = group.usage(kB: kB) else { continue }
            let (limit, used) = counter == .faults ? (usage.limit, usage.usage) : (usage.reservationLimit, usage.reservationUsage)
            if let limit = limit?.pages, let used { room[group.path] = (limit, used) }
        }
        guard !room.isEmpty else { return [] }
        let paths = Set(cgroups.groups.map(\.path))
        func ancestors(_ path: String) -> [String] {
            var result: [String] = []
            var current: String? = path
            while let at = current {
                result.append(at)
                current = HugetlbCgroup(path: at).parentPath
            }
            return result
        }
        // Own demand per cgroup: certain at the deepest cgroup common to all mappers; upper at
        // each mapper's cgroup. Once per subtree: every item with a mapper below.
        var ownCertain: [String: Int] = [:]
        var ownUpper: [String: Int] = [:]
        var once: [String: Int] = [:]
        var below: [String: [FaultDemand]] = [:]
        for item in items {
            let chains = item.groups.map { ancestors($0) }
            var common = Set(chains[0])
            for chain in chains.dropFirst() { common.formIntersection(chain) }
            // Estimated owed pages (`OwedEstimate`) are never certain.
            if !item.demand.estimated, let deepest = chains[0].first(where: common.contains) {
                ownCertain[deepest, default: 0] += item.pages
            }
            var touched: Set<String> = []
            for (group, chain) in zip(item.groups, chains) {
                ownUpper[group, default: 0] += item.pages
                touched.formUnion(chain)
            }
            for path in touched {
                once[path, default: 0] += item.pages
                below[path, default: []].append(item.demand)
            }
        }
        // Deepest first, so that every child is done before its parent.
        let order = paths.union(ownUpper.keys).sorted {
            let (l, r) = ($0.split(separator: "/").count, $1.split(separator: "/").count)
            return l != r ? l > r : $0 < $1
        }
        var passedCertain: [String: Int] = [:]
        var passedUpper: [String: Int] = [:]
        var verdicts: [Verdict] = []
        for path in order {
            let inCertain = (passedCertain[path] ?? 0) + (ownCertain[path] ?? 0)
            let inUpper = min((passedUpper[path] ?? 0) + (ownUpper[path] ?? 0), once[path] ?? 0)
            var outCertain = inCertain, outUpper = inUpper
            if let (limit, usage) = room[path] {
                let space = max(0, limit - usage)
                outCertain = min(inCertain, space)
                outUpper = min(inUpper, space)
                if inUpper > space || inCertain > space {
                    verdicts.append(Verdict(path: path, counter: counter, limit: limit, usage: usage, wanted: once[path] ?? 0,
                                            certain: inCertain - outCertain, upper: inUpper - outUpper,
                                            demands: below[path] ?? []))
                }
            }
            if let parent = HugetlbCgroup(path: path).parentPath {
                passedCertain[parent, default: 0] += outCertain
                passedUpper[parent, default: 0] += outUpper
            }
        }
        return verdicts.sorted { $0.path < $1.path }
    }

    /// `beyond`: a warning about the pages beyond an error's.
    static func finding(_ v: Verdict, _ severity: Finding.Severity, pages: Int, beyond: Bool = false,
                        _ cgroups: HugetlbCgroups, kB: Int) -> Finding {
        let size = PageSize.format(kB: kB)
        let suffix = v.counter == .faults ? (cgroups.version == 1 ? "limit_in_bytes" : "max")
                                          : (cgroups.version == 1 ? "rsvd.limit_in_bytes" : "rsvd.max")
        let file = "hugetlb.\(HugetlbCgroupReader.sizeName(kB)).\(suffix)"
        let mount = cgroups.mountPoint ?? ""
        let dir = v.path == "/" ? mount : (mount == "/" ? "" : mount) + v.path
        let what = v.counter == .faults ? "pages" : "pages with no reservation"
        let room = max(0, v.limit - v.usage)
        let outcome = severity == .error
            ? "\(pages) would fail with SIGBUS, free pages in the pool or not"
            : "up to \(pages)\(beyond ? " more" : "") may fail with SIGBUS, depending on which mapper of a shared object faults first"
        let bytes = (v.usage + v.wanted) * kB * 1024
        return Finding(
            id: id, severity: severity, pageSizeKB: kB, pages: pages,
            pids: ReservationShortfall.pids(v.demands), vmas: ReservationShortfall.vmas(v.demands),
            message: "cgroup \(v.path): its tasks may still fault \(v.wanted) \(size) \(what), where \(file) "
                + "leaves room for \(room) (limit \(v.limit), \(v.usage) charged): \(outcome)",
            hint: "raise the limit (echo \(bytes) > \(dir)/\(file)), or run the tasks in a cgroup with room")
    }
}
