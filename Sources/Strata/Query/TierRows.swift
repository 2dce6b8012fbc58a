// Downsampling tiers as the query layer sees them: the columns of a tier row,
// which tier can answer which part of a query, and reading rows back as
// partial aggregates. FORMAT.md, section 15.
//
// A tier is a store of its own (tiers/<width>/) whose series are
// "<raw series id>" x column: one point per bucket (at the bucket's start)
// and column. A row with count 0 stands for a bucket emptied by a deletion.
//
// A tier answers a piece of a query when the query's buckets are unions of
// the tier's (its width divides the query's and their boundaries line up;
// months are unions of days), the piece is whole tier buckets below the
// tier's `builtThrough`, and no stale range (rows that no longer match raw
// data: late points, deletions, in the manifest or in a memtable not yet
// flushed) touches the series there. The coarsest such tier is used first,
// finer ones fill what it cannot, raw data the rest.

/// The columns of a tier row.
enum TierColumn: Int, CaseIterable, Sendable {
    case count, sum, m2, min, max, first, last, firstAt, lastAt, nans

    /// The sensor-type name of the column's series in the tier's catalog.
    var name: String {
        switch self {
        case .count: "count"
        case .sum: "sum"
        case .m2: "m2"
        case .min: "min"
        case .max: "max"
        case .first: "first"
        case .last: "last"
        case .firstAt: "first_at"
        case .lastAt: "last_at"
        case .nans: "nans"
        }
    }

    /// The tier series' device id for raw series `id`.
    static func device(_ id: SeriesID) -> String { String(id) }

    /// The columns `needed` reads only to learn that no row holds a NaN or an infinity
    /// (count, sum, avg, first and last use min, max and the NaN count for nothing else):
    /// when the tier's block statistics show that, they are not read at all.
    static func guards(_ aggregates: [Aggregate]) -> Set<TierColumn> {
        aggregates.allSatisfy { [.count, .sum, .avg, .first, .last].contains($0) } ? [.nans, .min, .max] : []
    }

    /// The columns an aggregation needs (count always: it tells an empty row).
    static func needed(_ aggregates: [Aggregate]) -> [TierColumn] {
        var set: Set<TierColumn> = [.count, .nans]
        for a in aggregates {
            switch a {
            case .count: break
            case .sum, .avg: set.formUnion([.sum, .min, .max])
            case .min, .max, .spread: set.formUnion([.min, .max])
            case .first: set.formUnion([.first, .firstAt])
            case .last: set.formUnion([.last, .lastAt])
            case .variance, .stddev, .variancePopulation, .stddevPopulation: set.formUnion([.sum, .m2, .min, .max])
            }
        }
        return allCases.filter { set.contains($0) }
    }

    /// The column's value in a row built from `p` (bucket starting at `bucket`).
    static func value(_ column: TierColumn, of p: PartialAggregate, bucket: Int64) -> Double {
        switch column {
        case .count: Double(p.count)
        case .sum: p.total
        case .m2: p.m2
        case .min: p.min
        case .max: p.max
        case .first: p.first
        case .last: p.last
        case .firstAt: Double(p.firstTime &- bucket)
        case .lastAt: Double(p.lastTime &- bucket)
        case .nans: Double(p.nanCount)
        }
    }

    /// The partial aggregate of a row (columns not read are zero; `count` must be > 0).
    static func partial(bucket: Int64, _ v: UnsafeBufferPointer<Double>) -> PartialAggregate {
        var p = PartialAggregate()
        p.count = Int(v[TierColumn.count.rawValue])
        p.nanCount = Int(v[TierColumn.nans.rawValue])
        p.sum = v[TierColumn.sum.rawValue]
        p.m2 = v[TierColumn.m2.rawValue]
        p.min = v[TierColumn.min.rawValue]
        p.max = v[TierColumn.max.rawValue]
        p.first = v[TierColumn.first.rawValue]
        p.last = v[TierColumn.last.rawValue]
        p.firstTime = bucket &+ Int64(v[TierColumn.firstAt.rawValue])
        p.lastTime = bucket &+ Int64(v[TierColumn.lastAt.rawValue])
        return p
    }
}

/// One tier as a query sees it: its progress, its stale ranges, and the
/// snapshots of its column series for the selected raw series.
struct TierSnapshot: Sendable {
    var index: Int
    var width: Int64
    var builtThrough: Int64
    /// Stale ranges (manifest and memtables), by scope.
    var stale: [StaleRange]
    var version: Version
    /// Per selected raw series (the query's order): per column (TierColumn.rawValue), the
    /// tier series (nil: never written); empty when the series has no rows.
    var columns: [[SnapshotSeries?]]

