/// `hugectl features` for people: a table of facts, the page sizes, mounts and cgroup limits,
/// and with `--probe` what userfaultfd and the discard calls really did.
public enum FeaturesText {
    public static func render(_ report: FeaturesReport, headers: Bool = true, width: Int? = nil) -> StyledText {
        var sections: [StyledText] = []
        sections.append(factTable(report).render(headers: headers, width: width))
        if !report.sizes.isEmpty {
            sections.append(sizeTable(report).render(headers: headers, width: width))
        }
        if !report.hugetlbfs.mounts.isEmpty {
            sections.append(mountTable(report.hugetlbfs).render(headers: headers, width: width))
        }
        if !report.cgroup.limits.isEmpty {
            sections.append(cgroupTable(report.cgroup).render(headers: headers, width: width))
        }
        if !report.hugetlbfs.options.isEmpty {
            sections.append(optionTable(report.hugetlbfs).render(headers: headers, width: width))
        }
        if !report.userfaultfd.methods.isEmpty {
            var text = uffdMethodTable(report.userfaultfd).render(headers: headers, width: width)
            if let mask = report.userfaultfd.featureMask {
                let api = report.userfaultfd.api.map { "0x" + String($0, radix: 16) } ?? "?"
                text += "userfaultfd API \(trusted: api) features: \(mask == 0 ? "none" : UffdNames.features(mask).joined(separator: " "))\n"
            }
            sections.append(text)
        }
        if !report.userfaultfd.mappings.isEmpty {
            var text = uffdMappingTable(report.userfaultfd).render(headers: headers, width: width)
            for mapping in report.userfaultfd.mappings {
                if let skipped = mapping.skipped { text += "Skipped \(mapping.mapping.label): \(skipped)\n" }
            }
            sections.append(text)
        }
        if !report.discard.isEmpty {
            var text = discardTable(report.discard).render(headers: headers, width: width)
            text += skippedLines(report.discard).joined()
            sections.append(text)
        }
        var notes = report.probe.notes
        if report.probe.ran, report.probe.countersRestored == false,
           !notes.contains(where: { $0.hasPrefix("counters") }) {
            notes.append("counters did not all read the same after the probe as before")
        }
        if !notes.isEmpty {
            sections.append(notes.map { "Note: \($0)" }.joined(separator: "\n") + "\n")
        }
        return sections.joined(separator: "\n")
    }

    static func yesNo(_ value: Bool?) -> String {
        switch value {
        case true?: return "yes"
        case false?: return "no"
        case nil: return "?"
        }
    }

    static func size(_ kB: Int?) -> String { kB.map { PageSize.format(kB: $0) } ?? "?" }

    static func pages(_ count: Int) -> String { count == 1 ? "1 page" : "\(count) pages" }

    // MARK: - Facts

    public static func factTable(_ report: FeaturesReport) -> Table {
        var table = Table([.init("FEATURE"), .init("VALUE")])
        table.add(["kernel", report.kernelRelease ?? "?"])
        table.add(["probes", probeLine(report.probe)])
        table.add(["default huge page size", size(report.defaultPageSizeKB)])
        let boot = report.boot
        let perNode: String
        switch boot.perNodeSyntax {
        case true?: perNode = "yes (hugepages=0:N,1:M; kernel 5.16 or later)"
        case false?: perNode = "no (needs kernel 5.16; use hugepages=N or per-node sysfs after boot)"
        case nil: perNode = "? (kernel release unknown)"
        }
        table.add(["per-node boot syntax", perNode])
        table.add(["boot parameters", boot.commandLineRead
            ? (boot.parameters.isEmpty ? "none" : boot.parameters.joined(separator: " ")) : "? (/proc/cmdline not read)"])
        let fs = report.hugetlbfs
        let mounts = fs.mounts.isEmpty ? "no mounts" : fs.mounts.count == 1 ? "1 mount" : "\(fs.mounts.count) mounts"
        switch fs.available {
        case true?: table.add(["hugetlbfs", "available, " + mounts])
        case false?: table.add(["hugetlbfs", "not in /proc/filesystems"])
        case nil: table.add(["hugetlbfs", "? (/proc/filesystems not read), " + mounts])
        }
        let minSize = fs.mounts.filter { ($0.minSizePages ?? 0) > 0 }
        table.add(["min_size reservations", minSize.isEmpty ? "none"
            : minSize.map { "\($0.path) (\(pages($0.minSizePages ?? 0)) of \(size($0.pageSizeKB)) reserved)" }.joined(separator: ", ")])
        table.add(["cgroup hugetlb controller", cgroupLine(report.cgroup)])
        let unbounded = report.cgroup.unboundedReservations.count
        if !report.cgroup.limits.isEmpty {
            table.add(["cgroup reservation limits", unbounded == 0 ? "every hugetlb fault limit has a reservation limit"
                : "\(unbounded) fault limit\(unbounded == 1 ? "" : "s") without a reservation limit: mmap succeeds beyond the limit, the fault gets SIGBUS"])
        }
        let uffd = report.userfaultfd
        table.add(["vm.unprivileged_userfaultfd", uffd.unprivilegedSysctl.map { value in
            value == 0 ? "0 (others need UFFD_USER_MODE_ONLY or /dev/userfaultfd)" : "\(value) (anyone may handle kernel faults)"
        } ?? "? (not present)"])
        let device: String
        switch uffd.devicePresent {
        case true?: device = "present" + (uffd.deviceMode.map { " (mode \(FeaturesJSON.octal($0)))" } ?? "")
        case false?: device = "absent (kernel older than 6.1, or no devtmpfs node)"
        case nil: device = "?"
        }
        table.add([KernelPath.userfaultfdDevice, device])
        if let skipped = uffd.skipped, report.probe.ran {
            table.add(["userfaultfd probe", "skipped: " + skipped])
        }
        if report.probe.ran, let skipped = fs.optionsSkipped {
            table.add(["hugetlbfs option probe", "skipped: " + skipped])
        }
        return table
    }

