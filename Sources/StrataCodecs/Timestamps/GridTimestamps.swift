// Grid timestamps: most IoT timestamps sit on a regular grid with a few
// milliseconds of jitter and the odd missing reading. Each timestamp is
//
//   t(i) = base + k(i) * P + r(i),   k(0) = 0,  k(i) = k(i-1) + s(i)
//
// with P the block's period, s(i) the grid steps (1 except where readings
// are missing or out of order: those are stored as exceptions), and r(i)
// small residuals stored as an integer section (patched bit-packing keeps a
// few late readings from widening every value). All arithmetic wraps, so
// any Int64 sequence round-trips; the model only decides the size.
// FORMAT.md, "Timestamps: grid (0x03)".
//
//   block := 0x03 count:varint base:svarint
//            [period:varint exceptions:varint (gap:varint step:svarint)*]   (count >= 2)
//            section(count residuals)

enum GridTimestamps {
    /// A period with everything the writer needs, computed once.
    struct Plan {
        var period: Int64
        var residuals: [Int64]
        var steps: [(index: Int, step: Int64)]
        var section: IntegerSection.Plan
        var estimatedSize: Int
    }

    static func plan(_ t: UnsafeBufferPointer<Int64>, options: CodecOptions) -> Plan {
        let n = t.count
        guard n > 1 else {
            let residuals: [Int64] = n == 0 ? [] : [0]
            let section = residuals.withUnsafeBufferPointer { IntegerSection.plan($0, options: options) }
            let size = 1 &+ Varint.size(UInt64(n)) &+ (n > 0 ? Varint.signedSize(t[0]) &+ section.estimatedSize : 0)
            return Plan(period: 1, residuals: residuals, steps: [], section: section, estimatedSize: size)
        }
        let p0 = medianPositiveDelta(t)
        var best = evaluate(t, period: p0, options: options)
        // Refine: the period that spans the block exactly (a median of jittered
        // deltas can be off by one, which makes residuals drift across the block).
        let span = t[n &- 1] &- t[0]
        let steps = best.residuals.isEmpty ? 0 : stepsTotal(best)
        if steps > 0 && span > 0 {
            let p1 = max(1, (span &+ steps / 2) / steps)
            if p1 != p0 {
                let other = evaluate(t, period: p1, options: options)
                if other.estimatedSize < best.estimatedSize { best = other }
            }
        }
        return best
    }

    /// Median of a sample of the positive deltas, or 1 if there are none.
    private static func medianPositiveDelta(_ t: UnsafeBufferPointer<Int64>) -> Int64 {
        let n = t.count
        var sample: [Int64] = []
        sample.reserveCapacity(64)
        let stride = max(1, (n &- 1) / 64)
        var i = 1
        while i < n {
            let d = t[i] &- t[i &- 1]
            if d > 0 { sample.append(d) }
            i &+= stride
        }
        guard !sample.isEmpty else { return 1 }
        sample.sort()
        return sample[sample.count / 2]
    }

    /// The grid step between two timestamps: their delta divided by the period, rounded to nearest.
    @inline(__always)
    static func step(_ delta: Int64, period: Int64) -> Int64 {
        // The common case, one period give or take jitter, without a division.
        let off = delta &- period
        if off >= 0 ? off < period &- off : (0 &- off) < period &+ off { return 1 }
        let q = delta / period
        let r = delta &- q &* period
        // Round half away from zero; r and delta share a sign.
        if r > 0 && r >= period &- r { return q &+ 1 }
        if r < 0 && -r >= period &+ r { return q &- 1 }
        return q
    }

    /// k(n-1): the grid steps across the whole block.
    private static func stepsTotal(_ plan: Plan) -> Int64 {
        var k = Int64(plan.residuals.count &- 1)
        for s in plan.steps { k = k &+ s.step &- 1 }
        return k
    }

