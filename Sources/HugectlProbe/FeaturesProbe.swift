#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HugectlCore
import HugectlTune

/// `hugectl features --probe`: tries, on the running system, what the files cannot say. Each
/// probe uses one page of a size at a time, on its own memfd or mapping, and releases it before
/// the next; a size whose pool has no free unreserved page is grown by one page for the probe
/// (root only, under the pool lock, with termination signals held off) and put back after, or
/// skipped with the reason. Nothing — mapping, fd, memfd, mount, pool change — is left behind
/// on any path; the counters are compared before and after and any difference is reported.
public enum FeaturesProbe {
    public struct Options: Sendable {
        /// Grow a pool by one page when it has no free unreserved page (root only).
        public var growPools: Bool
        /// Tests only: make the Nth resource acquisition fail.
        public var failAt: Int?
        /// Tests only: the pool lock's file (`PoolLock.path` when nil).
        public var lockPath: String?

        public init(growPools: Bool = true, failAt: Int? = nil, lockPath: String? = nil) {
            self.growPools = growPools
            self.failAt = failAt
            self.lockPath = lockPath
        }
    }

    /// Runs every probe and writes the results into `report`, which must come from the live system.
    public static func run(_ report: inout FeaturesReport, options: Options = Options()) {
        report.probe.requested = true
        guard report.isLive else {
            report.markNotProbed(FeaturesReport.snapshotReason)
            return
        }
        let source = SystemRoot.live()
        let budget = ProbeBudget(failAt: options.failAt)
        let isRoot = geteuid() == 0
        report.probe.ran = true
        report.probe.uid = Int(getuid())

        // SIGINT, SIGTERM and friends wait until every pool is put back.
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP] {
            sigaddset(&blocked, signal)
        }
        sigprocmask(SIG_BLOCK, &blocked, &previous)
        defer { sigprocmask(SIG_SETMASK, &previous, nil) }

        var lock: PoolLock?
        if isRoot && options.growPools {
            do {
                lock = try PoolLock(path: options.lockPath ?? PoolLock.path, timeout: 10)
            } catch {
                report.probe.notes.append("pools left alone: the pool lock could not be taken (\(error))")
            }
        }
        let mayGrow = isRoot && options.growPools && lock != nil
        let sizes = report.sizes.map(\.pageSizeKB)
        let before = Dictionary(sizes.compactMap { kB in
            PoolCounters.read(kB: kB, source: source).map { (kB, $0) }
        }, uniquingKeysWith: { first, _ in first })

        // userfaultfd: availability and API.
        let uffdProber = UffdProber(budget: budget)
        let availability = uffdProber.availability()
        report.userfaultfd.probed = true
        report.userfaultfd.uid = Int(getuid())
        report.userfaultfd.methods = availability.methods
        if let api = availability.api { report.userfaultfd.api = Int(clamping: api) }
        report.userfaultfd.featureMask = availability.features
        report.userfaultfd.apiIoctlMask = availability.ioctls
        if availability.how == nil {
            report.userfaultfd.skipped = "no way of creating a userfaultfd works for this user"
        }

        // hugetlbfs mount options.
        if !isRoot {
            report.hugetlbfs.optionsSkipped = "needs root (mounting needs CAP_SYS_ADMIN)"
        } else if report.hugetlbfs.available == false {
            report.hugetlbfs.optionsSkipped = "hugetlbfs is not in this kernel"
        } else {
            do {
                report.hugetlbfs.options = try MountOptionProber(budget: budget)
                    .probe(sizes: sizes, defaultKB: report.defaultPageSizeKB)
            } catch {
                report.hugetlbfs.optionsSkipped = error.description
            }
        }

