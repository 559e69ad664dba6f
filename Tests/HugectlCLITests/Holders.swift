import Foundation
import Glibc

/// Why a holder could not be built, started or driven.
struct HolderError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The mapping kinds `Tests/holders/holder.c` creates (its `--kind` values).
enum HolderKind: String, Sendable {
    case anonShared = "anon-shared"
    case anonPrivate = "anon-private"
    case fileShared = "file-shared"
    case filePrivate = "file-private"
    case sysv = "sysv"
    case memfdShared = "memfd-shared"
    case memfdPrivate = "memfd-private"
}

/// Where the holder binary of this test run lives, removed again when the run exits.
nonisolated(unsafe) private var holderBuildDirectory: UnsafeMutablePointer<CChar>?

/// A running `holder` (Tests/holders/holder.c): one hugetlb mapping of 2M pages, held until
/// `stop()` or deinit, driven through its stdin. Its stdin and stdout are one socket whose other end only this
/// object holds, so if the test process dies the holder reads EOF and cleans up (the SysV
/// segment included).
final class Holder {
    /// The static holder binary, compiled once per test run.
    static let binary: Result<String, HolderError> = build()

    let pid: pid_t
    private let process: ChildProcess
    /// Start address of the mapping (where it was, after `--unmap-after-setup`).
    let addr: UInt
    /// The fork child, or 0.
    let childPid: pid_t
    /// The SysV segment id, or -1.
    let shmid: Int32
    /// How the holder ended, once stopped.
    private(set) var termination: ChildProcess.Termination?

    private var input: Int32
    private var output: Int32
    private var pending: [UInt8] = []

    /// `start` as /proc/PID/maps writes it: lowercase hex without 0x.
    var start: String { String(addr, radix: 16) }

    /// Starts a holder and waits up to `timeout` seconds for its `ready` line.
    init(kind: HolderKind, pages: Int, path: String? = nil, noreserve: Bool = false,
         prefault: Int = 0, fork: Bool = false, unmapAfterSetup: Bool = false,
         runAs uid: uid_t? = nil, timeout: Double = 10) throws {
        let binary = try Holder.binary.get()
        var arguments = ["--kind", kind.rawValue, "--pages", String(pages), "--prefault", String(prefault)]
        if let path { arguments += ["--path", path] }
        if noreserve { arguments.append("--noreserve") }
        if fork { arguments.append("--fork") }
        if unmapAfterSetup { arguments.append("--unmap-after-setup") }

        _ = Holder.ignoreSIGPIPE
        // runAs: the holder runs as that user (and its group), through setpriv, which execs it.
        let (program, argv) = uid.map { ("/usr/bin/setpriv", ["--reuid", "\($0)", "--regid", "\($0)", "--clear-groups", "--",
                                                               binary] + arguments) } ?? (binary, arguments)
        let (process, input, output) = try Holder.spawn(program, argv)
        let pid = process.pid
        // Until every property is set deinit will not run, so failures below clean up by hand.
        var buffer: [UInt8] = []
        let line: String
        do {
            line = try Holder.readLine(output, &buffer, timeout: timeout)
        } catch {
            Holder.reap(process, input: input, output: output, grace: 0, shmid: -1)
            throw error
        }
        guard line.hasPrefix("ready ") else {
            Holder.reap(process, input: input, output: output, grace: 2, shmid: -1)
            throw HolderError("holder \(arguments.joined(separator: " ")): \(line)")
        }
        var fields: [String: String] = [:]
        for field in line.split(separator: " ").dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let addr = fields["addr"].flatMap({ UInt($0, radix: 16) }),
              let child = fields["child"].flatMap({ pid_t($0) }),
              let shmid = fields["shmid"].flatMap({ Int32($0) }),
              fields["pid"].flatMap({ pid_t($0) }) == pid else {
            Holder.reap(process, input: input, output: output, grace: 2, shmid: -1)
            throw HolderError("holder: unexpected ready line: \(line)")
        }
        self.pid = pid
        self.process = process
        self.addr = addr
        self.childPid = child
        self.shmid = shmid
        self.input = input
        self.output = output
        self.pending = buffer
    }

