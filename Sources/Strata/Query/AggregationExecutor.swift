// Runs an `Aggregation` over a read snapshot: prunes files by time, scans
// the selected series (SeriesAggregator), folds their per-bucket states into
// groups, fills gaps, orders and limits.
//
// Determinism: series are taken in name order (device, then sensor type, by
// bytes) and cut into fixed chunks of `chunkSeries`; each chunk folds its
// series in order, and chunk results are folded in chunk order as they
// complete. The result is the same on one thread or many.
//
// Memory: one state per (group, bucket) for the chunks in flight and the
// total, plus one block of columns per worker; never the points.
//
// Thread safety: a value built per query; `run` may use several threads,
// each with its own SeriesAggregator.

/// One selected series of a snapshot with its group numbers.
struct QuerySeries: Sendable {
    var series: SnapshotSeries
    /// Catalog numbers of its device and sensor type.
    var device: UInt32
    var sensor: UInt32
    /// Ranks of its device and sensor type in name (bytes) order.
    var deviceRank: Int32
    var sensorRank: Int32
}

struct AggregationExecutor: Sendable {
    let version: Version
    let series: [QuerySeries]
    let query: Aggregation
    let resolution: TimestampResolution
    /// Use block statistics (off only to check that it changes nothing).
    let pushdown: Bool
    let threads: Int
    /// Tiers that may answer (empty: raw data only).
    let tiers: [TierSnapshot]

    /// The store's rows per block (for planning).
    let blockRows: Int
    /// Use tiers wherever they answer, even where raw blocks' statistics would be cheaper (tests).
    var alwaysTiers = false

    init(version: Version, series: [QuerySeries], query: Aggregation, resolution: TimestampResolution, pushdown: Bool,
         threads: Int, tiers: [TierSnapshot] = [], blockRows: Int = 1024) {
        self.blockRows = blockRows
        self.version = version
        self.series = series
        self.query = query
        self.resolution = resolution
        self.pushdown = pushdown
        self.threads = threads
        self.tiers = tiers
    }

    static let chunkSeries = 32
    /// Buckets times groups a gap fill may produce.
    static let maxGapfillRows = 10_000_000

    /// The tiers that can answer this query, coarsest first (set by `run`).
    private var usable: [TierSnapshot] = []
    /// Tiers answer only before this (raw data is preferred from here on).
    private var rawFrom = Int64.max

    /// The typical time span of a raw block in `range` (from the files' summaries), if any.
    private func rawBlockSpan(_ range: ClosedRange<Int64>) -> Int64? {
        var spans: [Int64] = []
        for f in version.files(overlapping: range.lowerBound, range.upperBound) where !f.meta.mixed {
            let perSeries = max(1, f.meta.summary.points / max(1, f.meta.summary.series))
            let blocks = max(1, (perSeries + blockRows - 1) / blockRows)
            let span = f.meta.summary.maxTime &- f.meta.summary.minTime
            if span > 0 { spans.append(span / Int64(blocks)) }
        }
        guard !spans.isEmpty else { return nil }
        return spans.sorted()[spans.count / 2]
    }

    /// A query bucket's length (a month as 30 days; no bucket: the range).
    private func bucketLength(_ range: ClosedRange<Int64>) -> Double {
        switch query.bucket?.width {
        case .fixed(let w)?: return Double(w)
        case .months(let m)?: return Double(m) * 30 * 86_400 * Double(resolution.unitsPerSecond)
        case nil: return Double(range.upperBound) - Double(range.lowerBound)
        }
    }

    struct GroupKey: Hashable, Sendable {
        var bucket: Int64
        var device: UInt32
        var sensor: UInt32
    }

    func run() throws(StrataError) -> AggregationResult {
        var copy = self
        return try copy.execute()
    }

    private mutating func execute() throws(StrataError) -> AggregationResult {
        try validate()
        var explain = Explain()
        explain.series = series.count
        let ordered = nameOrder()
        if query.selection.filtersPoints { usable = [] } else {
            usable = tiers.filter { $0.answers(query.bucket, resolution: resolution) }.sorted { $0.width > $1.width }
            // Buckets much longer than raw blocks: most blocks lie inside one bucket and are
            // answered from their statistics, which beats reading tier rows; tiers then
            // answer only where retention dropped the raw data.
            if !alwaysTiers, let range = query.selection.timeRange.closed, let span = rawBlockSpan(range), bucketLength(range) >= 4 * Double(span) {
                rawFrom = version.manifest.retainedFrom
            }
        }
        var groups: [(key: GroupKey, state: PartialAggregate)] = []
        if let range = query.selection.timeRange.closed {
            countFiles(range, into: &explain)
            (groups, explain.threads) = try fold(range: range, ordered: ordered, explain: &explain)
        }
        var rows = groups.map { key, state in
            ValueRow(bucket: key.bucket, device: key.device, sensor: key.sensor, values: query.aggregates.map { state.value(of: $0) })
        }
        if let gapfill = query.gapfill {
            rows = try fillGaps(rows, gapfill, ordered: ordered, explain: &explain)
        }
        return AggregationResult(rows: finish(rows), explain: explain)
    }

