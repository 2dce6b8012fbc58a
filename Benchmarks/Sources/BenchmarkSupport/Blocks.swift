import StrataCodecs

/// A block of one series: what the codecs encode at a time.
public struct SeriesBlock: Sendable {
    public var sensor: String = ""
    public var timestamps: [Int64]
    public var values: [Double]
}

extension Dataset {
    /// Per series, sorted, cut into blocks of at most `maxPoints` points and,
    /// when `window` is set, never spanning two windows of that many
    /// milliseconds (aligned to the epoch, like partitions).
    public func blocks(maxPoints: Int = 1024, window: Int64? = nil) -> [SeriesBlock] {
        var out: [SeriesBlock] = []
        for s in series() {
            var start = 0
            let n = s.timestamps.count
            while start < n {
                var end = min(start + maxPoints, n)
                if let window {
                    let w = floorDiv(s.timestamps[start], window)
                    var j = start
                    while j < end && floorDiv(s.timestamps[j], window) == w { j += 1 }
                    end = j
                }
                out.append(SeriesBlock(sensor: s.sensor, timestamps: Array(s.timestamps[start..<end]), values: Array(s.values[start..<end])))
                start = end
            }
        }
        return out
    }
}

@inline(__always)
public func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// A synthetic regular series: 10 s interval, +-5 ms jitter, 1% missing, a
/// slowly drifting temperature with one decimal. Deterministic.
public func syntheticRegular(points: Int, seed: UInt64 = 42) -> Dataset {
    var d = Dataset(name: "synthetic_regular")
    d.devices = ["synthetic"]
    d.sensors = ["temperature"]
    var rng = SplitMix64(seed: seed)
    var t: Int64 = 1_767_225_600_000
    var temp = 21.0
    var produced = 0
    while produced < points {
        t += 10_000
        if rng.next() % 100 == 0 { continue }
        let jitter = Int64(rng.next() % 11) - 5
        temp += (Double(rng.next() % 1001) / 1000 - 0.5) * 0.1
        d.device.append(0)
        d.sensor.append(0)
        d.timestamp.append(t + jitter)
        d.value.append((temp * 10).rounded() / 10)
        produced += 1
    }
    return d
}

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