    deinit {
        stop()
    }

    /// Write-faults pages `first..<last` in the holder. Stops at a SIGBUS.
    func touch(_ first: Int, _ last: Int, timeout: Double = 10) throws -> (touched: Int, sigbus: Bool) {
        try parseTouched(command("touch \(first) \(last)", timeout: timeout))
    }

    /// Write-faults pages `first..<last` in the holder's fork child.
    func childTouch(_ first: Int, _ last: Int, timeout: Double = 10) throws -> (touched: Int, sigbus: Bool) {
        try parseTouched(command("child-touch \(first) \(last)", timeout: timeout))
    }

    /// Sends one command line, returns the reply line.
    func command(_ text: String, timeout: Double = 10) throws -> String {
        guard termination == nil, input >= 0 else { throw HolderError("holder \(pid) already stopped") }
        let bytes = Array((text + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw HolderError("holder \(pid): write: \(String(cString: strerror(errno)))") }
        return try Holder.readLine(output, &pending, timeout: timeout)
    }

    /// Asks the holder to exit, waits up to `timeout` seconds, then kills it. Idempotent.
    func stop(timeout: Double = 5) {
        guard termination == nil else { return }
        if input >= 0 {
            _ = "exit\n".withCString { write(input, $0, 5) }
        }
        termination = Holder.reap(process, input: input, output: output, grace: timeout, shmid: shmid)
        input = -1
        output = -1
    }

    /// True when the holder has exited (and was reaped) with status 0.
    var exitedCleanly: Bool {
        guard let termination else { return false }
        return termination.exited && termination.status == 0
    }

    private func parseTouched(_ line: String) throws -> (touched: Int, sigbus: Bool) {
        // "touched n=<count> sigbus=<0|1>"
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "touched", parts[1].hasPrefix("n="), parts[2].hasPrefix("sigbus="),
              let n = Int(parts[1].dropFirst(2)), let bus = Int(parts[2].dropFirst(7)) else {
            throw HolderError("holder \(pid): \(line)")
        }
        return (n, bus != 0)
    }

    // MARK: process plumbing

    static let ignoreSIGPIPE: Void = {
        // A write to a holder that died must fail with EPIPE, not kill the test process.
        signal(SIGPIPE, SIG_IGN)
    }()

    private static func spawn(_ binary: String, _ arguments: [String]) throws -> (ChildProcess, Int32, Int32) {
        // One socket pair serves as the holder's stdin and stdout. SOCK_CLOEXEC, set atomically:
        // no other child of the test process may inherit our end, or EOF would not come.
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw HolderError("socketpair: \(String(cString: strerror(errno)))")
        }
        defer { close(pair[1]) }
        do {
            let process = try ChildProcess(binary, arguments, stdin: .descriptor(pair[1]), stdout: .descriptor(pair[1]),
                                           stderr: .inherit)
            return (process, pair[0], pair[0])
        } catch {
            close(pair[0])
            throw HolderError("spawning \(binary): \(error)")
        }
    }

