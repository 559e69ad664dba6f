import Foundation
import Glibc
import HugectlCore
import HugectlTestSupport
import Testing

/// Issue #13 with a real DPDK application: Debian's `dpdk-testpmd` (package `dpdk-dev`, DPDK
/// 22.11; `scripts/ensure-deps --test` installs it), without a NIC (`--no-pci`, one
/// `net_null` port), its huge pages in `rtemap`-style files (`<prefix>map_N`) on a hugetlbfs
/// mount of the test's own (`--huge-dir`), `--iova-mode=va` (no physical addresses needed),
/// interactive (`-i`) on a pipe the test holds, so that it idles until told to quit.
///
/// While it runs, in three memory modes, root's ledger attributes every reserved page (kernel
/// Rsvd = attributed, nothing unattributed) and every page in use (all mapped by testpmd,
/// nothing unexplained). After `kill -9` its files stay with their pages: `status` names the
/// mount, the files and the pages and its verdict is not OK, `check` raises
/// `unmapped-files-hold-pages`, and the hints name the files before the pool. After a clean
/// `quit` with `--single-file-segments`, DPDK frees memory by punching holes in its one file
/// (`fallocate(PUNCH_HOLE)`): the file keeps its size, holds fewer pages and no reservation,
/// and hugectl counts what the kernel counts.
///
/// Skipped with the reason when `dpdk-testpmd` is not installed, when fewer than two CPUs may
/// be used (testpmd wants a forwarding lcore besides the main one), or when DPDK's EAL does not
/// start here (its output says why).
let dpdkTestpmd = "/usr/bin/dpdk-testpmd"

/// Whether `dpdkTestpmd` is there; a live run without it says so on stdout.
let dpdkTestpmdInstalled: Bool = {
    let installed = FileManager.default.isExecutableFile(atPath: dpdkTestpmd)
    if !installed && canTuneHugetlb { print("DpdkLiveTests skipped: \(dpdkTestpmd) is not installed (Debian package dpdk-dev)") }
    return installed
}()

extension LiveSystemTests {
@Suite("DPDK testpmd: the ledger while it runs and after it is killed",
       .enabled(if: dpdkTestpmdInstalled, "dpdk-testpmd is not installed (Debian package dpdk-dev; scripts/ensure-deps --test)"))
struct DpdkLiveTests {

    /// Each mode while it runs; `--legacy-mem` without `-m` takes every free page of the pool.
    @Test func everyModeIsAttributedWhileItRuns() throws {
        try withPool(48) {
            try withHugetlbfs("pagesize=2M") { mount in
                for mode in [["-m", "32"], ["--legacy-mem"], ["--single-file-segments", "-m", "32"]] {
                    let app = try Testpmd.start(mount: mount, mode: mode)
                    defer { app.stop(); Testpmd.removeFiles(mount) }
                    let inUse = try inUse2M()
                    #expect(inUse > 0 && Testpmd.files(mount).count > 0, "\(mode): \(inUse) in use")
                    if mode == ["--legacy-mem"] { #expect(try kernelFree2M() == 0, "legacy mode takes the whole pool") }
                    let doc = try liveStatus()  // kernel Rsvd == attributed, nothing unattributed
                    let ledger = try #require(reservations2M(doc)?["in_use_holders"] as? [String: Any])
                    #expect(ledger["in_use_pages"] as? Int == inUse && ledger["mapped_pages"] as? Int == inUse
                            && ledger["unexplained_pages"] as? Int == 0, "\(mode): \(ledger)")
                    let processes = (doc["processes"] as? [[String: Any]]) ?? []
                    #expect(processes.contains { $0["pid"] as? Int == Int(app.pid) }, "\(mode): testpmd \(app.pid) not listed")

                    // kill -9: every file stays with its pages, and is listed (one file without
                    // holes with --single-file-segments too).
                    app.kill()
                    let after = try #require(reservations2M(try liveStatus())?["in_use_holders"] as? [String: Any])
                    let held = ((after["unmapped_files"] as? [[String: Any]]) ?? []).first { $0["mount"] as? String == mount }
                    #expect(held?["files"] as? Int == Testpmd.files(mount).count && held?["in_use_pages"] as? Int == inUse
                            && after["unexplained_pages"] as? Int == 0, "\(mode) after kill -9: \(after)")
                }
            }
        }
    }

