import StrataCodecs

/// What a chunk file knows about one series in one block without decoding it:
/// enough for queries to prune blocks and to answer count, min, max, sum,
/// first and last from statistics alone.
///
/// Conventions: min and max ignore NaN (they are NaN only when every value
/// is); sum is NaN if any value is, and otherwise the exact sum rounded once
/// when every value is a short decimal, else a compensated (Neumaier) sum.
struct BlockStatistics: Equatable, Sendable {
    var count: Int
    var minTime: Int64
    var maxTime: Int64
    var first: Double
    var last: Double
    var min: Double
    var max: Double
    var sum: Double
    /// Bit q set when some point has quality q.
    var qualityMask: UInt8

    static func == (a: BlockStatistics, b: BlockStatistics) -> Bool {
        a.count == b.count && a.minTime == b.minTime && a.maxTime == b.maxTime && a.qualityMask == b.qualityMask
            && [a.first, a.last, a.min, a.max, a.sum].map(\.bitPattern) == [b.first, b.last, b.min, b.max, b.sum].map(\.bitPattern)
    }

    /// Statistics of sorted points (at least one).
    init(timestamps: ArraySlice<Int64>, values: ArraySlice<Double>, qualities: ArraySlice<UInt8>) {
        count = timestamps.count
        minTime = timestamps.first!
        maxTime = timestamps.last!
        first = values.first!
        last = values.last!
        var lo = Double.nan, hi = Double.nan
        var hasNaN = false
        for v in values {
            if v.isNaN { hasNaN = true; continue }
            if lo.isNaN || v < lo { lo = v }
            if hi.isNaN || v > hi { hi = v }
        }
        min = lo
        max = hi
        if hasNaN {
            sum = .nan
        } else if let exact = values.withContiguousStorageIfAvailable({ DecimalValues.exactSum($0) }) ?? nil {
            sum = exact
        } else {
            sum = Self.compensatedSum(values)
        }
        var mask: UInt8 = 0
        for q in qualities { mask |= 1 << (q & 7) }
        qualityMask = mask
    }

    init(count: Int, minTime: Int64, maxTime: Int64, first: Double, last: Double, min: Double, max: Double, sum: Double, qualityMask: UInt8) {
        self.count = count
        self.minTime = minTime
        self.maxTime = maxTime
        self.first = first
        self.last = last
        self.min = min
        self.max = max
        self.sum = sum
        self.qualityMask = qualityMask
    }

    /// Neumaier's improved Kahan summation.
    static func compensatedSum(_ values: ArraySlice<Double>) -> Double {
        var s = 0.0, c = 0.0
        for v in values {
            let t = s + v
            if s.magnitude >= v.magnitude { c += (s - t) + v } else { c += (v - t) + s }
            s = t
        }
        return s + c
    }
}
