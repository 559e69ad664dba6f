extension ProcessReader {
    /// The hugetlb VMAs among the candidates, from smaps (which decides: VmFlags `ht`) and
    /// numa_maps (policy and per-node pages).
    func readMappings(_ reading: inout ProcessReading, candidates: [MapsEntry]) -> [HugetlbMapping] {
        // In maps order, which is address order: no sort, no hash per candidate.
        let candidateStarts = StartSet(candidates.lazy.map(\.start))
        var smaps = SmapsParser.HugetlbScan(starts: candidateStarts)
        guard readLines("smaps", &reading, { smaps.feed($0) }) else { return [] }
        let vmas = hugetlbVMAs(smaps, asked: candidateStarts.count, listed: candidates.count, &reading)
        if vmas.isEmpty { return [] }
        return Self.mappings(vmas, numa: readNumaMaps(&reading, of: vmas))
    }

    /// The hugetlb VMAs of a whole smaps (`smaps`, fed with every piece; `asked` distinct
    /// candidate starts, of `listed` candidates), its problems noted in `reading`.
    func hugetlbVMAs(_ smaps: SmapsParser.HugetlbScan, asked: Int, listed: Int,
                     _ reading: inout ProcessReading) -> [SmapsVMA] {
        let parsed = smaps.result
        for problem in parsed.problems { reading.warnings.append("\(KernelPath.process(reading.pid, "smaps")): \(problem)") }
        // An smaps that is empty belongs to a task whose mm went away after maps was read:
        // the process exited. One that lacks mappings maps listed, or has lines that are not
        // what the kernel writes, is damaged: what could be read is kept, and the process is
        // unreadable, never silently left out.
        if smaps.lineCount == 0 {
            reading.vanished()
            return []
        }
        // The starts seen are candidates' (only those are asked for): none is missing when
        // as many were seen, and then no set of them is made.
        if let problem = parsed.problems.first {
            reading.malformed("smaps", problem)
        } else if smaps.startsSeenCount < asked {
            reading.malformed("smaps", "\(asked - smaps.startsSeenCount) of the \(listed) candidate mappings maps lists are not in it")
        }
        return parsed.vmas
    }

    /// The numa_maps line of each hugetlb VMA smaps showed (the last line with its start
    /// address), in the VMAs' order; none when it could not be read (noted).
    func readNumaMaps(_ reading: inout ProcessReading, of vmas: [SmapsVMA]) -> [NumaMapsEntry?] {
        var numaMaps = NumaMapsParser.EntryScan(starts: StartSet(vmas.lazy.map(\.mapping.start)))
        guard readLines("numa_maps", &reading, { numaMaps.feed($0) }) else {
            return Array(repeating: nil, count: vmas.count)
        }
        return numaLines(numaMaps, of: vmas, &reading)
    }

    /// The line of each of `vmas` in a whole numa_maps (`numaMaps`, fed with every piece, and
    /// asked for these VMAs' lines or more), its problems noted in `reading`: those of lines
    /// without a start address or starting at one of `vmas`, the lines a scan asked for these
    /// VMAs only judges.
    func numaLines(_ numaMaps: NumaMapsParser.EntryScan, of vmas: [SmapsVMA],
                   _ reading: inout ProcessReading) -> [NumaMapsEntry?] {
        let numa = Self.lines(of: vmas, in: numaMaps.result.entries)
        // numa_maps lists every VMA (show_numa_map): a hugetlb VMA without its line has an
        // unknown policy, which is never taken to be the default one silently.
        let unlisted = numa.reduce(0) { $1 == nil ? $0 + 1 : $0 }
        if numaMaps.lineCount == 0 {
            reading.vanished()
        } else if let problem = numaMaps.firstProblem(among: { StartSet(vmas.lazy.map(\.mapping.start)) }) {
            reading.malformed("numa_maps", problem)
        } else if unlisted > 0 {
            reading.malformed("numa_maps", "\(unlisted) of the \(vmas.count) hugetlb mappings smaps lists are not in it")
        }
        return numa
    }

    /// The mappings of the hugetlb VMAs smaps showed, with their numa_maps lines.
    static func mappings(_ vmas: [SmapsVMA], numa: [NumaMapsEntry?]) -> [HugetlbMapping] {
        var mappings: [HugetlbMapping] = []
        mappings.reserveCapacity(vmas.count)
        var names = PathNames()
        for (vma, line) in zip(vmas, numa) where vma.kernelPageSizeKB > 0 {
            mappings.append(mapping(vma, numa: line, names: &names))
        }
        return mappings
    }

    /// For each VMA, the last of `entries` with its start address. Both come in address
    /// order from the kernel, and are then matched in one walk; a damaged file out of order
    /// is matched through a dictionary instead.
    static func lines(of vmas: [SmapsVMA], in entries: [NumaMapsEntry]) -> [NumaMapsEntry?] {
        // By index: no copy (and retain) of each VMA and line to compare two addresses.
        let ordered = vmas.indices.dropFirst().allSatisfy { vmas[$0 - 1].mapping.start <= vmas[$0].mapping.start }
            && entries.indices.dropFirst().allSatisfy { entries[$0 - 1].start <= entries[$0].start }
        guard ordered else {
            var byStart: [UInt64: Int] = [:]
            byStart.reserveCapacity(entries.count)
            for index in entries.indices { byStart[entries[index].start] = index }
            return vmas.map { vma in byStart[vma.mapping.start].map { entries[$0] } }
        }
        var result: [NumaMapsEntry?] = []
        result.reserveCapacity(vmas.count)
        var next = 0
        for vma in vmas {
            let start = vma.mapping.start
            while next < entries.count && entries[next].start < start { next += 1 }
            // The last of a run of lines with this start, as a dictionary filled in order
            // keeps; the walk stays there for the next VMA (a repeated VMA: linear still).
            while next + 1 < entries.count && entries[next + 1].start == start { next += 1 }
            result.append(next < entries.count && entries[next].start == start ? entries[next] : nil)
        }
        return result
    }

    /// What `mapping` makes of a path (whether it ends in " (deleted)", the path without it,
    /// its kind), kept for the next VMA with the same path: most VMAs of a process share
    /// one (anonymous memory, a file mapped page by page), and the smaps parser hands them
    /// one String.
    struct PathNames {
        var path: String?
        var deleted = false
        var shown: String?
        var kinds: (shared: MappingKind, `private`: MappingKind) = (.fileShared, .filePrivate)

        init() {}

        mutating func update(_ newPath: String?) {
            guard newPath != path else { return }
            path = newPath
            deleted = newPath?.hasSuffix(" (deleted)") ?? false
            shown = deleted ? newPath.map(ProcessReader.withoutDeleted) : newPath
            kinds = MappingKind.kinds(path: newPath)
        }
    }

    /// One hugetlb mapping from its smaps entry and numa_maps line; `names` holds what the
    /// previous VMA's path gave, and is updated.
    static func mapping(_ vma: SmapsVMA, numa numaEntry: NumaMapsEntry?, names: inout PathNames) -> HugetlbMapping {
        let entry = vma.mapping
        names.update(entry.path)
        var mapping = HugetlbMapping(
            start: entry.start, end: entry.end, pageSizeKB: vma.kernelPageSizeKB,
            kind: entry.shared ? names.kinds.shared : names.kinds.private,
            path: names.shown,
            object: ObjectID(device: entry.device, inode: entry.inode), offset: entry.offset,
            shared: entry.shared, noreserve: vma.noReserve, pages: vma.sizeKB / vma.kernelPageSizeKB,
            faultedPages: vma.mappedPages, anonPages: numaEntry?.anon ?? vma.mappedPages,
            policy: numaEntry?.policy, nodePages: numaEntry?.nodePages ?? [:])
        mapping.deleted = names.deleted
        return mapping
    }

    /// The other threads of a process with hugetlb mappings, where they fault under other rules
    /// than the main thread: `task/TID/status` for the cpuset and CPUs, `task/TID/numa_maps`
    /// for the policy each hugetlb VMA has when that thread faults. A VMA with a policy of its
    /// own (`mbind`) shows it in every thread; one without shows the thread's task policy
    /// (`get_task_policy`), so a VMA whose policy differs between threads follows the faulting
    /// thread's. A thread that exits meanwhile is skipped; one that cannot be read is reported.
    func readThreads(_ process: inout HugetlbProcess, into reading: inout ProcessReading) {
        let pid = process.pid
        let dir = KernelPath.process(pid, "task")
        let tids: [Int]
        do {
            tids = try source.entries(in: dir) { !$0.isEmpty && KernelPath.isDigits($0) }
                .compactMap { Int($0) }.filter { $0 != pid }
        } catch {
            reading.couldNotRead(error)
            return
        }
        guard !tids.isEmpty else { return }
        let policyAt = Dictionary(process.mappings.map { ($0.start, $0.policy) }, uniquingKeysWith: { first, _ in first })
        var follows: Set<UInt64> = []
        for tid in tids {
            do {
                let thread = try readThread(tid, of: process, base: "\(dir)/\(tid)", policyAt: policyAt, follows: &follows)
                if thread.taskPolicy != nil || thread.memsAllowed != process.memsAllowed
                    || thread.cpusAllowed != process.cpusAllowed {
                    process.threads.append(thread)
                }
            } catch {
                reading.couldNotRead(error)
            }
        }
        for index in process.mappings.indices where follows.contains(process.mappings[index].start) {
            process.mappings[index].followsThreadPolicy = true
        }
    }

    /// One other thread: its cpuset and CPUs, and the task policy it shows for the VMAs whose
    /// policy differs from the main thread's (added to `follows`).
    func readThread(_ tid: Int, of process: HugetlbProcess, base: String, policyAt: [UInt64: MemoryPolicy?],
                    follows: inout Set<UInt64>) throws(ReadError) -> HugetlbThread {
        var thread = HugetlbThread(tid: tid, memsAllowed: process.memsAllowed, cpusAllowed: process.cpusAllowed)
        let status = ProcStatus.parse(try source.read(base + "/status", limit: Self.processFileLimit).all)
        thread.memsAllowed = status.memsAllowed ?? process.memsAllowed
        thread.cpusAllowed = status.cpusAllowed ?? process.cpusAllowed
        var scan = NumaMapsParser.EntryScan(onlyStarts: Set(policyAt.keys))
        try source.readLines(base + "/numa_maps", limit: Self.processFileLimit) { scan.feed($0) }
        for entry in scan.result.entries {
            let policy = entry.policy
            guard let main = policyAt[entry.start], main != policy else { continue }
            follows.insert(entry.start)
            if thread.taskPolicy == nil { thread.taskPolicy = policy }
        }
        return thread
    }
}