    /// TimescaleDB's default origin, where tier buckets are aligned.
    static func origin(_ resolution: TimestampResolution) -> Int64 {
        TimeBucket.defaultOriginSeconds * Int64(resolution.unitsPerSecond)
    }

    /// Whether buckets of `bucket` are unions of this tier's buckets.
    func answers(_ bucket: TimeBucket?, resolution: TimestampResolution) -> Bool {
        guard let bucket else { return true }
        let origin = Self.origin(resolution)
        switch bucket.width {
        case .fixed(let w):
            guard w % width == 0 else { return false }
            let anchor = Int128(bucket.origin ?? origin) + Int128(bucket.offset) - Int128(origin)
            return anchor % Int128(width) == 0
        case .months:
            let day = Int64(86_400) * Int64(resolution.unitsPerSecond)
            return day % width == 0 && bucket.offset % width == 0
        }
    }

    /// The start of the tier bucket holding `t`.
    func bucketStart(_ t: Int64, resolution: TimestampResolution) -> Int64 {
        let origin = Self.origin(resolution)
        let d = Int128(t) - Int128(origin)
        var q = d / Int128(width)
        if d % Int128(width) < 0 { q -= 1 }
        return Int64(clamping: Int128(origin) + q * Int128(width))
    }

    /// The parts of `range` this tier answers for series `id`: whole buckets below
    /// `builtThrough`, outside stale ranges. Ascending, disjoint.
    func covered(_ range: ClosedRange<Int64>, series id: SeriesID, resolution: TimestampResolution) -> [ClosedRange<Int64>] {
        // Whole buckets inside the range.
        var lo = bucketStart(range.lowerBound, resolution: resolution)
        if lo < range.lowerBound {
            let (next, overflow) = lo.addingReportingOverflow(width)
            guard !overflow else { return [] }
            lo = next
        }
        let end = range.upperBound == .max ? Int64.max : range.upperBound + 1  // exclusive
        var hi = bucketStart(end == .max ? .max : end, resolution: resolution)  // exclusive bound: a bucket start
        if end == .max { hi = min(hi, builtThrough) }
        hi = min(hi, builtThrough)
        guard lo < hi else { return [] }
        var pieces: [ClosedRange<Int64>] = [lo...(hi - 1)]
        for s in stale where s.scopeCovers(id) {
            // Remove the tier buckets the stale range touches.
            let a = bucketStart(s.first, resolution: resolution)
            let bStart = bucketStart(s.last, resolution: resolution)
            let (b, overflow) = bStart.addingReportingOverflow(width - 1)
            let cut = a...(overflow ? .max : b)
            pieces = pieces.flatMap { p -> [ClosedRange<Int64>] in
                guard cut.overlaps(p) else { return [p] }
                var out: [ClosedRange<Int64>] = []
                if p.lowerBound < cut.lowerBound { out.append(p.lowerBound...(cut.lowerBound - 1)) }
                if p.upperBound > cut.upperBound { out.append((cut.upperBound + 1)...p.upperBound) }
                return out
            }
        }
        return pieces
    }
}

extension StaleRange {
    func scopeCovers(_ id: SeriesID) -> Bool {
        Tombstone(scope: scope, first: first, last: last, below: Order(precedence: 0, number: 0)).covers(id)
    }
}

/// Reads tier rows of one raw series in a range as partial aggregates, bucket by bucket.
struct TierReader: Sendable {
    let tier: TierSnapshot
    let columns: [TierColumn]
    /// Positions in `columns` of the guard columns (TierColumn.guards).
    private let guards: [Int]
    /// The tier's files overlapping the query's range, with the tombstones that apply to them.
    private let files: [ScanFile]

    init(tier: TierSnapshot, aggregates: [Aggregate], range: ClosedRange<Int64>) {
        self.tier = tier
        let columns = TierColumn.needed(aggregates)
        self.columns = columns
        let guardColumns = TierColumn.guards(aggregates)
        guards = columns.indices.filter { guardColumns.contains(columns[$0]) }
        files = tier.version.files(overlapping: range.lowerBound, range.upperBound).map {
            ScanFile(live: $0, tombstones: tier.version.tombstones(for: $0.meta))
        }
    }