    private func validate() throws(StrataError) {
        guard !query.aggregates.isEmpty else { throw StrataError(.invalidArgument, "an aggregation needs at least one aggregate") }
        try query.bucket?.validate(resolution: resolution)
        guard query.limit.map({ $0 >= 0 }) ?? true, query.offset >= 0 else {
            throw StrataError(.invalidArgument, "limit and offset must not be negative")
        }
        for key in query.order {
            if case .aggregate(let i) = key.column, !query.aggregates.indices.contains(i) {
                throw StrataError(.invalidArgument, "order by aggregate \(i): the query has \(query.aggregates.count) aggregates")
            }
        }
        if let g = query.gapfill {
            guard query.bucket != nil else { throw StrataError(.invalidArgument, "gap filling needs a time bucket") }
            guard g.fills.count <= query.aggregates.count else {
                throw StrataError(.invalidArgument, "gap filling has \(g.fills.count) fills for \(query.aggregates.count) aggregates")
            }
        }
    }

    private func countFiles(_ range: ClosedRange<Int64>, into explain: inout Explain) {
        var windows = Set<ClosedRange<Int64>>(), kept = Set<ClosedRange<Int64>>()
        for f in version.files {
            let span = f.meta.rangeFirst...f.meta.rangeLast
            windows.insert(span)
            explain.filesConsidered += 1
            if f.meta.overlaps(range.lowerBound, range.upperBound) { kept.insert(span) } else { explain.filesPruned += 1 }
        }
        explain.windowsConsidered = windows.count
        explain.windowsPruned = windows.count - kept.count
    }

    /// Series indices in name order (device, then sensor type, by bytes).
    private func nameOrder() -> [Int] { Self.nameOrder(series) }

    /// Indices of `series` in name order (device, then sensor type, by bytes).
    static func nameOrder(_ series: [QuerySeries]) -> [Int] {
        guard series.count > 1 else { return Array(series.indices) }
        return series.indices.sorted {
            (series[$0].deviceRank, series[$0].sensorRank) < (series[$1].deviceRank, series[$1].sensorRank)
        }
    }

    private func key(_ bucket: Int64, _ s: QuerySeries) -> GroupKey {
        GroupKey(bucket: query.bucket == nil ? .min : bucket,
                 device: query.groupBy.contains(.device) ? s.device : .max,
                 sensor: query.groupBy.contains(.sensorType) ? s.sensor : .max)
    }

