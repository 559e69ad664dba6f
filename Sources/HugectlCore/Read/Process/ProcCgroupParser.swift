/// `/proc/PID/cgroup` (`proc_cgroup_show` in kernel/cgroup/cgroup.c): one line per hierarchy,
/// `ID:CONTROLLERS:PATH`. cgroup2 is `0::/path`; a v1 hierarchy lists its controllers
/// (`5:hugetlb:/path`, or several: `7:cpu,cpuacct:/`). The path is relative to the hierarchy's
/// root as the reader's cgroup namespace sees it, and may end in ` (deleted)` for a removed
/// cgroup a task still charges.
public enum ProcCgroup {
    /// The cgroup whose hugetlb counters the process's faults charge: the v1 hierarchy that has
    /// the `hugetlb` controller when there is one (a controller bound to v1 is off cgroup2),
    /// else the cgroup2 line. nil when neither line is there (no cgroup support).
    public static func hugetlbPath(_ bytes: Bytes) -> (path: String, version: Int)? {
        var v2: String?
        for line in bytes.lines where !line.isEmpty {
            let parts = line.split(on: ASCII.colon)
            // The path itself may hold colons: everything after the second one.
            guard parts.count >= 3, let first = parts.first, let idEnd = line.firstIndex(of: ASCII.colon) else { continue }
            let afterID = line[(idEnd + 1)...]
            guard let controllersEnd = afterID.firstIndex(of: ASCII.colon) else { continue }
            let controllers = line[afterID.startIndex..<controllersEnd].text
            let path = line[(controllersEnd + 1)...].text
            guard path.hasPrefix("/") else { continue }
            if controllers.split(separator: ",").contains("hugetlb") { return (path, 1) }
            if first.equals("0") && controllers.isEmpty { v2 = path }
        }
        return v2.map { ($0, 2) }
    }
}
