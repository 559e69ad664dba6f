/// The fields hugectl uses from `/proc/PID/status` (`proc_pid_status` in fs/proc/array.c).
public struct ProcStatus: Equatable, Sendable {
    public var name: String?
    public var ppid: Int?
    /// Real user ID (first of the four `Uid:` fields).
    public var uid: Int?
    public var memsAllowed: [Int]?
    public var cpusAllowed: [Int]?
    /// Faulted huge pages of all sizes, in kB (`HugetlbPages:`).
    public var hugetlbPagesKB: Int?
    /// `Kthread: 1` (Linux 6.7 and later write it for every task: 1 for a kernel thread).
    public var kernelThread: Bool?
    /// A `VmSize:` line: the kernel writes the `Vm*` lines only for a task with an mm
    /// (`task_mem`); kernel threads and zombies have none, and no hugetlb memory.
    public var hasMemoryLines = false
    public var problems: [String] = []

    /// Name, PPid and Uid, which the kernel always writes, are all there and nothing was
    /// malformed: otherwise the file is not what `proc_pid_status` writes.
    public var isWellFormed: Bool { problems.isEmpty && name != nil && ppid != nil && uid != nil }

    /// A task without an mm: a kernel thread (or a zombie), which cannot hold hugetlb memory.
    public var hasNoMemory: Bool { kernelThread == true || (name != nil && !hasMemoryLines) }

    public static func parse(_ bytes: Bytes) -> ProcStatus {
        var status = ProcStatus()
        for (number, line) in bytes.lines.enumerated() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ASCII.colon) else { continue }
            let key = line[line.startIndex..<colon]
            let value = line[(colon + 1)...]
            func note(_ what: String) { status.problems.append("line \(number + 1): \(key.text): \(what)") }
            if key.equals("Name") {
                // The kernel escapes the name (\n, \\) itself; a tab starts the value.
                var raw = value
                if raw.first == ASCII.tab { raw = raw.dropFirst() }
                status.name = raw.text
            } else if key.equals("PPid") {
                if let n = value.trimmed.decimal { status.ppid = n } else { note("not a number") }
            } else if key.equals("Uid") {
                if let n = value.fields.first?.decimal { status.uid = n } else { note("not a number") }
            } else if key.equals("Mems_allowed_list") {
                switch NodeList.parse(value, maximum: NodeList.maximumNode) {
                case .success(let list): status.memsAllowed = list
                case .failure(let problem): note(problem.description)
                }
            } else if key.equals("Cpus_allowed_list") {
                switch NodeList.parse(value) {
                case .success(let list): status.cpusAllowed = list
                case .failure(let problem): note(problem.description)
                }
            } else if key.equals("Kthread") {
                if let n = value.trimmed.decimal { status.kernelThread = n == 1 } else { note("not a number") }
            } else if key.equals("VmSize") {
                status.hasMemoryLines = true
            } else if key.equals("HugetlbPages") {
                if let n = value.fields.first?.decimal { status.hugetlbPagesKB = n } else { note("not a number") }
            }
        }
        return status
    }
}

/// `/proc/PID/cmdline`: NUL-separated arguments, shown joined by spaces.
public enum CommandLineParser {
    public static func parse(_ bytes: Bytes) -> String {
        var parts = bytes.split(on: 0).map(\.text)
        while parts.last?.isEmpty == true { parts.removeLast() }
        return parts.joined(separator: " ")
    }
}