    /// The states of every group with points in `range`, and the threads used.
    func fold(range: ClosedRange<Int64>, ordered: [Int], explain: inout Explain) throws(StrataError) -> ([(key: GroupKey, state: PartialAggregate)], Int) {
        // Raw data starts at retention's cutoff; tiers may reach further back.
        guard let rawRange = version.retained(range) ?? (usable.isEmpty ? nil : range) else { return ([], 1) }
        let range = usable.isEmpty ? rawRange : range
        let files = version.files(overlapping: range.lowerBound, range.upperBound).map {
            ScanFile(live: $0, tombstones: version.tombstones(for: $0.meta))
        }
        let chunks = (ordered.count + Self.chunkSeries - 1) / Self.chunkSeries
        let workers = chunks >= 2 ? min(threads, chunks) : 1
        // When every series is a group of its own, a series' buckets are its groups: no hashing.
        // That holds when no two series agree on the grouped names (one sensor type selected
        // and grouped by device, as in "hourly average per device of temperature").
        let ownGroups = Self.seriesAreGroups(series, query.groupBy)
        let merger = ChunkMerger(chunks: chunks)
        let selection = query.selection
        let executor = self
        let readers = usable.map { TierReader(tier: $0, aggregates: query.aggregates, range: range) }
        ParallelWork.run(count: chunks, threads: workers) { c in
            guard !merger.failed else { return }
            var aggregator = SeriesAggregator(filter: PointFilter(selection), bucket: executor.query.bucket,
                                              resolution: executor.resolution, pushdown: executor.pushdown,
                                              needs: PartialAggregate.Needs(executor.query.aggregates))
            var groups: [GroupKey: PartialAggregate] = [:]
            var list: [(key: GroupKey, state: PartialAggregate)] = []
            var buckets: [(bucket: Int64, state: PartialAggregate)] = []
            var tierRows = 0
            var tiersUsed = Set<Int>()
            do throws(StrataError) {
                for i in ordered[(c * Self.chunkSeries)..<min(ordered.count, (c + 1) * Self.chunkSeries)] {
                    let s = executor.series[i]
                    buckets.removeAll(keepingCapacity: true)
                    for piece in executor.pieces(s.series.id, range) {
                        if let t = piece.tier {
                            let (rows, read) = try readers[t].rows(i, in: piece.range)
                            tierRows += read
                            if read > 0 { tiersUsed.insert(t) }
                            try aggregator.add(rows: rows, into: &buckets)
                        } else if let raw = executor.version.retained(piece.range) {
                            var scan = try SeriesScan(id: s.series.id, range: raw, files: files, memtables: s.series.memtables)
                            try aggregator.run(&scan, into: &buckets)
                        }
                    }
                    if ownGroups {
                        for (bucket, state) in buckets { list.append((executor.key(bucket, s), state)) }
                        continue
                    }
                    for (bucket, state) in buckets {
                        let k = executor.key(bucket, s)
                        if groups[k] == nil { groups[k] = state } else { groups[k]!.combine(state) }
                    }
                }
                var counters = aggregator.counters
                counters.tierRows = tierRows
                counters.tiers = tiersUsed.map { executor.usable[$0].index }
                merger.complete(c, ownGroups ? list : groups.map { ($0.key, $0.value) }, disjoint: ownGroups, counters)
            } catch {
                merger.fail(error)
            }
        }
        let (groups, counters) = try merger.result()
        explain.blocksConsidered += counters.blocksConsidered
        explain.blocksPruned += counters.blocksPruned
        explain.blocksFromStatistics += counters.blocksFromStatistics
        explain.blocksDecoded += counters.blocksDecoded
        explain.pointsDecoded += counters.pointsDecoded
        explain.pointsInMemory += counters.pointsInMemory
        explain.tierRows += counters.tierRows
        let used = Set(counters.tiers)
        if !used.isEmpty {
            let names = tiers.filter { used.contains($0.index) }.sorted { $0.width > $1.width }.map { "\($0.width) units" }
            explain.tier = names.joined(separator: ", ")
        }
        return (groups, workers)
    }

    /// True when no two series fall into the same group (their grouped names differ).
    static func seriesAreGroups(_ series: [QuerySeries], _ groupBy: GroupBy) -> Bool {
        var seen = Set<UInt32>()
        switch (groupBy.contains(.device), groupBy.contains(.sensorType)) {
        case (true, true): return true
        case (true, false): return series.allSatisfy { seen.insert($0.device).inserted }
        case (false, true): return series.allSatisfy { seen.insert($0.sensor).inserted }
        case (false, false): return series.count <= 1
        }
    }

    /// The parts of `range` to read for series `id`, ascending: each from a tier (its
    /// index in `usable`) or from raw data (nil). Coarsest tier first, finer ones fill in.
    func pieces(_ id: SeriesID, _ range: ClosedRange<Int64>) -> [(range: ClosedRange<Int64>, tier: Int?)] {
        var pieces: [(range: ClosedRange<Int64>, tier: Int?)] = [(range, nil)]
        for (t, tier) in usable.enumerated() {
            var next: [(range: ClosedRange<Int64>, tier: Int?)] = []
            for p in pieces {
                guard p.tier == nil, p.range.lowerBound < rawFrom else {
                    next.append(p)
                    continue
                }
                if p.range.upperBound >= rawFrom {
                    // Only the part before rawFrom may come from tiers.
                    let before = p.range.lowerBound...(rawFrom - 1)
                    var at = before.lowerBound
                    for c in tier.covered(before, series: id, resolution: resolution) {
                        if c.lowerBound > at { next.append((at...(c.lowerBound - 1), nil)) }
                        next.append((c, t))
                        at = c.upperBound + 1
                    }
                    next.append((at...p.range.upperBound, nil))
                    continue
                }
                var at = p.range.lowerBound
                var done = false
                for c in tier.covered(p.range, series: id, resolution: resolution) {
                    if c.lowerBound > at { next.append((at...(c.lowerBound - 1), nil)) }
                    next.append((c, t))
                    if c.upperBound == .max { done = true; break }
                    at = c.upperBound + 1
                }
                if !done && at <= p.range.upperBound { next.append((at...p.range.upperBound, nil)) }
            }
            pieces = next
        }
        return pieces
    }

