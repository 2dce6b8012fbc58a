// Delta-of-delta timestamps with variable-length buckets: Pelkonen et al.,
// "Gorilla: A Fast, Scalable, In-Memory Time Series Database", VLDB 2015,
// section 4.1.1. Widened so that any Int64 sequence round-trips: the
// arithmetic wraps, buckets hold zigzag values, and a last bucket holds all
// 64 bits. FORMAT.md, "Timestamps: delta-of-delta (0x01)".
//
//   block  := 0x01 count:varint [t0:svarint [d1:svarint bits...]]
//   bits   := per timestamp i >= 2, z = zigzag((t[i]-t[i-1]) - (t[i-1]-t[i-2])):
//     z == 0      '0'
//     z < 2^7     '10'    + 7 bits
//     z < 2^9     '110'   + 9 bits
//     z < 2^12    '1110'  + 12 bits
//     z < 2^32    '11110' + 32 bits
//     otherwise   '11111' + 64 bits
//   (bits are LSB-first; prefixes are written first bit first)

enum DeltaOfDelta {
    /// (prefix value as written LSB-first, prefix length, payload width) per bucket 1...5.
    @inline(__always)
    static func bucket(_ z: UInt64) -> (prefix: UInt64, prefixWidth: Int, width: Int) {
        if z < 1 << 7 { return (0b01, 2, 7) }
        if z < 1 << 9 { return (0b011, 3, 9) }
        if z < 1 << 12 { return (0b0111, 4, 12) }
        if z < 1 << 32 { return (0b01111, 5, 32) }
        return (0b11111, 5, 64)
    }

    /// Exact encoded size in bytes.
    static func encodedSize(_ t: UnsafeBufferPointer<Int64>) -> Int {
        let n = t.count
        var size = 1 &+ Varint.size(UInt64(n))
        guard n > 0 else { return size }
        size &+= Varint.signedSize(t[0])
        guard n > 1 else { return size }
        var previousDelta = t[1] &- t[0]
        size &+= Varint.signedSize(previousDelta)
        var bits = 0
        for i in 2..<n {
            let delta = t[i] &- t[i &- 1]
            let z = Zigzag.encode(delta &- previousDelta)
            previousDelta = delta
            if z == 0 {
                bits &+= 1
            } else {
                let b = bucket(z)
                bits &+= b.prefixWidth &+ b.width
            }
        }
        return size &+ (bits &+ 7) / 8
    }

    static func encode(_ t: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) {
        let n = t.count
        BlockHeader.write(codec: TimestampCodec.deltaOfDelta.rawValue, count: n, into: &out)
        guard n > 0 else { return }
        Varint.appendSigned(t[0], to: &out)
        guard n > 1 else { return }
        var previousDelta = t[1] &- t[0]
        Varint.appendSigned(previousDelta, to: &out)
        var writer = BitWriter(capacityBits: n &* 2)
        for i in 2..<n {
            let delta = t[i] &- t[i &- 1]
            let z = Zigzag.encode(delta &- previousDelta)
            previousDelta = delta
            if z == 0 {
                writer.write(0, width: 1)
            } else {
                let b = bucket(z)
                if b.width <= 32 {
                    writer.write(b.prefix | (z &<< UInt64(b.prefixWidth)), width: b.prefixWidth &+ b.width)
                } else {
                    writer.write(b.prefix, width: b.prefixWidth)
                    writer.write(z, width: 64)
                }
            }
        }
        writer.finish(into: &out)
    }

    static func decode(
        _ reader: inout ByteReader, count n: Int, into dst: UnsafeMutablePointer<Int64>
    ) throws(CodecError) {
        var t = try reader.readSignedVarint()
        dst[0] = t
        guard n > 1 else { return }
        var delta = try reader.readSignedVarint()
        t = t &+ delta
        dst[1] = t
        guard n > 2 else { return }
        let streamStart = reader.offset
        let stream = try reader.readBytes(reader.remaining)
        // Each remaining timestamp takes at least one bit.
        guard n &- 2 <= stream.count &* 8 else {
            throw CodecError(.truncated, codec: reader.codec, offset: streamStart,
                             "\(n - 2) timestamps cannot fit in \(stream.count) bytes")
        }
        var bits = BitReader(stream)
        var i = 2
        while i < n {
            let w = bits.peek()
            if w & 1 == 0 {
                // A run of '0' codes: that many timestamps with an unchanged delta.
                var run = w == 0 ? 56 : w.trailingZeroBitCount
                run = min(run, 56, n &- i)
                bits.skip(run)
                for _ in 0..<run {
                    t = t &+ delta
                    dst[i] = t
                    i &+= 1
                }
                continue
            }
            // Buckets '10', '110', '1110', '11110' without a branch: the prefix is
            // ones + 1 bits, the payload width comes from a table packed in a word.
            let ones = (~w).trailingZeroBitCount
            let z: UInt64
            if ones == 1 {
                // '10': jitter of a few units, the common case on regular data.
                z = (w &>> 2) & 0x7F
                bits.skip(9)
            } else if ones <= 4 {
                let width = Int(truncatingIfNeeded: (0x20_0C_09_07_00 as UInt64) &>> UInt64(ones &* 8)) & 0xFF
                z = (w &>> UInt64(ones &+ 1)) & ((1 &<< UInt64(width)) &- 1)
                bits.skip(ones &+ 1 &+ width)
            } else {
                bits.skip(5)
                z = bits.readWide(64)
            }
            delta = delta &+ Zigzag.decode(z)
            t = t &+ delta
            dst[i] = t
            i &+= 1
        }
        try bits.expectEnd(codec: reader.codec, start: streamStart)
    }
}
