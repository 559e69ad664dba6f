/// A mounted hugetlbfs, from `/proc/mounts`, with `statfs(2)` usage when it could be had.
public struct HugetlbfsMount: Equatable, Sendable {
    public var path: String
    public var source: String
    /// `pagesize=`; the default huge page size when the option is absent.
    public var pageSizeKB: Int?
    /// `size=` (the subpool's maximum) in pages; nil when unlimited.
    public var sizeLimitPages: Int?
    /// `min_size=` in pages: reserved at mount time and kept until umount.
    public var minSizePages: Int?
    /// Pages the subpool counts as used (reserved or faulted), from statfs; nil when the mount
    /// has no `size=` limit (the kernel then reports no usage) or statfs was not available.
    public var usedPages: Int?
    /// The options as `/proc/mounts` lists them.
    public var options: String
    /// `nr_inodes=`: how many files the mount may hold; nil when unlimited.
    public var inodeLimit: Int?
    /// `mode=` of the mount's root directory (the kernel lists it only when not 0755), and
    /// `uid=`/`gid=` of its owner (listed only when not 0): hugetlbfs_show_options().
    public var mode: UInt32 = 0o755
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0

    public init(path: String, source: String, pageSizeKB: Int?, sizeLimitPages: Int?,
                minSizePages: Int?, usedPages: Int?, options: String) {
        self.path = path
        self.source = source
        self.pageSizeKB = pageSizeKB
        self.sizeLimitPages = sizeLimitPages
        self.minSizePages = minSizePages
        self.usedPages = usedPages
        self.options = options
    }
}
