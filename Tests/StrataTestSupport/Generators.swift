// Deterministic data generators for tests.

/// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a small, fast, seedable generator.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

package enum Generate {
    /// `count` timestamps every `interval` ms from `start`, each moved by up to +-`jitter` ms,
    /// skipping about `missing` of the grid points.
    package static func timestamps(
        count: Int, start: Int64 = 1_767_225_600_000, interval: Int64 = 10_000, jitter: Int64 = 0,
        missing: Double = 0, seed: UInt64 = 1
    ) -> [Int64] {
        var rng = SplitMix64(seed: seed)
        var out: [Int64] = []
        out.reserveCapacity(count)
        var t = start
        while out.count < count {
            t += interval
            if missing > 0 && Double(rng.next() % 1_000_000) / 1_000_000 < missing { continue }
            let j = jitter > 0 ? Int64(rng.next() % UInt64(2 * jitter + 1)) - jitter : 0
            out.append(t + j)
        }
        return out
    }

    /// A sensor-like random walk rounded to `decimals` places (25.5, 25.6, ...).
    package static func decimals(count: Int, start: Double = 25.5, step: Double = 0.1, decimals: Int = 1, seed: UInt64 = 2) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var x = start
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return (0..<count).map { _ in
            x += (Double(rng.next() % 2001) / 1000 - 1) * step
            return (x * scale).rounded() / scale
        }
    }

    /// Uniformly random bit patterns: every kind of Double, NaNs included.
    package static func randomBits(count: Int, seed: UInt64 = 3) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Double(bitPattern: rng.next()) }
    }

    /// Random doubles in [-1e6, 1e6).
    package static func randomDoubles(count: Int, seed: UInt64 = 4) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Double.random(in: -1e6..<1e6, using: &rng) }
    }

    /// Every special Double: signed zeros, infinities, NaNs with payloads, subnormals, extremes.
    package static let specialDoubles: [Double] = [
        0.0, -0.0, .infinity, -.infinity, .nan, -.nan,
        Double(bitPattern: 0x7FF0_0000_0000_0001),  // signalling NaN
        Double(bitPattern: 0x7FF8_0000_DEAD_BEEF),  // quiet NaN with payload
        Double(bitPattern: 0xFFF4_0000_0000_1234),
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
        Double(bitPattern: 0x000F_FFFF_FFFF_FFFF),  // largest subnormal
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne, 1.0, -1.0,
        1e300, 1e-300, 9.223372036854775e18, -9.223372036854775e18, 4.5e15, 0.1, 0.3,
    ]
}

extension Array where Element == Double {
    /// Bit patterns, for bit-exact comparisons (NaN != NaN, -0.0 == 0.0 otherwise).
    package var bits: [UInt64] { map(\.bitPattern) }
}
