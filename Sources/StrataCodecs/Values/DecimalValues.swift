// Decimal-aware values: most sensor readings are short decimals (21.4,
// 45.450, 3.981) whose binary patterns Gorilla XOR codes poorly. Per block,
// pick a power of ten e so that (almost) every value v is exactly
// Double(m) / 10^e for an integer m; code the integers' first or second
// differences as an integer section; keep the values no such m reproduces
// bit-exactly (NaN, -0.0, long binary fractions) as exceptions at their
// positions. Ideas from ALP (Afroozeh, Kuffó and Boncz, "ALP: Adaptive
// Lossless floating-Point Compression", SIGMOD 2024: per-block exponent from
// a sample, exceptions at positions) and from VictoriaMetrics' decimal
// conversion; written here from those descriptions.
//
// Decoding divides by an exact power of ten (10^0...10^18 are all exact
// doubles) and IEEE division is correctly rounded, so m / 10^e is the double
// nearest to the decimal number: for any value printed with at most e
// fractional digits the round trip is exact. The encoder still checks every
// value with the decoder's own formula.
//
// Exceptions are cheap when they are decimals after all: a value with more
// digits than the block's exponent (e2 > e) is stored as the residual from
// the block's integer at its position; a mean printed to 15 significant
// digits (769.666666666667 = 2309/3 rounded to 12 decimals) is stored as a
// small denominator q and a numerator residual. Only what neither reproduces
// bit-exactly (NaN, -0.0, infinities, binary noise beyond 2^63) is kept raw.
// FORMAT.md, "Values: decimal (0x11)".
//
//   block     := 0x11 count:varint mode:u8 exceptions:varint exception*
//                [m0:svarint [d1:svarint]] section(count - order)
//   mode      := exponent (bits 0-4, 0...18) | order << 5 (0, 1 or 2); bit 7 is 0
//   exception := gap:varint tag:u8 payload
//     tag & 3 == 0  raw         payload: bits:u64le                       (tag == 0)
//     tag & 3 == 1  finer       payload: r:svarint        v = (m*10^(e2-e) + r) / 10^e2
//     tag & 3 == 2  rational    payload: q:varint r:svarint
//                               v = roundEven((q*m + r) / (q*10^e) * 10^e2) / 10^e2
//     with e2 = tag >> 2 (e < e2 <= 18) and m the block's integer at that position.

