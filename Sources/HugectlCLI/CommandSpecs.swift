import HugectlCore

/// A hugectl command as the command line and `--help` know it: its name, synopsis, summary,
/// options, and the column lists of its listings.
public struct CommandSpec: Sendable {
    public var name: String
    public var synopsis: String
    public var summary: String
    public var options: [OptionSpec]
    /// The column list of `--help` for the listings `-o` and `--sort` choose from.
    public var columns: String?

    public init(name: String, synopsis: String, summary: String, options: [OptionSpec], columns: String? = nil) {
        self.name = name
        self.synopsis = synopsis
        self.summary = summary
        self.options = options
        self.columns = columns
    }
}

/// Options every command accepts, before or after the command name.
public let globalOptions: [OptionSpec] = [
    OptionSpec("root", .required("DIR"), help: "read the system under DIR (a snapshot tree) instead of /"),
    OptionSpec("help", short: "h", help: "display this help"),
    OptionSpec("version", short: "V", help: "display version"),
]

/// The output options of every command that prints a report: `--json`, `--format` (with
/// the formats the command accepts), `--color` and `--no-headers`.
public func formatOptions(_ formats: String, json: String = "print the JSON document (same as --format json)") -> [OptionSpec] {
    [
        OptionSpec("json", short: "J", help: json),
        OptionSpec("format", .required("FORMAT"), help: "output format: \(formats)"),
        OptionSpec("color", .optional("WHEN"), help: "colorize output: auto (the default; also --color alone), always or never"),
        OptionSpec("no-headers", short: "n", help: "do not print table headers"),
    ]
}

/// Options of the commands that print a live report (status, procs): columns and `--watch`
/// as well.
public func reportOptions(_ formats: String) -> [OptionSpec] {
    [
        OptionSpec("output", short: "o", .required("COLUMNS"), help: "choose and order table columns (comma list; +COLS to add)"),
        OptionSpec("watch", .required("SECONDS"),
                   help: "repeat every SECONDS: redraw on a terminal, append otherwise (with --json one line each)"),
    ] + formatOptions(formats)
}

/// `--fail-on LEVEL` of the commands that gate (check, admit) on `findings`; its values are
/// read by `ParsedArguments.failOn()`.
func failOnOption(_ findings: String) -> OptionSpec {
    OptionSpec("fail-on", .required("LEVEL"), help: "fail on \(findings) at or above LEVEL: error (default), warning or info")
}

/// The report options hugectl accepts before the command name too (`hugectl --json status`).
public let outputOptions: [OptionSpec] = reportOptions("text or json (status also prometheus)")