    /// The points of tier series `series` (nil: none) in `range`. The common case (one
    /// file holds them all, nothing in memory, no tombstone) reads that file once for all.
    private func read(_ series: [SnapshotSeries?], _ range: ClosedRange<Int64>) throws(StrataError) -> [PointColumns] {
        if series.allSatisfy({ $0?.memtables.allSatisfy { $0.count == 0 } ?? true }) {
            var only: ScanFile?
            var several = false
            // Columns are written together: the count column says which files hold the row.
            let probe = series[columns.firstIndex(of: .count)!]!.id
            for f in files {
                guard let loc = f.live.file.locator(probe), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound else { continue }
                if only != nil { several = true; break }
                only = f
            }
            guard let f = only else {
                return several ? try series.map { (s) throws(StrataError) in try s.map { (s) throws(StrataError) in try scan(s, range) } ?? PointColumns() } : series.map { _ in PointColumns() }
            }
            if !several && !f.tombstones.contains(where: { t in
                t.last >= range.lowerBound && t.first <= range.upperBound && series.contains { $0.map { t.covers($0.id) } ?? false }
            }) {
                var ids = series.map { $0?.id ?? .max }
                if !guards.isEmpty, try guardsHold(f.live.file, ids, range) {
                    for k in guards { ids[k] = .max }   // not read: zero is finite and counts no NaN
                }
                let read = try f.live.file.read(ids, in: range, cacheDecoded: true)
                return read.map { $0 ?? PointColumns() }
            }
        }
        return try series.map { (s) throws(StrataError) in try s.map { (s) throws(StrataError) in try scan(s, range) } ?? PointColumns() }
    }

    /// True when the block statistics of the guard columns show no row in `range` with a
    /// NaN (the NaN-count column is 0 throughout) or an infinity (mins above -inf, maxes
    /// below +inf, neither NaN).
    private func guardsHold(_ file: ChunkFile, _ ids: [SeriesID], _ range: ClosedRange<Int64>) throws(StrataError) -> Bool {
        for k in guards where ids[k] != .max {
            let column = columns[k]
            let holds = try file.blocksSatisfy(ids[k], in: range) { s in
                switch column {
                case .nans: s.max == 0 && s.nanCount == 0
                case .min: s.min > -.infinity && s.nanCount == 0
                case .max: s.max < .infinity && s.nanCount == 0
                default: false
                }
            }
            if !holds { return false }
        }
        return true
    }

    private func scan(_ s: SnapshotSeries, _ range: ClosedRange<Int64>) throws(StrataError) -> PointColumns {
        let overlapping = files.filter { $0.live.meta.overlaps(range.lowerBound, range.upperBound) }
        var scan = try SeriesScan(id: s.id, range: range, files: overlapping, memtables: s.memtables)
        return try scan.all()
    }

    /// Rows of the query's series number `index` in `range` (count > 0), ascending buckets;
    /// and the number of rows read.
    func rows(_ index: Int, in range: ClosedRange<Int64>) throws(StrataError) -> (rows: [(bucket: Int64, state: PartialAggregate)], read: Int) {
        let series = tier.columns[index]
        guard !series.isEmpty, series[TierColumn.count.rawValue] != nil else { return ([], 0) }
        let read = try read(columns.map { series[$0.rawValue] }, range)
        let counts = read[columns.firstIndex(of: .count)!]
        guard !counts.isEmpty else { return ([], 0) }
        let width = TierColumn.allCases.count
        var values = [Double](repeating: 0, count: counts.count * width)
        for (k, column) in columns.enumerated() {
            let points = read[k]
            if points.timestamps == counts.timestamps {
                for i in 0..<points.count { values[i * width + column.rawValue] = points.values[i] }
                continue
            }
            // Columns are written together; join by time in case one is missing a row.
            var j = 0
            for (i, t) in counts.timestamps.enumerated() {
                while j < points.count && points.timestamps[j] < t { j += 1 }
                if j < points.count && points.timestamps[j] == t { values[i * width + column.rawValue] = points.values[j] }
            }
        }
        var out: [(bucket: Int64, state: PartialAggregate)] = []
        out.reserveCapacity(counts.count)
        values.withUnsafeBufferPointer { v in
            for (i, t) in counts.timestamps.enumerated() where v[i * width + TierColumn.count.rawValue] > 0 {
                out.append((t, TierColumn.partial(bucket: t, UnsafeBufferPointer(rebasing: v[(i * width)..<((i + 1) * width)]))))
            }
        }
        return (out, counts.count)
    }
}
