// Timestamps as their first value plus the deltas in an integer section
// (frame-of-reference bit-packing, patched, or entropy-coded).
// FORMAT.md, "Timestamps: frame-of-reference (0x02)".
//
//   block := 0x02 count:varint [t0:svarint [section(count - 1 deltas)]]

enum TimestampFrameOfReference {
    struct Plan {
        var section: IntegerSection.Plan
        var estimatedSize: Int
    }

    static func plan(_ t: UnsafeBufferPointer<Int64>, options: CodecOptions) -> Plan {
        let n = t.count
        let header = 1 &+ Varint.size(UInt64(n)) &+ (n > 0 ? Varint.signedSize(t[0]) : 0)
        guard n > 1 else {
            let empty = IntegerSection.Plan(kind: .frameOfReference, base: 0, divisor: 1, width: 0, estimatedSize: 0)
            return Plan(section: empty, estimatedSize: header)
        }
        return withDeltas(t) { deltas in
            let section = IntegerSection.plan(deltas, options: options)
            return Plan(section: section, estimatedSize: header &+ section.estimatedSize)
        }
    }

    static func encode(_ t: UnsafeBufferPointer<Int64>, plan: Plan, into out: inout [UInt8]) {
        let n = t.count
        BlockHeader.write(codec: TimestampCodec.frameOfReference.rawValue, count: n, into: &out)
        guard n > 0 else { return }
        Varint.appendSigned(t[0], to: &out)
        guard n > 1 else { return }
        withDeltas(t) { deltas in
            IntegerSection.encode(deltas, plan: plan.section, into: &out)
        }
    }

    @discardableResult
    private static func withDeltas<R>(_ t: UnsafeBufferPointer<Int64>, _ body: (UnsafeBufferPointer<Int64>) -> R) -> R {
        let n = t.count &- 1
        let deltas = UnsafeMutablePointer<Int64>.allocate(capacity: n)
        defer { deltas.deallocate() }
        for i in 0..<n { deltas[i] = t[i &+ 1] &- t[i] }
        return body(UnsafeBufferPointer(start: deltas, count: n))
    }

    static func decode(
        _ reader: inout ByteReader, count n: Int, into dst: UnsafeMutablePointer<Int64>
    ) throws(CodecError) {
        var t = try reader.readSignedVarint()
        dst[0] = t
        guard n > 1 else { return }
        try IntegerSection.decode(&reader, count: n &- 1, into: dst + 1)
        for i in 1..<n {
            t = t &+ dst[i]
            dst[i] = t
        }
    }
}
