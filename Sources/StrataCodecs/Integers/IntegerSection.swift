// An integer section: a run of Int64 values (deltas, residuals, scaled
// decimals) coded by one of three methods, chosen per section by size.
// FORMAT.md, "Integer section".
//
//   0 frame-of-reference: (v - base) / divisor bit-packed at one width;
//   1 patched frame-of-reference: a width that covers most values, the
//     rest as exceptions at their positions (PFOR, Zukowski et al., "Super-
//     Scalar RAM-CPU Cache Compression", ICDE 2006; Lemire and Boytsov,
//     "Decoding billions of integers per second through vectorization", 2015);
//   2 entropy: zigzag((v - base) / divisor) through the rANS stage.
//
// A common divisor of all differences (for example 1000 when millisecond
// timestamps fall on whole seconds, or 5 for half-step humidity) is found
// and divided out first.

package enum IntegerSection {
    static let codec = "integers"

    enum Kind: UInt8 {
        case frameOfReference = 0
        case patched = 1
        case entropy = 2
    }

    static let divisorFlag: UInt8 = 0x04
    /// Below this the exception bookkeeping of PFOR and the entropy table do not pay.
    static let minimumCountForPatching = 16
    static let minimumCountForEntropy = 8
    /// Ranges at or above this skip the signed methods, whose offsets could overflow.
    static let signedRangeLimit: UInt64 = 1 << 62

    /// A chosen coding for one section, with its exact or estimated size.
    struct Plan {
        var kind: Kind
        var base: Int64
        var divisor: UInt64
        var width: Int
        var estimatedSize: Int
    }

    // MARK: - Planning

    /// Chooses the smallest method allowed by `options` for `values`.
    static func plan(_ values: UnsafeBufferPointer<Int64>, options: CodecOptions) -> Plan {
        let n = values.count
        guard n > 0 else { return Plan(kind: .frameOfReference, base: 0, divisor: 1, width: 0, estimatedSize: 3) }
        // One pass for the range and the common divisor of all differences
        // (the gcd of v - v0 over all v divides every v - v' as well).
        let v0 = values[0]
        var lo = v0, hi = v0
        var g: UInt64 = 0
        var i = 0
        while i < n {
            let v = values[i]
            lo = min(lo, v)
            hi = max(hi, v)
            g = CodecMath.gcd(g, (v &- v0).magnitude)
            i &+= 1
            if g == 1 { break }
        }
        while i < n {
            let v = values[i]
            lo = min(lo, v)
            hi = max(hi, v)
            i &+= 1
        }
        let range = UInt64(bitPattern: hi &- lo)
        let divisor: UInt64 = range > 1 && range < signedRangeLimit ? max(g, 1) : 1
        let divisorBytes = divisor > 1 ? Varint.size(divisor) : 0
        let forWidth = BitPacking.width(of: range / divisor)
        let forSize = 2 &+ divisorBytes &+ Varint.signedSize(lo) &+ (n &* forWidth &+ 7) / 8
        var best = Plan(kind: .frameOfReference, base: lo, divisor: divisor, width: forWidth, estimatedSize: forSize)
        guard range < signedRangeLimit, forWidth > 0,
              (options.patching && n >= minimumCountForPatching && forWidth >= 2)
                || (options.entropy && n >= minimumCountForEntropy)
        else { return best }

        return withSortedSample(values) { sorted in
            let k = sorted.count
            if options.patching && n >= minimumCountForPatching && forWidth >= 2 {
                // Patching pays only when the bulk of the values is clearly narrower than the extremes.
                let inner = BitPacking.width(of: UInt64(bitPattern: sorted[k &- 1 &- k / 20] &- sorted[k / 20]) / divisor)
                if inner &+ 1 < forWidth {
                    // Base: the minimum, unless the lowest few values are outliers themselves.
                    let low = sorted[k / 20]
                    let lowSpread = BitPacking.width(of: UInt64(bitPattern: low &- lo) / divisor)
                    let b = lowSpread &+ 1 >= inner ? low : lo
                    let p = patchedPlan(values, base: b, divisor: divisor, divisorBytes: divisorBytes)
                    if p.estimatedSize < best.estimatedSize { best = p }
                }
            }
            if options.entropy && n >= minimumCountForEntropy {
                let b = sorted[k / 2]
                let size = withUnsafeTemporaryAllocation(of: Int.self, capacity: EntropyCoder.maxToken &+ 1) { counts in
                    counts.initialize(repeating: 0)
                    var extra = 0
                    forEachOffset(values, base: b, divisor: divisor) { _, q in
                        let t = EntropyCoder.token(Zigzag.encode(q))
                        counts[t.token] &+= 1
                        extra &+= t.extraBits
                    }
                    return 1 &+ divisorBytes &+ Varint.signedSize(b)
                        &+ EntropyCoder.estimateSize(counts: UnsafeBufferPointer(counts), total: n, extraBits: extra)
                }
                if size < best.estimatedSize {
                    best = Plan(kind: .entropy, base: b, divisor: divisor, width: 0, estimatedSize: size)
                }
            }
            return best
        }
    }

    /// Calls `body(i, (values[i] - base) / divisor)` for every value; the division is skipped when divisor is 1.
    @inline(__always)
    static func forEachOffset(
        _ values: UnsafeBufferPointer<Int64>, base: Int64, divisor: UInt64, _ body: (Int, Int64) -> Void
    ) {
        if divisor == 1 {
            for i in 0..<values.count { body(i, values[i] &- base) }
        } else {
            let d = Int64(bitPattern: divisor)
            for i in 0..<values.count { body(i, (values[i] &- base) / d) }
        }
    }

    /// Up to 32 values spread evenly over the section, sorted (insertion sort on the stack).
    private static func withSortedSample<R>(_ values: UnsafeBufferPointer<Int64>, _ body: (UnsafeBufferPointer<Int64>) -> R) -> R {
        let n = values.count
        let k = min(n, 32)
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: k) { s in
            for i in 0..<k {
                let x = values[i &* n / k]
                var j = i
                while j > 0 && s[j &- 1] > x {
                    s[j] = s[j &- 1]
                    j &-= 1
                }
                s[j] = x
            }
            return body(UnsafeBufferPointer(s))
        }
    }

    /// Best width for PFOR with the given base, from a histogram of value widths.
    private static func patchedPlan(
        _ values: UnsafeBufferPointer<Int64>, base: Int64, divisor: UInt64, divisorBytes: Int
    ) -> Plan {
        let n = values.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 65) { histogram in
            histogram.initialize(repeating: 0)
            var belowCount = 0
            var belowBytes = 0
            forEachOffset(values, base: base, divisor: divisor) { _, u in
                if u < 0 {
                    belowCount &+= 1
                    belowBytes &+= Varint.size(Zigzag.encode(u))
                } else {
                    histogram[BitPacking.width(of: UInt64(u))] &+= 1
                }
            }
            // Cost in bytes of values wider than w as exceptions: gap (about 1 byte)
            // plus the zigzag varint of the value (its width plus the sign bit).
            var bestWidth = 64
            var bestCost = Int.max
            var aboveCount = 0
            var aboveBytes = 0
            var w = 64
            while w >= 0 {
                let cost = (n &* w &+ 7) / 8 &+ aboveCount &+ aboveBytes &+ belowCount &+ belowBytes
                    &+ Varint.size(UInt64(aboveCount &+ belowCount))
                if cost < bestCost {
                    bestCost = cost
                    bestWidth = w
                }
                // Values of exactly width w become exceptions when the width drops below w.
                let c = histogram[w]
                if c > 0 {
                    aboveCount &+= c
                    aboveBytes &+= c &* ((w &+ 1 &+ 6) / 7)
                }
                w &-= 1
            }
            let header = 2 &+ divisorBytes &+ Varint.signedSize(base)
            return Plan(kind: .patched, base: base, divisor: divisor, width: bestWidth, estimatedSize: header &+ bestCost)
        }
    }

    // MARK: - Encode

    /// Plans and appends a section for `values`; returns the bytes appended.
    @discardableResult
    static func encode(_ values: UnsafeBufferPointer<Int64>, options: CodecOptions, into out: inout [UInt8]) -> Int {
        encode(values, plan: plan(values, options: options), into: &out)
    }

    @discardableResult
    static func encode(_ values: UnsafeBufferPointer<Int64>, plan: Plan, into out: inout [UInt8]) -> Int {
        let start = out.count
        let n = values.count
        out.append(plan.kind.rawValue | (plan.divisor > 1 ? divisorFlag : 0))
        if plan.divisor > 1 { Varint.append(plan.divisor, to: &out) }
        Varint.appendSigned(plan.base, to: &out)
        let b = plan.base
        switch plan.kind {
        case .frameOfReference:
            out.append(UInt8(plan.width))
            if plan.divisor == 1 {
                BitPacking.pack(count: n, width: plan.width, into: &out) { UInt64(bitPattern: values[$0] &- b) }
            } else {
                let d = plan.divisor
                BitPacking.pack(count: n, width: plan.width, into: &out) { UInt64(bitPattern: values[$0] &- b) / d }
            }
        case .patched:
            out.append(UInt8(plan.width))
            let limit: Int64 = plan.width >= 63 ? .max : (1 &<< Int64(plan.width))
            var exceptions: [(index: Int, value: Int64)] = []
            withScratch(n) { u in
                forEachOffset(values, base: b, divisor: plan.divisor) { i, q in
                    if q >= 0 && q < limit {
                        u[i] = UInt64(q)
                    } else {
                        u[i] = 0
                        exceptions.append((i, q))
                    }
                }
                Varint.append(UInt64(exceptions.count), to: &out)
                BitPacking.pack(u, count: n, width: plan.width, into: &out)
            }
            var previous = -1
            for e in exceptions {
                Varint.append(UInt64(e.index &- previous &- 1), to: &out)
                Varint.appendSigned(e.value, to: &out)
                previous = e.index
            }
        case .entropy:
            withScratch(n) { u in
                forEachOffset(values, base: b, divisor: plan.divisor) { i, q in u[i] = Zigzag.encode(q) }
                EntropyCoder.encode(UnsafeBufferPointer(start: u, count: n), into: &out)
            }
        }
        return out.count &- start
    }

    @inline(__always)
    private static func withScratch(_ n: Int, _ body: (UnsafeMutablePointer<UInt64>) -> Void) {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: max(n, 1))
        defer { p.deallocate() }
        body(p)
    }

    // MARK: - Decode

    /// Decodes a section of `count` values into `dst`.
    static func decode(
        _ reader: inout ByteReader, count n: Int, into dst: UnsafeMutablePointer<Int64>
    ) throws(CodecError) {
        let flagsOffset = reader.offset
        let flags = try reader.readByte()
        guard flags & ~(0x03 | divisorFlag) == 0, let kind = Kind(rawValue: flags & 0x03) else {
            throw CodecError(.malformed, codec: codec, offset: flagsOffset, "unknown integer section flags 0x\(String(flags, radix: 16))")
        }
        var divisor: UInt64 = 1
        if flags & divisorFlag != 0 {
            divisor = try reader.readVarint()
            guard divisor >= 2 else { throw reader.error(.malformed, "divisor \(divisor) below 2") }
        }
        let b = try reader.readSignedVarint()
        let raw = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt64.self)
        switch kind {
        case .frameOfReference, .patched:
            let width = Int(try reader.readByte())
            guard width <= 64 else { throw reader.error(.malformed, "bit width \(width) above 64") }
            var exceptionCount = 0
            if kind == .patched { exceptionCount = try reader.readCount("exception count", limit: n) }
            guard let byteCount = BitPacking.byteCount(count: n, width: width) else {
                throw reader.error(.limitExceeded, "\(n) values at \(width) bits overflow")
            }
            let packed = try reader.readBytes(byteCount)
            if divisor == 1 {
                BitPacking.unpack(packed, count: n, width: width, into: raw, adding: UInt64(bitPattern: b))
            } else {
                BitPacking.unpack(packed, count: n, width: width, into: raw)
                for i in 0..<n { dst[i] = b &+ Int64(bitPattern: raw[i] &* divisor) }
            }
            var index = -1
            let d = Int64(bitPattern: divisor)
            for _ in 0..<exceptionCount {
                let gap = try reader.readCount("exception gap", limit: n)
                index = index &+ gap &+ 1
                guard index < n else { throw reader.error(.malformed, "exception index \(index) beyond \(n) values") }
                dst[index] = b &+ (try reader.readSignedVarint()) &* d
            }
        case .entropy:
            try EntropyCoder.decode(&reader, count: n, into: raw)
            let d = Int64(bitPattern: divisor)
            for i in 0..<n { dst[i] = b &+ Zigzag.decode(raw[i]) &* d }
        }
    }
}
