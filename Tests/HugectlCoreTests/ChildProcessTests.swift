import Glibc
import HugectlTestSupport
import Testing

/// The tests' process runner reports how a child ended, and never takes an end it could not
/// see for success.
@Suite("The tests' child processes")
struct ChildProcessTests {
    @Test func exitAndSignalAreReported() throws {
        let exit = try runProcess("/bin/sh", ["-c", "exit 3"])
        #expect(exit.exitedNormally && exit.status == 3)
        let killed = try ChildProcess("/bin/sh", ["-c", "kill -TERM $$"]).wait()
        #expect(!killed.exited && killed.signal == SIGTERM)
    }

    /// A child reaped elsewhere (here, by the test itself) gives ECHILD: its end is unknown,
    /// neither an exit with 0 nor a signal.
    @Test func aChildReapedElsewhereEndsUnknown() throws {
        let child = try ChildProcess("/bin/true", [])
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        let end = child.wait()
        #expect(end.unknown && !end.exited && end.signal == nil && end.status == -1)
        #expect(end == ChildProcess.Termination.lost)
    }
}
