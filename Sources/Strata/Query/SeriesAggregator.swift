// One series' partial aggregates per time bucket, from its block scan.
//
// Each piece of the scan (SeriesScan) is handled in time order:
//   - a clean block (nothing overlaps it) whose points all pass the point
//     filter, judged from its statistics, and which lies inside one bucket:
//     its statistics are its state, no column is read ("pushdown");
//   - a clean block no point of which can pass: skipped;
//   - anything else: decoded, filtered and cut at bucket boundaries, each run
//     of points summarised (PartialAggregate(timestamps:values:)).
// With pushdown off, the first case decodes the block and computes the same
// statistics from its points (BlockStatistics, as the writer did), so the
// result is bit-identical either way: the property tests check it.
//
// Memory: one block's columns and one state per bucket of the series.

/// Where bucket boundaries fall, computed once per bucket rather than per point.
struct BucketCutter {
    let bucket: TimeBucket?
    let resolution: TimestampResolution
    private var cached: (start: Int64, last: Int64)?
    /// Fixed widths: the width and a bucket boundary (origin + offset), for Int64 arithmetic.
    private let fixed: (width: Int64, anchor: Int64)?

    init(_ bucket: TimeBucket?, resolution: TimestampResolution) {
        self.bucket = bucket
        self.resolution = resolution
        if let bucket, case .fixed(let w) = bucket.width, w > 0 {
            let origin = Int128(bucket.origin ?? TimeBucket.defaultOriginSeconds * Int64(resolution.unitsPerSecond))
            let anchor = (origin + Int128(bucket.offset)) % Int128(w)
            fixed = (w, Int64(anchor))
        } else {
            fixed = nil
        }
    }

    /// The bucket holding `t`: its start and its last timestamp (Int64.min...Int64.max without a bucket).
    @inline(__always)
    mutating func bucket(of t: Int64) throws(StrataError) -> (start: Int64, last: Int64) {
        if let c = cached, t >= c.start, t <= c.last { return c }
        guard let bucket else { return (.min, .max) }
        // Fixed widths away from the ends of time: start = t - ((t - anchor) mod w).
        if let (w, anchor) = fixed, t > Int64.min / 2, t < Int64.max / 2, w < Int64.max / 4 {
            var r = (t - anchor) % w
            if r < 0 { r += w }
            let start = t - r
            cached = (start, start + w - 1)
            return cached!
        }
        let start = try bucket.start(of: t, resolution: resolution)
        let last = bucket.next(after: start, resolution: resolution).map { $0 - 1 } ?? .max
        cached = (start, last)
        return (start, last)
    }
}

/// The point filter of a selection (quality and value conditions), and what a
/// block's statistics say about it.
struct PointFilter {
    let qualityMask: UInt8
    let conditions: [ValueCondition]
    let isActive: Bool

    init(_ selection: Selection) {
        var mask: UInt8 = 0
        for q in selection.qualities { mask |= 1 << q.rawValue }
        qualityMask = mask
        conditions = selection.values
        isActive = selection.filtersPoints
    }

    enum Verdict { case none, some, all }

    /// Whether no, some or all of a block's points pass, from its statistics.
    func verdict(_ s: BlockStatistics) -> Verdict {
        guard isActive else { return .all }
        var all = true
        if s.qualityMask & ~qualityMask != 0 {
            if s.qualityMask & qualityMask == 0 { return .none }
            all = false
        }
        let numbers = s.count > s.nanCount
        for c in conditions {
            var allPass = true, nonePass = true
            if numbers {
                let (a, n) = Self.verdict(c, lo: s.min, hi: s.max)
                allPass = a
                nonePass = n
            }
            if s.nanCount > 0 {
                let nan = c.holds(.nan)
                allPass = allPass && nan
                nonePass = nonePass && !nan
            }
            if nonePass { return .none }
            if !allPass { all = false }
        }
        return all ? .all : .some
    }

    /// For numbers in [lo, hi] (neither NaN): whether all pass, whether none does.
    private static func verdict(_ c: ValueCondition, lo: Double, hi: Double) -> (all: Bool, none: Bool) {
        switch c.comparison {
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            // Monotone: the passing numbers are an interval reaching one end.
            let a = c.holds(lo), b = c.holds(hi)
            return (a && b, !a && !b)
        case .equal:
            if c.value.isNaN { return (false, true) }
            return (lo == hi && lo == c.value, c.value < lo || c.value > hi)
        case .notEqual:
            if c.value.isNaN { return (true, false) }
            return (c.value < lo || c.value > hi, lo == hi && lo == c.value)
        }
    }

    @inline(__always)
    func keeps(_ v: Double, _ q: UInt8) -> Bool {
        if qualityMask & (1 << (q & 7)) == 0 { return false }
        for c in conditions where !c.holds(v) { return false }
        return true
    }
}

/// Counters of what the scans of a query read (summed into `Explain`).
struct ScanCounters {
    var blocksConsidered = 0
    var blocksPruned = 0
    var blocksFromStatistics = 0
    var blocksDecoded = 0
    var pointsDecoded = 0
    var pointsInMemory = 0
    /// Tier rows read, and the tiers (indices) that answered.
    var tierRows = 0
    var tiers: [Int] = []

    mutating func add(_ o: ScanCounters) {
        tierRows += o.tierRows
        tiers = Array(Set(tiers + o.tiers))
        blocksConsidered += o.blocksConsidered
        blocksPruned += o.blocksPruned
        blocksFromStatistics += o.blocksFromStatistics
        blocksDecoded += o.blocksDecoded
        pointsDecoded += o.pointsDecoded
        pointsInMemory += o.pointsInMemory
    }
}

