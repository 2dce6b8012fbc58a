// LSB-first bit writer: the first bit written is bit 0 of byte 0.
// Every Strata bit stream (Gorilla, delta-of-delta, bit-packing, rANS raw
// bits) uses this one convention; FORMAT.md, "Bit streams".

/// Appends bit fields of 0...64 bits to a growing buffer of 64-bit words.
///
/// Thread safety: a value type; not shared.
package struct BitWriter {
    private var words: [UInt64] = []
    private var acc: UInt64 = 0
    /// Bits used in `acc` (0..<64).
    private var filled: Int = 0

    package init(capacityBits: Int = 0) {
        words.reserveCapacity((capacityBits + 63) / 64)
    }

    /// Total bits written so far.
    package var bitCount: Int { words.count &* 64 &+ filled }

    /// Writes the low `width` bits of `value` (width 0...64; higher bits of `value` are ignored).
    @inline(__always)
    package mutating func write(_ value: UInt64, width: Int) {
        if width == 0 { return }
        let v = width == 64 ? value : value & ((1 &<< UInt64(width)) &- 1)
        acc |= v &<< UInt64(filled)
        let total = filled &+ width
        if total >= 64 {
            words.append(acc)
            // Bits of v that did not fit; when filled == 0 all of v fitted.
            acc = filled == 0 ? 0 : v &>> UInt64(64 &- filled)
            filled = total &- 64
        } else {
            filled = total
        }
    }

    @inline(__always)
    package mutating func writeBit(_ bit: Bool) {
        write(bit ? 1 : 0, width: 1)
    }

    /// Appends the stream to `out`, padded with zero bits to a whole byte.
    package func finish(into out: inout [UInt8]) {
        let byteCount = (bitCount &+ 7) / 8
        let start = out.count
        out.reserveCapacity(start &+ byteCount)
        words.withUnsafeBytes { out.append(contentsOf: $0) }
        if filled > 0 {
            withUnsafeBytes(of: acc.littleEndian) { tail in
                out.append(contentsOf: tail.prefix((filled &+ 7) / 8))
            }
        }
        assert(out.count == start &+ byteCount)
    }
}
