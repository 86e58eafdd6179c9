// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "narformer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "narformer", targets: ["Daemon"]),
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
        // C shims over system libraries (Debian: liblmdb-dev, libopenblas-dev).
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // onnx.proto compiled once with protoc + protoc-gen-swift; generated code is committed.
        .target(name: "ONNX", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "Config", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Store", dependencies: ["CLMDB", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Engine", dependencies: ["CBLAS", "ONNX", .product(name: "Crypto", package: "swift-crypto")],
                // The shipped default models (DefaultModels.swift finds them).
                resources: [.copy("DefaultModels")]),
        .executableTarget(
            name: "Daemon",
            dependencies: [
                "Config", "Store", "Engine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Runs the built executable for the tests of its command line.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Config", "Store", "Engine", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