    private static func evaluate(_ t: UnsafeBufferPointer<Int64>, period: Int64, options: CodecOptions) -> Plan {
        let n = t.count
        var steps: [(index: Int, step: Int64)] = []
        let base = t[0]
        var k: Int64 = 0
        let residuals = [Int64](unsafeUninitializedCapacity: n) { r, initialized in
            r[0] = 0
            for i in 1..<n {
                let s = step(t[i] &- t[i &- 1], period: period)
                if s != 1 { steps.append((i, s)) }
                k = k &+ s
                r[i] = t[i] &- base &- k &* period
            }
            initialized = n
        }
        let section = residuals.withUnsafeBufferPointer { IntegerSection.plan($0, options: options) }
        var size = 1 &+ Varint.size(UInt64(n)) &+ Varint.signedSize(base) &+ Varint.size(UInt64(period))
            &+ Varint.size(UInt64(steps.count)) &+ section.estimatedSize
        var last = 0
        for (i, s) in steps {
            size &+= Varint.size(UInt64(i &- last &- 1)) &+ Varint.signedSize(s)
            last = i
        }
        return Plan(period: period, residuals: residuals, steps: steps, section: section, estimatedSize: size)
    }

    static func encode(_ t: UnsafeBufferPointer<Int64>, plan: Plan, into out: inout [UInt8]) {
        let n = t.count
        BlockHeader.write(codec: TimestampCodec.grid.rawValue, count: n, into: &out)
        guard n > 0 else { return }
        Varint.appendSigned(t[0], to: &out)
        if n > 1 {
            Varint.append(UInt64(plan.period), to: &out)
            Varint.append(UInt64(plan.steps.count), to: &out)
            var last = 0
            for (i, s) in plan.steps {
                Varint.append(UInt64(i &- last &- 1), to: &out)
                Varint.appendSigned(s, to: &out)
                last = i
            }
        }
        _ = plan.residuals.withUnsafeBufferPointer { IntegerSection.encode($0, plan: plan.section, into: &out) }
    }

    static func decode(
        _ reader: inout ByteReader, count n: Int, into dst: UnsafeMutablePointer<Int64>
    ) throws(CodecError) {
        let base = try reader.readSignedVarint()
        guard n > 1 else {
            try IntegerSection.decode(&reader, count: 1, into: dst)
            dst[0] = base &+ dst[0]
            return
        }
        let periodOffset = reader.offset
        let period = try reader.readVarint()
        guard period >= 1 && period <= UInt64(Int64.max) else {
            throw CodecError(.malformed, codec: reader.codec, offset: periodOffset, "period \(period) out of range")
        }
        let p = Int64(period)
        let exceptionCount = try reader.readCount("step exception count", limit: n &- 1)
        // Exceptions are read into a small list first: the residual section follows them.
        var exceptionIndex = [Int](repeating: 0, count: exceptionCount)
        var exceptionStep = [Int64](repeating: 0, count: exceptionCount)
        var last = 0
        for j in 0..<exceptionCount {
            let gap = try reader.readCount("step exception gap", limit: n)
            let i = last &+ gap &+ 1
            guard i < n else { throw reader.error(.malformed, "step exception index \(i) beyond \(n) timestamps") }
            exceptionIndex[j] = i
            exceptionStep[j] = try reader.readSignedVarint()
            last = i
        }
        try IntegerSection.decode(&reader, count: n, into: dst)
        // dst holds residuals; add base + k(i) * P, where k advances by 1 except at exceptions.
        var offset = base
        dst[0] = offset &+ dst[0]
        var i = 1
        var j = 0
        while i < n {
            let stop = j < exceptionCount ? exceptionIndex[j] : n
            while i < stop {
                offset = offset &+ p
                dst[i] = offset &+ dst[i]
                i &+= 1
            }
            if i < n {
                offset = offset &+ exceptionStep[j] &* p
                dst[i] = offset &+ dst[i]
                i &+= 1
                j &+= 1
            }
        }
    }
}
