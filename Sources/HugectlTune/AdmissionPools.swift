import HugectlCore

/// `hugectl admit --pools SIZE=COUNT`: the pool change an admission is asked about, made on
/// a snapshot as the kernel would make it. The one place the admission changes pools (to be
/// routed through a shared pool-delta model when there is one).
public enum AdmissionPools {
    /// `2M=0:8,1:12` (per node), `2M=16`, `2M=+4`, `1G=-2`: `hugectl pool set`'s counts.
    public static func parse(_ text: String, snapshot: SystemSnapshot) throws(InputError) -> PoolRequest {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw InputError("bad --pools '\(text)' (write SIZE=COUNT or SIZE=NODE:PAGES,..., e.g. 2M=0:8,1:12)")
        }
        let kB = try PoolRequest.parseSize(String(text[..<equals]), snapshot: snapshot)
        let count = try PoolRequest.parseCount(String(text[text.index(after: equals)...]))
        return PoolRequest(pageSizeKB: kB, count: count)
    }

    /// The snapshot after the writes of `requests`, in order (`OwedPagesCheck.applied`: a
    /// shrink frees only free unreserved pages, a per-node write only that node's; growth is
    /// assumed allocated in full). What the change breaks is for the analysis to say, so the
    /// shrink checks of `pool set` are not applied here.
    public static func applying(_ requests: [PoolRequest], to snapshot: SystemSnapshot) throws(InputError) -> SystemSnapshot {
        var changed = snapshot
        let withMemory = snapshot.nodes.filter(\.hasMemory).map(\.node)
        for request in requests {
            guard let pool = changed.pool(kB: request.pageSizeKB) else {
                throw InputError("this system has no \(PageSize.format(kB: request.pageSizeKB)) pool")
            }
            do {
                let change = try PoolChange.plan(request, pool: pool, nodesWithMemory: withMemory.isEmpty ? [0] : withMemory, force: true)
                changed = OwedPagesCheck.applied(change, to: changed)
            } catch {
                throw InputError("--pools: \(error.message)")
            }
        }
        return changed
    }
}

/// The whole admission use case: read the system (with the cgroups the specs name), make the
/// pool change, evaluate the mappings.
public enum AdmissionRun {
    public enum Failure: Error, Sendable {
        case usage(InputError)
        case unreadable(ReadError)
    }

    /// `texts` (`SIZE=N[@POLICY]`) with the options of `template`, their page sizes those of
    /// the system read; the hugetlb cgroup of `--cgroup` is read as well.
    public static func run(source: SystemSource, texts: [String], template: AdmissionSpec, pools: [String],
                           threshold: Finding.Severity) throws(Failure) -> AdmissionOutcome {
        let snapshot: SystemSnapshot
        do {
            snapshot = try SnapshotCollector.collect(from: source, cgroups: Set([template.cgroup].compactMap { $0 }))
        } catch {
            throw .unreadable(error)
        }
        do {
            let wanted = try AdmissionSpec.parseAll(texts, template: template) { (size: String) throws(InputError) -> Int in
                try PoolRequest.parseSize(size, snapshot: snapshot)
            }
            var pooled: SystemSnapshot?
            if !pools.isEmpty {
                var requests: [PoolRequest] = []
                for text in pools { requests.append(try AdmissionPools.parse(text, snapshot: snapshot)) }
                pooled = try AdmissionPools.applying(requests, to: snapshot)
            }
            return try Admission.evaluate(snapshot, pooled: pooled, specs: wanted, threshold: threshold)
        } catch {
            throw .usage(error)
        }
    }
}
