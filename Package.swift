// swift-tools-version: 6.1
//
// Strata: an embeddable time-series storage engine for IoT sensor data.
//
// Benchmarks/ and Fuzz/ are sibling packages that depend on this one by path,
// so an embedder never inherits package-benchmark or fuzzing flags.
// No target here uses unsafeFlags: that would stop other packages depending on Strata.
import PackageDescription

let package = Package(
    name: "Strata",
    products: [
        // MARK: - Library
        .library(name: "Strata", targets: ["Strata"]),
        // The pure encoding layer, usable on its own (and by Benchmarks/ and Fuzz/).
        .library(name: "StrataCodecs", targets: ["StrataCodecs"]),
    ],
    dependencies: [
        // Documentation only (`swift package generate-documentation`): a plugin, never linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries (pkg-config; Debian: liblz4-dev, libzstd-dev)
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        // CRC32C with the SSE4.2 instruction and a portable fallback.
        .target(name: "CStrataSupport"),

        // MARK: - Library
        .target(
            name: "StrataCodecs",
            dependencies: ["CLZ4", "CZstd", "CStrataSupport"]
        ),
        .target(
            name: "Strata",
            dependencies: ["StrataCodecs"]
        ),

        // MARK: - Demo
        // The README's main job: ingest a realistic generated fleet and query it.
        .executableTarget(
            name: "strata-demo",
            dependencies: ["Strata"]
        ),

        // MARK: - Tests
        .target(
            name: "StrataTestSupport",
            dependencies: ["Strata", "StrataCodecs"],
            path: "Tests/StrataTestSupport"
        ),
        .testTarget(
            name: "StrataCodecsTests",
            dependencies: ["StrataCodecs", "StrataTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "StrataTests",
            dependencies: ["Strata", "StrataTestSupport"],
            exclude: ["Fixtures"]
        ),
        // The child process of the crash-loop test (killed with SIGKILL mid-write).
        .executableTarget(
            name: "StrataCrashChild",
            dependencies: ["Strata"],
            path: "Tests/StrataCrashChild"
        ),
    ],
    swiftLanguageModes: [.v6]
)