package enum DecimalValues {
    static let maxExponent = 18
    static let powers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
        1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    ]
    /// |v * 10^e| must stay below 2^63 so that m fits an Int64.
    static let scaledLimit: Double = 9.223372036854775e18
    static let intPowers: [Int64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
    ]
    /// Typical bytes of an exception (gap, tag, payload), for choosing the exponent.
    static let exceptionCost = 5
    /// Largest denominator tried for rational exceptions.
    static let maxDenominator: Int64 = 16

    /// How one value the block's exponent cannot represent is stored.
    enum Exception {
        case raw(UInt64)
        case finer(exponent: Int, residual: Int64)
        case rational(exponent: Int, denominator: Int64, residual: Int64)

        var tag: UInt8 {
            switch self {
            case .raw: 0
            case .finer(let e2, _): 1 | UInt8(e2) &<< 2
            case .rational(let e2, _, _): 2 | UInt8(e2) &<< 2
            }
        }

        var payloadSize: Int {
            switch self {
            case .raw: 8
            case .finer(_, let r): Varint.signedSize(r)
            case .rational(_, let q, let r): Varint.size(UInt64(q)) &+ Varint.signedSize(r)
            }
        }
    }

    /// The value a finer exception decodes to.
    @inline(__always)
    static func finerValue(m: Int64, e: Int, e2: Int, residual r: Int64) -> Double {
        Double(m &* intPowers[e2 &- e] &+ r) / powers[e2]
    }

    /// The value a rational exception decodes to.
    @inline(__always)
    static func rationalValue(m: Int64, e: Int, e2: Int, q: Int64, residual r: Int64) -> Double {
        let x = Double(q &* m &+ r) / (Double(q) * powers[e])
        return CodecMath.roundEven(x * powers[e2]) / powers[e2]
    }

    /// The cheapest exception for v at exponent e, and the integer the block stores at its position.
    static func exception(for v: Double, exponent e: Int, previous: Int64) -> (Exception, Int64) {
        let s = v * powers[e]
        guard s.magnitude < scaledLimit, let e2 = minimalExponent(v, from: e &+ 1) else {
            return (.raw(v.bitPattern), previous)
        }
        let m = roundToInt(s)
        var best = Exception.raw(v.bitPattern)
        var bestSize = 8
        let (scaled, overflow) = m.multipliedReportingOverflow(by: intPowers[e2 &- e])
        if !overflow {
            let r = roundToInt(v * powers[e2]) &- scaled
            if finerValue(m: m, e: e, e2: e2, residual: r).bitPattern == v.bitPattern {
                best = .finer(exponent: e2, residual: r)
                bestSize = best.payloadSize
            }
        }
        if bestSize > 2 {
            // A mean printed to e2 decimals is within q * 10^(e - e2) / 2 of n / (q 10^e)
            // once scaled: skip the exact check for denominators that cannot fit.
            let tolerance = powers[e] / powers[e2]
            var q: Int64 = 2
            while q <= maxDenominator {
                let x = v * (Double(q) * powers[e])
                let nearest = CodecMath.roundEven(x)
                guard (x - nearest).magnitude <= Double(q) * tolerance + x.magnitude * 1e-15 else {
                    q &+= 1
                    continue
                }
                let n = roundToInt(x)
                let r = n &- q &* m
                if rationalValue(m: m, e: e, e2: e2, q: q, residual: r).bitPattern == v.bitPattern {
                    let candidate = Exception.rational(exponent: e2, denominator: q, residual: r)
                    if candidate.payloadSize < bestSize {
                        best = candidate
                        bestSize = candidate.payloadSize
                    }
                    break
                }
                q &+= 1
            }
        }
        if case .raw = best { return (best, previous) }
        return (best, m)
    }

    /// round(s) for |s| < 2^63 (ties to even below 2^51). `rounded()` is a libm call
    /// on baseline x86-64 (no SSE4.1); adding and subtracting 1.5 * 2^52 rounds in
    /// two instructions. Only the encoder rounds this way, and it verifies every result.
    @inline(__always)
    static func roundToInt(_ s: Double) -> Int64 {
        let magic = 6_755_399_441_055_744.0
        if s.magnitude < 2_251_799_813_685_248.0 { return Int64((s + magic) - magic) }
        return Int64(s.rounded())
    }

    /// m for v at exponent e, if Double(m) / 10^e reproduces v bit-exactly.
    @inline(__always)
    static func scaled(_ v: Double, exponent e: Int) -> Int64? {
        let p = powers[e]
        let s = v * p
        guard s.magnitude < scaledLimit else { return nil }  // also rejects NaN and infinities
        let m = roundToInt(s)
        return (Double(m) / p).bitPattern == v.bitPattern ? m : nil
    }

    /// The smallest exponent from `first` on that represents v exactly, or nil.
    static func minimalExponent(_ v: Double, from first: Int = 0) -> Int? {
        guard first <= maxExponent, v.isFinite else { return nil }
        // Short decimals first: they are the common case and fail the cheap test fast.
        let shortEnd = min(first &+ 3, maxExponent)
        for e in first...shortEnd {
            switch fits(v, e) {
            case .exact: return e
            case .tooLarge: return nil
            case .no: continue
            }
        }
        guard shortEnd < maxExponent, v != 0 else { return nil }
        // Long ones: start where a 15-significant-digit decimal of v would be
        // (R, pandas and spreadsheets print means that way) and walk to the
        // smallest exponent that fits; fitting is monotone in e.
        let magnitude = Int((Double(v.exponent) * 0.30103).rounded(.down))  // about floor(log10 |v|)
        var e = min(max(14 &- magnitude, shortEnd &+ 1), maxExponent)
        switch fits(v, e) {
        case .exact:
            while e > shortEnd &+ 1, fits(v, e &- 1) == .exact { e &-= 1 }
            return e
        case .tooLarge:
            return nil
        case .no:
            while e < maxExponent {
                e &+= 1
                switch fits(v, e) {
                case .exact: return e
                case .tooLarge: return nil
                case .no: continue
                }
            }
            return nil
        }
    }

    enum Fit { case exact, no, tooLarge }

    /// Whether v is exactly Double(m) / 10^e for an integer m.
    @inline(__always)
    static func fits(_ v: Double, _ e: Int) -> Fit {
        let s = v * powers[e]
        guard s.magnitude < scaledLimit else { return .tooLarge }
        // If v is the double nearest m / 10^e, then s = v * 10^e is within
        // |m| * 2.3e-16 of m: a cheap test that skips the division for
        // exponents that cannot fit.
        let r = CodecMath.roundEven(s)
        guard (s - r).magnitude <= s.magnitude * 1e-15 else { return .no }
        return (Double(Int64(r)) / powers[e]).bitPattern == v.bitPattern ? .exact : .no
    }

    /// Everything the writer needs, computed once by `prepare`.
    struct Prepared {
        var exponent: Int
        var order: Int
        var count: Int
        /// m(0) and, for order 2, m(1) - m(0): the differences' starting values.
        var first: Int64
        var firstDelta: Int64
        /// The integers' differences of `order` (the integers themselves for order 0).
        var differences: [Int64]
        var exceptions: [(index: Int, exception: Exception)]
        var section: IntegerSection.Plan
        var estimatedSize: Int
    }

    /// Picks the exponent from a sample of the block: each further power of
    /// ten costs about 3.3 bits per value; each sampled value the exponent
    /// cannot represent costs what its exception would.
    static func chooseExponent(_ v: UnsafeBufferPointer<Double>) -> Int? {
        chooseExponents(v).first?.e
    }

    /// The exponents ranked by estimated cost in bytes for the sample, best first, at most `limit`.
    static func chooseExponents(_ v: UnsafeBufferPointer<Double>, limit: Int = 1) -> [(e: Int, cost: Double)] {
        let n = v.count
        let k = min(n, 32)
        var sample = [(value: Double, exponent: Int)]()
        sample.reserveCapacity(k)
        var present = [Bool](repeating: false, count: maxExponent &+ 1)
        for j in 0..<k {
            let x = v[j &* n / k]
            let e = minimalExponent(x) ?? (maxExponent &+ 1)
            if e <= maxExponent { present[e] = true }
            sample.append((x, e))
        }
        // An exception's cost is estimated without searching for its best form: a
        // finer decimal's residual has about (ex - e) digits; a value no exponent
        // fits is raw. (The full pass finds the cheaper rational form where it exists.)
        var ranked: [(e: Int, cost: Double)] = []
        for e in 0...maxExponent where present[e] {
            var cost = Double(k &* e) * 0.415
            for (_, ex) in sample where ex > e {
                cost += ex > maxExponent ? 10 : 2 + (Double(ex &- e) * 3.33 + 1) / 7
            }
            ranked.append((e, cost))
        }
        ranked.sort { $0.cost < $1.cost }
        return Array(ranked.prefix(limit))
    }

    /// Prepares the block at the most promising exponent, and at the runner-up
    /// when the sample cannot tell them apart, and keeps the smaller.
    static func prepare(_ v: UnsafeBufferPointer<Double>, options: CodecOptions) -> Prepared? {
        if v.isEmpty { return prepare(v, options: options, exponent: 0) }
        let candidates = chooseExponents(v, limit: 2)
        guard let first = candidates.first else { return nil }
        var best = prepare(v, options: options, exponent: first.e)
        if candidates.count > 1 && candidates[1].cost <= first.cost * 1.25 {
            let other = prepare(v, options: options, exponent: candidates[1].e)
            if other.estimatedSize < best.estimatedSize { best = other }
        }
        return best
    }

    static func prepare(_ v: UnsafeBufferPointer<Double>, options: CodecOptions, exponent e: Int) -> Prepared {
        let n = v.count
        guard n > 0 else {
            return Prepared(exponent: 0, order: 0, count: 0, first: 0, firstDelta: 0, differences: [], exceptions: [],
                            section: IntegerSection.Plan(kind: .frameOfReference, base: 0, divisor: 1, width: 0, estimatedSize: 3),
                            estimatedSize: 6)
        }
        var exceptions: [(index: Int, exception: Exception)] = []
        var cost0 = 0, cost1 = 0, cost2 = 0
        let ints = [Int64](unsafeUninitializedCapacity: n) { ints, initialized in
            var firstValid = -1
            var previous: Int64 = 0
            let p = powers[e]
            let pv = SIMD4<Double>(repeating: p)
            let magic = SIMD4<Double>(repeating: 6_755_399_441_055_744.0)
            let fastLimit = SIMD4<Double>(repeating: 2_251_799_813_685_248.0)
            var i = 0
            /// One value the slow way: exact at e, or an exception.
            func scalar(_ i: Int) {
                if let m = scaled(v[i], exponent: e) {
                    ints[i] = m
                    previous = m
                    if firstValid < 0 { firstValid = i }
                } else {
                    // Raw exceptions repeat the previous integer so the differences stay small;
                    // the others store the value rounded to the block's exponent.
                    let (x, m) = exception(for: v[i], exponent: e, previous: previous)
                    ints[i] = m
                    if case .raw = x {} else {
                        previous = m
                        if firstValid < 0 { firstValid = i }
                    }
                    exceptions.append((i, x))
                }
            }
            // Four values at a time when all four are exact (the common case): the
            // scaling, rounding and the checking division run as packed operations.
            // A group with an exception (or a value beyond 2^51) goes the slow way.
            while i &+ 4 <= n {
                let x = SIMD4<Double>(v[i], v[i &+ 1], v[i &+ 2], v[i &+ 3])
                let scaled = x * pv
                let m = (scaled + magic) - magic
                // Written so that NaN fails too: it must not reach the Int64 conversion.
                if all((scaled .< fastLimit) .& (scaled .> -fastLimit))
                    && unsafeBitCast(m / pv, to: SIMD4<UInt64>.self) == unsafeBitCast(x, to: SIMD4<UInt64>.self)
                {
                    ints[i] = Int64(m[0])
                    ints[i &+ 1] = Int64(m[1])
                    ints[i &+ 2] = Int64(m[2])
                    ints[i &+ 3] = Int64(m[3])
                    previous = ints[i &+ 3]
                    if firstValid < 0 { firstValid = i }
                } else {
                    for j in i..<(i &+ 4) { scalar(j) }
                }
                i &+= 4
            }
            while i < n {
                scalar(i)
                i &+= 1
            }
            if firstValid > 0 {
                // Leading raw exceptions take the first stored integer.
                for j in 0..<firstValid { ints[j] = ints[firstValid] }
            }
            initialized = n
            // Differences: pick the order whose values need the fewest bits in total,
            // estimated on every fourth position (the choice needs no exact count).
            var lo = ints[0], hi = ints[0]
            for j in 0..<n {
                lo = min(lo, ints[j])
                hi = max(hi, ints[j])
            }
            var j = 2
            while j < n {
                let d1 = ints[j] &- ints[j &- 1]
                let d0 = ints[j &- 1] &- ints[j &- 2]
                cost1 &+= BitPacking.width(of: Zigzag.encode(d1))
                cost2 &+= BitPacking.width(of: Zigzag.encode(d1 &- d0))
                j &+= 4
            }
            let sampled = max((n &- 2 &+ 3) / 4, 1)
            cost1 = cost1 &* (n &- 1) / sampled
            cost2 = cost2 &* (n &- 2) / sampled
            cost0 = n &* BitPacking.width(of: UInt64(bitPattern: hi &- lo))
        }
        var order = 0
        if n >= 2 && cost1 < cost0 { order = 1 }
        if n >= 3 && cost2 < (order == 1 ? cost1 : cost0) { order = 2 }
        let differences = makeDifferences(ints, order: order)
        let section = differences.withUnsafeBufferPointer { IntegerSection.plan($0, options: options) }
        var size = 2 &+ Varint.size(UInt64(n)) &+ Varint.size(UInt64(exceptions.count)) &+ section.estimatedSize
        var last = -1
        for x in exceptions {
            size &+= Varint.size(UInt64(x.index &- last &- 1)) &+ 1 &+ x.exception.payloadSize
            last = x.index
        }
        let firstDelta = n >= 2 ? ints[1] &- ints[0] : 0
        if order >= 1 { size &+= Varint.signedSize(ints[0]) }
        if order == 2 { size &+= Varint.signedSize(firstDelta) }
        return Prepared(exponent: e, order: order, count: n, first: ints[0], firstDelta: firstDelta,
                        differences: differences, exceptions: exceptions, section: section, estimatedSize: size)
    }

    private static func makeDifferences(_ values: [Int64], order: Int) -> [Int64] {
        let n = values.count
        let count = max(n &- order, 0)
        if order == 0 { return values }
        return values.withUnsafeBufferPointer { ints in [Int64](unsafeUninitializedCapacity: count) { d, initialized in
            switch order {
            case 0:
                for i in 0..<n { d[i] = ints[i] }
            case 1:
                for i in 1..<n { d[i &- 1] = ints[i] &- ints[i &- 1] }
            default:
                for i in 2..<n { d[i &- 2] = (ints[i] &- ints[i &- 1]) &- (ints[i &- 1] &- ints[i &- 2]) }
            }
            initialized = count
        } }
    }

    static func write(_ p: Prepared, into out: inout [UInt8]) {
        let n = p.count
        BlockHeader.write(codec: ValueCodec.decimal.rawValue, count: n, into: &out)
        guard n > 0 else { return }
        out.append(UInt8(p.exponent) | UInt8(p.order) &<< 5)
        Varint.append(UInt64(p.exceptions.count), to: &out)
        var last = -1
        for x in p.exceptions {
            Varint.append(UInt64(x.index &- last &- 1), to: &out)
            out.append(x.exception.tag)
            switch x.exception {
            case .raw(let bits):
                out.appendUInt64LE(bits)
            case .finer(_, let r):
                Varint.appendSigned(r, to: &out)
            case .rational(_, let q, let r):
                Varint.append(UInt64(q), to: &out)
                Varint.appendSigned(r, to: &out)
            }
            last = x.index
        }
        if p.order >= 1 { Varint.appendSigned(p.first, to: &out) }
        if p.order == 2 { Varint.appendSigned(p.firstDelta, to: &out) }
        _ = p.differences.withUnsafeBufferPointer { IntegerSection.encode($0, plan: p.section, into: &out) }
    }

    /// dst[i] = Double(ints[i]) / 10^e. Four lanes at a time: the divisions
    /// then issue as packed divides, which is what bounds this loop.
    @inline(__always)
    static func convert(_ ints: UnsafeMutablePointer<Int64>, count n: Int, exponent e: Int, into dst: UnsafeMutablePointer<Double>) {
        if e == 0 {
            for i in 0..<n { dst[i] = Double(ints[i]) }
            return
        }
        let p = powers[e]
        let divisor = SIMD4<Double>(repeating: p)
        var i = 0
        while i &+ 4 <= n {
            let x = SIMD4<Double>(Double(ints[i]), Double(ints[i &+ 1]), Double(ints[i &+ 2]), Double(ints[i &+ 3])) / divisor
            dst[i] = x[0]
            dst[i &+ 1] = x[1]
            dst[i &+ 2] = x[2]
            dst[i &+ 3] = x[3]
            i &+= 4
        }
        while i < n {
            dst[i] = Double(ints[i]) / p
            i &+= 1
        }
    }

    /// Reads one exception's tag and payload; returns its value given m, the block's integer at its position.
    @discardableResult
    static func readException(_ reader: inout ByteReader, exponent e: Int, m: Int64 = 0) throws(CodecError) -> Double {
        let tagOffset = reader.offset
        let tag = try reader.readByte()
        let e2 = Int(tag &>> 2)
        switch tag & 3 {
        case 0 where tag == 0:
            return Double(bitPattern: try reader.readUInt64LE())
        case 1 where e2 > e && e2 <= maxExponent:
            return finerValue(m: m, e: e, e2: e2, residual: try reader.readSignedVarint())
        case 2 where e2 > e && e2 <= maxExponent:
            let qOffset = reader.offset
            let q = try reader.readVarint()
            guard q >= 2 && q <= UInt64(maxDenominator) else {
                throw CodecError(.malformed, codec: reader.codec, offset: qOffset, "denominator \(q) out of range")
            }
            return rationalValue(m: m, e: e, e2: e2, q: Int64(q), residual: try reader.readSignedVarint())
        default:
            throw CodecError(.malformed, codec: reader.codec, offset: tagOffset, "bad exception tag 0x\(String(tag, radix: 16))")
        }
    }

    static func decode(
        _ reader: inout ByteReader, count n: Int, into dst: UnsafeMutablePointer<Double>
    ) throws(CodecError) {
        let modeOffset = reader.offset
        let mode = try reader.readByte()
        let e = Int(mode & 0x1F)
        let order = Int(mode &>> 5)
        guard e <= maxExponent, order <= 2, order < max(n, 1) || order == 0 else {
            throw CodecError(.malformed, codec: reader.codec, offset: modeOffset,
                             "mode 0x\(String(mode, radix: 16)): exponent \(e), order \(order) invalid for \(n) values")
        }
        let exceptionCount = try reader.readCount("exception count", limit: n)
        let exceptionStart = reader.offset
        var last = -1
        for _ in 0..<exceptionCount {  // validate now, apply after the integers
            let gap = try reader.readCount("exception gap", limit: n)
            last = last &+ gap &+ 1
            guard last < n else { throw reader.error(.malformed, "exception index \(last) beyond \(n) values") }
            try readException(&reader, exponent: e)
        }
        let exceptionEnd = reader.offset
        var m0: Int64 = 0, d1: Int64 = 0
        if order >= 1 { m0 = try reader.readSignedVarint() }
        if order == 2 { d1 = try reader.readSignedVarint() }
        let ints = UnsafeMutablePointer<Int64>.allocate(capacity: n)
        defer { ints.deallocate() }
        try IntegerSection.decode(&reader, count: n &- order, into: ints + order)
        switch order {
        case 0:
            break
        case 1:
            var m = m0
            ints[0] = m
            for i in 1..<n {
                m = m &+ ints[i]
                ints[i] = m
            }
        default:
            var m = m0
            var d = d1
            ints[0] = m
            m = m &+ d
            ints[1] = m
            for i in 2..<n {
                d = d &+ ints[i]
                m = m &+ d
                ints[i] = m
            }
        }
        convert(ints, count: n, exponent: e, into: dst)
        if exceptionCount > 0 {
            var exceptions = ByteReader(
                UnsafeRawBufferPointer(rebasing: reader.bytes[exceptionStart..<exceptionEnd]), codec: reader.codec)
            var index = -1
            for _ in 0..<exceptionCount {
                index = index &+ Int(try exceptions.readVarint()) &+ 1
                dst[index] = try readException(&exceptions, exponent: e, m: ints[index])
            }
        }
    }
}

