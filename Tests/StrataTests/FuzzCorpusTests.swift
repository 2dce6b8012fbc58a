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

    /// Kept crashers of the engine fuzzers, by target.
    static let crashers: [(target: String, file: URL)] = targets.flatMap { t in
        let dir = fuzz.appendingPathComponent("Crashers/\(t.target)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.map { (t.target, dir.appendingPathComponent($0)) }
    }

    /// Each kept crasher must now be handled (a thrown error, not a trap). Skipped
    /// while the fuzzers have found none (Fuzz/run.sh replays them as well).
    @Test(.enabled(if: !crashers.isEmpty, "no kept crashers in Fuzz/Crashers"))
    func keptCrashersAreHandled() throws {
        for c in Self.crashers {
            let parse = Self.targets.first { $0.target == c.target }!.parse
            _ = try? parse(Array(try Data(contentsOf: c.file)))
        }
    }
}
