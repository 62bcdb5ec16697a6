// swift-tools-version:6.1
// The libFuzzer target over the capture layer's parsers, a package of its own so that
// the main build never links an executable without `main` (libFuzzer provides it).
// Run through `make fuzz`, which builds with -sanitize=fuzzer,address.
import PackageDescription

let package = Package(
    name: "TrawlFuzz",
    dependencies: [.package(name: "Trawl", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "TrawlCaptureFuzz",
            dependencies: ["CFuzzerDriver", .product(name: "TrawlCapture", package: "Trawl")]),
    ],
    swiftLanguageModes: [.v6]
)
