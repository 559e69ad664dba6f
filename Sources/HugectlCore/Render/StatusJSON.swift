/// The JSON document, schema version 1 (docs/json.md, docs/hugectl.schema.json). Keys appear
/// in a fixed order; new keys are only ever added.
public enum StatusJSON {
    public static let schemaVersion = 1

    public static func document(_ report: StatusReport) -> JSON {
        let snapshot = report.snapshot
        return Vocabulary.addingNewNames(.object([
            ("schema_version", .int(schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("root", .string(snapshot.root)),
            ("kernel_release", .string(snapshot.kernelRelease)),
            ("default_page_size_kb", .int(snapshot.defaultPageSizeKB)),
            ("pools", .array(snapshot.pools.map { pool($0, defaultSize: snapshot.defaultPageSizeKB) })),
            ("nodes", .array(snapshot.nodes.map(node))),
            ("mounts", .array(snapshot.mounts.map(mount))),
            ("consistent", .bool(snapshot.consistent && CounterUnreadable.allKnown(snapshot))),
            ("warnings", .array(snapshot.warnings.map { .string($0) })),
            ("possible_nodes", .ints(snapshot.possibleNodes)),
            ("meminfo", meminfo(snapshot.meminfo)),
            ("findings", .array(report.findings.map(finding))),
            ("processes", .array(report.consumers.processes.map(process))),
            ("reservations", .array(report.ledgers.map(ledger))),
            ("scan", scan(report.consumers.scan)),
            ("generated_at", .string(snapshot.collectedAt.map(SnapshotCapture.isoTime))),
            ("hostname", .string(snapshot.hostname)),
            ("cgroups", cgroups(snapshot.cgroups)),
        ]), .status)
    }

    /// Limits as the kernel writes them: a number of pages, or `"max"`; null when unknown.
    static func limit(_ limit: CgroupPageLimit?) -> JSON {
        switch limit {
        case .none: return .null
        case .unlimited?: return .string("max")
        case .pages(let n)?: return .int(n)
        }
    }

    static func cgroups(_ cgroups: HugetlbCgroups) -> JSON {
        .object([
            ("version", .int(cgroups.version)),
            ("mount", .string(cgroups.mountPoint)),
            ("groups", .array(cgroups.groups.map { group in
                .object([
                    ("path", .string(group.path)),
                    ("readable", .bool(!group.unreadable)),
                    ("sizes", .array(group.sizes.map { size in
                        .object([
                            ("page_size_kb", .int(size.pageSizeKB)),
                            ("max_pages", limit(size.limit)),
                            ("current_pages", .int(size.usage)),
                            ("rsvd_max_pages", limit(size.reservationLimit)),
                            ("rsvd_current_pages", .int(size.reservationUsage)),
                        ])
                    })),
                ])
            })),
        ])
    }

    public static func process(_ process: HugetlbProcess) -> JSON {
        .object([
            ("pid", .int(process.pid)),
            ("name", .string(process.name)),
            ("ppid", .int(process.ppid)),
            ("uid", .int(process.uid)),
            ("mems_allowed", .ints(process.memsAllowed)),
            ("cpus_allowed", .ints(process.cpusAllowed)),
            ("cmdline", .string(process.commandLine)),
            ("hugetlb_pages_kb", .int(process.hugetlbPagesKB)),
            ("inherited_private", .bool(process.holdsInheritedPrivate)),
            ("vmas", .vmas(process.mappings)),
            ("open_objects", .rows(JSONRows(.openObjects(process.openObjects)))),
            ("threads", .array(process.threads.map { thread in
                .object([
                    ("tid", .int(thread.tid)),
                    ("mems_allowed", .ints(thread.memsAllowed)),
                    ("cpus_allowed", .ints(thread.cpusAllowed)),
                    ("task_policy", thread.taskPolicy.map(policy) ?? .null),
                ])
            })),
            ("cgroup", .string(process.cgroup)),
            ("start_time_ticks", process.startTime.map { .int(Int(clamping: $0)) } ?? .null),
        ])
    }

    /// An object a process holds open (`processes[].open_objects[]`).
    static func openObject(_ id: ObjectID) -> JSON {
        .object([("device", .string(id.device.mapsText)), ("inode", .int(Int(clamping: id.inode)))])
    }

    /// A mapping a finding is about (`findings[].vmas[]`).
    static func findingVMA(_ vma: Finding.VMA) -> JSON {
        .object([("pid", .int(vma.pid)), ("start", .string(vma.startText))])
    }

    static func policy(_ policy: MemoryPolicy) -> JSON {
        .object([
            ("mode", .string(policy.mode.rawValue)),
            ("nodes", .ints(policy.nodes)),
            ("flags", .array(policy.flags.map { .string($0) })),
        ])
    }

    /// A mapping's members (`VMAEncoder`, which makes what consecutive mappings share once),
    /// with room for `spare` more.
    static func mappingMembers(_ m: HugetlbMapping, policy: JSON, nodePages: JSON, device: String,
                               spare: Int = 0) -> [(String, JSON)] {
        var members: [(String, JSON)] = []
        members.reserveCapacity(18 + spare)
        members.append(("start", .string(String(m.start, radix: 16))))
        members.append(("end", .string(String(m.end, radix: 16))))
        members.append(("page_size_kb", .int(m.pageSizeKB)))
        members.append(("kind", .string(m.kind.rawValue)))
        members.append(("path", .string(m.path)))
        members.append(("deleted", .bool(m.deleted)))
        members.append(("device", .string(device)))
        members.append(("inode", .int(Int(clamping: m.object.inode))))
        members.append(("shared", .bool(m.shared)))
        members.append(("noreserve", .bool(m.noreserve)))
        members.append(("pages", .int(m.pages)))
        members.append(("faulted_pages", .int(m.faultedPages)))
        members.append(("reserved_pending", .int(m.reservedPending)))
        members.append(("inherited", .bool(m.inherited)))
        members.append(("policy", policy))
        members.append(("node_pages", nodePages))
        members.append(("follows_thread_policy", .bool(m.followsThreadPolicy)))
        members.append(("reserved_pending_estimated", .bool(m.reservedPendingEstimated)))
        return members
    }

    static func nodePages(_ pages: [Int: Int]) -> JSON {
        .object(pages.sorted { $0.key < $1.key }.map { (String($0.key), .int($0.value)) })
    }

    static func ledger(_ ledger: ReservationLedger) -> JSON {
        .object([
            ("page_size_kb", .int(ledger.pageSizeKB)),
            ("kernel_reserved", .int(ledger.kernelReserved)),
            ("attributed", .object([
                ("shared_objects", .int(ledger.sharedObjects)),
                ("private_owners", .int(ledger.privateOwners)),
                ("min_size", .int(ledger.minSize)),
                ("orphans", .int(ledger.orphanPages)),
            ])),
            ("unattributed", .int(ledger.unattributed)),
            ("orphans", .array(ledger.orphans.map { orphan in
                .object([
                    ("kind", .string(orphan.kind.rawValue)),
                    ("path", .string(orphan.path)),
                    ("shmid", .int(orphan.shmid)),
                    ("device", .string(orphan.device.mapsText)),
                    ("inode", .int(Int(clamping: orphan.inode))),
                    ("pages_reserved", .int(orphan.pagesReserved)),
                    ("pages_instantiated", .int(orphan.pagesInstantiated)),
                    ("estimated", .bool(orphan.estimated)),
                    ("held_open", .bool(orphan.heldOpen)),
                    ("mount", .string(orphan.mountPoint)),
                ])
            })),
            ("estimated_pages", .int(ledger.estimatedPages)),
            ("estimates", .array(ledger.estimates.map { estimate in
                .object([
                    ("reason", .string(estimate.reason.rawValue)),
                    ("objects", .int(estimate.objects)),
                    ("pages", .int(estimate.pages)),
                    ("proved_pages", .int(estimate.minimum)),
                ])
            })),
            ("in_use_holders", inUse(ledger.inUse)),
        ])
    }

    /// The in-use side of one size's ledger (docs/json.md, `reservations[].in_use_holders`).
    static func inUse(_ use: InUseLedger) -> JSON {
        .object([
            ("in_use_pages", .int(use.kernelInUse)),
            ("mapped_pages", .int(use.mapped)),
            ("mapped_estimated", .bool(use.mappedEstimated)),
            ("unmapped_files", .array(use.unmapped.map { entry in
                .object([
                    ("mount", .string(entry.mountPoint)),
                    ("files", .int(entry.files)),
                    ("held_open", .int(entry.heldOpen)),
                    ("in_use_pages", .int(entry.pagesInUse)),
                    ("reserved_pages", .int(entry.pagesReserved)),
                    ("freeable_pages", .int(entry.freeablePages)),
                    ("freeable_paths", .array(entry.freeable.map { .string($0) })),
                ])
            })),
            ("sysv_unattached_segments", .int(use.sysvUnattachedSegments)),
            ("sysv_unattached_pages", .int(use.sysvUnattachedPages)),
            ("surplus_pages", .int(use.surplus)),
            ("attributed_pages", .int(use.attributed)),
            ("unexplained_pages", .int(use.unexplained)),
        ])
    }

    public static func scan(_ scan: ScanReport) -> JSON {
        .object([
            ("processes_seen", .int(scan.processesSeen)),
            ("processes_scanned", .int(scan.processesScanned)),
            ("candidates", .int(scan.candidates)),
            ("unreadable", .array(scan.unreadable.map { item in
                .object([("pid", .int(item.pid)), ("path", .string(item.path)), ("reason", .string(item.reason))])
            })),
            ("vanished", .int(scan.vanished)),
            ("complete", .bool(scan.complete)),
            ("not_recorded", .int(scan.notRecorded)),
        ])
    }

    static func pool(_ pool: HugePagePool, defaultSize: Int?) -> JSON {
        .object([
            ("page_size_kb", .int(pool.pageSizeKB)),
            ("total", .int(pool.total)),
            ("free", .int(pool.free)),
            ("reserved", .int(pool.reserved)),
            ("surplus", .int(pool.surplus)),
            ("overcommit", .int(pool.overcommit)),
            ("mempolicy_total", .int(pool.mempolicyTotal)),
            ("in_use", .int(pool.inUse)),
            ("nodes", .array(pool.nodes.map { node in
                .object([
                    ("node", .int(node.node)),
                    ("total", .int(node.total)),
                    ("free", .int(node.free)),
                    ("surplus", .int(node.surplus)),
                ])
            })),
            ("default", .bool(pool.pageSizeKB == defaultSize)),
            ("gigantic", .bool(pool.isGigantic)),
            ("demote_size_kb", .int(pool.demoteSizeKB)),
        ])
    }

    static func node(_ node: NumaNode) -> JSON {
        .object([
            ("node", .int(node.node)),
            ("cpus", .ints(node.cpus)),
            ("mem_total_kb", .int(node.memTotalKB)),
            ("mem_free_kb", .int(node.memFreeKB)),
            ("numastat", node.numastat.map { counts in .object(counts.map { ($0.name, .int($0.value)) }) } ?? .null),
            ("has_memory", .bool(node.hasMemory)),
            ("distances", .ints(node.distances)),
        ])
    }

    /// `0755`, `1777`: four octal digits, as stat(1) `%a` with a leading zero.
    static func octalMode(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func mount(_ mount: HugetlbfsMount) -> JSON {
        .object([
            ("path", .string(mount.path)),
            ("page_size_kb", .int(mount.pageSizeKB)),
            ("size_limit_pages", .int(mount.sizeLimitPages)),
            ("min_size_pages", .int(mount.minSizePages)),
            ("used_pages", .int(mount.usedPages)),
            ("options", .string(mount.options)),
            ("source", .string(mount.source)),
            ("inode_limit", .int(mount.inodeLimit)),
            ("mode", .string(octalMode(mount.mode))),
            ("uid", .int(Int(mount.uid))),
            ("gid", .int(Int(mount.gid))),
        ])
    }

    static func meminfo(_ info: MeminfoHugePages) -> JSON {
        .object([
            ("huge_pages_total", .int(info.total)),
            ("huge_pages_free", .int(info.free)),
            ("huge_pages_rsvd", .int(info.reserved)),
            ("huge_pages_surp", .int(info.surplus)),
            ("hugepagesize_kb", .int(info.pageSizeKB)),
            ("hugetlb_kb", .int(info.hugetlbKB)),
        ])
    }

    public static func finding(_ finding: Finding) -> JSON {
        .object([
            ("id", .string(finding.id)),
            ("severity", .string(finding.severity.rawValue)),
            ("page_size_kb", .int(finding.pageSizeKB)),
            ("nodes", .ints(finding.nodes)),
            ("pages", .int(finding.pages)),
            ("pids", .ints(finding.pids)),
            ("message", .string(finding.message)),
            ("hint", .string(finding.hint)),
            ("vmas", .rows(JSONRows(.findingVMAs(finding.vmas)))),
        ])
    }
}
