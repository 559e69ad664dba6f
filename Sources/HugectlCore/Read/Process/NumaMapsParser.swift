#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A memory policy as `/proc/PID/numa_maps` prints it (`mpol_to_str` in mm/mempolicy.c):
/// `default`, `local`, `prefer:0`, `prefer (many):0-1`, `bind:0-1`, `interleave:0-1`,
/// `weighted interleave:0-1`, with flags after `=` (`static`, `relative`, `balancing`,
/// joined by `|`) and the nodes after `:`.
public struct MemoryPolicy: Hashable, Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case `default`, local, preferred, preferredMany = "preferred_many", bind, interleave
        case weightedInterleave = "weighted_interleave"

        /// The word numa_maps prints, longest first so `prefer (many)` wins over `prefer`.
        static let printed: [(String, Mode)] = [
            ("weighted interleave", .weightedInterleave), ("prefer (many)", .preferredMany),
            ("interleave", .interleave), ("default", .default), ("prefer", .preferred),
            ("local", .local), ("bind", .bind),
        ]
    }

    public var mode: Mode
    public var nodes: [Int]
    public var flags: [String]

    public init(mode: Mode, nodes: [Int] = [], flags: [String] = []) {
        self.mode = mode
        self.nodes = nodes
        self.flags = flags
    }

    /// The policy as numa_maps wrote it, for display: `bind:0-1`.
    public var text: String {
        let word = Mode.printed.first { $0.1 == mode }?.0 ?? mode.rawValue
        var out = word
        if !flags.isEmpty { out += "=" + flags.joined(separator: "|") }
        if !nodes.isEmpty { out += ":" + NodeList.format(nodes) }
        return out
    }
}

/// One line of `/proc/PID/numa_maps` (`show_numa_map` in fs/proc/task_mmu.c).
public struct NumaMapsEntry: Equatable, Sendable {
    public var start: UInt64
    public var policy: MemoryPolicy
    public var huge: Bool
    /// Pages by node (`N<node>=<pages>`), counted in the mapping's page size.
    public var nodePages: [Int: Int]
    public var anon: Int
    public var dirty: Int
    public var mapped: Int
    public var mapmax: Int
    public var kernelPageSizeKB: Int?
}

public enum NumaMapsParser {
    /// The entries of a whole numa_maps file (with `onlyStarts`, only those starting there),
    /// and lines that made no sense. The whole text at once: `EntryScan` fed with one piece.
    public static func parse(_ bytes: Bytes, onlyStarts: Set<UInt64>? = nil)
        -> (entries: [NumaMapsEntry], problems: [String]) {
        var scan = EntryScan(starts: onlyStarts.map { StartSet($0) })
        scan.feed(bytes)
        return scan.result
    }

    /// `parse` over a numa_maps file read in pieces (`SystemSource.readLines`): feed the
    /// pieces in order, each ending at a line boundary (the last may lack its newline), then
    /// take `result`. Any such split gives what `parse` gives for the whole text, line numbers
    /// included; only the entries asked for are kept, never the text.
    public struct EntryScan {
        /// The starts asked for (`onlyStarts`); nil for every line.
        private var filter: StartSet?
        private var entries: [NumaMapsEntry] = []
        private var problems: [String] = []
        /// The start address of each problem's line, nil for a line without one.
        private var problemStarts: [UInt64?] = []
        /// Lines seen so far, empty ones included.
        public private(set) var lineCount = 0
        /// The last policy parsed and its bytes, and the last line's `N<node>=` pairs and the
        /// dictionary made of them: the VMAs of one process mostly share both, and sharing
        /// saves an allocation or three per line.
        private var lastPolicyBytes: [UInt8] = []
        private var lastPolicy: MemoryPolicy?
        private var pairs: [(node: Int, pages: Int)] = []
        private var lastPairs: [(node: Int, pages: Int)] = []
        private var lastNodePages: [Int: Int] = [:]

        public init(onlyStarts: Set<UInt64>? = nil) {
            self.init(starts: onlyStarts.map { StartSet($0) })
        }

