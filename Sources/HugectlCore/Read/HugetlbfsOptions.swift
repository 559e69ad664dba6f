/// The options of one hugetlbfs mount, as hugetlbfs_show_options() (fs/hugetlbfs/inode.c)
/// lists them in `/proc/mounts`: `pagesize=` (a size), `size=` and `min_size=` (bytes, turned
/// into pages of the mount's page size, rounded down), `nr_inodes=` (decimal), `mode=`
/// (octal), `uid=` and `gid=` (decimal). An absent option is nil (the kernel's default). The
/// one parser of these options: `status` and `features` read a mount the same way, and a
/// value that does not parse is the same warning in both.
public struct HugetlbfsOptions: Equatable, Sendable {
    /// `pagesize=`, else the default page size.
    public var pageSizeKB: Int?
    public var sizePages: Int?
    public var minSizePages: Int?
    public var inodeLimit: Int?
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    /// `MOUNTPOINT: bad NAME 'VALUE'`, one per option that does not parse.
    public var problems: [String] = []

    public static func parse(_ entry: MountEntry, defaultPageSizeKB: Int?) -> HugetlbfsOptions {
        var result = HugetlbfsOptions()
        func bad(_ name: String, _ text: String) {
            result.problems.append("\(entry.mountPoint): bad \(name) '\(text.clipped)'")
        }
        result.pageSizeKB = defaultPageSizeKB
        if let option = entry.option("pagesize") {
            result.pageSizeKB = PageSize.parse(option)
            if result.pageSizeKB == nil { bad("pagesize", option) }
        }
        func pages(_ name: String) -> Int? {
            guard let text = entry.option(name), let bytes = ByteSize.parse(text),
                  let pageSize = result.pageSizeKB, pageSize > 0 else { return nil }
            return bytes / (pageSize * 1024)
        }
        result.sizePages = pages("size")
        result.minSizePages = pages("min_size")
        func number(_ name: String, radix: Int) -> UInt64? {
            guard let text = entry.option(name) else { return nil }
            guard let value = UInt64(text, radix: radix) else {
                bad(name, text)
                return nil
            }
            return value
        }
        result.inodeLimit = number("nr_inodes", radix: 10).flatMap { Int(exactly: $0) }
        result.mode = number("mode", radix: 8).map { UInt32(truncatingIfNeeded: $0 & 0o7777) }
        result.uid = number("uid", radix: 10).flatMap { UInt32(exactly: $0) }
        result.gid = number("gid", radix: 10).flatMap { UInt32(exactly: $0) }
        return result
    }
}
