import Testing
@testable import StrataCodecs
import StrataTestSupport

/// A named timestamp sequence for table-driven round trips.
struct TimestampCase: Sendable, CustomTestStringConvertible {
    let name: String
    let values: [Int64]
    var testDescription: String { name }

    static let all: [TimestampCase] = [
        .init(name: "empty", values: []),
        .init(name: "one", values: [1_767_225_600_000]),
        .init(name: "two", values: [1_767_225_600_000, 1_767_225_610_000]),
        .init(name: "regular 10 s", values: Generate.timestamps(count: 1024)),
        .init(name: "jittered +-5 ms, 1% missing", values: Generate.timestamps(count: 1024, jitter: 5, missing: 0.01)),
        .init(name: "hourly", values: Generate.timestamps(count: 24, interval: 3_600_000)),
        .init(name: "irregular ms", values: {
            var rng = SplitMix64(seed: 11)
            var t: Int64 = 1_458_031_648_545
            return (0..<1024).map { _ in t += Int64(rng.next() % 8000) + 27; return t }
        }()),
        .init(name: "constant", values: [Int64](repeating: 42, count: 100)),
        .init(name: "extremes", values: [Int64.min, Int64.max, 0, Int64.min, -1, Int64.max, Int64.max - 1, Int64.min + 1]),
        .init(name: "unsorted random", values: {
            var rng = SplitMix64(seed: 12)
            return (0..<1000).map { _ in Int64(bitPattern: rng.next()) }
        }()),
        .init(name: "descending", values: (0..<500).map { 1_000_000 - Int64($0) * 37 }),
        .init(name: "negative epoch", values: Generate.timestamps(count: 300, start: -86_400_000 * 365, interval: 60_000, jitter: 3)),
        .init(name: "late points out of order", values: {
            var t = Generate.timestamps(count: 1024, jitter: 5)
            t.swapAt(100, 700)
            t.swapAt(5, 6)
            return t
        }()),
        .init(name: "whole seconds", values: Generate.timestamps(count: 1000, interval: 1000, missing: 0.1).map { $0 / 1000 * 1000 }),
        .init(name: "nanoseconds", values: Generate.timestamps(count: 1000, start: 1_767_225_600_000_000_000, interval: 1_000_000_000, jitter: 50_000)),
        .init(name: "huge deltas", values: [0, Int64.max / 2, -Int64.max / 2, 7, Int64.max, Int64.min, 3]),
    ]
}

@Suite struct TimestampCodecTests {
    @Test(arguments: TimestampCase.all, TimestampCodec.allCases)
    func forcedCodecRoundTrips(_ c: TimestampCase, _ codec: TimestampCodec) throws {
        for options in [CodecOptions.default, .bitPackedOnly, CodecOptions(patching: false, entropy: false)] {
            var block: [UInt8] = []
            codec.encode(c.values, options: options, into: &block)
            #expect(block.first == codec.rawValue)
            #expect(try TimestampCodec.decode(block, maxCount: c.values.count) == c.values)
        }
    }

    @Test(arguments: TimestampCase.all)
    func choiceRoundTripsAndIsNeverLargerThanDeltaOfDelta(_ c: TimestampCase) throws {
        var chosen: [UInt8] = []
        TimestampCodec.encode(c.values, into: &chosen)
        var dod: [UInt8] = []
        TimestampCodec.deltaOfDelta.encode(c.values, into: &dod)
        #expect(chosen.count <= dod.count)
        #expect(try TimestampCodec.decode(chosen, maxCount: 1 << 20) == c.values)
        let header = try chosen.withBytes { (raw) throws(CodecError) in try TimestampCodec.header(raw) }
        #expect(header.count == c.values.count)
    }

    @Test func gridIsSmallOnJitteredRegularData() {
        let t = Generate.timestamps(count: 1024, jitter: 5, missing: 0.01)
        var grid: [UInt8] = [], dod: [UInt8] = []
        TimestampCodec.grid.encode(t, options: .bitPackedOnly, into: &grid)
        TimestampCodec.deltaOfDelta.encode(t, into: &dod)
        // +-5 ms residuals fit 4 bits: about half a byte per timestamp, under half of Gorilla's.
        #expect(Double(grid.count) / 1024 < 0.6)
        #expect(grid.count * 2 < dod.count)
    }

    @Test func millionPointSeriesRoundTrips() throws {
        let t = Generate.timestamps(count: 1_000_000, jitter: 5, missing: 0.01)
        for codec in TimestampCodec.allCases {
            var block: [UInt8] = []
            codec.encode(t, into: &block)
            #expect(try TimestampCodec.decode(block, maxCount: 1_000_000) == t, "\(codec)")
        }
    }

    @Test func decodeRespectsTheCallersLimit() {
        var block: [UInt8] = []
        TimestampCodec.encode(Generate.timestamps(count: 100), into: &block)
        #expect {
            _ = try TimestampCodec.decode(block, maxCount: 99)
        } throws: { ($0 as? CodecError)?.kind == .limitExceeded }
        var small = [Int64](repeating: 0, count: 10)
        #expect(throws: CodecError.self) {
            try block.withBytes { (raw) throws(CodecError) in
                _ = try small.withUnsafeMutableBufferPointer { (buf) throws(CodecError) in try TimestampCodec.decode(raw, into: buf) }
            }
        }
    }

    @Test func unknownCodecByteIsRejected() {
        #expect {
            _ = try TimestampCodec.decode([0x7E, 0x01, 0x00], maxCount: 10)
        } throws: { ($0 as? CodecError)?.kind == .unknownCodec }
    }

    @Test(.enabled(if: SharedDatasets.available, "../shared/datasets is not beside the repository (set STRATA_SHARED)"))
    func datasetTimestampsRoundTrip() throws {
        for name in ["room_climate", "nab_real", "skab"] {
            for s in try SharedDatasets.series(name, limit: 60_000) {
                var i = 0
                while i < s.timestamps.count {
                    let block = Array(s.timestamps[i..<min(i + 1024, s.timestamps.count)])
                    var out: [UInt8] = []
                    TimestampCodec.encode(block, into: &out)
                    #expect(try TimestampCodec.decode(out, maxCount: 1024) == block, "\(name) \(s.key)")
                    i += 1024
                }
            }
        }
    }
}