        /// Only the lines starting at one of `starts` (every line when nil).
        public init(starts: StartSet?) {
            filter = starts
        }

        public var result: (entries: [NumaMapsEntry], problems: [String]) { (entries, problems) }

        /// The first problem a scan asked for `starts` only would have met: that of a line
        /// without a start address, or of one starting at one of `starts`. A scan asked for
        /// more starts (a process's every candidate mapping, before smaps said which are
        /// hugetlb) then reports what one asked for the hugetlb VMAs would. `starts` is made
        /// only when there is a problem.
        public func firstProblem(among starts: () -> StartSet) -> String? {
            guard !problems.isEmpty else { return nil }
            let asked = starts()
            return zip(problems, problemStarts).first { $0.1.map(asked.contains) ?? true }?.0
        }

        public mutating func feed(_ piece: Bytes) {
            piece.forEachLine { line in take(line) }
        }

        private mutating func take(_ line: Bytes) {
            lineCount += 1
            guard !line.isEmpty else { return }
            let number = lineCount
            guard let space = line.firstIndex(of: ASCII.space),
                  let start = line[line.startIndex..<space].unsigned(radix: 16) else {
                problems.append("line \(number): malformed '\(line.text.clipped)'")
                problemStarts.append(nil)
                return
            }
            if filter != nil && filter?.index(of: start) == nil { return }
            let rest = line[(space + 1)...]
            guard let (policy, afterPolicy) = policy(rest) else {
                problems.append("line \(number): unknown policy in '\(line.text.clipped)'")
                problemStarts.append(start)
                return
            }
            var entry = NumaMapsEntry(start: start, policy: policy, huge: false, nodePages: [:], anon: 0,
                                      dirty: 0, mapped: 0, mapmax: 0, kernelPageSizeKB: nil)
            pairs.removeAll(keepingCapacity: true)
            rest[afterPolicy...].withUnsafeBufferPointer { readFields($0, into: &entry) }
            entry.nodePages = nodePages()
            entries.append(entry)
        }

        /// The `key=value` fields and `huge` after the policy, read where they lie (about
        /// nine a line): `N<node>=` pairs into `pairs`, the counts into `entry`. A field that
        /// is not one of these, a `file=` one, or one whose value is not a decimal below
        /// `SmapsParser.addressSpaceKB` (counts past a 64-bit address space's worth of pages
        /// are corruption, skipped so that sums of them downstream stay in range) is passed over.
        private mutating func readFields(_ text: UnsafeBufferPointer<UInt8>, into entry: inout NumaMapsEntry) {
            let count = text.count
            var index = 0
            while index < count {
                while index < count && ASCII.isSpace(text[index]) { index += 1 }
                let start = index
                var equals = -1
                while index < count && !ASCII.isSpace(text[index]) {
                    if equals < 0 && text[index] == ASCII.equals { equals = index }
                    index += 1
                }
                if start == index { break }
                let token = UnsafeBufferPointer(rebasing: text[start..<index])
                guard equals >= 0 else {
                    if Self.equals(token, "huge") { entry.huge = true }
                    continue
                }
                let key = UnsafeBufferPointer(rebasing: text[start..<equals])
                if Self.hasPrefix(key, "file") { continue }
                guard let value = Self.decimal(UnsafeBufferPointer(rebasing: text[(equals + 1)..<index])),
                      value < SmapsParser.addressSpaceKB else { continue }
                if key.count > 1 && key[0] == 0x4E /* N */ {
                    if let node = Self.decimal(UnsafeBufferPointer(rebasing: key[1...])), node <= NodeList.maximum {
                        pairs.append((node, value))
                        continue
                    }
                }
                if Self.equals(key, "anon") { entry.anon = value }
                else if Self.equals(key, "dirty") { entry.dirty = value }
                else if Self.equals(key, "mapped") { entry.mapped = value }
                else if Self.equals(key, "mapmax") { entry.mapmax = value }
                else if Self.equals(key, "kernelpagesize_kB") { entry.kernelPageSizeKB = value }
            }
        }