    static func probeLine(_ probe: ProbeStatus) -> String {
        guard probe.ran else { return "not run: " + (probe.reason ?? "not requested") }
        var text = "ran as uid \(probe.uid.map(String.init) ?? "?")"
        if probe.poolChanges.isEmpty {
            text += "; no pool changed"
        } else {
            let changes = probe.poolChanges.map { change -> String in
                let grown = change.grownTo.map(String.init) ?? "?"
                let back = change.restoredTo.map(String.init) ?? "?"
                return "\(PageSize.format(kB: change.pageSizeKB)) pool \(change.before) -> \(grown) -> \(back)"
                    + (change.restored ? "" : " (NOT restored)")
            }
            text += "; " + changes.joined(separator: ", ")
        }
        switch probe.countersRestored {
        case true?: text += "; every counter restored"
        case false?: text += "; counters differ afterwards (see notes)"
        case nil: break
        }
        return text
    }

    static func cgroupLine(_ cgroup: CgroupFeatures) -> String {
        switch cgroup.version {
        case 1?:
            return "v1 at \(cgroup.v1Mount ?? "?"), \(cgroup.cgroupsScanned) cgroups" + (cgroup.truncated ? " (walk stopped at its bound)" : "")
        case 2?:
            let enabled = cgroup.cgroupsWithController == 0 ? "enabled in no cgroup"
                : "enabled in \(cgroup.cgroupsWithController) of \(cgroup.cgroupsScanned) cgroups"
            return "v2 at \(cgroup.v2Mount ?? "?"), " + enabled + (cgroup.truncated ? " (walk stopped at its bound)" : "")
        default:
            switch cgroup.controllerKnown {
            case true?: return "not mounted (hugetlb is in /proc/cgroups)"
            case false?: return "not in this kernel (/proc/cgroups)"
            case nil: return "? (no cgroup hierarchy with hugetlb found)"
            }
        }
    }

    // MARK: - Sizes, mounts, cgroups

    public static func sizeTable(_ report: FeaturesReport) -> Table {
        var table = Table([
            .init("SIZE"), .init("DEFAULT"), .init("POOL", rightAligned: true), .init("FREE", rightAligned: true),
            .init("RSVD", rightAligned: true), .init("GIGANTIC"), .init("OVERCOMMIT"), .init("DEMOTE"),
            .init("RUNTIME-ALLOC"), .init("CGROUP-RSVD"),
        ])
        for item in report.sizes {
            let rsvd = report.cgroup.rsvdFiles.first { $0.pageSizeKB == item.pageSizeKB }?.present
            let runtime: String
            switch item.runtimeAllocation {
            case true?: runtime = "yes"
            case false?: runtime = "no"
            case nil: runtime = "not probed"
            }
            table.add([
                PageSize.format(kB: item.pageSizeKB), item.isDefault ? "*" : "",
                StatusText.count(item.poolTotal), StatusText.count(item.poolFree), StatusText.count(item.poolReserved),
                item.isGigantic ? "yes" : "no", item.overcommitAllowed ? "yes" : "no",
                item.demoteSizeKB.map { "to " + PageSize.format(kB: $0) } ?? "-", runtime,
                rsvd.map { $0 ? "yes" : "no" } ?? "-",
            ])
        }
        return table
    }

    static func mountTable(_ fs: HugetlbfsFeatures) -> Table {
        var table = Table([
            .init("MOUNT"), .init("SIZE"), .init("LIMIT", rightAligned: true), .init("MIN", rightAligned: true),
            .init("INODES", rightAligned: true), .init("OPTIONS"),
        ])
        for mount in fs.mounts {
            table.add([
                mount.path, size(mount.pageSizeKB), mount.sizeLimitPages.map(String.init) ?? "-",
                mount.minSizePages.map(String.init) ?? "-", mount.maxInodes.map(String.init) ?? "-", mount.options,
            ])
        }
        return table
    }

