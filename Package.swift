// swift-tools-version:6.1
import PackageDescription

/// Every Trawl target: Swift 6 mode, strict concurrency, no implicit existentials.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Trawl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "trawl", targets: ["trawl"]),
        // For a capture-to-log join outside this package.
        .library(name: "TrawlCapture", targets: ["TrawlCapture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // SHA-256 of source files, rules and exported case files (BoringSSL's, with SHA-NI).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CISAL", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CMaxMindDB", providers: [.apt(["libmaxminddb-dev"])]),
        .systemLibrary(name: "CPcap", providers: [.apt(["libpcap-dev"])]),
        .target(name: "TrawlModel", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        .target(
            name: "TrawlIngest",
            dependencies: ["TrawlModel", "CZlib", "CZstd", "CISAL"],
            swiftSettings: strict),
        .target(
            name: "TrawlGeo",
            dependencies: ["TrawlModel", "CMaxMindDB"],
            swiftSettings: strict),
        .target(
            name: "TrawlCapture",
            dependencies: ["TrawlModel", "CPcap", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // libFuzzer over the capture parsers: `make fuzz` builds it with -sanitize=fuzzer and
        // -DFUZZING; a normal build only writes the seed corpus (see its main.swift).
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        .executableTarget(name: "TrawlCaptureFuzz", dependencies: ["TrawlCapture", "CFuzzerDriver"], swiftSettings: strict),
        // Prompt skeletons, SimHash/MinHash, phrase lexicons and redaction (issue 5's foundation).
        .target(
            name: "TrawlPrompts",
            dependencies: ["TrawlModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(
            name: "TrawlFeatures",
            dependencies: ["TrawlModel", "TrawlPrompts", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // Account graph and community detection (reseller clusters, issue 6).
        .target(name: "TrawlLink", dependencies: ["TrawlModel", "TrawlFeatures"], swiftSettings: strict),
        .target(
            name: "TrawlRules",
            dependencies: ["TrawlModel", "TrawlFeatures", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // The case store and case export; case.schema.json (the JSON Schema of exported
        // case.json files) is compiled into the module (`CaseFileSchema`).
        .target(
            name: "TrawlCases",
            dependencies: [
                "TrawlModel", "TrawlFeatures", "TrawlRules", "TrawlLink", "TrawlPrompts",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("case.schema.json")],
            swiftSettings: strict),
        .target(
            name: "TrawlSimulator",
            dependencies: ["TrawlModel", "TrawlCapture", "TrawlPrompts", "CZlib"],
            swiftSettings: strict),
        .target(
            name: "TrawlPipeline",
            dependencies: [
                "TrawlModel", "TrawlIngest", "TrawlFeatures", "TrawlLink", "TrawlRules", "TrawlCases",
                "TrawlSimulator", "TrawlGeo", "TrawlCapture", "TrawlPrompts",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "trawl",
            dependencies: [
                "TrawlPipeline", "TrawlCases", "TrawlRules", "TrawlFeatures", "TrawlSimulator", "TrawlModel", "TrawlGeo",
                "TrawlCapture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "TrawlBench",
            dependencies: [
                "TrawlPipeline", "TrawlSimulator", "TrawlModel", "TrawlGeo", "TrawlCapture", "TrawlPrompts", "TrawlLink", "TrawlCases",
                "TrawlFeatures",
            ],
            swiftSettings: strict),
        .target(
            name: "TestSupport",
            dependencies: ["TrawlModel"],
            path: "Sources/TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "TrawlModelTests", dependencies: ["TrawlModel", "TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .testTarget(name: "TrawlIngestTests", dependencies: ["TrawlIngest", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TrawlGeoTests", dependencies: ["TrawlGeo", "TrawlModel", "CMaxMindDB", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TrawlCaptureTests", dependencies: ["TrawlCapture", "TrawlModel", "CPcap", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TrawlPromptsTests", dependencies: ["TrawlPrompts", "TrawlModel", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TrawlFeaturesTests", dependencies: ["TrawlFeatures", "TrawlIngest", "TrawlPrompts", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "TrawlLinkTests", dependencies: ["TrawlLink", "TrawlFeatures", "TrawlModel", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TrawlRulesTests", dependencies: ["TrawlRules", "TrawlFeatures", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TrawlCasesTests",
            dependencies: [
                "TrawlCases", "TrawlRules", "TrawlFeatures", "TrawlLink", "TrawlModel", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "TrawlSimulatorTests", dependencies: ["TrawlSimulator", "TrawlPrompts", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TrawlPipelineTests",
            dependencies: [
                "TrawlPipeline", "TrawlSimulator", "TrawlCases", "TrawlGeo", "TrawlFeatures", "TrawlRules", "TrawlModel", "TrawlCapture",
                "TrawlLink", "TestSupport",
            ],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
