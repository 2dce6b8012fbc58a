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
}

struct AggregationExecutor: Sendable {
    let version: Version
    let series: [QuerySeries]
    let query: Aggregation
    let resolution: TimestampResolution
    /// Use block statistics (off only to check that it changes nothing).
    let pushdown: Bool
    let threads: Int

    static let chunkSeries = 64
    /// Buckets times groups a gap fill may produce.
    static let maxGapfillRows = 10_000_000

    struct GroupKey: Hashable, Sendable {
        var bucket: Int64
        var device: UInt32
        var sensor: UInt32
    }

    func run() throws(StrataError) -> AggregationResult {
        try validate()
        var explain = Explain()
        explain.series = series.count
        let ordered = nameOrder()
        var groups: [GroupKey: PartialAggregate] = [:]
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
        func rank(_ numbers: [UInt32], _ name: (Int) -> String) -> [UInt32: Int] {
            var firstIndex: [UInt32: Int] = [:]
            for (i, n) in numbers.enumerated() where firstIndex[n] == nil { firstIndex[n] = i }
            let sorted = firstIndex.sorted { bytesPrecede(name($0.value), name($1.value)) }
            var out: [UInt32: Int] = [:]
            for (r, e) in sorted.enumerated() { out[e.key] = r }
            return out
        }
        let deviceRank = rank(series.map(\.device)) { series[$0].series.key.deviceID }
        let sensorRank = rank(series.map(\.sensor)) { series[$0].series.key.sensorType }
        return series.indices.sorted {
            (deviceRank[series[$0].device]!, sensorRank[series[$0].sensor]!) < (deviceRank[series[$1].device]!, sensorRank[series[$1].sensor]!)
        }
    }

    private func key(_ bucket: Int64, _ s: QuerySeries) -> GroupKey {
        GroupKey(bucket: query.bucket == nil ? .min : bucket,
                 device: query.groupBy.contains(.device) ? s.device : .max,
                 sensor: query.groupBy.contains(.sensorType) ? s.sensor : .max)
    }

    /// The states of every group with points in `range`, and the threads used.
    func fold(range: ClosedRange<Int64>, ordered: [Int], explain: inout Explain) throws(StrataError) -> ([GroupKey: PartialAggregate], Int) {
        guard let range = version.retained(range) else { return ([:], 1) }
        let files = version.files(overlapping: range.lowerBound, range.upperBound).map {
            ScanFile(live: $0, tombstones: version.tombstones(for: $0.meta))
        }
        let chunks = (ordered.count + Self.chunkSeries - 1) / Self.chunkSeries
        let workers = chunks >= 2 ? min(threads, chunks) : 1
        let merger = ChunkMerger(chunks: chunks)
        let selection = query.selection
        let executor = self
        ParallelWork.run(count: chunks, threads: workers) { c in
            guard !merger.failed else { return }
            var aggregator = SeriesAggregator(filter: PointFilter(selection), bucket: executor.query.bucket,
                                              resolution: executor.resolution, pushdown: executor.pushdown,
                                              needs: PartialAggregate.Needs(executor.query.aggregates))
            var groups: [GroupKey: PartialAggregate] = [:]
            var buckets: [(bucket: Int64, state: PartialAggregate)] = []
            do throws(StrataError) {
                for i in ordered[(c * Self.chunkSeries)..<min(ordered.count, (c + 1) * Self.chunkSeries)] {
                    let s = executor.series[i]
                    var scan = try SeriesScan(id: s.series.id, range: range, files: files, memtables: s.series.memtables)
                    try aggregator.run(&scan, into: &buckets)
                    for (bucket, state) in buckets {
                        let k = executor.key(bucket, s)
                        if groups[k] == nil { groups[k] = state } else { groups[k]!.combine(state) }
                    }
                }
                merger.complete(c, groups, aggregator.counters)
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
        return (groups, workers)
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
        for s in series {
            deviceNames[s.device] = s.series.key.deviceID
            sensorNames[s.sensor] = s.series.key.sensorType
        }
        var out = rows.map { r in
            AggregateRow(bucket: query.bucket == nil ? nil : r.bucket,
                         deviceID: r.device == .max ? nil : deviceNames[r.device],
                         sensorType: r.sensor == .max ? nil : sensorNames[r.sensor],
                         values: r.values)
        }
        let order = query.order
        out.sort { a, b in
            for key in order {
                let c = Self.compare(a, b, key.column)
                if c != 0 { return key.ascending ? c < 0 : c > 0 }
            }
            for column in [SortKey.Column.bucket, .device, .sensorType] {
                let c = Self.compare(a, b, column)
                if c != 0 { return c < 0 }
            }
            return false
        }
        let skip = min(query.offset, out.count)
        let end = query.limit.map { min(out.count, skip + $0) } ?? out.count
        return Array(out[skip..<end])
    }

    /// -1, 0, 1. Nulls sort last ascending (PostgreSQL's default), NaN above numbers.
    private static func compare(_ a: AggregateRow, _ b: AggregateRow, _ column: SortKey.Column) -> Int {
        func names(_ x: String?, _ y: String?) -> Int {
            switch (x, y) {
            case (nil, nil): return 0
            case (nil, _): return 1
            case (_, nil): return -1
            case (let x?, let y?): return sameBytes(x, y) ? 0 : (bytesPrecede(x, y) ? -1 : 1)
            }
        }
        switch column {
        case .bucket:
            return a.bucket == b.bucket ? 0 : ((a.bucket ?? .max) < (b.bucket ?? .max) ? -1 : 1)
        case .device: return names(a.deviceID, b.deviceID)
        case .sensorType: return names(a.sensorType, b.sensorType)
        case .aggregate(let i):
            switch (a.values[i], b.values[i]) {
            case (nil, nil): return 0
            case (nil, _): return 1
            case (_, nil): return -1
            case (let x?, let y?): return ValueCondition.order(x, y)
            }
        }
    }
}

/// Folds chunk results in chunk order as they complete, so memory holds the
/// total and the few chunks finished ahead of the next one to fold.
private final class ChunkMerger: @unchecked Sendable {
    private struct State {
        var next = 0
        var waiting: [Int: ([AggregationExecutor.GroupKey: PartialAggregate], ScanCounters)] = [:]
        var total: [AggregationExecutor.GroupKey: PartialAggregate] = [:]
        var counters = ScanCounters()
        var error: StrataError?
    }
    private let state = ConditionLock(State())
    let chunks: Int

    init(chunks: Int) { self.chunks = chunks }

    var failed: Bool { state.withLock { $0.error != nil } }

    func complete(_ chunk: Int, _ groups: [AggregationExecutor.GroupKey: PartialAggregate], _ counters: ScanCounters) {
        state.withLock { s in
            s.waiting[chunk] = (groups, counters)
            while let (groups, counters) = s.waiting.removeValue(forKey: s.next) {
                if s.total.isEmpty {
                    s.total = groups
                } else {
                    for (k, v) in groups {
                        if s.total[k] == nil { s.total[k] = v } else { s.total[k]!.combine(v) }
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

    func result() throws(StrataError) -> ([AggregationExecutor.GroupKey: PartialAggregate], ScanCounters) {
        try state.withLock { (s) throws(StrataError) in
            if let e = s.error { throw e }
            return (s.total, s.counters)
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
