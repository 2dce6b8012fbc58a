import StrataCodecs

/// What a chunk file knows about one series in one block without decoding
/// it: enough to prune blocks by time and value, and to answer count, sum,
/// avg, min, max, first, last, variance, stddev and spread from statistics
/// alone (the queries layer combines blocks with Chan, Golub and LeVeque's
/// pairwise update of M2). FORMAT.md, "Chunk file", statistics columns.
///
/// Conventions (the same for every block, so that combining the statistics
/// of blocks gives exactly what decoding them and summarising the pieces
/// would):
/// - `min` and `max` ignore NaN; they are NaN only when every value is.
///   `nanCount` says how many NaN there are (PostgreSQL orders NaN above
///   every number, so a block with a NaN has max NaN in a query).
/// - `sum` is NaN if any value is NaN; otherwise the exact sum rounded once
///   when every value is a short decimal, else a compensated (Neumaier) sum.
/// - `m2`, the sum of squared deviations from the block's mean, is exact to
///   a bit or two for short decimals (integer arithmetic), else computed in
///   two compensated passes; NaN when a value is NaN or infinite.
struct BlockStatistics: Equatable, Sendable {
    var count: Int
    var minTime: Int64
    var maxTime: Int64
    var first: Double
    var last: Double
    var min: Double
    var max: Double
    var sum: Double
    var m2: Double
    var nanCount: Int
    /// Bit q set when some point has quality q.
    var qualityMask: UInt8

    static func == (a: BlockStatistics, b: BlockStatistics) -> Bool {
        a.count == b.count && a.minTime == b.minTime && a.maxTime == b.maxTime && a.qualityMask == b.qualityMask && a.nanCount == b.nanCount
            && [a.first, a.last, a.min, a.max, a.sum, a.m2].map(\.bitPattern) == [b.first, b.last, b.min, b.max, b.sum, b.m2].map(\.bitPattern)
    }

    /// Statistics of sorted points (at least one).
    init(timestamps: UnsafeBufferPointer<Int64>, values: UnsafeBufferPointer<Double>, qualities: UnsafeBufferPointer<UInt8>) {
        count = timestamps.count
        minTime = timestamps[0]
        maxTime = timestamps[count - 1]
        first = values[0]
        last = values[count - 1]
        var lo = Double.nan, hi = Double.nan
        var nans = 0
        var finite = true
        for v in values {
            if v.isNaN { nans += 1; continue }
            if !v.isFinite { finite = false }
            if lo.isNaN || v < lo { lo = v }
            if hi.isNaN || v > hi { hi = v }
        }
        min = lo
        max = hi
        nanCount = nans
        if nans > 0 {
            sum = .nan
            m2 = .nan
        } else if let exact = DecimalValues.exactMoments(values) {
            sum = exact.sum
            m2 = exact.m2
        } else {
            sum = Self.compensatedSum(values)
            m2 = finite ? Self.deviations(values, mean: sum / Double(count)) : .nan
        }
        var mask: UInt8 = 0
        for q in qualities { mask |= 1 << (q & 7) }
        qualityMask = mask
    }

    /// Statistics of sorted points in columns (at least one).
    init(_ p: PointColumns, _ range: Range<Int>) {
        self = p.timestamps.withUnsafeBufferPointer { t in
            p.values.withUnsafeBufferPointer { v in
                p.qualities.withUnsafeBufferPointer { q in
                    BlockStatistics(timestamps: UnsafeBufferPointer(rebasing: t[range]), values: UnsafeBufferPointer(rebasing: v[range]),
                                    qualities: UnsafeBufferPointer(rebasing: q[range]))
                }
            }
        }
    }

    init(count: Int, minTime: Int64, maxTime: Int64, first: Double, last: Double, min: Double, max: Double, sum: Double, m2: Double,
         nanCount: Int, qualityMask: UInt8) {
        self.count = count
        self.minTime = minTime
        self.maxTime = maxTime
        self.first = first
        self.last = last
        self.min = min
        self.max = max
        self.sum = sum
        self.m2 = m2
        self.nanCount = nanCount
        self.qualityMask = qualityMask
    }

    /// Neumaier's improved Kahan summation.
    static func compensatedSum(_ values: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0, c = 0.0
        for v in values {
            let t = s + v
            if s.magnitude >= v.magnitude { c += (s - t) + v } else { c += (v - t) + s }
            s = t
        }
        return s + c
    }

    /// Sum of squared deviations from `mean`, with the correction term of the
    /// corrected two-pass algorithm (Chan, Golub and LeVeque, 1983).
    static func deviations(_ values: UnsafeBufferPointer<Double>, mean: Double) -> Double {
        var squares = 0.0, c = 0.0, correction = 0.0
        for v in values {
            let d = v - mean
            correction += d
            let term = d * d
            let t = squares + term
            if squares >= term { c += (squares - t) + term } else { c += (term - t) + squares }
            squares = t
        }
        return Swift.max(0, squares + c - correction * correction / Double(values.count))
    }
}
