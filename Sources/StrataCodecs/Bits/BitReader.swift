// LSB-first bit reader matching BitWriter; FORMAT.md, "Bit streams".
//
// Reads never go past the buffer: beyond the end, missing bits read as
// zeros and `overran` becomes true, so a decoder can run its hot loop
// without a branch per field and check once at the end (Prometheus
// encoding.Decbuf keeps a sticky error in the same spirit).

/// Reads bit fields of up to 64 bits from an LSB-first stream.
///
/// Thread safety: a value type over memory the caller keeps alive; not shared.
package struct BitReader {
    private let base: UnsafeRawPointer?
    private let byteCount: Int
    /// Position of the next bit.
    package private(set) var position: Int
    /// Byte offset at which 8-byte loads stop being safe.
    private let fastLimit: Int

    package init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress
        byteCount = bytes.count
        position = 0
        fastLimit = bytes.count &- 8
    }

    /// Bits in the stream.
    package var bitCount: Int { byteCount &* 8 }

    /// True once a read went past the last bit (the missing bits read as zero).
    package var overran: Bool { position > byteCount &* 8 }

    /// The next 57 or more bits (bit 0 = next bit), without consuming them.
    /// Bits past the end read as zero.
    @inline(__always)
    package func peek() -> UInt64 {
        let byte = position &>> 3
        if byte <= fastLimit, let base {
            let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
            return w &>> UInt64(position & 7)
        }
        return slowPeek()
    }

    private func slowPeek() -> UInt64 {
        guard let base else { return 0 }
        let byte = position &>> 3
        var w: UInt64 = 0
        var i = 0
        while i < 8 && byte &+ i < byteCount {
            w |= UInt64(base.load(fromByteOffset: byte &+ i, as: UInt8.self)) &<< UInt64(i &* 8)
            i &+= 1
        }
        return w &>> UInt64(position & 7)
    }

    @inline(__always)
    package mutating func skip(_ bits: Int) {
        position &+= bits
    }

    /// Reads `width` bits, 0...56.
    @inline(__always)
    package mutating func read(_ width: Int) -> UInt64 {
        let v = peek() & ((1 &<< UInt64(width)) &- 1)
        position &+= width
        return v
    }

    /// Reads `width` bits, 0...64.
    @inline(__always)
    package mutating func readWide(_ width: Int) -> UInt64 {
        if width <= 56 { return read(width) }
        let low = read(32)
        let high = read(width &- 32)
        return low | (high &<< 32)
    }

    @inline(__always)
    package mutating func readBit() -> Bool {
        read(1) != 0
    }

    /// Throws unless the stream was read to its end: not past it (truncated
    /// input) and not short of its last byte (trailing bytes). `start` is the
    /// stream's byte offset in the block, for the error.
    package func expectEnd(codec: String, start: Int) throws(CodecError) {
        guard !overran else {
            throw CodecError(.truncated, codec: codec, offset: start &+ byteCount, "bit stream ends early")
        }
        guard byteCount &* 8 &- position < 8 else {
            throw CodecError(.malformed, codec: codec, offset: start &+ (position &+ 7) / 8,
                             "unexpected trailing bytes after the bit stream")
        }
    }
}