/// Every command, in the order `--help` lists them.
public let commandSpecs: [CommandSpec] = [
    CommandSpec(
        name: "status", synopsis: "status",
        summary: "show pools, pools per node, hugetlbfs mounts, consumers, findings and a verdict (the default)",
        options: reportOptions("text, json or prometheus"),
        columns: columnHelp(Listings.pools)),
    CommandSpec(
        name: "procs", synopsis: "procs [PID|NAME...]",
        summary: "show the processes holding hugetlb memory: mapped, faulted and owed pages",
        options: reportOptions("text or json") + [
            OptionSpec("verbose", short: "v", help: "one row per hugetlb mapping (VMA) instead of per process"),
            OptionSpec("sort", .required("COLUMN"), help: "sort by COLUMN (a header name; -COLUMN for descending)"),
        ],
        columns: columnHelp(Listings.processes) + "\n" + columnHelp(Listings.mappings)),
    CommandSpec(
        name: "check", synopsis: "check [--fail-on LEVEL] [EXPECTATIONS]",
        summary: "predict failing reservations and gate on them: exit 1 when a finding reaches --fail-on",
        options: formatOptions("text, json, junit, tap or prometheus") + [
            failOnOption("findings"),
            OptionSpec("expect", .required("FILE"), help: "read expectations from FILE (- for standard input), one a line ('require 2M=512'; # comments)"),
            OptionSpec("require", .required("SIZE=N[@NODES]"), help: "the pool (or each of NODES) has at least N pages"),
            OptionSpec("min-free", .required("SIZE=N"), help: "at least N pages are free and unreserved"),
            OptionSpec("max-surplus", .required("SIZE=N"), help: "at most N surplus pages"),
            OptionSpec("ignore", .required("ID[:PID]"), help: "leave out findings with ID (only for PID, if given)"),
        ]),
    CommandSpec(
        name: "admit", synopsis: "admit SIZE=N[@POLICY]... [--pools SIZE=COUNT]",
        summary: "would new mappings (or a pool change) fit, and what would they break: mmap, faults, collateral",
        options: formatOptions("text, json, tap or junit") + [
            failOnOption("new findings"),
            OptionSpec("shared", help: "the mappings are MAP_SHARED (reserved in their object)"),
            OptionSpec("private", help: "the mappings are MAP_PRIVATE (the default)"),
            OptionSpec("noreserve", help: "the mappings are MAP_NORESERVE: nothing reserved at mmap"),
            OptionSpec("mbind", help: "the policy is set by mbind after mmap (as QEMU's host-nodes), not by the task"),
            OptionSpec("cpuset", .required("NODES"), help: "the mapping task's cpuset.mems"),
            OptionSpec("cgroup", .required("PATH"), help: "the hugetlb cgroup the mapping task charges (/a/b)"),
            OptionSpec("mount", .required("DIR"), help: "map a new file on the hugetlbfs mount DIR (its size=/min_size= apply)"),
            OptionSpec("as", .required("PID"), help: "use the cpuset, cgroup and policy of process PID (one holding hugetlb memory)"),
            OptionSpec("pools", .required("SIZE=COUNT"), help: "first change a pool as 'pool set' would (2M=0:8,1:12, 2M=16, 2M=-4)"),
        ]),
    CommandSpec(
        name: "pool", synopsis: "pool set SIZE COUNT | pool reset SIZE",
        summary: "resize a pool (globally or per node) and read back what the kernel gave",
        options: [
            OptionSpec("node", .required("NODES"), help: "write the per-node pools of NODES (e.g. 0,1) instead of the global one"),
            OptionSpec("overcommit", .required("N"), help: "set nr_overcommit_hugepages to N"),
            OptionSpec("dry-run", help: "write nothing; print the exact writes and the undo command"),
            OptionSpec("force", help: "shrink below the pages in use, reserved or owed on a node (they become surplus or fail)"),
            OptionSpec("compact", help: "when the kernel gives fewer pages, compact memory and try again"),
            OptionSpec("wait", .required("SECONDS"), help: "with --compact: keep trying for up to SECONDS"),
            OptionSpec("policy-aware", help: "write nr_hugepages_mempolicy under the --interleave policy"),
            OptionSpec("interleave", .required("NODES"), help: "with --policy-aware: the nodes to spread the pages over"),
            OptionSpec("lock-timeout", .required("SECONDS"), help: "wait at most SECONDS for another pool change's lock (default 10), then exit 3"),
        ] + formatOptions("text or json", json: "print the result as JSON (before, requested, after, undo)")),
    CommandSpec(
        name: "plan", synopsis: "plan [--headroom 10%|SIZE=N] [--apply]",
        summary: "size the pools per node from what the mappings owe, so that nothing is left to fail",
        options: formatOptions("text or json") + [
            OptionSpec("headroom", .required("P%|SIZE=N"), help: "add P% to each node's planned pool, or N pages of SIZE"),
            OptionSpec("apply", help: "apply the plan with 'pool set' (root; all its safety checks)"),
            OptionSpec("dry-run", help: "with --apply: write nothing, print the writes"),
            OptionSpec("force", help: "with --apply: passed to 'pool set'"),
            OptionSpec("lock-timeout", .required("SECONDS"), help: "with --apply: wait at most SECONDS for the pool lock (default 10)"),
        ]),
    CommandSpec(
        name: "features", synopsis: "features [--probe [--no-grow]]",
        summary: "what this kernel does with hugetlb memory: sizes, hugetlbfs, cgroup limits, userfaultfd, discards (probed with --probe)",
        options: [
            OptionSpec("probe", help: "try userfaultfd, discards and mount options on the running system (one page of a size at a time)"),
            OptionSpec("no-grow", help: "with --probe: never grow a pool by a page for the probe; skip sizes without a free page"),
        ] + formatOptions("text or json")),
    CommandSpec(
        name: "snapshot", synopsis: "snapshot [DIR] [--tar FILE]",
        summary: "capture every file hugectl reads into DIR and/or a tar FILE, for --root",
        options: [
            OptionSpec("tar", .required("FILE"), help: "write the snapshot as a tar archive FILE (as well as DIR, if given)"),
            OptionSpec("redact", help: "leave out command lines, file names and the host name (for bug reports)"),
        ]),
    CommandSpec(
        name: "help", synopsis: "help [COMMAND]",
        summary: "show help for hugectl or for a command",
        options: []),
]

/// `Columns (procs -v):` and the listing's columns, each with its help.
public func columnHelp<Row>(_ listing: Listing<Row>) -> String {
    "Columns (\(listing.name)):\n" + listing.helpText
}

