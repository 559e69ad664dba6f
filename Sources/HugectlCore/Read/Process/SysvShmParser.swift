/// One SysV shared memory segment from `/proc/sysvipc/shm` (`sysvipc_shm_proc_show`).
public struct SysvSegment: Equatable, Sendable {
    public var key: Int64
    public var shmid: Int
    public var sizeBytes: UInt64
    public var cpid: Int
    public var lpid: Int
    public var nattch: Int
    public var uid: Int
    /// Resident memory in bytes; for a hugetlb segment, its instantiated huge pages.
    public var rssBytes: UInt64?
}

public enum SysvShmParser {
    /// Columns are found by the header's names, so kernels that add columns still parse.
    public static func parse(_ bytes: Bytes) -> (segments: [SysvSegment], problems: [String]) {
        let lines = bytes.lines.filter { !$0.trimmed.isEmpty }
        guard let header = lines.first else { return ([], []) }
        let names = header.fields.map(\.text)
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        guard let keyAt = column("key"), let idAt = column("shmid"), let sizeAt = column("size"),
              let cpidAt = column("cpid"), let lpidAt = column("lpid"), let nattchAt = column("nattch"),
              let uidAt = column("uid") else {
            return ([], ["header: missing columns in '\(header.text.clipped)'"])
        }
        let rssAt = column("rss")
        var segments: [SysvSegment] = []
        var problems: [String] = []
        for (number, line) in lines.dropFirst().enumerated() {
            let fields = line.fields
            func number_(_ at: Int) -> UInt64? { at < fields.count ? fields[at].unsigned(radix: 10) : nil }
            // The key is printed signed (%10d).
            var keyField = keyAt < fields.count ? fields[keyAt] : []
            var negative = false
            if keyField.first == ASCII.dash { negative = true; keyField = keyField.dropFirst() }
            guard let keyMagnitude = keyField.unsigned(radix: 10), keyMagnitude <= UInt64(Int32.max) + 1,
                  let id = number_(idAt), let size = number_(sizeAt), let cpid = number_(cpidAt),
                  let lpid = number_(lpidAt), let nattch = number_(nattchAt), let uid = number_(uidAt),
                  id <= UInt64(Int.max), cpid <= UInt64(Int.max), lpid <= UInt64(Int.max),
                  nattch <= UInt64(Int.max), uid <= UInt64(Int.max) else {
                problems.append("line \(number + 2): malformed segment '\(line.text.clipped)'")
                continue
            }
            let key = negative ? -Int64(keyMagnitude) : Int64(keyMagnitude)
            segments.append(SysvSegment(
                key: key, shmid: Int(id), sizeBytes: size, cpid: Int(cpid), lpid: Int(lpid),
                nattch: Int(nattch), uid: Int(uid), rssBytes: rssAt.flatMap(number_)))
        }
        return (segments, problems)
    }
}