        // Ordinary memory first, then each huge page size with one page at a time.
        let discard = DiscardProber(budget: budget, source: source)
        var probes: [DiscardProbe] = []
        for memory in [DiscardProbe.Memory.anonymous, .shmemShared, .shmemPrivate] {
            do {
                probes.append(try discard.probe(memory, hugePageKB: nil))
            } catch {
                probes.append(DiscardProbe(memory: memory, pageSizeKB: basePageSize / 1024, skipped: error.description))
            }
        }
        var uffdMappings: [UffdMappingProbe]?
        for (index, kB) in sizes.enumerated() {
            let gigantic = report.sizes[index].isGigantic
            let page = pageAvailability(kB: kB, gigantic: gigantic, mayGrow: mayGrow, isRoot: isRoot,
                                        wantsGrowth: options.growPools, source: source)
            if let growth = page.growth { report.probe.poolChanges.append(growth) }
            // Nothing below throws or returns early: the pool is put back right after.
            runSize(kB: kB, reason: page.skipReason, into: &report, probes: &probes, uffd: &uffdMappings,
                    discard: discard, uffdProber: uffdProber, availability: availability)
            if let growth = page.growth, let last = report.probe.poolChanges.indices.last {
                report.probe.poolChanges[last].restoredTo = restore(kB: kB, to: growth.before, source: source)
            }
            if gigantic {
                report.sizes[index].runtimeAllocation = page.runtimeAllocation
                report.sizes[index].runtimeAllocationNote = page.runtimeNote
            }
        }
        report.discard = probes
        if let uffdMappings {
            report.userfaultfd.mappings = uffdMappings
        } else if availability.how != nil {
            report.userfaultfd.skipped = "no free huge page of any size for the mapping probes (see the discard table)"
        }
        withExtendedLifetime(lock) {}  // the pool lock is held until every pool is back

