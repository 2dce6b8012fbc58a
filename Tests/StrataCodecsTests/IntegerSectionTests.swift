import Testing
@testable import StrataCodecs
import StrataTestSupport

@Suite struct IntegerSectionTests {
    static let inputs: [(String, [Int64])] = [
        ("empty", []),
        ("zeros", [Int64](repeating: 0, count: 100)),
        ("small symmetric", (0..<1000).map { Int64($0 % 11) - 5 }),
        ("multiples of 1000", (0..<500).map { Int64($0 % 7) * 1000 - 3000 }),
        ("outliers", (0..<1000).map { $0 % 97 == 0 ? 1_000_000 : Int64($0 % 5) }),
        ("low outliers", (0..<1000).map { $0 % 89 == 0 ? -5_000_000 : Int64($0 % 13) }),
        ("full range", [Int64.min, Int64.max, 0, -1, 1]),
        ("random", { var r = SplitMix64(seed: 21); return (0..<777).map { _ in Int64(bitPattern: r.next()) } }()),
        ("skewed", (0..<1024).map { $0 % 50 == 0 ? 3 : 0 }),
    ]

    func roundTrip(_ values: [Int64], _ plan: IntegerSection.Plan) throws -> Int {
        var out: [UInt8] = []
        values.withUnsafeBufferPointer { _ = IntegerSection.encode($0, plan: plan, into: &out) }
        var back = [Int64](repeating: 0x5A5A, count: values.count)
        try out.withBytes { (raw) throws(CodecError) in
            var r = ByteReader(raw, codec: "test")
            try back.withUnsafeMutableBufferPointer { (b) throws(CodecError) in
                try IntegerSection.decode(&r, count: values.count, into: b.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
            }
            try r.expectEnd()
        }
        #expect(back == values)
        return out.count
    }

    @Test func everyKindRoundTripsEveryInput() throws {
        for (name, values) in Self.inputs {
            for options in [CodecOptions.default, .bitPackedOnly, CodecOptions(patching: false, entropy: false),
                            CodecOptions(patching: false, entropy: true)] {
                let plan = values.withUnsafeBufferPointer { IntegerSection.plan($0, options: options) }
                let size = try roundTrip(values, plan)
                if plan.kind != .entropy { #expect(size <= plan.estimatedSize + 2, "\(name): estimate \(plan.estimatedSize), got \(size)") }
                if !options.entropy { #expect(plan.kind != .entropy) }
                if !options.patching { #expect(plan.kind != .patched) }
            }
        }
    }

    @Test func patchingIsChosenForOutliersAndEntropyForSkew() {
        let outliers = Self.inputs.first { $0.0 == "outliers" }!.1
        #expect(outliers.withUnsafeBufferPointer { IntegerSection.plan($0, options: .bitPackedOnly) }.kind == .patched)
        let skewed = Self.inputs.first { $0.0 == "skewed" }!.1
        #expect(skewed.withUnsafeBufferPointer { IntegerSection.plan($0, options: .default) }.kind == .entropy)
    }

    @Test func commonDivisorIsFactoredOut() {
        let values = Self.inputs.first { $0.0 == "multiples of 1000" }!.1
        let plan = values.withUnsafeBufferPointer { IntegerSection.plan($0, options: .bitPackedOnly) }
        #expect(plan.divisor == 1000)
        #expect(plan.width == 3)
    }

    @Test func entropyTokensRoundTrip() {
        for u: UInt64 in [0, 1, 15, 16, 17, 31, 32, 47, 48, 1000, 1 << 40, UInt64.max, UInt64.max - 1] {
            let t = EntropyCoder.token(u)
            let (base, extra) = EntropyCoder.tokenBase(t.token)
            #expect(extra == t.extraBits)
            let low = extra == 0 ? 0 : u & ((1 << UInt64(extra)) - 1)
            #expect(base | low == u, "\(u)")
            #expect(t.token <= EntropyCoder.maxToken)
        }
    }

    @Test func entropyStageApproachesOrderZeroEntropy() throws {
        // 11 equiprobable symbols: log2(11) = 3.46 bits each.
        var rng = SplitMix64(seed: 3)
        let values = (0..<4096).map { _ in Int64(rng.next() % 11) - 5 }
        let plan = IntegerSection.Plan(kind: .entropy, base: 0, divisor: 1, width: 0, estimatedSize: 0)
        let size = try roundTrip(values, plan)
        #expect(Double(size) * 8 / 4096 < 3.6, "\(Double(size) * 8 / 4096) bits per value")
    }
}
