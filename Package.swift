// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "narformer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "narformer", targets: ["narformer"]),
        .executable(name: "narformer-lab", targets: ["narformer-lab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C shims over system libraries (Debian: liblmdb-dev, libopenblas-dev, zlib1g-dev).
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"])]),
        // The store deflates the measured networks' tokens (docs/store.md, table `tokens`).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // onnx.proto compiled once with protoc + protoc-gen-swift; generated code is committed.
        .target(name: "ONNX", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "Config", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Store", dependencies: ["CLMDB", "CZlib", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Engine", dependencies: ["CBLAS", "ONNX", .product(name: "Crypto", package: "swift-crypto")],
                // The shipped default models (DefaultModels.swift finds them).
                resources: [.copy("DefaultModels")]),
        // The drop protocol: claim, check, read, file away; the inbox watcher; the safe open.
        // Knows nothing of networks, models or the config.
        .target(name: "Inbox", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // Continual learning: the measurement intake, retraining, the promotion gate, the
        // scheduler, the model registry and the default models.
        .target(
            name: "Learning",
            dependencies: ["Config", "Store", "Engine", "Inbox", .product(name: "Logging", package: "swift-log")]
        ),
        // The daemon's parts: predicting drops, systemd, logs, status, config reload.
        .target(
            name: "Daemon",
            dependencies: [
                "Config", "Store", "Engine", "Inbox", "Learning",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The `narformer` executable: the service assembly and the product's commands.
        .executableTarget(
            name: "narformer",
            dependencies: [
                "Config", "Store", "Engine", "Inbox", "Learning", "Daemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The lab: benchmarks and experiments, and the `narformer-lab` executable that runs
        // them. Nothing in the product depends on either.
        .target(
            name: "Lab",
            dependencies: ["Config", "Store", "Engine", "ONNX", "CBLAS", "Inbox", "Learning", "Daemon",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "narformer-lab",
            dependencies: [
                "Config", "Store", "Engine", "Inbox", "Learning", "Lab",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Runs the built executables for the tests of their command lines.
        .target(name: "TestSupport", dependencies: ["Inbox", "Daemon", "Learning", "Engine", .product(name: "Logging", package: "swift-log")],
                path: "Tests/TestSupport"),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"], resources: [.copy("Fixtures")]),
        .testTarget(name: "InboxTests", dependencies: ["Inbox", "TestSupport"]),
        // Fixtures: read in place (a store of an earlier version, copied before use).
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Inbox", "Config", "Store", "Engine", "TestSupport",
                                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                    exclude: ["Fixtures"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Learning", "Inbox", "Config", "Store", "Engine", "TestSupport"]),
        .testTarget(name: "CommandLineTests", dependencies: ["Config", "Store", "Engine", "Inbox", "Learning", "Daemon", "Lab", "TestSupport"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Learning", "Inbox", "Config", "Store", "Engine", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
