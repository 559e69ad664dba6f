/// Pages summed by page size, for the attribution's passes over every object or mapping: a
/// run of one size (a system has one or two sizes in use) adds to a running sum, and only a
/// change of size touches the dictionary. Hashing the size once per object was most of such a
/// pass over 60,000 objects.
struct PageSizeSums {
    private var sums: [Int: Int] = [:]
    private var run: (kB: Int, pages: Int)?

    mutating func add(_ pages: Int, kB: Int) {
        if let current = run, current.kB == kB {
            run = (kB, current.pages + pages)
            return
        }
        flush()
        run = (kB, pages)
    }

    /// The sums, by page size (a size added to only with 0 is listed, with 0).
    var bySize: [Int: Int] {
        var copy = self
        copy.flush()
        return copy.sums
    }

    private mutating func flush() {
        if let run { sums[run.kB, default: 0] += run.pages }
        run = nil
    }
}
