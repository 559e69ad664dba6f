import CHugetlbProbe
import HugectlCore

/// userfaultfd: which ways of getting one work for this user, what `UFFDIO_API` says, and on
/// one-page hugetlb mappings (shared and private) which registration modes and range ioctls
/// the kernel accepts. Registered memory is never touched: the ioctls themselves are tried,
/// and every fd asks for `UFFD_FEATURE_SIGBUS` when the kernel has it, so even a stray fault
/// in a registered range fails instead of waiting for a handler that does not exist.
struct UffdProber {
    let budget: ProbeBudget

    struct Availability {
        var methods: [UffdMethod] = []
        /// The first method that worked (its `how` for `hp_uffd_open`).
        var how: Int32?
        var api: UInt64?
        var features: UInt64?
        var ioctls: UInt64?
    }

    static let hows: [(UffdMethod.Kind, Int32)] = [(.syscall, 0), (.userModeOnly, 1), (.device, 2)]

    func availability() -> Availability {
        var result = Availability()
        for (kind, how) in Self.hows {
            let scope = ProbeScope(budget: budget)
            defer { scope.close() }
            do {
                let fd = try scope.userfaultfd(how: how, features: 0)
                result.methods.append(UffdMethod(kind: kind, result: .ok))
                if result.how == nil {
                    result.how = how
                    result.api = fd.api
                    result.features = fd.features
                    result.ioctls = fd.ioctls
                }
            } catch {
                result.methods.append(UffdMethod(kind: kind, result: .failed(error.errno)))
            }
        }
        return result
    }

    /// The range ioctls' bits.
    static func bit(_ name: String) -> UInt64 { UffdNames.ioctlBit(name).map { 1 << UInt64($0) } ?? 0 }

    /// Probes both mapping kinds on one memfd of one huge page of `pageKB`. At most one page of
    /// that size is in use at any moment: the private mapping goes first and is gone (with its
    /// page and reservation) before the shared one faults the memfd's page.
    func probe(pageKB: Int, how: Int32, supported: UInt64) throws(ProbeFailure) -> [UffdMappingProbe] {
        let scope = ProbeScope(budget: budget)
        defer { scope.close() }
        let length = pageKB * 1024
        let memfd = try scope.memfd(hugePageSize: length, length: length)
        // The source of UFFDIO_COPY: ordinary memory, of which only the first base page is written.
        let source = try scope.map(length, kind: HP_MAP_ANONYMOUS, fd: -1)
        let poked = hp_poke(source, DiscardProber.pattern)
        if poked < 0 { throw ProbeFailure(step: "write to the copy source", errno: Errno(-poked)) }
        let features = supported & HP_UFFD_FEATURE_SIGBUS
        let context = Context(memfd: memfd, length: length, how: how, features: features, source: source,
                              sigbus: features != 0)
        var privateProbe = try probeMapping(.hugetlbPrivate, kind: HP_MAP_PRIVATE_FILE, context)
        let sharedProbe = try probeMapping(.hugetlbShared, kind: HP_MAP_SHARED_FILE, context)
        // CONTINUE maps a page that is already in the page cache: for the private kind, a
        // MAP_NORESERVE private mapping of the memfd once its page is there (no second page).
        if let index = privateProbe.ioctls.firstIndex(where: { $0.name == "CONTINUE" }), privateProbe.ioctls[index].offered {
            privateProbe.ioctls[index] = try continueOnPrivate(context)
        }
        return [sharedProbe, privateProbe]
    }

    struct Context {
        var memfd: Int32
        var length: Int
        var how: Int32
        var features: UInt64
        var source: UnsafeMutableRawPointer
        var sigbus: Bool
    }