        private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
            let length = text.utf8CodeUnitCount
            guard bytes.count >= length, let base = bytes.baseAddress else { return false }
            return text.withUTF8Buffer { memcmp($0.baseAddress!, base, length) == 0 }
        }

        private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
            bytes.count == text.utf8CodeUnitCount && hasPrefix(bytes, text)
        }

        /// `Bytes.decimal` over a buffer: digits only, no overflow past `Int.max`.
        private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
            guard !bytes.isEmpty else { return nil }
            var value = 0
            for byte in bytes {
                guard ASCII.isDigit(byte) else { return nil }
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = shifted.addingReportingOverflow(Int(byte &- ASCII.zero))
                if overflowA || overflowB { return nil }
                value = sum
            }
            return value
        }

        /// `pairs` as a dictionary (a later pair of a node wins), the last line's when equal.
        private mutating func nodePages() -> [Int: Int] {
            if pairs.isEmpty { return [:] }
            if !pairs.elementsEqual(lastPairs, by: { $0 == $1 }) {
                lastNodePages = [:]
                for (node, pages) in pairs { lastNodePages[node] = pages }
                swap(&pairs, &lastPairs)
            }
            return lastNodePages
        }

        /// `parsePolicy`, or the last line's policy when `rest` starts with the same bytes and
        /// a word boundary. Not for `prefer`, a prefix of `prefer (many)`.
        private mutating func policy(_ rest: Bytes) -> (MemoryPolicy, Int)? {
            let count = lastPolicyBytes.count
            if let lastPolicy, count > 0, rest.count >= count,
               rest.withUnsafeBufferPointer({ text in
                   lastPolicyBytes.withUnsafeBufferPointer { memcmp(text.baseAddress!, $0.baseAddress!, count) == 0 }
               }),
               rest.count == count || rest[rest.startIndex + count] == ASCII.space {
                return (lastPolicy, rest.startIndex + count)
            }
            guard let (policy, after) = NumaMapsParser.parsePolicy(rest) else { return nil }
            lastPolicy = policy.mode == .preferred ? nil : policy
            lastPolicyBytes.removeAll(keepingCapacity: true)
            lastPolicyBytes.append(contentsOf: rest[rest.startIndex..<after])
            return (policy, after)
        }
    }

    /// The policy at the start of `text` and where the rest begins. Policy words can contain
    /// spaces, so known prefixes are matched rather than splitting on white space.
    /// `MemoryPolicy.Mode.printed` as bytes, made once rather than for every line.
    private static let printedBytes: [([UInt8], MemoryPolicy.Mode)] =
        MemoryPolicy.Mode.printed.map { (Array($0.0.utf8), $0.1) }

    static func parsePolicy(_ text: Bytes) -> (MemoryPolicy, Int)? {
        for (wordBytes, mode) in printedBytes {
            guard text.count >= wordBytes.count,
                  text.prefix(wordBytes.count).elementsEqual(wordBytes) else { continue }
            var index = text.startIndex + wordBytes.count
            // "prefer" must not swallow "prefer (many)": the next byte ends the word.
            if index < text.endIndex && ![ASCII.space, ASCII.equals, ASCII.colon].contains(text[index]) { continue }
            var policy = MemoryPolicy(mode: mode)
            if index < text.endIndex && text[index] == ASCII.equals {
                let flagStart = index + 1
                var flagEnd = flagStart
                while flagEnd < text.endIndex && text[flagEnd] != ASCII.colon && text[flagEnd] != ASCII.space { flagEnd += 1 }
                policy.flags = text[flagStart..<flagEnd].split(on: 0x7C /* | */).map(\.text).filter { !$0.isEmpty }
                index = flagEnd
            }
            if index < text.endIndex && text[index] == ASCII.colon {
                let nodeStart = index + 1
                var nodeEnd = nodeStart
                while nodeEnd < text.endIndex && text[nodeEnd] != ASCII.space { nodeEnd += 1 }
                guard case .success(let nodes) = NodeList.parse(text[nodeStart..<nodeEnd], maximum: NodeList.maximumNode) else { return nil }
                policy.nodes = nodes
                index = nodeEnd
            }
            return (policy, index)
        }
        return nil
    }
}