    /// `--legacy-mem` takes the whole pool, then is killed: its files hold every page.
    @Test func killedTestpmdLeavesItsFilesHoldingThePool() throws {
        try withPool(48) {
            try withHugetlbfs("pagesize=2M") { mount in
                defer { Testpmd.removeFiles(mount) }
                let app = try Testpmd.start(mount: mount, mode: ["--legacy-mem"])
                defer { app.stop() }
                app.kill()
                let files = Testpmd.files(mount)
                #expect(try files.count == 48 && kernelFree2M() == 0, "\(files.count) files")

                let doc = try liveStatus()
                let inUse = try #require(reservations2M(doc)?["in_use_holders"] as? [String: Any])
                let onMount = ((inUse["unmapped_files"] as? [[String: Any]]) ?? []).first { $0["mount"] as? String == mount }
                #expect(onMount?["files"] as? Int == 48 && onMount?["in_use_pages"] as? Int == 48
                        && (onMount?["freeable_paths"] as? [Any])?.count == 48, "\(inUse)")
                #expect(inUse["unexplained_pages"] as? Int == 0, "\(inUse)")
                let text = try hugectl(["status"])
                #expect(text.stdout.contains("on \(mount): 48 files no process maps: 48 in use, 0 reserved"), "\(text.stdout)")
                #expect(!text.stdout.contains("Verdict: OK"), "\(text.stdout)")

                let check = try hugectl(["check", "--json", "--min-free", "2M=1"])
                let findings = (try jsonObject(check.stdout)["findings"] as? [[String: Any]]) ?? []
                let unmapped = findings.first { $0["id"] as? String == "unmapped-files-hold-pages" }
                #expect(unmapped?["pages"] as? Int == 48 && (unmapped?["message"] as? String)?.contains(mount) == true, "\(findings)")
                // "no process hugectl could read" where some process could not be (PID 1 in a container).
                let files48 = "remove the 48 files on \(mount) that no process "
                let held = "maps or holds open, which hold 48 2M pages (48 in use, 0 reserved) (finding unmapped-files-hold-pages): rm -- \(mount)/"
                let minFree = findings.first { $0["id"] as? String == "expectation-unmet" }?["hint"] as? String
                #expect(minFree?.hasPrefix(files48) == true && minFree?.contains(held) == true
                        && minFree?.hasSuffix("that gives back at least the 1 page missing") == true, "\(minFree ?? "-")")

                // A MAP_NORESERVE mapping now faults with no free page: the pool finding's hint
                // names the files first, and rm of them is enough.
                let holder = try Holder(kind: .anonPrivate, pages: 4, noreserve: true)
                defer { holder.stop() }
                let pool = try jsonObject(try hugectl(["check", "--json"]).stdout)["findings"] as? [[String: Any]] ?? []
                let noreserve = pool.first { $0["id"] as? String == "noreserve-exceeds-headroom" }?["hint"] as? String
                #expect(noreserve?.hasPrefix(files48) == true && noreserve?.contains(held) == true
                        && noreserve?.contains("that frees at least the 4 pages missing, with no pool change") == true,
                        "\(noreserve ?? "-")\n\(pool)")
            }
        }
    }

    /// `--single-file-segments`, then a clean quit: DPDK frees its memory by punching holes in
    /// its one file, which keeps its size. The kernel keeps no reservation for the punched
    /// pages (`hugetlbfs_punch_hole` → `remove_inode_hugepages`), and neither does hugectl.
    @Test func singleFileSegmentsPunchedOnQuit() throws {
        try withPool(48) {
            try withHugetlbfs("pagesize=2M") { mount in
                defer { Testpmd.removeFiles(mount) }
                let base = try kernelReserved2M()
                let app = try Testpmd.start(mount: mount, mode: ["--single-file-segments"])
                defer { app.stop() }
                let running = try inUse2M()
                app.quit()
                let files = Testpmd.files(mount)
                try #require(files.count == 1, "\(files)")
                var st = stat()
                #expect(stat(mount + "/" + files[0], &st) == 0)
                let pages = Int(st.st_blocks) / 4096, sizePages = Int(st.st_size) / (2 << 20)
                let left = try inUse2M()
                #expect(pages == left && left < running && sizePages > pages,
                        "holes: \(pages) of \(sizePages) pages written, \(left) in use (\(running) while it ran)")
                #expect(try kernelReserved2M() == base, "the punched pages hold no reservation")

                let doc = try liveStatus()  // nothing unattributed, nothing over-attributed
                let orphan = ((reservations2M(doc)?["orphans"] as? [[String: Any]]) ?? []).first { ($0["path"] as? String)?.hasPrefix(mount) == true }
                #expect(orphan?["pages_reserved"] as? Int == 0 && orphan?["pages_instantiated"] as? Int == pages, "\(orphan ?? [:])")
                let check = try hugectl(["check", "--json"])
                let unmapped = ((try jsonObject(check.stdout)["findings"] as? [[String: Any]]) ?? [])
                    .first { $0["id"] as? String == "unmapped-files-hold-pages" }
                #expect(unmapped?["pages"] as? Int == pages, "\(check.stdout)")
            }
        }
    }
}
}