    // MARK: - Gap filling

    private func fillGaps(_ rows: [ValueRow], _ gapfill: Gapfill, ordered: [Int], explain: inout Explain) throws(StrataError) -> [ValueRow] {
        let bucket = query.bucket!
        let range = query.selection.timeRange
        guard let start = gapfill.start ?? (range.isEmpty || range.lowerBound == .min ? nil : range.lowerBound) else {
            throw StrataError(.invalidArgument, "gap filling needs a start: set Gapfill.start or a time range with a lower bound")
        }
        guard let finish = gapfill.finish ?? (range.isEmpty || range.upperBound == .max ? nil : range.upperBound + 1) else {
            throw StrataError(.invalidArgument, "gap filling needs a finish: set Gapfill.finish or a time range with an upper bound")
        }
        var buckets: [Int64] = []
        var b: Int64? = try bucket.start(of: start, resolution: resolution)
        let groupCount = max(1, Set(rows.map { GapfillInput.GroupID(device: $0.device, sensor: $0.sensor) }).count)
        let tooMany = StrataError(.limitExceeded, "gap filling [\(start), \(finish)) with \(bucket) makes more than \(Self.maxGapfillRows) rows")
        if case .fixed(let w) = bucket.width, let first = b, finish > first,
           (Int128(finish) - Int128(first)) / Int128(w) * Int128(groupCount) > Int128(Self.maxGapfillRows) {
            throw tooMany
        }
        while let current = b, current < finish {
            buckets.append(current)
            if buckets.count * groupCount > Self.maxGapfillRows { throw tooMany }
            b = bucket.next(after: current, resolution: resolution)
        }
        var input = GapfillInput(buckets: buckets, fills: gapfill.fills, aggregates: query.aggregates.count,
                                 grouped: !query.groupBy.isEmpty, before: [:], after: [:])
        let needsBefore = gapfill.fills.contains { $0 != .null }
        let needsAfter = gapfill.fills.contains(.interpolate)
        if let first = buckets.first, let last = buckets.last, needsBefore || needsAfter, let extent = dataExtent() {
            var wanted = Set(rows.map { GapfillInput.GroupID(device: $0.device, sensor: $0.sensor) })
            if query.groupBy.isEmpty { wanted = [GapfillInput.GroupID(device: .max, sensor: .max)] }
            if needsBefore, first > extent.lowerBound {
                input.before = try neighbours(of: wanted, from: first - 1, towards: extent.lowerBound, before: true, ordered: ordered, explain: &explain)
            }
            if needsAfter, let after = bucket.next(after: last, resolution: resolution), after <= extent.upperBound {
                input.after = try neighbours(of: wanted, from: after, towards: extent.upperBound, before: false, ordered: ordered, explain: &explain)
            }
        }
        return Gapfiller.fill(rows, input)
    }

    /// The time span of the selected series' data (files and memtables), for bounding neighbour searches.
    private func dataExtent() -> ClosedRange<Int64>? {
        var lo = Int64.max, hi = Int64.min
        for f in version.files {
            lo = min(lo, f.meta.summary.minTime)
            hi = max(hi, f.meta.summary.maxTime)
        }
        for s in series {
            for m in s.series.memtables where m.count > 0 {
                lo = min(lo, m.minTime)
                hi = max(hi, m.maxTime)
            }
        }
        return lo <= hi ? lo...hi : nil
    }

