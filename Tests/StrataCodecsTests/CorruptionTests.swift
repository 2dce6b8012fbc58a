import Testing
@testable import StrataCodecs
import StrataTestSupport

/// One encoded block of each codec, with the decoder that reads it.
struct EncodedSample: Sendable, CustomTestStringConvertible {
    let name: String
    let block: [UInt8]
    let decode: @Sendable ([UInt8]) throws -> Void
    var testDescription: String { name }

    static let all: [EncodedSample] = {
        var samples: [EncodedSample] = []
        let ts = Generate.timestamps(count: 300, jitter: 5, missing: 0.02)
        for codec in TimestampCodec.allCases {
            for options in [CodecOptions.bitPackedOnly, .default] {
                var b: [UInt8] = []
                codec.encode(ts, options: options, into: &b)
                samples.append(.init(name: "\(codec.name) \(options.entropy ? "entropy" : "packed")", block: b) {
                    _ = try TimestampCodec.decode($0, maxCount: 1 << 16)
                })
            }
        }
        let values = Generate.decimals(count: 250) + [769.666666666667, .nan, -0.0, 0.00476416302416414] + Generate.decimals(count: 50, seed: 9)
        for codec in ValueCodec.allCases {
            for options in [CodecOptions.bitPackedOnly, .default] {
                var b: [UInt8] = []
                codec.encode(values, options: options, into: &b)
                samples.append(.init(name: "\(codec.name) \(options.entropy ? "entropy" : "packed")", block: b) {
                    _ = try ValueCodec.decode($0, maxCount: 1 << 16)
                })
            }
        }
        var q: [UInt8] = []
        QualityCodec.encode((0..<300).map { UInt8($0 / 100) }, into: &q)
        samples.append(.init(name: "quality/run-length", block: q) { _ = try QualityCodec.decode($0, maxCount: 1 << 16) })
        return samples
    }()
}

/// How a block is damaged, and whether decoding must then fail.
struct Damage: Sendable, CustomTestStringConvertible {
    let name: String
    let mustFail: Bool
    let apply: @Sendable ([UInt8], Int) -> [UInt8]?   // (block, i) -> damaged block, nil when i is out of range
    var testDescription: String { name }

    static let all: [Damage] = [
        Damage(name: "truncated to i bytes", mustFail: true) { b, i in i < b.count ? Array(b.prefix(i)) : nil },
        Damage(name: "one trailing byte", mustFail: true) { b, i in i == 0 ? b + [0] : nil },
        Damage(name: "bit i flipped", mustFail: false) { b, i in
            guard i < b.count * 8 else { return nil }
            var d = b
            d[i / 8] ^= 1 << UInt8(i % 8)
            return d
        },
        Damage(name: "byte i set to 0xFF", mustFail: false) { b, i in
            guard i < b.count else { return nil }
            var d = b
            d[i] = 0xFF
            return d
        },
        Damage(name: "count varint set huge", mustFail: true) { b, i in
            i == 0 ? [b[0], 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] + b.dropFirst(2) : nil
        },
    ]
}

@Suite struct CorruptionTests {
    @Test(arguments: EncodedSample.all, Damage.all)
    func damagedBlocksNeverCrash(_ sample: EncodedSample, _ damage: Damage) throws {
        try sample.decode(sample.block)  // the intact block decodes
        var i = 0
        while let damaged = damage.apply(sample.block, i) {
            if damage.mustFail {
                #expect(throws: CodecError.self, "\(damage.name), i = \(i)") { try sample.decode(damaged) }
            } else {
                _ = try? sample.decode(damaged)
            }
            i += 1
        }
    }

    @Test func randomBytesNeverCrashAnyDecoder() {
        var rng = SplitMix64(seed: 77)
        for round in 0..<20_000 {
            let length = Int(rng.next() % 64)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Steer most inputs past the codec byte.
            if length > 0 && round % 4 != 0 {
                let codecs: [UInt8] = [0x01, 0x02, 0x03, 0x10, 0x11, 0x30]
                bytes[0] = codecs[Int(rng.next() % UInt64(codecs.count))]
            }
            _ = try? TimestampCodec.decode(bytes, maxCount: 4096)
            _ = try? ValueCodec.decode(bytes, maxCount: 4096)
            _ = try? QualityCodec.decode(bytes, maxCount: 4096)
            _ = try? ByteCompression.lz4.decompress(bytes, originalSize: 256, limit: 4096)
            _ = try? ByteCompression.zstd.decompress(bytes, originalSize: 256, limit: 4096)
        }
    }

    @Test func errorsNameCodecAndOffset() {
        var block: [UInt8] = []
        TimestampCodec.grid.encode(Generate.timestamps(count: 100, jitter: 5), into: &block)
        do {
            _ = try TimestampCodec.decode(Array(block.prefix(block.count - 3)), maxCount: 100)
            Issue.record("truncated block decoded")
        } catch {
            #expect(error.codec.hasPrefix("timestamps/grid") || error.codec == "integers" || error.codec == "entropy")
            #expect(error.offset > 0)
            #expect(error.kind == .truncated)
        }
    }
}
