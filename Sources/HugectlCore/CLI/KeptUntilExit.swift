/// What a one-shot command keeps until `exit(3)` (its report, its output) rather than
/// destroying it value by value as it goes out of scope: the process's end returns the memory
/// at once, where the teardown of a report of 60,000 hugetlb VMAs took 3-5% of a run (perf,
/// `check --json`). Never for a watching command: its rounds would pile up.
public enum KeptUntilExit {
    /// Touched by one thread only: the command's, before `exit` (and one test).
    nonisolated(unsafe) private static var values: [Any] = []

    /// `value`, kept when `keeping`.
    @discardableResult
    public static func keep<Value>(_ value: Value, if keeping: Bool = true) -> Value {
        if keeping { values.append(value) }
        return value
    }
}
