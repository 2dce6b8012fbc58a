import Testing
@testable import StrataCodecs
import StrataTestSupport

@Suite struct BitsTests {
    @Test func varintRoundTripsEdgeValues() throws {
        let values: [UInt64] = [0, 1, 127, 128, 255, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max - 1, UInt64.max]
        var out: [UInt8] = []
        for v in values { Varint.append(v, to: &out) }
        #expect(out.count == values.map(Varint.size).reduce(0, +))
        try out.withBytes { (raw) throws(CodecError) in
            var r = ByteReader(raw, codec: "test")
            for v in values { #expect(try r.readVarint() == v) }
            try r.expectEnd()
        }
    }

    @Test func varintRejectsOverlongAndTruncated() {
        // 11 continuation bytes: more than 64 bits.
        let overlong = [UInt8](repeating: 0xFF, count: 10) + [0x01]
        #expect(throws: CodecError.self) {
            try overlong.withBytes { (raw) throws(CodecError) in
                var r = ByteReader(raw, codec: "test")
                _ = try r.readVarint()
            }
        }
        let truncated: [UInt8] = [0x80, 0x80]
        #expect(throws: CodecError.self) {
            try truncated.withBytes { (raw) throws(CodecError) in
                var r = ByteReader(raw, codec: "test")
                _ = try r.readVarint()
            }
        }
    }

    @Test(arguments: [Int64.min, -1_000_000, -64, -1, 0, 1, 63, 64, 1_000_000, Int64.max])
    func zigzagRoundTrips(_ v: Int64) {
        #expect(Zigzag.decode(Zigzag.encode(v)) == v)
        #expect(Zigzag.encode(v) <= Zigzag.encode(v == 0 ? 0 : v) )
    }

    @Test func zigzagOrdersByMagnitude() {
        #expect(Zigzag.encode(0) == 0)
        #expect(Zigzag.encode(-1) == 1)
        #expect(Zigzag.encode(1) == 2)
        #expect(Zigzag.encode(-2) == 3)
    }

    @Test func bitWriterAndReaderAgreeOnMixedWidths() {
        var rng = SplitMix64(seed: 9)
        var fields: [(UInt64, Int)] = []
        for _ in 0..<5000 {
            let w = Int(rng.next() % 65)
            let v = w == 64 ? rng.next() : rng.next() & ((1 << UInt64(w)) - 1)
            fields.append((v, w))
        }
        var writer = BitWriter()
        for (v, w) in fields { writer.write(v, width: w) }
        var bytes: [UInt8] = []
        writer.finish(into: &bytes)
        #expect(bytes.count == (fields.reduce(0) { $0 + $1.1 } + 7) / 8)
        bytes.withUnsafeBytes { raw in
            var reader = BitReader(raw)
            for (v, w) in fields { #expect(reader.readWide(w) == v) }
            #expect(!reader.overran)
        }
    }

    @Test func bitReaderFlagsOverrun() {
        [UInt8]([0xFF]).withUnsafeBytes { raw in
            var reader = BitReader(raw)
            #expect(reader.read(8) == 0xFF)
            #expect(!reader.overran)
            #expect(reader.read(1) == 0)
            #expect(reader.overran)
        }
    }

    @Test(arguments: Array(0...64))
    func bitPackingRoundTripsAtWidth(_ width: Int) {
        var rng = SplitMix64(seed: UInt64(width))
        for count in [0, 1, 7, 8, 9, 63, 64, 65, 1000] {
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            let values = (0..<count).map { _ in rng.next() & mask }
            var packed: [UInt8] = []
            values.withUnsafeBufferPointer { BitPacking.pack($0.baseAddress!, count: count, width: width, into: &packed) }
            #expect(packed.count == BitPacking.byteCount(count: count, width: width))
            var back = [UInt64](repeating: 0xDEAD, count: count)
            packed.withUnsafeBytes { raw in
                back.withUnsafeMutableBufferPointer { BitPacking.unpack(raw, count: count, width: width, into: $0.baseAddress!) }
            }
            #expect(back == values, "width \(width), count \(count)")
        }
    }

    @Test func gcdAndRoundEven() {
        #expect(CodecMath.gcd(0, 12) == 12)
        #expect(CodecMath.gcd(12, 18) == 6)
        #expect(CodecMath.gcd(1000, 3000) == 1000)
        #expect(CodecMath.gcd(17, 5) == 1)
        #expect(CodecMath.roundEven(2.5) == 2)
        #expect(CodecMath.roundEven(3.5) == 4)
        #expect(CodecMath.roundEven(-2.5) == -2)
        #expect(CodecMath.roundEven(-0.4).sign == .minus)
        #expect(CodecMath.roundEven(4_503_599_627_370_497) == 4_503_599_627_370_497)
        #expect(CodecMath.roundEven(.infinity) == .infinity)
        #expect(CodecMath.roundEven(.nan).isNaN)
        #expect(abs(CodecMath.log2(1024) - 10) < 1e-4)
        #expect(abs(CodecMath.log2(3) - 1.5849625) < 1e-4)
    }
}
