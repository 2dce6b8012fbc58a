import Foundation
import Testing
@testable import Strata
@_spi(Fuzzing) import Strata

/// The engine fuzzers' seeds are the golden store files (so they stay valid
/// when a format changes on purpose), and their kept crashers must now be handled.
@Suite struct EngineFuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static let targets: [(target: String, golden: String, parse: @Sendable ([UInt8]) throws -> Void)] = [
        ("fuzz-wal-segment", "wal_00000000000000000002.log", FuzzingEntryPoints.walSegment),
        ("fuzz-chunk-file", "chunks_000000000001.chunk", FuzzingEntryPoints.chunkFile),
        ("fuzz-manifest", "MANIFEST", FuzzingEntryPoints.manifest),
        ("fuzz-catalog", "CATALOG", FuzzingEntryPoints.catalog),
    ]

    @Test func seedsAreTheGoldenFilesAndParse() throws {
        for t in Self.targets {
            let seed = Array(try Data(contentsOf: Self.fuzz.appendingPathComponent("Corpus/\(t.target)/seed-0")))
            let golden = GoldenStoreTests.unhex(try String(contentsOf: GoldenStoreTests.directory.appendingPathComponent(t.golden + ".hex"), encoding: .utf8))
            #expect(seed == golden, "\(t.target): seed differs from the golden \(t.golden); copy it over")
            try t.parse(seed)
        }
    }

    @Test func keptCrashersAreHandled() throws {
        for t in Self.targets {
            let dir = Self.fuzz.appendingPathComponent("Crashers/\(t.target)")
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where !file.hasPrefix(".") {
                _ = try? t.parse(Array(try Data(contentsOf: dir.appendingPathComponent(file))))
            }
        }
    }
}
