#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HugectlCore

/// Mounts a hugetlbfs with one option at a time on a private temporary directory and unmounts
/// it at once: which options this kernel parses. No option used reserves or allocates a page
/// (`min_size=0`, `size=` of one page with nothing written). Root only (mount needs
/// CAP_SYS_ADMIN). The last option is made up, to show that unknown options are rejected
/// (otherwise "accepted" would mean nothing).
struct MountOptionProber {
    let budget: ProbeBudget

    static let bogusOption = "hugectl_no_such_option=1"

    static func options(sizes: [Int], defaultKB: Int?) -> [(String, Bool)] {
        var list = sizes.map { ("pagesize=" + PageSize.format(kB: $0), true) }
        let one = PageSize.format(kB: defaultKB ?? sizes.first ?? 2048)
        list += [("size=" + one, true), ("size=50%", true), ("min_size=0", true), ("nr_inodes=16", true),
                 ("mode=0700", true), ("uid=0", true), ("gid=0", true), (bogusOption, false)]
        return list
    }

    func probe(sizes: [Int], defaultKB: Int?) throws(ProbeFailure) -> [MountOptionProbe] {
        try budget.acquire("mkdtemp")
        var template = Array("/tmp/hugectl-probe-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw ProbeFailure(step: "mkdtemp", errno: .current) }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var removed = false
        defer { if !removed { rmdir(directory) } }
        var results: [MountOptionProbe] = []
        for (option, expected) in Self.options(sizes: sizes, defaultKB: defaultKB) {
            try budget.acquire("mount")
            let flags = UInt(MS_NOSUID) | UInt(MS_NODEV) | UInt(MS_NOEXEC)
            if mount("none", directory, "hugetlbfs", flags, option) == 0 {
                if umount2(directory, 0) != 0 && umount2(directory, Int32(MNT_DETACH)) != 0 {
                    // Left mounted: stop, and say where (the results so far are dropped).
                    throw ProbeFailure(step: "umount \(directory) (left mounted; run: umount \(directory))", errno: .current)
                }
                results.append(MountOptionProbe(option: option, expected: expected, result: .ok))
            } else {
                results.append(MountOptionProbe(option: option, expected: expected, result: .failed(.current)))
            }
        }
        removed = true
        if rmdir(directory) != 0 {
            throw ProbeFailure(step: "rmdir \(directory) (left behind)", errno: .current)
        }
        return results
    }
}
