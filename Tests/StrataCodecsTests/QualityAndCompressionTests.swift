import Testing
@testable import StrataCodecs
import StrataTestSupport

@Suite struct QualityCodecTests {
    @Test(arguments: [[UInt8](), [0], [0, 0, 0, 2, 0], [UInt8](repeating: 0, count: 10_000), (0..<1000).map { UInt8($0 % 3) }])
    func runLengthRoundTrips(_ codes: [UInt8]) throws {
        var block: [UInt8] = []
        QualityCodec.encode(codes, into: &block)
        #expect(try QualityCodec.decode(block, maxCount: codes.count) == codes)
    }

    @Test func allGoodIsThreeBytesPlusCount() {
        var block: [UInt8] = []
        QualityCodec.encode([UInt8](repeating: 0, count: 1024), into: &block)
        #expect(block == [0x30, 0x80, 0x08, 0x00, 0x80, 0x08])
    }

    @Test func rejectsRunsThatDoNotAddUp() {
        #expect(throws: CodecError.self) { _ = try QualityCodec.decode([0x30, 0x05, 0x00, 0x03], maxCount: 10) }
        #expect(throws: CodecError.self) { _ = try QualityCodec.decode([0x30, 0x02, 0x00, 0x03], maxCount: 10) }
        #expect(throws: CodecError.self) { _ = try QualityCodec.decode([0x30, 0x02, 0x00, 0x00, 0x00, 0x02], maxCount: 10) }
        #expect(throws: CodecError.self) { _ = try QualityCodec.decode([0x30, 0x02, 0x00, 0x02, 0x99], maxCount: 10) }
    }
}

@Suite struct ByteCompressionTests {
    static let payloads: [[UInt8]] = [
        [],
        Array("sensor-00001,temperature,1767225600000,21.4\n".utf8),
        [UInt8](repeating: 7, count: 100_000),
        { var r = SplitMix64(seed: 8); return (0..<50_000).map { _ in UInt8(truncatingIfNeeded: r.next()) } }(),
    ]

    @Test(arguments: ByteCompression.allCases)
    func roundTrips(_ method: ByteCompression) throws {
        for payload in Self.payloads {
            let packed = try method.compress(payload)
            #expect(try method.decompress(packed, originalSize: payload.count, limit: 1 << 20) == payload)
        }
    }

    @Test(arguments: ByteCompression.allCases)
    func wrongSizeLimitAndGarbageAreErrors(_ method: ByteCompression) throws {
        let payload = Self.payloads[2]
        let packed = try method.compress(payload)
        #expect { _ = try method.decompress(packed, originalSize: payload.count, limit: 1000) } throws: {
            ($0 as? CodecError)?.kind == .limitExceeded
        }
        #expect(throws: CodecError.self) { _ = try method.decompress(packed, originalSize: payload.count - 1, limit: 1 << 20) }
        #expect(throws: CodecError.self) { _ = try method.decompress(packed, originalSize: payload.count + 1, limit: 1 << 20) }
        #expect(throws: CodecError.self) { _ = try method.decompress(Array(packed.prefix(packed.count / 2)), originalSize: payload.count, limit: 1 << 20) }
        #expect(throws: CodecError.self) { _ = try method.decompress([0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x11], originalSize: 64, limit: 1 << 20) }
    }
}
