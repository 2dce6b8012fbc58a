// Bit-packing of unsigned integers at a fixed width 0...64, LSB-first:
// value i occupies bits [i*w, (i+1)*w) of the stream. FORMAT.md, "Bit packing".

package enum BitPacking {
    /// Number of bits needed to hold `v` (0 for 0).
    @inline(__always)
    package static func width(of v: UInt64) -> Int { 64 &- v.leadingZeroBitCount }

    /// Bytes taken by `count` values at `width` bits, or nil if it overflows.
    @inline(__always)
    package static func byteCount(count: Int, width: Int) -> Int? {
        let (bits, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, bits <= Int.max - 7 else { return nil }
        return (bits &+ 7) &>> 3
    }

    /// Appends `count` values at `width` bits each (only the low `width` bits of each are used).
    package static func pack(_ values: UnsafePointer<UInt64>, count: Int, width: Int, into out: inout [UInt8]) {
        pack(count: count, width: width, into: &out) { values[$0] }
    }

    /// Appends `value(0)...value(count - 1)` at `width` bits each.
    @inline(__always)
    package static func pack(count: Int, width: Int, into out: inout [UInt8], _ value: (Int) -> UInt64) {
        guard width > 0, count > 0 else { return }
        let n = (count &* width &+ 7) &>> 3
        let start = out.count
        // 8 bytes of slack so the loop below can always store a whole word.
        out.append(contentsOf: repeatElement(0, count: n &+ 8))
        out.withUnsafeMutableBytes { raw in
            let dst = raw.baseAddress! + start
            let mask: UInt64 = width == 64 ? ~0 : (1 &<< UInt64(width)) &- 1
            var acc: UInt64 = 0
            var filled = 0
            var o = 0
            for i in 0..<count {
                let v = value(i) & mask
                acc |= v &<< UInt64(filled)
                filled &+= width
                if filled >= 64 {
                    dst.storeBytes(of: acc.littleEndian, toByteOffset: o, as: UInt64.self)
                    o &+= 8
                    filled &-= 64
                    acc = filled == 0 ? 0 : v &>> UInt64(width &- filled)
                }
            }
            if filled > 0 {
                dst.storeBytes(of: acc.littleEndian, toByteOffset: o, as: UInt64.self)
            }
        }
        out.removeLast(8)
    }

    /// Unpacks `count` values of `width` bits from `src` (which must hold at
    /// least `byteCount(count:width:)` bytes; the caller checks) into `dst`,
    /// adding `offset` to each (wrapping): frame-of-reference decoding in one pass.
    package static func unpack(
        _ src: UnsafeRawBufferPointer, count: Int, width: Int, into dst: UnsafeMutablePointer<UInt64>, adding offset: UInt64 = 0
    ) {
        guard count > 0 else { return }
        guard width > 0 else {
            dst.update(repeating: offset, count: count)
            return
        }
        guard let base = src.baseAddress else { return }
        let mask: UInt64 = width == 64 ? ~0 : (1 &<< UInt64(width)) &- 1
        // Values whose 8-byte load (9 bytes for widths above 56) stays inside `src`
        // take the fast path: value i starts at byte (i * width) / 8.
        let window = width <= 56 ? 8 : 9
        let safe = src.count >= window ? min(count, ((src.count &- window) &* 8) / width &+ 1) : 0
        var i = 0
        if width <= 56 {
            var bit = 0
            while i < safe {
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
                dst[i] = ((w &>> UInt64(bit & 7)) & mask) &+ offset
                bit &+= width
                i &+= 1
            }
        } else {
            var bit = 0
            while i < safe {
                let byte = bit &>> 3
                let shift = UInt64(bit & 7)
                let lo = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
                let hi = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: byte &+ 1, as: UInt64.self))
                // Bits [shift, shift + width) of the 72-bit window over bytes byte...byte+8:
                // lo holds window bits 0..<64, hi window bits 8..<72; where they
                // overlap they hold the same bits, so OR-ing them is harmless.
                let v = (lo &>> shift) | (hi &<< (8 &- shift))
                dst[i] = (v & mask) &+ offset
                bit &+= width
                i &+= 1
            }
        }
        // Tail: assemble byte by byte.
        var reader = BitReader(src)
        reader.skip(i &* width)
        while i < count {
            dst[i] = reader.readWide(width) &+ offset
            i &+= 1
        }
    }
}
