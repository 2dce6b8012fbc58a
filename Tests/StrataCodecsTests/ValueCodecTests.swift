import Testing
@testable import StrataCodecs
import StrataTestSupport

/// A named value sequence for table-driven round trips.
struct ValueCase: Sendable, CustomTestStringConvertible {
    let name: String
    let values: [Double]
    var testDescription: String { name }

    static let all: [ValueCase] = [
        .init(name: "empty", values: []),
        .init(name: "one", values: [21.4]),
        .init(name: "two", values: [21.4, 21.5]),
        .init(name: "constant", values: [Double](repeating: 3.981, count: 1000)),
        .init(name: "constant non-decimal", values: [Double](repeating: 1.0 / 3.0, count: 300)),
        .init(name: "decimal sensor 25.5, 25.6, ...", values: Generate.decimals(count: 1024)),
        .init(name: "three decimals", values: Generate.decimals(count: 1024, start: 3.981, step: 0.002, decimals: 3)),
        .init(name: "trailing zeros 45.450", values: [45.450, 45.460, 45.5, 45.45, 45.440]),
        .init(name: "integer-valued", values: (0..<1000).map { Double(($0 * 37) % 1000) }),
        .init(name: "counter", values: (0..<1000).map { 1_000_000 + Double($0 * 17) }),
        .init(name: "random doubles", values: Generate.randomDoubles(count: 1000)),
        .init(name: "random bit patterns", values: Generate.randomBits(count: 1000)),
        .init(name: "special doubles", values: Generate.specialDoubles),
        .init(name: "specials inside decimals", values: Generate.decimals(count: 200) + Generate.specialDoubles + Generate.decimals(count: 200)),
        .init(name: "means printed to 15 digits", values: [769.666666666667, 431.4, 435.333333333333, 439.666666666667, 431.75, 1016.66666666667, 798, 797]),
        .init(name: "derived ratios", values: [0.00476416302416414, 0.00477266099212519, 0.00476515255246541, 0.00474377335599685]),
        .init(name: "binary noise", values: [72.09160609999998, 0.06453452400000001, 0.064295318, 0.1 + 0.2, 0.062208184000000014]),
        .init(name: "large magnitudes", values: [1e17, 1e18, 9.2e18, 1e19, -1e17, 123456789012345680]),
        .init(name: "tiny magnitudes", values: [1e-10, 2e-10, 1.5e-19, 3e-300, .leastNonzeroMagnitude]),
        .init(name: "exponent form", values: [-2.77555756156289e-17, 1e-17, 0, 3.5]),
    ]
}

@Suite struct ValueCodecTests {
    @Test(arguments: ValueCase.all, ValueCodec.allCases)
    func forcedCodecRoundTripsBitExactly(_ c: ValueCase, _ codec: ValueCodec) throws {
        for options in [CodecOptions.default, .bitPackedOnly, CodecOptions(patching: false, entropy: false)] {
            var block: [UInt8] = []
            codec.encode(c.values, options: options, into: &block)
            #expect(block.first == codec.rawValue)
            #expect(try ValueCodec.decode(block, maxCount: c.values.count).bits == c.values.bits)
        }
    }

    @Test(arguments: ValueCase.all)
    func choiceRoundTripsAndIsNeverLargerThanGorilla(_ c: ValueCase) throws {
        var chosen: [UInt8] = [], gorilla: [UInt8] = []
        ValueCodec.encode(c.values, into: &chosen)
        ValueCodec.gorilla.encode(c.values, into: &gorilla)
        #expect(chosen.count <= gorilla.count)
        #expect(try ValueCodec.decode(chosen, maxCount: 1 << 20).bits == c.values.bits)
    }

    @Test func decimalBeatsGorillaSeveralTimesOnSensorData() {
        let v = Generate.decimals(count: 1024)
        var decimal: [UInt8] = [], gorilla: [UInt8] = []
        ValueCodec.decimal.encode(v, into: &decimal)
        ValueCodec.gorilla.encode(v, into: &gorilla)
        #expect(decimal.count * 4 < gorilla.count, "decimal \(decimal.count) vs Gorilla \(gorilla.count)")
    }

    @Test func decimalStoresMeansAsRationalExceptions() throws {
        // 2/3 of the values are short decimals, 1/3 thirds printed to 15 digits.
        let v = (0..<300).map { (i: Int) -> Double in
            if i % 3 == 2 { return Double(1306 + i) / 3 }
            return Double(4314 + i) / 10
        }
        let printed = v.map(round15)
        var block: [UInt8] = []
        ValueCodec.decimal.encode(printed, into: &block)
        #expect(try ValueCodec.decode(block, maxCount: 300).bits == printed.bits)
        // Raw exceptions would take 9 bytes each: 100 * 9 = 900.
        #expect(block.count < 600, "\(block.count) bytes")
    }

    @Test func negativeZeroAndNaNPayloadsSurvive() throws {
        let v: [Double] = [-0.0, 0.0, Double(bitPattern: 0x7FF8_0000_0000_0001), -0.0, 21.5]
        for codec in ValueCodec.allCases {
            var block: [UInt8] = []
            codec.encode(v, into: &block)
            #expect(try ValueCodec.decode(block, maxCount: 5).bits == v.bits)
        }
    }

    @Test func millionPointSeriesRoundTrips() throws {
        let v = Generate.decimals(count: 1_000_000)
        for codec in ValueCodec.allCases {
            var block: [UInt8] = []
            codec.encode(v, into: &block)
            #expect(try ValueCodec.decode(block, maxCount: 1_000_000).bits == v.bits, "\(codec)")
        }
    }

    @Test(.enabled(if: SharedDatasets.available, "../shared/datasets is not beside the repository (set STRATA_SHARED)"))
    func datasetValuesRoundTripBitExactly() throws {
        for name in ["occupancy_room", "nab_real", "beijing_air_quality", "elf_float_values"] {
            for s in try SharedDatasets.series(name, limit: 60_000) {
                var i = 0
                while i < s.values.count {
                    let block = Array(s.values[i..<min(i + 1024, s.values.count)])
                    var out: [UInt8] = [], gorilla: [UInt8] = []
                    ValueCodec.encode(block, into: &out)
                    ValueCodec.gorilla.encode(block, into: &gorilla)
                    #expect(out.count <= gorilla.count)
                    #expect(try ValueCodec.decode(out, maxCount: 1024).bits == block.bits, "\(name) \(s.key)")
                    i += 1024
                }
            }
        }
    }
}

/// v rounded to 15 significant digits, as R, pandas and spreadsheets print means to CSV.
func round15(_ v: Double) -> Double {
    var magnitude = 0
    var x = v.magnitude
    while x >= 10 { x /= 10; magnitude += 1 }
    while x < 1 && x > 0 { x *= 10; magnitude -= 1 }
    var scale = 1.0
    for _ in 0..<max(0, 14 - magnitude) { scale *= 10 }
    return (v * scale).rounded() / scale
}
