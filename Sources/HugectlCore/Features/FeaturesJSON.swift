/// The `hugectl features --json` document, schema version 1 (docs/features.md). Keys come in a
/// fixed order; `null` means unknown or not probed; new keys are only ever added.
public enum FeaturesJSON {
    public static let schemaVersion = 1

    public static func document(_ report: FeaturesReport) -> JSON {
        let envelope = DocumentEnvelope(root: report.root, kernelRelease: report.kernelRelease,
                                        generatedAt: report.generatedAt, hostname: report.hostname, warnings: report.warnings)
        return Vocabulary.addingNewNames(.object(envelope.completing([
            ("schema_version", .int(schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("root", .string(report.root)),
            ("kernel_release", .string(report.kernelRelease)),
            ("default_page_size_kb", .int(report.defaultPageSizeKB)),
            ("probe", probe(report.probe)),
            ("sizes", .array(report.sizes.map(size))),
            ("boot", .object([
                ("per_node_syntax", bool(report.boot.perNodeSyntax)),
                ("command_line_read", .bool(report.boot.commandLineRead)),
                ("parameters", .array(report.boot.parameters.map { .string($0) })),
            ])),
            ("hugetlbfs", hugetlbfs(report.hugetlbfs)),
            ("cgroup", cgroup(report.cgroup)),
            ("userfaultfd", userfaultfd(report.userfaultfd)),
            ("discard", .array(report.discard.map(discard))),
            ("warnings", .array(report.warnings.map { .string($0) })),
        ])), .features)
    }

    static func bool(_ value: Bool?) -> JSON { value.map { .bool($0) } ?? .null }
    static func result(_ value: CallResult?) -> JSON { value.map { .string($0.description) } ?? .null }

    static func probe(_ probe: ProbeStatus) -> JSON {
        .object([
            ("requested", .bool(probe.requested)),
            ("ran", .bool(probe.ran)),
            ("reason", .string(probe.reason)),
            ("uid", .int(probe.uid)),
            ("pool_changes", .array(probe.poolChanges.map { change in
                .object([
                    ("page_size_kb", .int(change.pageSizeKB)),
                    ("before", .int(change.before)),
                    ("grown_to", .int(change.grownTo)),
                    ("restored_to", .int(change.restoredTo)),
                    ("restored", .bool(change.restored)),
                ])
            })),
            ("counters_restored", bool(probe.countersRestored)),
            ("notes", .array(probe.notes.map { .string($0) })),
        ])
    }

    static func size(_ size: SizeFeatures) -> JSON {
        .object([
            ("page_size_kb", .int(size.pageSizeKB)),
            ("default", .bool(size.isDefault)),
            ("gigantic", .bool(size.isGigantic)),
            ("pool_total", .int(size.poolTotal)),
            ("pool_free", .int(size.poolFree)),
            ("pool_reserved", .int(size.poolReserved)),
            ("has_pool", .bool(size.hasPool)),
            ("overcommit_allowed", .bool(size.overcommitAllowed)),
            ("demote", .bool(size.canDemote)),
            ("demote_size_kb", .int(size.demoteSizeKB)),
            ("runtime_allocation", bool(size.runtimeAllocation)),
            ("runtime_allocation_note", .string(size.runtimeAllocationNote)),
        ])
    }

    static func hugetlbfs(_ fs: HugetlbfsFeatures) -> JSON {
        .object([
            ("available", bool(fs.available)),
            ("mounts", .array(fs.mounts.map { mount in
                .object([
                    ("path", .string(mount.path)),
                    ("page_size_kb", .int(mount.pageSizeKB)),
                    ("size_limit_pages", .int(mount.sizeLimitPages)),
                    ("min_size_pages", .int(mount.minSizePages)),
                    ("nr_inodes", .int(mount.maxInodes)),
                    ("options", .string(mount.options)),
                ])
            })),
            ("min_size_in_use", .bool(fs.minSizeInUse)),
            ("options", .array(fs.options.map { option in
                .object([
                    ("option", .string(option.option)),
                    ("expected", .bool(option.expected)),
                    ("result", result(option.result)),
                    ("accepted", .bool(option.result.isOK)),
                ])
            })),
            ("options_skipped", .string(fs.optionsSkipped)),
        ])
    }

    static func cgroup(_ cgroup: CgroupFeatures) -> JSON {
        .object([
            ("version", .int(cgroup.version)),
            ("v1_mount", .string(cgroup.v1Mount)),
            ("v2_mount", .string(cgroup.v2Mount)),
            ("controller_known", bool(cgroup.controllerKnown)),
            ("cgroups_scanned", .int(cgroup.cgroupsScanned)),
            ("scan_truncated", .bool(cgroup.truncated)),
            ("cgroups_with_controller", .int(cgroup.cgroupsWithController)),
            ("rsvd_files", .array(cgroup.rsvdFiles.map { files in
                .object([("page_size_kb", .int(files.pageSizeKB)), ("present", bool(files.present))])
            })),
            ("limits", .array(cgroup.limits.map { limit in
                .object([
                    ("cgroup", .string(limit.path)),
                    ("page_size_kb", .int(limit.pageSizeKB)),
                    ("max_bytes", .int(limit.maxBytes)),
                    ("rsvd_max_bytes", .int(limit.rsvdMaxBytes)),
                    ("rsvd_files", .bool(limit.rsvdFilesPresent)),
                    ("reservation_unbounded", .bool(limit.reservationUnbounded)),
                ])
            })),
        ])
    }

    static func userfaultfd(_ uffd: UserfaultfdFeatures) -> JSON {
        .object([
            ("unprivileged_sysctl", .int(uffd.unprivilegedSysctl)),
            ("dev_present", bool(uffd.devicePresent)),
            ("dev_mode", uffd.deviceMode.map { .string(octal($0)) } ?? .null),
            ("probed", .bool(uffd.probed)),
            ("skipped", .string(uffd.skipped)),
            ("uid", .int(uffd.uid)),
            ("methods", .array(uffd.methods.map { method in
                .object([("method", .string(method.kind.rawValue)), ("result", result(method.result))])
            })),
            ("api", .int(uffd.api)),
            ("features", .array(uffd.features.map { .string($0) })),
            ("features_mask", uffd.featureMask.map { .int(Int(clamping: $0)) } ?? .null),
            ("api_ioctls", .array((uffd.apiIoctlMask.map(UffdNames.ioctls) ?? []).map { .string($0) })),
            ("page_size_kb", .int(uffd.pageSizeKB)),
            ("mappings", .array(uffd.mappings.map(mapping))),
        ])
    }

    static func mapping(_ mapping: UffdMappingProbe) -> JSON {
        .object([
            ("mapping", .string(mapping.mapping.rawValue)),
            ("skipped", .string(mapping.skipped)),
            ("modes", .array(mapping.registrations.map { registration in
                .object([
                    ("mode", .string(registration.mode.rawValue)),
                    ("result", result(registration.result)),
                    ("ioctls", .array((registration.ioctlMask.map(UffdNames.ioctls) ?? []).map { .string($0) })),
                ])
            })),
            ("ioctls", .array(mapping.ioctls.map { ioctl in
                .object([
                    ("ioctl", .string(ioctl.name)),
                    ("offered", .bool(ioctl.offered)),
                    ("result", result(ioctl.result)),
                    ("note", .string(ioctl.note)),
                ])
            })),
        ])
    }

    static func discard(_ probe: DiscardProbe) -> JSON {
        .object([
            ("memory", .string(probe.memory.rawValue)),
            ("page_size_kb", .int(probe.pageSizeKB)),
            ("skipped", .string(probe.skipped)),
            ("recommended", .string(probe.recommended?.rawValue)),
            ("calls", .array(probe.outcomes.map { outcome in
                .object([
                    ("call", .string(outcome.call.rawValue)),
                    ("result", result(outcome.result)),
                    ("zeroed", bool(outcome.zeroed)),
                    ("freed", bool(outcome.freed)),
                    ("reservation", .string(outcome.reservation?.rawValue)),
                    ("note", .string(outcome.note)),
                ])
            })),
        ])
    }

    /// `0600`: permission bits as `ls` and `chmod` write them.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
