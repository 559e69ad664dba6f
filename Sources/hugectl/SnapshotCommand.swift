#if canImport(Glibc)
import Glibc
#endif
import HugectlCLI
import HugectlCore

/// `hugectl snapshot [DIR] [--tar FILE]`.
func runSnapshot(_ invocation: Invocation) -> ExitStatus {
    let positionals = invocation.arguments.positionals
    let tarPath = invocation.arguments.value("tar")
    if positionals.count > 1 {
        return usageFailure(UsageError("unexpected argument '\(positionals[1])'"), command: invocation.command)
    }
    let directory = positionals.first
    if directory == nil && tarPath == nil {
        return usageFailure(UsageError("snapshot needs a directory, --tar FILE, or both"), command: invocation.command)
    }
    guard let source = invocation.openRoot() else { return .systemUnreadable }
    let result: SnapshotCapture.Result
    do {
        result = try SnapshotCapture.capture(from: source, redact: invocation.arguments.has("redact"))
    } catch {
        Terminal.error(ReadDiagnostics.unreadable(error, source: source))
        return .systemUnreadable
    }
    sayWarnings(result.warnings, source: source)
    do {
        if let directory {
            try SnapshotWriter.write(result.contents, to: directory)
            Terminal.out("snapshot written to \(directory); analyse it with: hugectl --root \(directory) status\n", color: false)
        }
        if let tarPath {
            let top = TarArchive.topDirectory(for: tarPath)
            let archive = try TarArchive.archive(result.contents, topDirectory: top, mtime: Int(time(nil)))
            try TarArchive.write(archive, to: tarPath)
            Terminal.out("snapshot archived in \(tarPath); unpack it with 'tar -xf \(tarPath)' and run: hugectl --root \(top) status\n", color: false)
        }
    } catch {
        Terminal.error(error.description)
        return .systemUnreadable
    }
    return .success
}
