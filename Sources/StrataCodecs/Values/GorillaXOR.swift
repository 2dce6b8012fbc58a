// Gorilla XOR value compression: Pelkonen et al., "Gorilla: A Fast,
// Scalable, In-Memory Time Series Database", VLDB 2015, section 4.1.2.
// Bit-exact for every Double: it codes bit patterns, so NaN payloads, -0.0,
// infinities and subnormals round-trip. FORMAT.md, "Values: Gorilla XOR (0x10)".
//
//   block := 0x10 count:varint [first:u64le bits...]
//   per value i >= 1, x = bits(v[i]) ^ bits(v[i-1]):
//     x == 0                                      '0'
//     x fits the previous window (lead, length)   '10' + length bits (x >> trail)
//     otherwise                                   '11' + lead:5 + (length-1):6 + length bits
//   lead = leading zeros of x capped at 31; trail = 64 - lead - length.

enum GorillaXOR {
    /// Exact encoded size in bytes.
    static func encodedSize(_ v: UnsafeBufferPointer<Double>) -> Int {
        let n = v.count
        var size = 1 &+ Varint.size(UInt64(n))
        guard n > 0 else { return size }
        size &+= 8
        var bits = 0
        var previous = v[0].bitPattern
        var lead = -1, trail = 0
        for i in 1..<n {
            let b = v[i].bitPattern
            let x = b ^ previous
            previous = b
            if x == 0 {
                bits &+= 1
                continue
            }
            let l = min(x.leadingZeroBitCount, 31)
            let t = x.trailingZeroBitCount
            if lead >= 0 && l >= lead && t >= trail {
                bits &+= 2 &+ 64 &- lead &- trail
            } else {
                bits &+= 13 &+ 64 &- l &- t
                lead = l
                trail = t
            }
        }
        return size &+ (bits &+ 7) / 8
    }

    static func encode(_ v: UnsafeBufferPointer<Double>, into out: inout [UInt8]) {
        let n = v.count
        BlockHeader.write(codec: ValueCodec.gorilla.rawValue, count: n, into: &out)
        guard n > 0 else { return }
        out.appendUInt64LE(v[0].bitPattern)
        guard n > 1 else { return }
        var writer = BitWriter(capacityBits: n &* 16)
        var previous = v[0].bitPattern
        var lead = -1, trail = 0
        for i in 1..<n {
            let b = v[i].bitPattern
            let x = b ^ previous
            previous = b
            if x == 0 {
                writer.write(0, width: 1)
                continue
            }
            let l = min(x.leadingZeroBitCount, 31)
            let t = x.trailingZeroBitCount
            if lead >= 0 && l >= lead && t >= trail {
                writer.write(0b01, width: 2)
                writer.write(x &>> UInt64(trail), width: 64 &- lead &- trail)
            } else {
                let length = 64 &- l &- t
                // '11', then lead (5 bits), then length - 1 (6 bits): 13 bits in one write.
                writer.write(0b11 | UInt64(l) &<< 2 | UInt64(length &- 1) &<< 7, width: 13)
                writer.write(x &>> UInt64(t), width: length)
                lead = l
                trail = t
            }
        }
        writer.finish(into: &out)
    }

    static func decode(
        _ reader: inout ByteReader, count n: Int, into dst: UnsafeMutablePointer<Double>
    ) throws(CodecError) {
        var previous = try reader.readUInt64LE()
        dst[0] = Double(bitPattern: previous)
        guard n > 1 else { return }
        let streamStart = reader.offset
        let stream = try reader.readBytes(reader.remaining)
        guard n &- 1 <= stream.count &* 8 else {
            throw CodecError(.truncated, codec: reader.codec, offset: streamStart,
                             "\(n - 1) values cannot fit in \(stream.count) bytes")
        }
        var bits = BitReader(stream)
        var trail = 0
        var length = 0  // 0 until a window is defined
        for i in 1..<n {
            let w = bits.peek()
            if w & 1 == 0 {
                bits.skip(1)
            } else if w & 2 == 0 {
                guard length > 0 else {
                    throw CodecError(.malformed, codec: reader.codec, offset: streamStart &+ bits.position / 8,
                                     "value \(i) reuses a window before one was defined")
                }
                bits.skip(2)
                previous ^= bits.readWide(length) &<< UInt64(trail)
            } else {
                let lead = Int((w &>> 2) & 0x1F)
                length = Int((w &>> 7) & 0x3F) &+ 1
                guard lead &+ length <= 64 else {
                    throw CodecError(.malformed, codec: reader.codec, offset: streamStart &+ bits.position / 8,
                                     "window of \(lead) leading zeros and \(length) bits exceeds 64")
                }
                trail = 64 &- lead &- length
                bits.skip(13)
                previous ^= bits.readWide(length) &<< UInt64(trail)
            }
            dst[i] = Double(bitPattern: previous)
        }
        try bits.expectEnd(codec: reader.codec, start: streamStart)
    }
}
