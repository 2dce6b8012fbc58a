import Foundation
import Testing
@testable import StrataCodecs

/// Golden byte vectors: small inputs and their exact encodings, committed in
/// Fixtures/golden-codecs.txt so that a change of layout is never silent.
/// Regenerate on purpose with STRATA_UPDATE_GOLDEN=1 (and update FORMAT.md).
@Suite struct GoldenVectorTests {
    static let timestamps: [Int64] = [1_767_225_600_000, 1_767_225_610_003, 1_767_225_619_998, 1_767_225_630_001, 1_767_225_650_000]
    static let values: [Double] = [21.4, 21.5, 21.5, 21.6, 769.666666666667, -0.0, .nan, 21.7]
    /// A slow walk in tenths: mostly flat, so the entropy stage pays.
    static let walk: [Double] = {
        var tenths = 214
        var out: [Double] = []
        for i in 0..<256 {
            if i % 11 == 0 { tenths += 1 }
            if i % 17 == 0 { tenths -= 1 }
            out.append(Double(tenths) / 10)
        }
        return out
    }()
    /// Small steps with two spikes, so patching pays.
    static let spiky: [Double] = (0..<96).map { (i: Int) -> Double in
        if i == 30 || i == 70 { return 999.9 }
        return Double(200 + i % 4) / 10
    }

    static func vectors() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for codec in TimestampCodec.allCases {
            var b: [UInt8] = []
            codec.encode(timestamps, options: .bitPackedOnly, into: &b)
            out.append(("\(codec.name)", b))
        }
        for codec in ValueCodec.allCases {
            var b: [UInt8] = []
            codec.encode(values, options: .bitPackedOnly, into: &b)
            out.append(("\(codec.name)", b))
        }
        var e: [UInt8] = []
        ValueCodec.decimal.encode(walk, options: .default, into: &e)
        out.append(("values/decimal+entropy", e))
        var p: [UInt8] = []
        ValueCodec.decimal.encode(spiky, options: .bitPackedOnly, into: &p)
        out.append(("values/decimal+patched", p))
        var q: [UInt8] = []
        QualityCodec.encode([0, 0, 0, 2, 0], into: &q)
        out.append(("quality/run-length", q))
        return out
    }

    /// The integer section kinds the two decimal vectors were meant to show.
    @Test func decimalVectorsUseTheIntendedStages() {
        var e: [UInt8] = [], p: [UInt8] = []
        ValueCodec.decimal.encode(Self.walk, options: .default, into: &e)
        ValueCodec.decimal.encode(Self.spiky, options: .bitPackedOnly, into: &p)
        #expect(sectionKind(e) == 2, "walk: entropy-coded section")
        #expect(sectionKind(p) == 1, "spiky: patched section")
    }

    /// The integer section's kind in a decimal block without exceptions:
    /// codec, count, mode, exception count, m0 [d1], then the section's flags byte.
    func sectionKind(_ block: [UInt8]) -> UInt8? {
        try? block.withBytes { (raw) throws(CodecError) -> UInt8 in
            var r = ByteReader(raw, codec: "test")
            _ = try r.readByte()
            _ = try r.readVarint()
            let order = try r.readByte() >> 5
            _ = try r.readVarint()
            if order >= 1 { _ = try r.readVarint() }
            if order == 2 { _ = try r.readVarint() }
            return try r.readByte() & 3
        }
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden-codecs.txt")

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    @Test func encodingsMatchTheCommittedFixture() throws {
        let current = Self.vectors()
        let text = current.map { "\($0.0) \(Self.hex($0.1))" }.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["STRATA_UPDATE_GOLDEN"] == "1" {
            try text.write(to: Self.fixture, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.fixture, encoding: .utf8)
        var expected: [String: String] = [:]
        for line in committed.split(separator: "\n") {
            let parts = line.split(separator: " ")
            expected[String(parts[0])] = String(parts[1])
        }
        for (name, bytes) in current {
            #expect(expected[name] == Self.hex(bytes), "layout of \(name) changed: update FORMAT.md and the fixture on purpose")
        }
    }

    @Test func committedFixturesDecodeToTheInputs() throws {
        let committed = try String(contentsOf: Self.fixture, encoding: .utf8)
        for line in committed.split(separator: "\n") {
            let parts = line.split(separator: " ")
            let name = String(parts[0])
            let hex = Array(parts[1].utf8)
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            if name.hasPrefix("timestamps/") {
                #expect(try TimestampCodec.decode(bytes, maxCount: 300) == Self.timestamps)
            } else if name == "values/decimal+entropy" {
                #expect(try ValueCodec.decode(bytes, maxCount: 300).map(\.bitPattern) == Self.walk.map(\.bitPattern))
            } else if name == "values/decimal+patched" {
                #expect(try ValueCodec.decode(bytes, maxCount: 300).map(\.bitPattern) == Self.spiky.map(\.bitPattern))
            } else if name.hasPrefix("values/") {
                #expect(try ValueCodec.decode(bytes, maxCount: 300).map(\.bitPattern) == Self.values.map(\.bitPattern))
            } else {
                #expect(try QualityCodec.decode(bytes, maxCount: 300) == [0, 0, 0, 2, 0])
            }
        }
    }
}
