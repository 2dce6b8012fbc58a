// The state every aggregate of `Aggregate` is computed from: count, NaN
// count, a compensated sum, the sum of squared deviations (M2), minimum and
// maximum ignoring NaN, and the first and last values with their times.
// One state per (series, bucket) is built from pieces (a block's statistics,
// or a run of decoded points), then states are combined into groups.
//
// Combining: sums add with Neumaier's compensation (the running error is kept
// beside the sum); M2 combines with Chan, Golub and LeVeque's pairwise update
// (Chan, Golub, LeVeque: "Algorithms for computing the sample variance",
// 1983): M2 = M2a + M2b + d^2 * na * nb / (na + nb), d = mean_b - mean_a.
// The order of combination is fixed by the caller (pieces in time order,
// series by name, chunks of series in order), so a result never depends on
// threads or timing.
//
// Semantics at the end (`value(of:)`) are PostgreSQL's for float8:
// - NaN is greater than every number: `max` is NaN when any value is, `min`
//   only when every value is; sum, avg, variance with a NaN are NaN.
// - +inf and -inf: sum and avg are +-inf (NaN with both), variance and
//   stddev NaN (PostgreSQL 12+). A finite sum that overflows is +-inf
//   (PostgreSQL raises "value out of range" instead).
// - variance and stddev (sample) are null below two points; the population
//   forms are null without points.

struct PartialAggregate: Sendable {
    var count = 0
    var nanCount = 0
    /// Compensated sum of the values (meaningless when a NaN or an infinity is present).
    var sum = 0.0
    var sumError = 0.0
    var m2 = 0.0
    /// Ignoring NaN; NaN when no non-NaN value was seen.
    var min = Double.nan
    var max = Double.nan
    var firstTime = Int64.max
    var first = 0.0
    var lastTime = Int64.min
    var last = 0.0

    var isEmpty: Bool { count == 0 }

    /// The state of one block from its statistics.
    init(_ s: BlockStatistics) {
        count = s.count
        nanCount = s.nanCount
        sum = s.sum
        m2 = s.m2
        min = s.min
        max = s.max
        firstTime = s.minTime
        first = s.first
        lastTime = s.maxTime
        last = s.last
    }

    init() {}

    /// What a query needs beyond count, extremes, first and last: the sum (sum,
    /// avg), the moments (variance, stddev). Runs of decoded points skip the rest.
    struct Needs: Equatable, Sendable {
        var sum: Bool
        var moments: Bool

        static let all = Needs(sum: true, moments: true)

        init(sum: Bool, moments: Bool) {
            self.sum = sum || moments
            self.moments = moments
        }

        init(_ aggregates: [Aggregate]) {
            var sum = false, moments = false
            for a in aggregates {
                switch a {
                case .sum, .avg: sum = true
                case .variance, .stddev, .variancePopulation, .stddevPopulation: moments = true
                default: break
                }
            }
            self.init(sum: sum, moments: moments)
        }
    }

    /// The state of sorted points `values` at `timestamps` (a run of decoded points
    /// inside one bucket). Two passes: sum and extremes, then the deviations from
    /// the mean (the corrected two-pass algorithm, as the block statistics use);
    /// what `needs` leaves out is not computed (and reads as zero).
    init(timestamps: UnsafeBufferPointer<Int64>, values: UnsafeBufferPointer<Double>, needs: Needs = .all) {
        let n = values.count
        guard n > 0 else { return }
        count = n
        firstTime = timestamps[0]
        lastTime = timestamps[n - 1]
        first = values[0]
        last = values[n - 1]
        var lo = Double.nan, hi = Double.nan
        var nans = 0
        var finite = true
        if !needs.sum {
            for v in values {
                if v.isNaN {
                    nans += 1
                    continue
                }
                if !(v >= lo) { lo = v }  // also when lo is NaN
                if !(v <= hi) { hi = v }
            }
            nanCount = nans
            min = lo
            max = hi
            return
        }
        var s = 0.0, c = 0.0
        for v in values {
            if v.isNaN {
                nans += 1
                continue
            }
            if !v.isFinite { finite = false }
            if !(v >= lo) { lo = v }  // also when lo is NaN
            if !(v <= hi) { hi = v }
            let t = s + v
            if s.magnitude >= v.magnitude { c += (s - t) + v } else { c += (v - t) + s }
            s = t
        }
        nanCount = nans
        min = lo
        max = hi
        if nans > 0 || !finite {
            sum = nans > 0 ? .nan : s
            m2 = .nan
            return
        }
        sum = s
        sumError = c
        if needs.moments { m2 = BlockStatistics.deviations(values, mean: (s + c) / Double(n)) }
    }

    /// The compensated sum as one double.
    @inline(__always)
    var total: Double { sum + sumError }

    /// Adds `other`'s points (their times may interleave with ours: first and last
    /// compare times; on a tie `first` keeps ours and `last` takes theirs).
    mutating func combine(_ o: PartialAggregate) {
        guard o.count > 0 else { return }
        guard count > 0 else {
            self = o
            return
        }
        let na = Double(count), nb = Double(o.count)
        let n = na + nb
        let delta = o.total / nb - total / na
        m2 = m2 + o.m2 + delta * delta * (na * nb / n)
        // Neumaier: add o's sum and carry both errors.
        let t = sum + o.sum
        if sum.magnitude >= o.sum.magnitude { sumError += (sum - t) + o.sum } else { sumError += (o.sum - t) + sum }
        sumError += o.sumError
        sum = t
        count += o.count
        nanCount += o.nanCount
        if o.min < min || min.isNaN { min = o.min }
        if o.max > max || max.isNaN { max = o.max }
        if o.firstTime < firstTime {
            firstTime = o.firstTime
            first = o.first
        }
        if o.lastTime >= lastTime {
            lastTime = o.lastTime
            last = o.last
        }
    }

    /// PostgreSQL's `max` order: NaN above everything.
    var maximum: Double { nanCount > 0 ? .nan : max }
    /// PostgreSQL's `min`: NaN only when every value is.
    var minimum: Double { nanCount == count ? .nan : min }

    /// The sum with PostgreSQL's NaN and infinity rules.
    var finalSum: Double {
        if nanCount > 0 { return .nan }
        let positive = max == .infinity, negative = min == -.infinity
        if positive && negative { return .nan }
        if positive { return .infinity }
        if negative { return -.infinity }
        return total
    }

    /// M2 for variance: NaN with a NaN or an infinity.
    private var deviations: Double {
        if nanCount > 0 || max == .infinity || min == -.infinity || m2.isNaN { return .nan }
        return Swift.max(0, m2)
    }

    /// The aggregate's value, nil for SQL NULL.
    func value(of aggregate: Aggregate) -> Double? {
        guard count > 0 else { return aggregate == .count ? 0 : nil }
        switch aggregate {
        case .count: return Double(count)
        case .sum: return finalSum
        case .avg:
            let s = finalSum
            return s.isFinite ? s / Double(count) : s
        case .min: return minimum
        case .max: return maximum
        case .first: return first
        case .last: return last
        case .spread: return maximum - minimum
        case .variance:
            return count < 2 ? nil : deviations / Double(count - 1)
        case .stddev:
            return count < 2 ? nil : (deviations / Double(count - 1)).squareRoot()
        case .variancePopulation:
            return deviations / Double(count)
        case .stddevPopulation:
            return (deviations / Double(count)).squareRoot()
        }
    }
}