/// Reused buffers and settings for aggregating series one after the other.
struct SeriesAggregator {
    let filter: PointFilter
    let pushdown: Bool
    let needs: PartialAggregate.Needs
    var cutter: BucketCutter
    var counters = ScanCounters()
    private var scratch = BlockScratch()
    private var kept = PointColumns()

    init(filter: PointFilter, bucket: TimeBucket?, resolution: TimestampResolution, pushdown: Bool, needs: PartialAggregate.Needs = .all) {
        self.filter = filter
        self.pushdown = pushdown
        self.needs = needs
        cutter = BucketCutter(bucket, resolution: resolution)
    }

    /// Adds the scan's states per bucket to `out` (buckets ascending, Int64.min without
    /// a bucket; a scan starting in `out`'s last bucket continues it).
    mutating func run(_ scan: inout SeriesScan, into out: inout [(bucket: Int64, state: PartialAggregate)]) throws(StrataError) {
        while let piece = try scan.next() {
            switch piece {
            case .block(let b):
                let s = b.statistics
                counters.blocksConsidered += 1
                let verdict = filter.verdict(s)
                if verdict == .none {
                    counters.blocksPruned += 1
                    continue
                }
                let (start, last) = try cutter.bucket(of: s.minTime)
                let whole = verdict == .all && s.maxTime <= last
                if whole && pushdown {
                    counters.blocksFromStatistics += 1
                    Self.add(start, PartialAggregate(s), to: &out)
                    continue
                }
                var reader = BlockReader(file: b.file, entry: b.entry, group: b.group, blocks: [b.index])
                let n = try reader.decode(b.index, into: &scratch)
                counters.blocksDecoded += 1
                counters.pointsDecoded += n
                if whole {
                    // Exactly what the writer computed for this block: the same bits as pushdown.
                    let computed = scratch.timestamps.withUnsafeBufferPointer { t in
                        scratch.values.withUnsafeBufferPointer { v in
                            scratch.qualities.withUnsafeBufferPointer { q in
                                BlockStatistics(timestamps: UnsafeBufferPointer(rebasing: t[0..<n]), values: UnsafeBufferPointer(rebasing: v[0..<n]),
                                                qualities: UnsafeBufferPointer(rebasing: q[0..<n]))
                            }
                        }
                    }
                    Self.add(start, PartialAggregate(computed), to: &out)
                    continue
                }
                let (t, v, q) = (scratch.timestamps, scratch.values, scratch.qualities)
                try cut(timestamps: t, values: v, qualities: q, count: n, into: &out)
            case .points(let p):
                try cut(timestamps: p.timestamps, values: p.values, qualities: p.qualities, count: p.count, into: &out)
            }
        }
        counters.blocksConsidered += scan.blocksMerged + scan.blocksSkipped
        counters.blocksPruned += scan.blocksSkipped
        counters.blocksDecoded += scan.blocksMerged
        counters.pointsDecoded += scan.pointsMerged
        counters.pointsInMemory += scan.memtablePoints
    }

    /// Adds tier rows (each inside one bucket of the query), ascending.
    mutating func add(rows: [(bucket: Int64, state: PartialAggregate)], into out: inout [(bucket: Int64, state: PartialAggregate)]) throws(StrataError) {
        for (b, state) in rows {
            let (start, _) = try cutter.bucket(of: b)
            Self.add(start, state, to: &out)
        }
    }

    @inline(__always)
    static func add(_ bucket: Int64, _ state: PartialAggregate, to out: inout [(bucket: Int64, state: PartialAggregate)]) {
        if let last = out.indices.last, out[last].bucket == bucket {
            out[last].state.combine(state)
        } else {
            out.append((bucket, state))
        }
    }

    /// Filters sorted points and adds one state per run inside a bucket.
    private mutating func cut(timestamps: [Int64], values: [Double], qualities: [UInt8], count: Int,
                              into out: inout [(bucket: Int64, state: PartialAggregate)]) throws(StrataError) {
        guard count > 0 else { return }
        if filter.isActive {
            kept.timestamps.removeAll(keepingCapacity: true)
            kept.values.removeAll(keepingCapacity: true)
            kept.qualities.removeAll(keepingCapacity: true)
            for i in 0..<count where filter.keeps(values[i], qualities[i]) {
                kept.append(timestamps[i], values[i], qualities[i])
            }
            let k = kept
            try runs(timestamps: k.timestamps, values: k.values, count: k.count, into: &out)
        } else {
            try runs(timestamps: timestamps, values: values, count: count, into: &out)
        }
    }

    private mutating func runs(timestamps: [Int64], values: [Double], count: Int,
                               into out: inout [(bucket: Int64, state: PartialAggregate)]) throws(StrataError) {
        var i = 0
        while i < count {
            let (start, last) = try cutter.bucket(of: timestamps[i])
            var j = i + 1
            if timestamps[count - 1] <= last {
                j = count
            } else {
                // Binary search for the first timestamp past the bucket.
                var lo = i + 1, hi = count
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if timestamps[mid] <= last { lo = mid + 1 } else { hi = mid }
                }
                j = lo
            }
            let state = timestamps.withUnsafeBufferPointer { t in
                values.withUnsafeBufferPointer { v in
                    PartialAggregate(timestamps: UnsafeBufferPointer(rebasing: t[i..<j]), values: UnsafeBufferPointer(rebasing: v[i..<j]), needs: needs)
                }
            }
            Self.add(start, state, to: &out)
            i = j
        }
    }
}
