// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hugectl",
    products: [
        .executable(name: "hugectl", targets: ["hugectl"]),
    ],
    targets: [
        // libnuma, from Debian's libnuma-dev. The shim header turns a missing package into one
        // clear build error naming the apt package.
        .systemLibrary(
            name: "CNuma",
            pkgConfig: "numa",
            providers: [.apt(["libnuma-dev"])]
        ),
        // Readers, model, analysis and renderers: everything but argument parsing.
        .target(
            name: "HugectlCore",
            dependencies: ["CNuma"]
        ),
        // The tune path: pool writes with read-back, locking, undo, and plans from demand.
        .target(
            name: "HugectlTune",
            dependencies: ["HugectlCore", "CNuma"]
        ),
        // The command line: argument parsing (getopt_long's rules), option values, the usage
        // error, the command table and --help, the --watch loop; apart from the executable so
        // that tests can reach it.
        .target(
            name: "HugectlCLI",
            dependencies: ["HugectlCore", "HugectlTune"]
        ),
        // `hugectl features --probe`: the system calls Swift cannot make (syscall(), ioctl()
        // with the kernel's structures, fault-safe memory access), kept tiny.
        .target(
            name: "CHugetlbProbe"
        ),
        // The probes themselves: userfaultfd, discards, mount options, pool growth and undo.
        .target(
            name: "HugectlProbe",
            dependencies: ["HugectlCore", "HugectlTune", "CHugetlbProbe"]
        ),
        // Argument parsing and command dispatch only: maps outcomes to text and exit codes.
        .executableTarget(
            name: "hugectl",
            dependencies: ["HugectlCLI", "HugectlCore", "HugectlTune", "HugectlProbe"]
        ),
        // `make bench-solver`: the verdict's speed at 64 nodes and 10,000 mappings.
        .executableTarget(
            name: "hugectl-solver-bench",
            dependencies: ["HugectlCore"],
            path: "bench/solver"
        ),
        // What both test suites share: scratch directories, replayable random numbers, the fixture
        // trees, and the one way to start a program (ChildProcess, runProcess).
        .target(
            name: "HugectlTestSupport",
            path: "Tests/HugectlTestSupport"
        ),
        .testTarget(
            name: "HugectlCoreTests",
            dependencies: ["HugectlCore", "HugectlTune", "HugectlProbe", "HugectlTestSupport"]
        ),
        .testTarget(
            name: "HugectlCLITests",
            dependencies: ["HugectlCLI", "HugectlCore", "HugectlProbe", "HugectlTestSupport"]
        ),
    ]
)