extension DecimalValues {
    /// The sum of `values` rounded once from its exact value, when every value
    /// is a decimal m / 10^e (common exponent up to 18) and the sum of the m
    /// stays within 2^53; nil otherwise. Block statistics use it so that sums of
    /// decimal readings are exact, whatever order a query adds them in.
    package static func exactSum(_ values: UnsafeBufferPointer<Double>) -> Double? {
        var e = 0
        for v in values {
            // A value that needs a higher exponent raises it for the block.
            if scaled(v, exponent: e) == nil {
                guard let ev = minimalExponent(v), ev > e else { return nil }
                e = ev
            }
        }
        var sum: Int64 = 0
        for v in values {
            guard let m = scaled(v, exponent: e) else { return nil }
            let (s, overflow) = sum.addingReportingOverflow(m)
            if overflow { return nil }
            sum = s
        }
        // Above 2^53 converting the sum would round before the division does.
        guard sum.magnitude <= 1 << 53 else { return nil }
        return Double(sum) / powers[e]
    }
}

extension DecimalValues {
    /// The sum and the sum of squared deviations from the mean (M2) of
    /// `values`, computed exactly in integers and rounded once at the end
    /// (the sum) or with two roundings (M2), when every value is a decimal
    /// m / 10^e (common exponent up to 18), the sum of the m stays within
    /// 2^53 and n * sum(m^2) within 2^126; nil otherwise.
    ///
    /// M2 = (n * sum(m^2) - sum(m)^2) / (n * 10^2e): no cancellation, however
    /// large the mean, so variances of decimal readings are exact to the last bit or two.
    package static func exactMoments(_ values: UnsafeBufferPointer<Double>) -> (sum: Double, m2: Double)? {
        guard !values.isEmpty else { return nil }
        // One pass at the first value's exponent; a value that needs a finer one
        // raises it and the pass starts over (rare: a block's values share one).
        // The exponent ends as the largest minimal exponent, as in `exactSum`.
        guard var e = minimalExponent(values[0]) else { return nil }
        var sum: Int64 = 0
        var squares: Int128 = 0
        var i = 0
        while i < values.count {
            let v = values[i]
            guard let m = scaled(v, exponent: e) else {
                guard let ev = minimalExponent(v), ev > e else { return nil }
                e = ev
                sum = 0
                squares = 0
                i = 0
                continue
            }
            let (s, overflow) = sum.addingReportingOverflow(m)
            guard !overflow, m.magnitude < 1 << 62 else { return nil }
            sum = s
            let (q, overflowQ) = squares.addingReportingOverflow(Int128(m) * Int128(m))
            guard !overflowQ else { return nil }
            squares = q
            i += 1
        }
        guard sum.magnitude <= 1 << 53 else { return nil }
        let n = Int128(values.count)
        let (scaledSquares, overflow) = squares.multipliedReportingOverflow(by: n)
        guard !overflow else { return nil }
        let numerator = scaledSquares - Int128(sum) * Int128(sum)
        let m2 = Double(numerator) / Double(values.count) / powers[e] / powers[e]
        return (Double(sum) / powers[e], m2)
    }
}