    /// Per group of `wanted`, the nearest bucket with points at or before `from` (searching
    /// down to `limit`) or at or after it (up to `limit`): whole buckets, in ranges that
    /// double from one bucket width until every wanted group is found or the data ends.
    private func neighbours(of wanted: Set<GapfillInput.GroupID>, from: Int64, towards limit: Int64, before: Bool, ordered: [Int],
                            explain: inout Explain) throws(StrataError) -> [GapfillInput.GroupID: (bucket: Int64, values: [Double?])] {
        let bucket = query.bucket!
        var width: Int64
        switch bucket.width {
        case .fixed(let w): width = max(w, 1)
        case .months(let m): width = Int64(clamping: Int128(m) * 31 * 86_400 * Int128(resolution.unitsPerSecond))
        }
        var found: [GapfillInput.GroupID: (bucket: Int64, values: [Double?])] = [:]
        var near = from
        while true {
            var far: Int64
            if before {
                far = try bucket.start(of: max(limit, near.subtractingClamped(width)), resolution: resolution)
            } else {
                let s = try bucket.start(of: min(limit, near.addingClamped(width)), resolution: resolution)
                far = bucket.next(after: s, resolution: resolution).map { $0 - 1 } ?? .max
            }
            let (groups, _) = try fold(range: before ? far...near : near...far, ordered: ordered, explain: &explain)
            var nearest: [GapfillInput.GroupID: (bucket: Int64, state: PartialAggregate)] = [:]
            for (k, state) in groups {
                let id = GapfillInput.GroupID(device: k.device, sensor: k.sensor)
                guard wanted.contains(id), found[id] == nil else { continue }
                if let e = nearest[id], before ? e.bucket > k.bucket : e.bucket < k.bucket { continue }
                nearest[id] = (k.bucket, state)
            }
            for (id, n) in nearest { found[id] = (n.bucket, query.aggregates.map { n.state.value(of: $0) }) }
            if found.count == wanted.count || (before ? far <= limit : far >= limit) { break }
            if before {
                guard far > .min else { break }
                near = far - 1
            } else {
                guard far < .max else { break }
                near = far + 1
            }
            width = width.multipliedClamped(by: 2)
        }
        return found
    }

    // MARK: - Order and limit

    private func finish(_ rows: [ValueRow]) -> [AggregateRow] {
        var deviceNames: [UInt32: String] = [:], sensorNames: [UInt32: String] = [:]
        var deviceRank: [UInt32: Int] = [:], sensorRank: [UInt32: Int] = [:]
        for s in series {
            deviceNames[s.device] = s.series.key.deviceID
            sensorNames[s.sensor] = s.series.key.sensorType
            deviceRank[s.device] = Int(s.deviceRank)
            sensorRank[s.sensor] = Int(s.sensorRank)
        }
        struct Keyed {
            var row: ValueRow
            var device: Int
            var sensor: Int
        }
        var keyed = rows.map { Keyed(row: $0, device: deviceRank[$0.device] ?? .max, sensor: sensorRank[$0.sensor] ?? .max) }
        let order = query.order
        func compare(_ a: Keyed, _ b: Keyed, _ column: SortKey.Column) -> Int {
            switch column {
            case .bucket: return a.row.bucket == b.row.bucket ? 0 : (a.row.bucket < b.row.bucket ? -1 : 1)
            case .device: return a.device == b.device ? 0 : (a.device < b.device ? -1 : 1)
            case .sensorType: return a.sensor == b.sensor ? 0 : (a.sensor < b.sensor ? -1 : 1)
            case .aggregate(let i):
                // Nulls last ascending (PostgreSQL's default), NaN above numbers.
                switch (a.row.values[i], b.row.values[i]) {
                case (nil, nil): return 0
                case (nil, _): return 1
                case (_, nil): return -1
                case (let x?, let y?): return ValueCondition.order(x, y)
                }
            }
        }
        func precedes(_ a: Keyed, _ b: Keyed) -> Bool {
            for key in order {
                let c = compare(a, b, key.column)
                if c != 0 { return key.ascending ? c < 0 : c > 0 }
            }
            return (a.row.bucket, a.device, a.sensor) < (b.row.bucket, b.device, b.sensor)
        }
        let byGroupsOnly = order.count <= 3 && order.allSatisfy { if case .aggregate = $0.column { false } else { true } }
        if byGroupsOnly {
            // Ordered by group columns only (the common case): sort integer keys, not rows
            // (comparing rows copies their value arrays; 4,800 rows took 0.3 ms).
            func component(_ k: Keyed, _ column: SortKey.Column, _ ascending: Bool) -> Int64 {
                let v: Int64
                switch column {
                case .bucket: v = k.row.bucket
                case .device: v = Int64(k.device)
                case .sensorType: v = Int64(k.sensor)
                case .aggregate: v = 0
                }
                return ascending ? v : ~v   // ~ reverses the order without overflow
            }
            var keys = keyed.indices.map { i -> RowKey in
                let k = keyed[i]
                func c(_ n: Int) -> Int64 { n < order.count ? component(k, order[n].column, order[n].ascending) : 0 }
                return RowKey(c(0), c(1), c(2), k.row.bucket, Int64(k.device), Int64(k.sensor), i)
            }
            if zip(keys, keys.dropFirst()).contains(where: { !($0 < $1) }) {
                keys.sort()
                keyed = keys.map { keyed[$0.index] }
            }
        } else if zip(keyed, keyed.dropFirst()).contains(where: { !precedes($0, $1) }) {
            // Often already in order (one series, buckets ascending): checked before sorting.
            var index = Array(keyed.indices)
            index.sort { precedes(keyed[$0], keyed[$1]) }
            keyed = index.map { keyed[$0] }
        }
        let skip = min(query.offset, keyed.count)
        let end = query.limit.map { min(keyed.count, skip + $0) } ?? keyed.count
        return keyed[skip..<end].map { k in
            AggregateRow(bucket: query.bucket == nil ? nil : k.row.bucket,
                         deviceID: k.row.device == .max ? nil : deviceNames[k.row.device],
                         sensorType: k.row.sensor == .max ? nil : sensorNames[k.row.sensor],
                         values: k.row.values)
        }
    }
}

