// Small numeric helpers that keep StrataCodecs free of Foundation.

package enum CodecMath {
    /// log2(x) for x > 0, accurate to about 1e-5: good enough for size estimates.
    @inline(__always)
    package static func log2(_ x: Double) -> Double {
        let bits = x.bitPattern
        let exponent = Double(Int((bits &>> 52) & 0x7FF) &- 1023)
        // Mantissa m in [1, 2); log2(m) by a minimax-style polynomial in t = m - 1.
        let m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        let t = m - 1
        let poly = t * (1.44251703 + t * (-0.71789838 + t * (0.45689417 + t * (-0.27736505 + t * (0.12191414 + t * -0.0260663)))))
        return exponent + poly
    }

    /// Rounds to the nearest integer, ties to even, keeping the sign (so -0.4
    /// gives -0.0), for every Double (NaN and infinities pass through). Two additions instead of a libm call: adding
    /// and subtracting 2^52 leaves no fraction bits below 2^52.
    @inline(__always)
    package static func roundEven(_ y: Double) -> Double {
        let two52 = 4_503_599_627_370_496.0
        if !(y.magnitude < two52) { return y }
        let r = y >= 0 ? (y + two52) - two52 : (y - two52) + two52
        return Double(signOf: y, magnitudeOf: r)  // -0.4 rounds to -0.0
    }

    /// Greatest common divisor (binary GCD).
    @inline(__always)
    package static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if a == 0 { return b }
        if b == 0 { return a }
        var a = a, b = b
        let shift = (a | b).trailingZeroBitCount
        a &>>= UInt64(a.trailingZeroBitCount)
        repeat {
            b &>>= UInt64(b.trailingZeroBitCount)
            if a > b { swap(&a, &b) }
            b &-= a
        } while b != 0
        return a &<< UInt64(shift)
    }
}
