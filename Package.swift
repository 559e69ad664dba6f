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
        // Argument parsing and command dispatch only.
        .executableTarget(
            name: "hugectl",
            dependencies: ["HugectlCore"]
        ),
        // `make bench-solver`: the verdict's speed at 64 nodes and 10,000 mappings.
        .executableTarget(
            name: "hugectl-solver-bench",
            dependencies: ["HugectlCore"],
            path: "bench/solver"
        ),
        .testTarget(
            name: "HugectlCoreTests",
            dependencies: ["HugectlCore"]
        ),
        .testTarget(
            name: "HugectlCLITests",
            dependencies: ["HugectlCore"]
        ),
    ]
)
