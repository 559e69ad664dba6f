/// `hugectl procs --json`: the status document's `processes` (filtered as asked) and `scan`,
/// under the same schema version and key names.
public enum ProcsJSON {
    public static func document(_ report: StatusReport, processes: [HugetlbProcess]) -> JSON {
        let members: [(String, JSON)] = [
            ("schema_version", .int(StatusJSON.schemaVersion)),
            ("hugectl_version", .string(HugectlVersion.current)),
            ("root", .string(report.snapshot.root)),
            ("kernel_release", .string(report.snapshot.kernelRelease)),
            ("processes", .array(processes.map(StatusJSON.process))),
            ("scan", StatusJSON.scan(report.consumers.scan)),
            ("warnings", .array(report.snapshot.warnings.map { .string($0) })),
        ]
        return Vocabulary.addingNewNames(.object(DocumentEnvelope(report.snapshot).completing(members)), .procs)
    }
}