    /// Reads one line from `fd`, buffering what follows it.
    private static func readLine(_ fd: Int32, _ buffer: inout [UInt8], timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw HolderError("holder: no reply within \(timeout)s") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(remaining * 1000, 1000)) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw HolderError("poll: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HolderError("read: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                let rest = String(decoding: buffer, as: UTF8.self)
                throw HolderError("holder closed its output" + (rest.isEmpty ? "" : ": \(rest)"))
            }
            buffer += chunk[..<n]
        }
    }

    /// Closes our ends, waits up to `grace` seconds for the holder to exit, then SIGKILLs and
    /// reaps it. A killed holder could not remove its SysV segment, so that is done here.
    @discardableResult
    private static func reap(_ process: ChildProcess, input: Int32, output: Int32, grace: Double,
                             shmid: Int32) -> ChildProcess.Termination {
        // EOF on the holder's stdin: it cleans up and exits.
        if input >= 0 { shutdown(input, Int32(SHUT_WR)) }
        let (termination, killed) = process.waitOrKill(after: grace)
        if input >= 0 { close(input) }
        if output >= 0 && output != input { close(output) }
        // The fork child has PR_SET_PDEATHSIG(SIGKILL), so it dies with a killed holder.
        if killed && shmid >= 0 { shmctl(shmid, IPC_RMID, nil) }
        return termination
    }

    private static func build() -> Result<String, HolderError> {
        var source = URL(fileURLWithPath: #filePath)
        source.deleteLastPathComponent()
        source.deleteLastPathComponent()
        let sourcePath = source.path + "/holders/holder.c"
        let dir = NSTemporaryDirectory() + "hugectl-holder-" + UUID().uuidString
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            holderBuildDirectory = strdup(dir)
            atexit {
                if let dir = holderBuildDirectory {
                    let path = String(cString: dir)
                    unlink(path + "/holder")
                    rmdir(path)
                }
            }
            let binary = dir + "/holder"
            let r = try run("/usr/bin/env", ["gcc", "-O1", "-Wall", "-Werror", "-static", "-o", binary, sourcePath])
            guard r.status == 0 else { return .failure(HolderError("gcc \(sourcePath) failed:\n\(r.stderr)")) }
            return .success(binary)
        } catch {
            return .failure(HolderError("building \(sourcePath): \(error)"))
        }
    }
}

/// `resv_hugepages` of the 2M pool: the kernel's count of reserved, not yet faulted pages.
func kernelReserved2M() throws -> Int {
    try readSys("/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages")
}

/// `free_hugepages` of the 2M pool (reserved pages included).
func kernelFree2M() throws -> Int {
    try readSys("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
}

/// Pages of the 2M pool in use: `nr_hugepages` - `free_hugepages`.
func inUse2M() throws -> Int {
    try readSys("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") - kernelFree2M()
}

/// One VMA from /proc/PID/smaps, as the kernel reports it.
struct SmapsVMA {
    var start: String
    var end: String
    var perms: String
    var device: String
    var inode: Int
    var path: String
    var sizeKB: Int
    var kernelPageSizeKB: Int
    var sharedHugetlbKB: Int
    var privateHugetlbKB: Int
    var vmFlags: [String]

    /// Huge pages mapped in this process (smaps' two Hugetlb fields).
    var mappedPages2M: Int { (sharedHugetlbKB + privateHugetlbKB) / 2048 }
    var pages2M: Int { sizeKB / 2048 }
}

/// The VMA of `pid` starting at `start` (hex, as in maps), read from /proc/PID/smaps.
func smapsVMA(pid: pid_t, start: String) throws -> SmapsVMA? {
    let text = try readWholeFile("/proc/\(pid)/smaps")
    var current: SmapsVMA?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first else { continue }
        if let dash = first.firstIndex(of: "-"), !first.hasSuffix(":") {
            if current != nil { break }   // the entry wanted is complete
            guard first[..<dash] == start, fields.count >= 5 else { continue }
            current = SmapsVMA(
                start: String(first[..<dash]), end: String(first[first.index(after: dash)...]),
                perms: String(fields[1]), device: String(fields[3]), inode: Int(fields[4]) ?? -1,
                path: fields.count > 5 ? fields[5...].joined(separator: " ") : "",
                sizeKB: 0, kernelPageSizeKB: 0, sharedHugetlbKB: 0, privateHugetlbKB: 0, vmFlags: [])
            continue
        }
        guard current != nil else { continue }
        let value = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
        switch first {
        case "Size:": current?.sizeKB = value
        case "KernelPageSize:": current?.kernelPageSizeKB = value
        case "Shared_Hugetlb:": current?.sharedHugetlbKB = value
        case "Private_Hugetlb:": current?.privateHugetlbKB = value
        case "VmFlags:": current?.vmFlags = fields.dropFirst().map(String.init)
        default: break
        }
    }
    return current
}

/// All of a file, read to EOF. (`String(contentsOfFile:)` stops after the first page of a
/// /proc file, whose size reads as 0.)
func readWholeFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        if n == 0 { break }
        data += chunk[..<n]
    }
    return String(decoding: data, as: UTF8.self)
}
