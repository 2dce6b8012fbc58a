// swift-tools-version: 6.1
//
// libFuzzer targets for every Strata decoder: a sibling package that depends
// on the root by path, so fuzzing flags never reach embedders. Build and run
// with Fuzz/run.sh (recipe and traps: ../shared/TOOLCHAIN.md).
import PackageDescription

let package = Package(
    name: "StrataFuzz",
    dependencies: [
        .package(name: "Strata", path: ".."),
    ],
    targets: [
        // The drivers, shared by the targets and by the crasher replay in the unit tests' spirit.
        .target(name: "FuzzSupport", dependencies: [.product(name: "StrataCodecs", package: "Strata"), .product(name: "Strata", package: "Strata"),
                                                    .product(name: "StrataSQL", package: "Strata")]),
        .executableTarget(name: "fuzz-timestamps-dod", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-timestamps-for", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-timestamps-grid", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-values-gorilla", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-values-decimal", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-quality", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-lz4", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-zstd", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-roundtrip-timestamps", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-roundtrip-values", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-presence", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-wal-segment", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-chunk-file", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-manifest", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-catalog", dependencies: ["FuzzSupport"]),
        // The shell's inputs: SQL text, CSV lines, line protocol lines.
        .executableTarget(name: "fuzz-sql", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-csv", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-line-protocol", dependencies: ["FuzzSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
