/// The start time of a process from `/proc/PID/stat` (`do_task_stat` in fs/proc/array.c):
/// field 22, `starttime`, in clock ticks since boot. The name (field 2) is in parentheses and
/// may itself contain spaces and parentheses, so the fields are counted from the last `)`.
public enum ProcStatParser {
    /// Clock ticks since boot at which the process started; nil when the text is not what the
    /// kernel writes. Unlike a PID, it never repeats within a boot: a stable order of age.
    public static func startTime(_ bytes: Bytes) -> UInt64? {
        var close: Int?
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: ")") { close = index }
            index += 1
        }
        guard let close else { return nil }
        var fields: [Bytes] = []
        bytes[(close + 1)...].forEachField { fields.append($0) }
        // After the name: state is field 3, so starttime (22) is the 20th.
        guard fields.count >= 20, let value = fields[19].decimal else { return nil }
        return UInt64(value)
    }
}
