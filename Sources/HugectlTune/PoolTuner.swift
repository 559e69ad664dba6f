#if canImport(Glibc)
import Glibc
#endif
import HugectlCore

/// What a pool change achieved: read back from sysfs after the writes, never assumed.
public struct PoolResult: Sendable {
    public struct Row: Equatable, Sendable {
        public var scope: PoolChange.Scope
        public var before: Int?
        /// nil for rows that were not written (nodes shown for context).
        public var asked: Int?
        public var got: Int?
    }

    public var change: PoolChange
    public var rows: [Row]
    public var overcommitAfter: Int?
    /// The write that failed, if one did (the writes after it were not made).
    public var failedWrite: ReadError?
    public var compacted: Bool

    /// Scopes that got fewer pages than asked (the kernel stops at the first page it cannot
    /// allocate and the write still succeeds: `set_max_huge_pages`).
    public var shortfalls: [Row] {
        rows.filter { row in
            guard let asked = row.asked, let got = row.got else { return false }
            return got < asked
        }
    }

    public var succeeded: Bool {
        failedWrite == nil && shortfalls.isEmpty && (change.overcommit.map { $0.asked == overcommitAfter } ?? true)
    }
}

public enum PoolTuner {
    /// Makes the writes of `change`, reading the pool back after them. When the kernel gives
    /// fewer pages than asked and `compact` is set, asks for memory compaction
    /// (`/proc/sys/vm/compact_memory`) and writes again until `wait` seconds have passed.
    public static func apply(_ change: PoolChange, source: SystemSource, writer: SysfsWriter,
                             compact: Bool, wait: Double, before: SystemSnapshot) -> PoolResult {
        var failed: ReadError?
        func writeAll() {
            for write in change.writes {
                do {
                    try writer.write(write.value, to: write.path)
                } catch {
                    failed = error
                    return
                }
            }
        }
        writeAll()
        var result = readBack(change, source: source, before: before, failed: failed, compacted: false)
        if failed == nil && !result.shortfalls.isEmpty && compact {
            var waited = 0.0
            repeat {
                try? writer.write(1, to: KernelPath.compactMemory)
                writeAll()
                result = readBack(change, source: source, before: before, failed: failed, compacted: true)
                if result.shortfalls.isEmpty || failed != nil { break }
                usleep(200_000)
                waited += 0.2
            } while waited < wait
        }
        return result
    }

    static func readBack(_ change: PoolChange, source: SystemSource, before: SystemSnapshot,
                         failed: ReadError?, compacted: Bool) -> PoolResult {
        let after = try? SnapshotCollector.collect(from: source, scanProcesses: false)
        let oldPool = before.pool(kB: change.pageSizeKB)
        let newPool = after?.pool(kB: change.pageSizeKB)
        var rows: [PoolResult.Row] = []
        let globalAsked = change.targets.first { $0.scope == .global }?.asked
        rows.append(.init(scope: .global, before: oldPool?.total, asked: globalAsked, got: newPool?.total))
        let nodes = Set((oldPool?.nodes ?? []).map(\.node)).union((newPool?.nodes ?? []).map(\.node)).sorted()
        for node in nodes {
            let asked = change.targets.first { $0.scope == .node(node) }?.asked
            rows.append(.init(scope: .node(node), before: oldPool?.nodes.first { $0.node == node }?.total,
                              asked: asked, got: newPool?.nodes.first { $0.node == node }?.total))
        }
        // With per-node targets, the global total is what they add up to.
        if globalAsked == nil && change.targets.contains(where: { $0.scope != .global }) {
            rows[0].asked = change.targets.reduce(oldPool?.total ?? 0) { $0.addingClamped($1.asked - $1.before) }
        }
        return PoolResult(change: change, rows: rows, overcommitAfter: newPool?.overcommit, failedWrite: failed,
                          compacted: compacted)
    }
}
