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
        // StrataSQL: the SQL dialect over the public API (the shell's, and an ingestion service's).
        .library(name: "StrataSQL", targets: ["StrataSQL"]),

        // MARK: - Shell
        .executable(name: "strata", targets: ["StrataShell"]),
    ],
    dependencies: [
        // Documentation only (`swift package generate-documentation`): a plugin, never linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The shell's command line (the library does not use it).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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

        // MARK: - SQL
        // The SQL dialect over the public Strata API only; also CSV and line-protocol readers
        // and result formatting, so the shell is arguments and a REPL.
        .target(
            name: "StrataSQL",
            dependencies: ["Strata"]
        ),

        // MARK: - Shell
        // Line editing, history and completion (Debian: libedit-dev).
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"]), .brew(["libedit"])]
        ),
        .executableTarget(
            name: "StrataShell",
            dependencies: ["Strata", "StrataSQL", "CEditLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: - Demo
        // The README's main job: ingest a realistic generated fleet and query it.
        .executableTarget(
            name: "strata-demo",
            dependencies: ["Strata", "StrataSQL"]
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
        .testTarget(
            name: "StrataSQLTests",
            dependencies: ["StrataSQL", "Strata", "StrataTestSupport"]
        ),
        // Drives the built `strata` executable (arguments, stdin, a pseudo-terminal).
        .testTarget(
            name: "StrataShellTests",
            dependencies: ["Strata", "StrataTestSupport"]
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
