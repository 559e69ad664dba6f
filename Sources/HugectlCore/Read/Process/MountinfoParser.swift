/// The hugetlbfs lines of `/proc/PID/mountinfo` (`show_mountinfo` in fs/proc_namespace.c):
/// `id parent major:minor root mountpoint options [optional...] - fstype source superopts`.
/// Only mountinfo carries the superblock's device number, which is what `/proc/PID/maps`
/// shows for a file on that mount.
public struct MountinfoEntry: Equatable, Sendable {
    public var device: DeviceNumber
    public var mountPoint: String
    public var fsType: String
    public var superOptions: String
}

public enum MountinfoParser {
    public static func parse(_ bytes: Bytes) -> (entries: [MountinfoEntry], problems: [String]) {
        var entries: [MountinfoEntry] = []
        var problems: [String] = []
        for (number, line) in bytes.lines.enumerated() where !line.isEmpty {
            let fields = line.fields
            guard fields.count >= 7, let dash = fields.firstIndex(where: { $0.equals("-") }),
                  dash >= 6, dash + 2 < fields.count,
                  let device = DeviceNumber.parse(fields[2], hexadecimal: false) else {
                problems.append("line \(number + 1): malformed '\(line.text.clipped)'")
                continue
            }
            entries.append(MountinfoEntry(
                device: device, mountPoint: unescapeOctal(fields[4]), fsType: fields[dash + 1].text,
                superOptions: dash + 3 < fields.count ? fields[dash + 3].text : ""))
        }
        return (entries, problems)
    }
}