    private func probeMapping(_ mapping: UffdMappingProbe.Mapping, kind: Int32, _ context: Context)
        throws(ProbeFailure) -> UffdMappingProbe {
        let scope = ProbeScope(budget: budget)
        defer { scope.close() }
        let length = UInt64(context.length)
        let address = try scope.map(context.length, kind: kind, fd: context.memfd)
        var result = UffdMappingProbe(mapping: mapping)

        // Each mode alone, on a fresh fd (closing it unregisters).
        var accepted: UInt64 = 0
        var offered: UInt64 = 0
        for (mode, bit) in [(UffdMappingProbe.Mode.missing, HP_UFFD_MODE_MISSING), (.wp, HP_UFFD_MODE_WP),
                            (.minor, HP_UFFD_MODE_MINOR)] {
            let inner = ProbeScope(budget: budget)
            defer { inner.close() }
            let uffd = try inner.userfaultfd(how: context.how, features: context.features)
            var mask: UInt64 = 0
            let rc = hp_uffd_register(uffd.fd, address, length, bit, &mask)
            result.registrations.append(.init(mode: mode, result: callResult(rc), ioctlMask: rc < 0 ? nil : mask))
            if rc >= 0 {
                accepted |= bit
                offered |= mask
                _ = hp_uffd_unregister(uffd.fd, address, length)
            }
        }
        func ioctl(_ name: String, _ result: CallResult?, _ note: String? = nil) -> UffdMappingProbe.Ioctl {
            UffdMappingProbe.Ioctl(name: name, offered: offered & Self.bit(name) != 0, result: result, note: note)
        }
        guard accepted != 0 else {
            result.ioctls = UffdMappingProbe.rangeIoctls.map { ioctl($0, nil) }
            return result
        }

        // Every accepted mode at once, then the ioctls in an order that needs one page at most.
        let uffd = try scope.userfaultfd(how: context.how, features: context.features)
        var mask: UInt64 = 0
        let registered = hp_uffd_register(uffd.fd, address, length, accepted, &mask)
        if registered < 0 {
            result.ioctls = UffdMappingProbe.rangeIoctls.map { ioctl($0, nil, "registering every accepted mode at once: \(Errno(-registered).name)") }
            return result
        }
        defer { _ = hp_uffd_unregister(uffd.fd, address, length) }
        func has(_ name: String) -> Bool { mask & Self.bit(name) != 0 }

        var copy: CallResult?
        var copyNote: String?
        if has("COPY") {
            var done: Int64 = 0
            copy = callResult(hp_uffd_copy(uffd.fd, address, context.source, length, &done))
            if copy == .ok { copyNote = readBack(address, context) }
        }
        result.ioctls.append(ioctl("COPY", copy, copyNote))

        var protect: CallResult?
        var protectNote: String?
        if has("WRITEPROTECT") {
            if copy == .ok {
                protect = callResult(hp_uffd_writeprotect(uffd.fd, address, length, 1))
                if protect == .ok { _ = hp_uffd_writeprotect(uffd.fd, address, length, 0) }
            } else {
                protectNote = "not tried: no page (COPY did not work)"
            }
        }
        result.ioctls.append(ioctl("WRITEPROTECT", protect, protectNote))

        var resume: CallResult?
        var resumeNote: String?
        if has("CONTINUE") {
            if mapping == .hugetlbPrivate {
                resumeNote = "tried on a MAP_NORESERVE private mapping of the page-cache page"
            } else if copy == .ok {
                // Drop the page table entry; the page stays in the memfd's page cache.
                _ = hp_discard(HP_DISCARD_DONTNEED, address, -1, length)
                var done: Int64 = 0
                resume = callResult(hp_uffd_continue(uffd.fd, address, length, &done))
                if resume == .ok { resumeNote = readBack(address, context) }
            } else {
                resumeNote = "not tried: no page in the page cache (COPY did not work)"
            }
        }
        result.ioctls.append(ioctl("CONTINUE", resume, resumeNote))

        var poison: CallResult?
        if has("POISON") {
            // Onto an empty page table entry: drop the page from this mapping first (a private
            // page is freed, a shared one stays in the page cache).
            _ = hp_discard(HP_DISCARD_DONTNEED, address, -1, length)
            var done: Int64 = 0
            poison = callResult(hp_uffd_poison(uffd.fd, address, length, &done))
        }
        result.ioctls.append(ioctl("POISON", poison))
        result.ioctls.append(ioctl("MOVE", nil, has("MOVE") ? "offered; not tried (it moves pages out of another mapping)" : nil))
        return result
    }

    /// Reads the first byte back, which COPY or CONTINUE just mapped; only with
    /// UFFD_FEATURE_SIGBUS, so that a missing page can never wait on a handler.
    private func readBack(_ address: UnsafeMutableRawPointer, _ context: Context) -> String? {
        guard context.sigbus else { return nil }
        var byte: UInt8 = 0
        let rc = hp_peek(address, &byte)
        if rc < 0 { return "read back failed: \(Errno(-rc).name)" }
        return byte == DiscardProber.pattern ? nil : "read back 0x\(String(byte, radix: 16)), expected 0x5a"
    }

    private func continueOnPrivate(_ context: Context) throws(ProbeFailure) -> UffdMappingProbe.Ioctl {
        let scope = ProbeScope(budget: budget)
        defer { scope.close() }
        let length = UInt64(context.length)
        // Make sure the memfd has its page (the shared probe's COPY normally left it there),
        // through a shared mapping that is gone again before the private one is made.
        let poked: Int32
        do {
            let inner = ProbeScope(budget: budget)
            defer { inner.close() }
            let shared = try inner.map(context.length, kind: HP_MAP_SHARED_FILE, fd: context.memfd)
            poked = hp_poke(shared, DiscardProber.pattern)
        }
        if poked < 0 {
            return .init(name: "CONTINUE", offered: true, result: nil,
                         note: "not tried: could not put a page in the page cache (\(Errno(-poked).name))")
        }
        let address = try scope.map(context.length, kind: HP_MAP_PRIVATE_FILE_NORESERVE, fd: context.memfd)
        let uffd = try scope.userfaultfd(how: context.how, features: context.features)
        var mask: UInt64 = 0
        let registered = hp_uffd_register(uffd.fd, address, length, HP_UFFD_MODE_MINOR, &mask)
        guard registered >= 0 else {
            return .init(name: "CONTINUE", offered: true, result: nil,
                         note: "not tried: MINOR registration of the MAP_NORESERVE mapping: \(Errno(-registered).name)")
        }
        defer { _ = hp_uffd_unregister(uffd.fd, address, length) }
        var done: Int64 = 0
        let result = callResult(hp_uffd_continue(uffd.fd, address, length, &done))
        var note = "on a MAP_NORESERVE private mapping of the page-cache page"
        if result == .ok, let problem = readBack(address, context) { note += "; " + problem }
        return .init(name: "CONTINUE", offered: mask & Self.bit("CONTINUE") != 0, result: result, note: note)
    }
}
