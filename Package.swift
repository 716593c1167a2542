// swift-tools-version:6.0
// trainscope: a terminal dashboard for neural-network training dynamics.
// Module map and import rules: ARCHITECTURE.md. Event contract: PROTOCOL.md.
import PackageDescription

let package = Package(
    name: "trainscope",
    products: [
        .executable(name: "trainscope", targets: ["trainscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", "1.8.0"..<"1.9.0"),
    ],
    targets: [
        // MARK: - System libraries (the only doors to C)
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CNCursesW",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),

        // MARK: - Engine
        .target(name: "TensorCore", dependencies: ["COpenBLAS"]),
        .target(name: "Autograd", dependencies: ["TensorCore"]),
        .target(name: "NN", dependencies: ["Autograd"]),

        // MARK: - Contract and sources
        .target(name: "Telemetry"),

        // MARK: - Front end

        // MARK: - Composition root
        .executableTarget(
            name: "trainscope",
            dependencies: [
                "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["Telemetry"], path: "Tests/TestSupport"),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "TestSupport"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"]),
        .testTarget(name: "trainscopeTests", dependencies: ["TestSupport"]),
    ]
)
