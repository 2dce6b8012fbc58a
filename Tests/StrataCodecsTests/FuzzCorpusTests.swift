import Foundation
import Testing
@testable import StrataCodecs
import StrataTestSupport

/// The fuzzers' seed corpus (Fuzz/Corpus) and kept crashers (Fuzz/Crashers):
/// seeds must be valid encodings, crashers must now be handled. The fuzz
/// targets feed `[codec byte] + input` to the decoders; this does the same.
@Suite struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// Decodes `input` the way fuzz target `target` does; nil for targets that are not decoders.
    static func decode(_ target: String, _ input: [UInt8]) -> Result<Void, Error>? {
        func run(_ body: () throws -> Void) -> Result<Void, Error> { Result { try body() } }
        switch target {
        case "fuzz-timestamps-dod": return run { _ = try TimestampCodec.decode([0x01] + input, maxCount: 1 << 16) }
        case "fuzz-timestamps-for": return run { _ = try TimestampCodec.decode([0x02] + input, maxCount: 1 << 16) }
        case "fuzz-timestamps-grid": return run { _ = try TimestampCodec.decode([0x03] + input, maxCount: 1 << 16) }
        case "fuzz-values-gorilla": return run { _ = try ValueCodec.decode([0x10] + input, maxCount: 1 << 16) }
        case "fuzz-values-decimal": return run { _ = try ValueCodec.decode([0x11] + input, maxCount: 1 << 16) }
        case "fuzz-quality": return run { _ = try QualityCodec.decode([0x30] + input, maxCount: 1 << 16) }
        case "fuzz-lz4", "fuzz-zstd":
            guard input.count >= 2 else { return .success(()) }
            let method: ByteCompression = target == "fuzz-lz4" ? .lz4 : .zstd
            return run { _ = try method.decompress(Array(input.dropFirst(2)), originalSize: Int(input[0]) | Int(input[1]) << 8, limit: 1 << 16) }
        default: return nil
        }
    }

    /// Seeds: one valid block per codec and stage, written with STRATA_WRITE_FUZZ_SEEDS=1.
    static func seeds() throws -> [String: [[UInt8]]] {
        var seeds: [String: [[UInt8]]] = [:]
        let ts = [Generate.timestamps(count: 40, jitter: 5, missing: 0.05), Generate.timestamps(count: 3), [Int64.min, 0, Int64.max]]
        for t in ts {
            for (codec, target) in zip(TimestampCodec.allCases, ["fuzz-timestamps-dod", "fuzz-timestamps-for", "fuzz-timestamps-grid"]) {
                for options in [CodecOptions.default, .bitPackedOnly] {
                    var b: [UInt8] = []
                    codec.encode(t, options: options, into: &b)
                    seeds[target, default: []].append(Array(b.dropFirst()))
                }
            }
            seeds["fuzz-roundtrip-timestamps", default: []].append(t.withUnsafeBytes { Array($0) })
        }
        let vs = [Generate.decimals(count: 40), [769.666666666667, 431.4, -0.0, .nan, 0.00476416302416414, 21.5], Generate.randomBits(count: 8)]
        for v in vs {
            for (codec, target) in zip(ValueCodec.allCases, ["fuzz-values-gorilla", "fuzz-values-decimal"]) {
                for options in [CodecOptions.default, .bitPackedOnly] {
                    var b: [UInt8] = []
                    codec.encode(v, options: options, into: &b)
                    seeds[target, default: []].append(Array(b.dropFirst()))
                }
            }
            seeds["fuzz-roundtrip-values", default: []].append(v.withUnsafeBytes { Array($0) })
        }
        var q: [UInt8] = []
        QualityCodec.encode([0, 0, 1, 2, 2, 0], into: &q)
        seeds["fuzz-quality"] = [Array(q.dropFirst())]
        let payload = Array("device_id,sensor_type,timestamp,value,quality sensor-00001 temperature 21.4 21.5 21.5".utf8)
        for (method, target) in [(ByteCompression.lz4, "fuzz-lz4"), (.zstd, "fuzz-zstd")] {
            let packed = try method.compress(payload)
            seeds[target] = [[UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)] + packed]
        }
        return seeds
    }

    @Test func seedCorpusIsCurrentAndValid() throws {
        let seeds = try Self.seeds()
        if ProcessInfo.processInfo.environment["STRATA_WRITE_FUZZ_SEEDS"] == "1" {
            for (target, blocks) in seeds {
                let dir = Self.fuzz.appendingPathComponent("Corpus/\(target)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for (i, b) in blocks.enumerated() { try Data(b).write(to: dir.appendingPathComponent("seed-\(i)")) }
            }
        }
        for (target, blocks) in seeds {
            for (i, b) in blocks.enumerated() {
                let file = Self.fuzz.appendingPathComponent("Corpus/\(target)/seed-\(i)")
                #expect(FileManager.default.fileExists(atPath: file.path), "missing seed \(target)/seed-\(i)")
                if case .failure(let e)? = Self.decode(target, b) { Issue.record("seed \(target)/\(i) does not decode: \(e)") }
            }
        }
    }

    @Test func keptCrashersAreHandled() throws {
        let crashers = Self.fuzz.appendingPathComponent("Crashers")
        let targets = (try? FileManager.default.contentsOfDirectory(atPath: crashers.path)) ?? []
        for target in targets {
            let dir = crashers.appendingPathComponent(target)
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where !file.hasPrefix(".") {
                let input = Array(try Data(contentsOf: dir.appendingPathComponent(file)))
                _ = Self.decode(target, input)  // must return, whatever it returns
            }
        }
    }
}
