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
        .target(name: "FileOutput"),
        // The numeric modules are optimized in debug builds too: unoptimized, the compiled plan's
        // row passes and the optimizers' loops run ~30× slower and the engine tests spent minutes in them.
        .target(name: "TensorCore", dependencies: ["COpenBLAS"], swiftSettings: optimizedInDebug),
        .target(name: "Autograd", dependencies: ["TensorCore"], swiftSettings: optimizedInDebug),
        .target(name: "NN", dependencies: ["Autograd", "TensorCore"], swiftSettings: optimizedInDebug),
        .target(name: "Curvature", dependencies: ["Autograd", "NN", "TensorCore"], swiftSettings: optimizedInDebug),

        // MARK: - Contract and sources
        .target(name: "JSONCore"),
        .target(name: "Telemetry", dependencies: ["JSONCore"]),
        .target(name: "Training", dependencies: ["NN", "Curvature", "Autograd", "TensorCore", "Telemetry", "JSONCore", "FileOutput"]),
        .target(name: "Ingest", dependencies: ["Telemetry", "JSONCore", "FileOutput"]),
        .target(name: "Rules", dependencies: ["Telemetry", "JSONCore"]),

        // MARK: - Front end
        .target(name: "TerminalUI"),
        .target(name: "CursesBackend", dependencies: ["TerminalUI", "CNCursesW", "FileOutput"]),
        .target(name: "Dashboard", dependencies: ["TerminalUI", "Telemetry", "JSONCore"]),
        .target(name: "Snapshot", dependencies: ["Dashboard", "TerminalUI", "Telemetry", "JSONCore"]),
        .target(name: "Runtime", dependencies: ["Dashboard", "Snapshot", "TerminalUI", "Telemetry", "FileOutput"]),

        // MARK: - Composition root
        .executableTarget(
            name: "trainscope",
            dependencies: [
                "JSONCore", "Telemetry", "Ingest", "Training", "Curvature", "TensorCore", "TerminalUI",
                "CursesBackend", "Dashboard", "Snapshot", "Rules", "Runtime", "FileOutput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Benchmarks (Benchmarks/RESULTS.md)
        .executableTarget(
            name: "trainscope-bench",
            dependencies: ["Autograd", "Curvature", "NN", "TensorCore", "Training"],
            path: "Benchmarks/EngineBenchmark"
        ),
        .executableTarget(
            name: "trainscope-dashboard-bench",
            dependencies: ["Dashboard", "Telemetry", "JSONCore", "TerminalUI"],
            path: "Benchmarks/DashboardBenchmark"
        ),

        .executableTarget(
            name: "trainscope-fuzz",
            dependencies: ["Ingest", "JSONCore", "Rules", "Telemetry", "TerminalUI", "Training"],
            path: "Benchmarks/FuzzHarness"
        ),
        .executableTarget(
            name: "trainscope-ingest-bench",
            dependencies: ["Ingest", "Telemetry", "JSONCore"],
            path: "Benchmarks/IngestBenchmark"
        ),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["Telemetry"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore", "TestSupport"]),
        .testTarget(name: "FileOutputTests", dependencies: ["FileOutput", "TestSupport"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "JSONCore", "TestSupport"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TensorCore", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Autograd", "TensorCore", "TestSupport"]),
        .testTarget(name: "CurvatureTests", dependencies: ["Curvature", "NN", "Autograd", "TensorCore", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Dashboard", "NN", "Autograd", "TensorCore", "Telemetry", "JSONCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Telemetry", "JSONCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Telemetry", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Dashboard", "TerminalUI", "Telemetry", "TestSupport"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "TestSupport"]),
        .testTarget(name: "CursesBackendTests", dependencies: ["CursesBackend", "TerminalUI", "TestSupport"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Snapshot", "TerminalUI", "Telemetry", "JSONCore", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "SnapshotTests", dependencies: ["Snapshot", "Dashboard", "TerminalUI", "Telemetry", "JSONCore", "TestSupport"], exclude: ["Goldens"]),
        .testTarget(name: "trainscopeTests", dependencies: ["JSONCore", "Telemetry", "TestSupport"]),
    ]
)

/// `-O` for a target in debug builds (release builds are optimized anyway).
var optimizedInDebug: [SwiftSetting] { [.unsafeFlags(["-O"], .when(configuration: .debug))] }
