// LEB128 varints and zigzag mapping (as in Protocol Buffers): the small
// headers of every block. Layout: FORMAT.md, "Primitives".

/// Zigzag maps signed integers to unsigned ones so that small magnitudes
/// stay small: 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ...
package enum Zigzag {
    @inline(__always)
    package static func encode(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v &<< 1) ^ (v &>> 63))
    }

    @inline(__always)
    package static func decode(_ u: UInt64) -> Int64 {
        Int64(bitPattern: (u &>> 1) ^ (0 &- (u & 1)))
    }
}

package enum Varint {
    /// Bytes needed for `v` as an unsigned LEB128 varint (1...10).
    @inline(__always)
    package static func size(_ v: UInt64) -> Int {
        let bits = 64 &- (v | 1).leadingZeroBitCount
        return (bits &+ 6) / 7
    }

    @inline(__always)
    package static func signedSize(_ v: Int64) -> Int { size(Zigzag.encode(v)) }

    @inline(__always)
    package static func append(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    package static func appendSigned(_ v: Int64, to out: inout [UInt8]) {
        append(Zigzag.encode(v), to: &out)
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    package mutating func appendUInt32LE(_ v: UInt32) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }

    @inline(__always)
    package mutating func appendUInt64LE(_ v: UInt64) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
}
