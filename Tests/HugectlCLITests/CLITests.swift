import Foundation
import Glibc
import Testing
@testable import HugectlCore

@Suite("The hugectl command line")
struct CLITests {
    @Test(arguments: [["--version"], ["-V"], ["status", "--version"]])
    func version(arguments: [String]) throws {
        let r = try hugectl(arguments)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("hugectl 0."))
        #expect(r.stderr.isEmpty)
    }

    @Test(arguments: [["--help"], ["-h"], ["help"], ["help", "status"], ["status", "--help"], ["snapshot", "-h"],
                      ["help", "snapshot"], ["help", "help"], ["--root", "/x", "status", "-h"]])
    func help(arguments: [String]) throws {
        let r = try hugectl(arguments)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Usage:"))
        #expect(r.stdout.contains("Exit status:"))
        #expect(r.stderr.isEmpty)
    }

    @Test func commandHelpNamesItsOwnOptions() throws {
        #expect(try hugectl(["help", "snapshot"]).stdout.contains("--tar FILE"))
        #expect(try hugectl(["help", "status"]).stdout.contains("--json"))
        #expect(try !hugectl(["help", "snapshot"]).stdout.contains("--json"))
    }

    /// Usage errors: exit 2, nothing on stdout, one line saying what, one saying where to look.
    @Test(arguments: [
        (["--bogus"], "hugectl: unrecognized option '--bogus'"),
        (["frobnicate"], "hugectl: unknown command 'frobnicate'"),
        (["help", "frobnicate"], "hugectl: unknown command 'frobnicate'"),
        (["status", "extra"], "hugectl: unexpected argument 'extra'"),
        (["status", "--format", "yaml"], "hugectl: unknown format 'yaml' (choose: text, json, prometheus)"),
        (["status", "--color=sometimes"], "hugectl: unknown --color value 'sometimes' (choose: auto, always, never)"),
        (["--root"], "hugectl: option '--root' requires an argument"),
        (["status", "--json=yes"], "hugectl: option '--json' doesn't allow an argument"),
        (["-x"], "hugectl: invalid option -- 'x'"),
        (["snapshot"], "hugectl: snapshot needs a directory, --tar FILE, or both"),
        (["--json", "snapshot", "/tmp/x"], "hugectl: option '--json' does not apply to 'snapshot'"),
        (["snapshot", "/tmp/a", "/tmp/b"], "hugectl: unexpected argument '/tmp/b'"),
        (["help", "status", "extra"], "hugectl: unexpected argument 'extra'"),
        (["status", "--color="], "hugectl: unknown --color value '' (choose: auto, always, never)"),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let r = try hugectl(arguments)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderrLines.count == 2)
        #expect(r.stderrLines.first == message)
        #expect(r.stderrLines.last?.hasPrefix("Try 'hugectl ") == true)
    }

    @Test func unreadableRootExitsThree() throws {
        let r = try hugectl(["--root=/nonexistent/tree", "status", "--json"])
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "hugectl: /nonexistent/tree: No such file or directory\n")
    }

    /// A report that could not be written never passes: exit 3 and one line saying why,
    /// whatever the command found; a reader that went away (EPIPE) is no failure.
    @Test(arguments: [["status"], ["check", "--format", "junit"], ["procs", "--json"], ["--watch", "0.1"]])
    func unwritableOutputExitsThree(_ arguments: [String]) throws {
        let tree = fixturesDirectory + "/two-node"
        let full = try run("/bin/sh", ["-c", "tree=$1; shift; exec \"$0\" --root \"$tree\" \"$@\" > /dev/full", hugectlPath, tree] + arguments)
        #expect(full.status == 3, "\(full)")
        #expect(full.stderr.hasSuffix("hugectl: write error: standard output: No space left on device\n"), "\(full.stderr)")
        let pipe = try run("/bin/sh", ["-c", "\"$0\" --root \"$1\" procs -v | head -c 1 > /dev/null; exit 0", hugectlPath, tree])
        #expect(!pipe.stderr.contains("write error"), "\(pipe.stderr)")
    }

    /// nr_inodes=, mode=, uid=, gid= as the kernel lists them (and their defaults when it
    /// does not); a bad one is a warning naming the mount.
    @Test func mountOwnershipAndInodeLimit() throws {
        try withTemporaryDirectory { dir in
            let tree = dir + "/tree"
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: tree)
            _ = try run("/bin/chmod", ["-R", "u+w", tree])
            try """
                none /mnt/a hugetlbfs rw,relatime,uid=1000,gid=100,mode=1770,nr_inodes=64,pagesize=2M 0 0
                none /mnt/b hugetlbfs rw,relatime,mode=9x,pagesize=2M 0 0

                """.write(toFile: tree + "/proc/mounts", atomically: true, encoding: .utf8)
            let r = try hugectl(["--root", tree, "--json"])
            let mounts = try #require(try jsonObject(r.stdout)["mounts"] as? [[String: Any]])
            #expect(mounts.count == 2)
            #expect(mounts.first?["inode_limit"] as? Int == 64)
            #expect(mounts.first?["mode"] as? String == "1770")
            #expect(mounts.first?["uid"] as? Int == 1000 && mounts.first?["gid"] as? Int == 100)
            #expect(mounts.last?["inode_limit"] is NSNull)
            #expect(mounts.last?["mode"] as? String == "0755" && mounts.last?["uid"] as? Int == 0)
            #expect(r.stderr.contains("/proc/mounts: /mnt/b: bad mode '9x'"), "\(r.stderr)")
        }
    }

    @Test func rootWithoutHugetlbExitsThree() throws {
        try withTemporaryDirectory { dir in
            let r = try hugectl(["--root", dir])
            #expect(r.status == 3)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr == "hugectl: \(dir)/sys/kernel/mm/hugepages: No such file or directory (no hugetlb support in this kernel?)\n")
        }
    }

    @Test func optionsBeforeOrAfterTheCommandAgree() throws {
        let root = fixturesDirectory + "/two-node"
        let a = try hugectl(["--root", root, "--json"])
        let b = try hugectl(["status", "--format=json", "--root=\(root)"])
        let c = try hugectl(["-J", "--root", root, "--", "status"])
        #expect(a.status == 0 && b.status == 0 && c.status == 0)
        #expect(a.stdout.withoutGeneratedAt == b.stdout.withoutGeneratedAt)
        #expect(a.stdout.withoutGeneratedAt == c.stdout.withoutGeneratedAt)
        #expect(try jsonObject(a.stdout)["root"] as? String == root)
    }

    @Test func lastOutputFormatWins() throws {
        let root = fixturesDirectory + "/two-node"
        #expect(try hugectl(["--root", root, "-J", "--format", "text"]).stdout.hasPrefix("SIZE"))
        #expect(try hugectl(["--root", root, "--format", "text", "--json"]).stdout.hasPrefix("{"))
    }

    @Test func textOutputOptions() throws {
        let root = fixturesDirectory + "/two-node"
        let plain = try hugectl(["--root", root])
        #expect(plain.stdout.hasPrefix("SIZE  TOTAL"))
        #expect(!plain.stdout.contains("\u{1B}["), "no colour when not on a terminal")
        let coloured = try hugectl(["--root", root, "--color=always"])
        #expect(coloured.stdout.contains("\u{1B}["))
        let bare = try hugectl(["--root", root, "--color"])
        #expect(!bare.stdout.contains("\u{1B}["), "--color alone is auto, as in util-linux")
        let lastWins = try hugectl(["--root", root, "--color=always", "--color=never"])
        #expect(!lastWins.stdout.contains("\u{1B}["))
        let never = try hugectl(["--root", root, "--color=never"], environment: ["TERM": "xterm"])
        #expect(!never.stdout.contains("\u{1B}["))
        let headless = try hugectl(["--root", root, "-n"])
        #expect(!headless.stdout.contains("SIZE"))
        #expect(headless.stdout.hasPrefix("2M"))
    }

    @Test func brokenTreeWarnsOnStderrAndCarriesOn() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.copyItem(atPath: fixturesDirectory + "/two-node", toPath: dir + "/t")
            try "garbage\n".write(toFile: dir + "/t/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
                                  atomically: false, encoding: .utf8)
            let r = try hugectl(["--root", dir + "/t", "--json"])
            #expect(r.status == 0)
            #expect(r.stderr == "hugectl: \(dir)/t/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages: not a number: 'garbage'\n")
            let doc = try jsonObject(r.stdout)
            #expect((doc["warnings"] as? [String])?.count == 1)
            let pool = (doc["pools"] as? [[String: Any]])?.first
            #expect(pool?["free"] is NSNull)
            #expect(pool?["in_use"] is NSNull)
        }
    }

    @Test func snapshotCommand() throws {
        let root = fixturesDirectory + "/four-node"
        try withTemporaryDirectory { dir in
            let r = try hugectl(["--root", root, "snapshot", dir + "/snap", "--tar", dir + "/bug.tar"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("hugectl --root \(dir)/snap status"))
            let replay = try hugectl(["--root", dir + "/snap", "--json"])
            let original = try hugectl(["--root", root, "--json"])
            #expect(withoutRoot(replay.stdout) == withoutRoot(original.stdout))
            let again = try hugectl(["--root", root, "snapshot", dir + "/snap"])
            #expect(again.status == 3)
            #expect(again.stderr == "hugectl: \(dir)/snap: directory is not empty; refusing to write into it\n")
            let tarAgain = try hugectl(["--root", root, "snapshot", "--tar", dir + "/bug.tar"])
            #expect(tarAgain.status == 3)
            #expect(tarAgain.stderr == "hugectl: \(dir)/bug.tar: File exists\n")
            let list = try run("/bin/tar", ["-tf", dir + "/bug.tar"])
            #expect(list.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("bug/") })
            #expect(list.stdout.contains("bug/hugectl/manifest"))
        }
    }
}