    static func bytes(_ value: Int?) -> String {
        guard let value else { return "max" }
        if value % 1024 == 0 { return HumanSize.format(kB: value / 1024) }
        return "\(value)B"
    }

    static func cgroupTable(_ cgroup: CgroupFeatures) -> Table {
        var table = Table([
            .init("CGROUP"), .init("SIZE"), .init("MAX", rightAligned: true), .init("RSVD.MAX", rightAligned: true),
            .init("RESERVATIONS"),
        ])
        for limit in cgroup.limits {
            let verdict: StyledText
            if limit.reservationUnbounded {
                verdict = .trusted(limit.rsvdFilesPresent ? "unbounded: SIGBUS at fault" : "unbounded (no rsvd files): SIGBUS at fault",
                                   paint: .warning)
            } else {
                verdict = "limited at mmap"
            }
            table.add([
                .untrusted(limit.path), .trusted(PageSize.format(kB: limit.pageSizeKB)), .trusted(bytes(limit.maxBytes)),
                .trusted(limit.rsvdFilesPresent ? bytes(limit.rsvdMaxBytes) : "-"), verdict,
            ])
        }
        return table
    }

    // MARK: - Probes

    static func optionTable(_ fs: HugetlbfsFeatures) -> Table {
        var table = Table([.init("MOUNT OPTION"), .init("RESULT")])
        for option in fs.options {
            var result = option.result.isOK ? "accepted" : "rejected (\(option.result))"
            if !option.expected { result += option.result.isOK ? ": unknown options are NOT rejected" : ", as an unknown option should be" }
            table.add([option.option, result])
        }
        return table
    }

    static func uffdMethodTable(_ uffd: UserfaultfdFeatures) -> Table {
        var table = Table([.init("USERFAULTFD"), .init("RESULT")])
        for method in uffd.methods {
            table.add([method.kind.label, method.result.description])
        }
        return table
    }

    static func uffdMappingTable(_ uffd: UserfaultfdFeatures) -> Table {
        var columns: [Table.Column] = [.init("MAPPING"), .init("SIZE")]
        columns += UffdMappingProbe.Mode.allCases.map { .init($0.rawValue) }
        columns += UffdMappingProbe.rangeIoctls.map { .init($0) }
        var table = Table(columns)
        for mapping in uffd.mappings {
            var row = [mapping.mapping.label, size(uffd.pageSizeKB)]
            if mapping.skipped != nil {
                table.add(row + ["skipped"] + Array(repeating: "-", count: 2 + UffdMappingProbe.rangeIoctls.count))
                continue
            }
            for mode in UffdMappingProbe.Mode.allCases {
                row.append(mapping.registrations.first { $0.mode == mode }?.result.description ?? "-")
            }
            for name in UffdMappingProbe.rangeIoctls {
                guard let ioctl = mapping.ioctls.first(where: { $0.name == name }) else {
                    row.append("-")
                    continue
                }
                if let result = ioctl.result {
                    row.append(result.description)
                } else {
                    row.append(ioctl.offered ? "offered" : "no")
                }
            }
            table.add(row)
        }
        return table
    }

    /// One line per skipped memory type, types with the same size and reason together.
    static func skippedLines(_ probes: [DiscardProbe]) -> [StyledText] {
        var groups: [(labels: [String], size: Int, reason: String)] = []
        for probe in probes {
            guard let reason = probe.skipped else { continue }
            if let index = groups.firstIndex(where: { $0.size == probe.pageSizeKB && $0.reason == reason }) {
                groups[index].labels.append(probe.memory.label)
            } else {
                groups.append(([probe.memory.label], probe.pageSizeKB, reason))
            }
        }
        return groups.map { "Skipped \($0.labels.joined(separator: ", ")) \(trusted: PageSize.format(kB: $0.size)): \($0.reason)\n" }
    }

    static func discardTable(_ probes: [DiscardProbe]) -> Table {
        var table = Table([
            .init("MEMORY"), .init("SIZE"), .init("CALL"), .init("RESULT"), .init("ZEROED"), .init("FREED"),
            .init("RESERVATION"), .init("USE"),
        ])
        for probe in probes {
            let sizeText = PageSize.format(kB: probe.pageSizeKB)
            if probe.skipped != nil {
                table.add([probe.memory.label, sizeText, "-", "skipped", "-", "-", "-", ""])
                continue
            }
            let recommended = probe.recommended
            for (index, outcome) in probe.outcomes.enumerated() {
                let first = index == 0
                var result = outcome.result.description
                if let note = outcome.note { result += " (" + note + ")" }
                table.add([
                    first ? probe.memory.label : "", first ? sizeText : "", outcome.call.label, result,
                    outcome.result.isOK ? yesNo(outcome.zeroed) : "-",
                    outcome.result.isOK ? yesNo(outcome.freed) : "-",
                    outcome.reservation?.rawValue ?? "-",
                    outcome.call == recommended ? "*" : "",
                ])
            }
            if recommended == nil {
                table.add(["", "", "(no call discards this memory)"])
            }
        }
        return table
    }
}