/// Folds chunk results in chunk order as they complete, so memory holds the
/// total and the few chunks finished ahead of the next one to fold. Chunks whose
/// groups are disjoint (each series its own group) are concatenated, not hashed.
private final class ChunkMerger: @unchecked Sendable {
    typealias Groups = [(key: AggregationExecutor.GroupKey, state: PartialAggregate)]
    private struct State {
        var next = 0
        var waiting: [Int: (Groups, Bool, ScanCounters)] = [:]
        var list: Groups = []
        var total: [AggregationExecutor.GroupKey: PartialAggregate]?
        var counters = ScanCounters()
        var error: StrataError?
    }
    private let state = ConditionLock(State())
    let chunks: Int

    init(chunks: Int) { self.chunks = chunks }

    var failed: Bool { state.withLock { $0.error != nil } }

    func complete(_ chunk: Int, _ groups: Groups, disjoint: Bool, _ counters: ScanCounters) {
        state.withLock { s in
            s.waiting[chunk] = (groups, disjoint, counters)
            while let (groups, disjoint, counters) = s.waiting.removeValue(forKey: s.next) {
                if disjoint && s.total == nil {
                    s.list += groups
                } else {
                    if s.total == nil {
                        var d: [AggregationExecutor.GroupKey: PartialAggregate] = [:]
                        for (k, v) in s.list { d[k] = v }
                        s.total = d
                        s.list = []
                    }
                    for (k, v) in groups {
                        if s.total![k] == nil { s.total![k] = v } else { s.total![k]!.combine(v) }
                    }
                }
                s.counters.add(counters)
                s.next += 1
            }
        }
    }

    func fail(_ error: StrataError) {
        state.withLock { s in if s.error == nil { s.error = error } }
    }

    func result() throws(StrataError) -> (Groups, ScanCounters) {
        try state.withLock { (s) throws(StrataError) in
            if let e = s.error { throw e }
            return (s.total.map { $0.map { ($0.key, $0.value) } } ?? s.list, s.counters)
        }
    }
}

extension Int64 {
    func subtractingClamped(_ d: Int64) -> Int64 {
        let (r, o) = subtractingReportingOverflow(d)
        return o ? .min : r
    }

    func addingClamped(_ d: Int64) -> Int64 {
        let (r, o) = addingReportingOverflow(d)
        return o ? .max : r
    }

    func multipliedClamped(by d: Int64) -> Int64 {
        let (r, o) = multipliedReportingOverflow(by: d)
        return o ? .max : r
    }
}

/// A result row's sort key: the requested group columns (complemented when
/// descending), then bucket, device and sensor ranks ascending, then the row's place.
struct RowKey: Comparable {
    var k0, k1, k2, bucket, device, sensor: Int64
    var index: Int

    init(_ k0: Int64, _ k1: Int64, _ k2: Int64, _ bucket: Int64, _ device: Int64, _ sensor: Int64, _ index: Int) {
        (self.k0, self.k1, self.k2, self.bucket, self.device, self.sensor, self.index) = (k0, k1, k2, bucket, device, sensor, index)
    }

    static func < (a: RowKey, b: RowKey) -> Bool {
        (a.k0, a.k1, a.k2, a.bucket, a.device, a.sensor) < (b.k0, b.k1, b.k2, b.bucket, b.device, b.sensor)
    }
}
