import Testing
@testable import StrataCodecs
import StrataTestSupport

@Suite struct PresenceCodecTests {
    static let patterns: [(String, [Bool], UInt8)] = [
        ("one missing row", (0..<1000).map { $0 != 500 }, 0),
        ("long runs", (0..<1000).map { ($0 / 100) % 2 == 0 }, 1),
        ("alternating", (0..<64).map { $0 % 2 == 0 }, 2),
        ("all present", [Bool](repeating: true, count: 10), 0),
        ("none present", [Bool](repeating: false, count: 10), 2),
        ("single row", [true], 0),
        ("random", { var r = SplitMix64(seed: 3); return (0..<777).map { _ in r.next() % 3 != 0 } }(), 2),
    ]

    @Test func everyFormRoundTripsAndTheSmallestIsChosen() throws {
        for (name, present, kind) in Self.patterns {
            var block: [UInt8] = []
            PresenceCodec.encode(present: present, into: &block)
            let rows = try PresenceCodec.decode(block, rows: present.count)
            #expect(rows == present.indices.filter { present[$0] }.map(Int32.init), "\(name)")
            let header = 1 + Varint.size(UInt64(present.count))
            #expect(block[header] == kind, "\(name): kind \(block[header])")
        }
    }

    @Test func malformedBlocksThrow() {
        var block: [UInt8] = []
        PresenceCodec.encode(present: (0..<100).map { $0 % 7 != 0 }, into: &block)
        #expect(throws: CodecError.self) { _ = try PresenceCodec.decode(block, rows: 99) }
        for cut in 0..<block.count {
            #expect(throws: CodecError.self) { _ = try PresenceCodec.decode(Array(block.prefix(cut)), rows: 100) }
        }
        #expect(throws: CodecError.self) { _ = try PresenceCodec.decode([0x40, 0x03, 0x02, 0xFF], rows: 3) }  // padding bits
        #expect(throws: CodecError.self) { _ = try PresenceCodec.decode([0x40, 0x03, 0x01, 0x02, 0x01, 0x01], rows: 3) }  // runs short
        #expect(throws: CodecError.self) { _ = try PresenceCodec.decode([0x40, 0x03, 0x00, 0x01, 0x05], rows: 3) }  // row beyond
        #expect(throws: CodecError.self) { _ = try PresenceCodec.decode([0x40, 0x03, 0x07], rows: 3) }  // unknown kind
    }
}