        // Every counter as it was?
        var restored = true
        for kB in sizes {
            guard let old = before[kB], let now = PoolCounters.read(kB: kB, source: source) else { continue }
            if old != now {
                restored = false
                report.probe.notes.append("counters of \(PageSize.format(kB: kB)): before the probe \(old); after \(now) (another process may have changed the pool meanwhile)")
            }
        }
        for change in report.probe.poolChanges where !change.restored {
            restored = false
            report.probe.notes.append("the \(PageSize.format(kB: change.pageSizeKB)) pool could not be put back to \(change.before) pages (it has \(change.restoredTo.map(String.init) ?? "?")); run: hugectl pool set \(PageSize.format(kB: change.pageSizeKB)) \(change.before)")
        }
        report.probe.countersRestored = restored
        if budget.failAt != nil { report.probe.notes.append("failure injected at acquisition \(budget.failAt ?? 0) of \(budget.acquisitions)") }
    }

    /// Whether there is a page of this size to probe with, after growing the pool if needed.
    struct PageAvailability {
        var growth: ProbeStatus.PoolGrowth?
        var skipReason: String?
        var runtimeAllocation: Bool?
        var runtimeNote: String?
    }

    static func pageAvailability(kB: Int, gigantic: Bool, mayGrow: Bool, isRoot: Bool, wantsGrowth: Bool,
                                 source: SystemSource) -> PageAvailability {
        var result = PageAvailability()
        let size = PageSize.format(kB: kB)
        guard let counters = PoolCounters.read(kB: kB, source: source) else {
            result.skipReason = "the \(size) pool counters could not be read"
            return result
        }
        // Gigantic pages need contiguous memory at run time: the only way to know is to try,
        // so root grows such a pool by one page even when a free page exists.
        let needsGrowth = counters.unreservedFree < 1 || gigantic
        var writeError: String?
        // set_max_huge_pages() takes pages out of surplus state first: writing total + 1 to a
        // pool with surplus pages would make them all persistent, and writing total back would
        // not make them surplus again. Such a pool is not grown.
        let surplusKept = needsGrowth && mayGrow && counters.surplus > 0
        if surplusKept {
            if gigantic { result.runtimeNote = "not tried: the pool has surplus pages" }
        } else if needsGrowth && mayGrow {
            switch grow(kB: kB, from: counters.total, source: source) {
            case .failure(let error):
                // Nothing was written (read-only sysfs, a security module): no pool change.
                writeError = "\(error.path): \(error.failure)"
                if gigantic { result.runtimeNote = "not tried: the pool could not be written (\(writeError ?? ""))" }
            case .success(let grown):
                result.growth = ProbeStatus.PoolGrowth(pageSizeKB: kB, before: counters.total, grownTo: grown, restoredTo: nil)
                let gotOne = (grown ?? counters.total) > counters.total
                if gigantic {
                    result.runtimeAllocation = gotOne
                    result.runtimeNote = gotOne ? "one page allocated and freed by the probe"
                        : "the kernel could not allocate one at run time (no free contiguous \(size) of memory, or no CONFIG_CONTIG_ALLOC); reserve at boot or with hugetlb_cma="
                }
            }
        } else if gigantic {
            result.runtimeNote = isRoot ? (wantsGrowth ? "not tried: the pool lock was busy" : "not tried (--no-grow)")
                : "not tried: needs root"
        }
        let now = PoolCounters.read(kB: kB, source: source) ?? counters
        if now.unreservedFree < 1 {
            if !isRoot {
                result.skipReason = "no free unreserved \(size) page, and only root may grow the pool"
            } else if !wantsGrowth {
                result.skipReason = "no free unreserved \(size) page (--no-grow)"
            } else if surplusKept {
                result.skipReason = "no free unreserved \(size) page, and the pool is not grown while it has \(counters.surplus) surplus pages (growing would make them persistent)"
            } else if let writeError {
                result.skipReason = "no free unreserved \(size) page, and the pool could not be grown: \(writeError)"
            } else if result.growth != nil {
                result.skipReason = "no free unreserved \(size) page: the kernel gave none when the pool was grown by one"
            } else {
                result.skipReason = "no free unreserved \(size) page, and the pool could not be grown (pool lock busy)"
            }
        }
        return result
    }

    /// Writes `total + 1` and reads back what the kernel gave (it may give nothing and still
    /// accept the write); a failed write changed nothing.
    static func grow(kB: Int, from total: Int, source: SystemSource,
                     writer: SysfsWriter = LiveSysfsWriter()) -> Result<Int?, ReadError> {
        let path = KernelPath.pool(kB: kB, .total)
        do {
            try writer.write(total + 1, to: path)
        } catch {
            // A write refused part-way could still have changed the pool: only an unchanged
            // pool counts as nothing written.
            let now = PoolCounters.read(kB: kB, source: source)?.total
            if now == total { return .failure(error) }
            return .success(now)
        }
        return .success(PoolCounters.read(kB: kB, source: source)?.total)
    }

    /// Writes the old size back, twice if the first read-back disagrees (a page freed a moment
    /// late); returns what the pool has afterwards.
    static func restore(kB: Int, to total: Int, source: SystemSource, writer: SysfsWriter = LiveSysfsWriter()) -> Int? {
        let path = KernelPath.pool(kB: kB, .total)
        for _ in 0..<2 {
            try? writer.write(total, to: path)
            if let now = PoolCounters.read(kB: kB, source: source)?.total, now == total { return now }
        }
        return PoolCounters.read(kB: kB, source: source)?.total
    }

    static func runSize(kB: Int, reason: String?, into report: inout FeaturesReport, probes: inout [DiscardProbe],
                        uffd: inout [UffdMappingProbe]?, discard: DiscardProber, uffdProber: UffdProber,
                        availability: UffdProber.Availability) {
        for memory in [DiscardProbe.Memory.hugetlbShared, .hugetlbPrivate] {
            if let reason {
                probes.append(DiscardProbe(memory: memory, pageSizeKB: kB, skipped: reason))
                continue
            }
            do {
                probes.append(try discard.probe(memory, hugePageKB: kB))
            } catch {
                probes.append(DiscardProbe(memory: memory, pageSizeKB: kB, skipped: error.description))
            }
        }
        // The mapping probes once, on the smallest size that has a page.
        guard reason == nil, uffd == nil, let how = availability.how else { return }
        report.userfaultfd.pageSizeKB = kB
        do {
            uffd = try uffdProber.probe(pageKB: kB, how: how, supported: availability.features ?? 0)
        } catch {
            uffd = UffdMappingProbe.Mapping.allCases.map { UffdMappingProbe(mapping: $0, skipped: error.description) }
        }
    }
}