/// A running `dpdk-testpmd`: interactive, its stdin a pipe this object holds (EOF or `quit`
/// ends it), its output in a file. The EAL's runtime directory (`/var/run/dpdk/PREFIX`) is
/// removed when it stops.
final class Testpmd {
    static let prefix = "hugectl-live"
    let process: ChildProcess
    /// The write end of its stdin; -1 once closed.
    private var stdin: Int32
    let output: String
    /// /var/run/dpdk did not exist before: it is removed again.
    let madeRunDirectory = !FileManager.default.fileExists(atPath: "/var/run/dpdk")
    var pid: pid_t { process.pid }

    /// Starts testpmd on `mount` with the EAL options `mode` and waits for its prompt; a
    /// start that fails cancels the test with DPDK's reason (printed too).
    static func start(mount: String, mode: [String]) throws -> Testpmd {
        let cpus = allowedCPUs()
        if cpus.count < 2 {
            print("DpdkLiveTests skipped: testpmd needs two CPUs, this process may use \(cpus)")
            try Test.cancel("testpmd needs two CPUs (a forwarding lcore), this process may use \(cpus)")
        }
        let app = try Testpmd(mount: mount, mode: mode, cpus: cpus)
        let deadline = Date().addingTimeInterval(60)
        while !app.log.contains("testpmd> ") && app.process.isRunning && Date() < deadline { usleep(100_000) }
        if !app.process.isRunning || !app.log.contains("testpmd> ") {
            let why = app.log.split(separator: "\n").suffix(6).joined(separator: " | ")
            app.stop()
            print("DpdkLiveTests skipped: dpdk-testpmd \(mode.joined(separator: " ")) did not start: \(why)")
            try Test.cancel("dpdk-testpmd did not start here: \(why)")
        }
        return app
    }

    private init(mount: String, mode: [String], cpus: [Int]) throws {
        output = NSTemporaryDirectory() + "hugectl-testpmd-" + UUID().uuidString
        // One open file for stdout and stderr (one offset: neither overwrites the other).
        let out = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(out) }
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(pipe[0]) }
        // Not inherited by other children (the spawn's dup2 onto stdin clears the flag there).
        for fd in pipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let arguments = ["-l", "\(cpus[0]),\(cpus[1])", "-n", "1", "--no-pci", "--vdev=net_null0",
                         "--huge-dir=\(mount)", "--file-prefix=\(Testpmd.prefix)", "--iova-mode=va", "--no-telemetry"]
            + mode + ["--", "-i", "--total-num-mbufs=2048"]
        do {
            process = try ChildProcess(dpdkTestpmd, arguments, stdin: .descriptor(pipe[0]),
                                       stdout: .descriptor(out), stderr: .descriptor(out))
        } catch {
            close(pipe[1])
            throw error
        }
        stdin = pipe[1]
    }

    var log: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    /// `kill -9`, as a crash or the OOM killer would: no cleanup of any kind.
    func kill() {
        process.signal(SIGKILL)
        process.wait()
    }

    /// `quit` at the prompt, as an operator would: testpmd frees its memory and exits.
    func quit() {
        _ = Holder.ignoreSIGPIPE  // testpmd gone: the write fails with EPIPE
        if stdin >= 0 { _ = Array("quit\n".utf8).withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) } }
        process.wait(timeout: 30)
        stop()
    }

    /// Ends it whatever its state, and removes its output and runtime directory.
    func stop() {
        kill()
        if stdin >= 0 { close(stdin); stdin = -1 }
        try? FileManager.default.removeItem(atPath: output)
        try? FileManager.default.removeItem(atPath: "/var/run/dpdk/" + Testpmd.prefix)
        if madeRunDirectory { rmdir("/var/run/dpdk") }
    }

    static func files(_ mount: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: mount)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }

    static func removeFiles(_ mount: String) {
        for name in files(mount) { unlink(mount + "/" + name) }
    }

    /// The CPUs this process may run on (`Cpus_allowed_list` of /proc/self/status, as
    /// hugectl parses it).
    static func allowedCPUs() -> [Int] {
        guard let bytes = try? SystemRoot.live().read("/proc/self/status") else { return [] }
        return ProcStatus.parse(bytes[...]).cpusAllowed ?? []
    }
}
