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
        .target(name: "Curvature", dependencies: ["Autograd", "NN"]),

        // MARK: - Contract and sources
        .target(name: "Telemetry"),
        .target(name: "Training", dependencies: ["NN", "Curvature", "Telemetry"]),
        .target(name: "Ingest", dependencies: ["Telemetry"]),

        // MARK: - Front end
        .target(name: "TerminalUI"),
        .target(name: "CursesBackend", dependencies: ["TerminalUI", "CNCursesW"]),
        .target(name: "Dashboard", dependencies: ["TerminalUI", "Telemetry"]),
        .target(name: "Snapshot", dependencies: ["Dashboard", "TerminalUI", "Telemetry"]),

        // MARK: - Composition root
        .executableTarget(
            name: "trainscope",
            dependencies: [
                "Telemetry", "Ingest", "Training", "Curvature", "TerminalUI", "CursesBackend",
                "Dashboard", "Snapshot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Benchmarks (Benchmarks/RESULTS.md)
        .executableTarget(
            name: "trainscope-bench",
            dependencies: ["TensorCore", "Training"],
            path: "Benchmarks/EngineBenchmark"
        ),
        .executableTarget(
            name: "trainscope-dashboard-bench",
            dependencies: ["Dashboard", "Telemetry", "TerminalUI"],
            path: "Benchmarks/DashboardBenchmark"
        ),

        .executableTarget(
            name: "trainscope-ingest-bench",
            dependencies: ["Ingest", "Telemetry"],
            path: "Benchmarks/IngestBenchmark"
        ),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["Telemetry"], path: "Tests/TestSupport"),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "TestSupport"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"]),
        .testTarget(name: "CurvatureTests", dependencies: ["Curvature", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "TestSupport"]),
        .testTarget(name: "CursesBackendTests", dependencies: ["CursesBackend", "TestSupport"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Snapshot", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "SnapshotTests", dependencies: ["Snapshot", "TestSupport"], exclude: ["Goldens"]),
        .testTarget(name: "trainscopeTests", dependencies: ["TestSupport"]),
    ]
)
