// swift-tools-version: 6.1
//
// Strata's benchmarks: a sibling package that depends on the root by path,
// so that embedders of Strata never inherit package-benchmark.
//
//   swift run -c release --package-path Benchmarks codec-report     # bytes/point and throughput per dataset
//   swift package --package-path Benchmarks benchmark                # package-benchmark suites
import PackageDescription

let package = Package(
    name: "StrataBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Strata", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Loading the shared datasets and the reference fleet.
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "StrataCodecs", package: "Strata"), .product(name: "Strata", package: "Strata")]
        ),
        .executableTarget(
            name: "codec-report",
            dependencies: ["BenchmarkSupport", .product(name: "StrataCodecs", package: "Strata")],
            path: "Sources/CodecReport"
        ),
        .executableTarget(
            name: "engine-report",
            dependencies: ["BenchmarkSupport", .product(name: "Strata", package: "Strata"), .product(name: "StrataCodecs", package: "Strata")],
            path: "Sources/EngineReport"
        ),
        // CPU and wall time per ingested point of the write path (writers + flush + compaction).
        .executableTarget(
            name: "ingest-cost",
            dependencies: ["BenchmarkSupport", .product(name: "Strata", package: "Strata")],
            path: "Sources/IngestCost"
        ),
        // Strata's side of peers.py: the queries issue's five queries on the 2-day fleet.
        .executableTarget(
            name: "query-peers",
            dependencies: ["BenchmarkSupport", .product(name: "Strata", package: "Strata")],
            path: "Sources/QueryPeers"
        ),
        // The queries issue's other targets: latest of 100K series, a year from a tier, 50M-point scans.
        .executableTarget(
            name: "query-report",
            dependencies: ["BenchmarkSupport", .product(name: "Strata", package: "Strata")],
            path: "Sources/QueryReport"
        ),
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "StrataCodecs", package: "Strata"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
