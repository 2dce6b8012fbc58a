import Synchronization

// Downsampling tiers (FORMAT.md, section 15): each tier is a store of its own
// in tiers/<width>/, written only by this engine's tier builder, holding one
// row per raw series and bucket (TierRows.swift). The raw manifest records
// each tier's progress (`builtThrough`) and its stale ranges, so the two
// stores never disagree about what the rows cover:
//
//   build:   rows of [builtThrough, target) computed from the raw chunk files,
//            written (and synced) to the tier, then builtThrough = target
//            committed in the raw manifest. A crash in between rebuilds the
//            same rows (a point rewritten with the same value).
//   stale:   a write or deletion landing below a tier's horizon (builtThrough,
//            or the target being built) marks the series and span in the
//            memtable; queries skip the tier there; the flush commits the
//            marks as stale ranges; the builder recomputes those rows (writing
//            count 0 where a bucket emptied) and removes the ranges it saw.
//   target:  the start of the tier bucket holding the newest flushed point or
//            the oldest point still in memory, whichever is earlier: a bucket
//            is built once no point of it can arrive except late.
//
// Raw retention does not touch tiers; a tier's own `keep` is its retention.
// Rows below raw retention are never rebuilt from raw data (it is gone),
// except that a deletion covering whole buckets empties them.

/// One tier: its place in the manifest's list, its width, and its store.
final class TierStore: Sendable {
    let width: Int64
    let engine: Engine
    /// Per raw series id, the ids of its column series in the tier's catalog (learned on
    /// first use; a series' ids never change).
    private let ids = Mutex<[SeriesID: [SeriesID?]]>([:])

    init(width: Int64, engine: Engine) {
        self.width = width
        self.engine = engine
    }

    /// The column series ids of raw series `id` (nil when the tier has no row of it);
    /// `catalog` is the tier's, read under its store's lock.
    func columnIDs(_ id: SeriesID, catalog: SeriesCatalog) -> [SeriesID?]? {
        if let known = ids.withLock({ $0[id] }) { return known }
        let device = TierColumn.device(id)
        let found = TierColumn.allCases.map { catalog.lookup(device, $0.name) }
        guard found[TierColumn.count.rawValue] != nil else { return nil }
        // Remembered only once every column exists (they are written together).
        if found.allSatisfy({ $0 != nil }) { ids.withLock { $0[id] = found } }
        return found
    }

    static func directory(_ root: String, width: Int64) -> String {
        joinPath(joinPath(root, FileNames.tierDirectory), String(width))
    }
}

enum TierSetup {
    /// The tiers after `wanted` (nil: as stored), finest first, keeping the progress
    /// of those that stay; and the stale ranges re-indexed to them.
    static func reconcile(_ stored: [TierState], stale: [StaleRange], wanted: [Tier]?) -> (tiers: [TierState], stale: [StaleRange]) {
        guard let wanted else { return (stored, stale) }
        var tiers: [TierState] = []
        for w in wanted.sorted(by: { $0.width < $1.width }) {
            var t = stored.first { $0.width == w.width } ?? TierState(width: w.width)
            t.keep = w.keep
            tiers.append(t)
        }
        let newIndex = Dictionary(uniqueKeysWithValues: stored.enumerated().compactMap { i, t in
            tiers.firstIndex { $0.width == t.width }.map { (i, $0) }
        })
        let remapped = stale.compactMap { s -> StaleRange? in
            guard let i = newIndex[s.tier] else { return nil }
            var s = s
            s.tier = i
            return s
        }
        return (tiers, remapped)
    }

    /// Options of a tier's own store.
    static func options(_ raw: Options, resolution: TimestampResolution, partitionDuration: Int64, keep: Int64?) -> Options {
        var o = Options()
        o.resolution = resolution
        o.partitionDuration = partitionDuration
        o.memtableBytes = max(1 << 20, min(raw.memtableBytes, 8 << 20))
        o.memtableMaxAge = raw.memtableMaxAge
        o.sync = .everyBatch
        // Small blocks: a query reading a few rows of a long series decodes few others.
        o.blockRows = 128
        o.walSegmentBytes = min(raw.walSegmentBytes, 16 << 20)
        o.compactionTrigger = raw.compactionTrigger
        o.cacheBytes = max(0, raw.cacheBytes / 4)
        o.retention = keep
        o.readOnly = raw.readOnly
        o.salvage = raw.salvage
        o.queryThreads = 1
        o.fileSystem = raw.fileSystem
        o.wallClock = raw.wallClock
        o.tiers = []
        if let handler = raw.eventHandler {
            o.eventHandler = { @Sendable (event: StoreEvent) -> Void in
                if case .backgroundError = event { handler(event) }
            }
        }
        return o
    }
}

extension Engine {
    /// Horizons for marking late points: per tier, its builtThrough or the target being built.
    func tierHorizons(_ s: State) -> [Int64] {
        let tiers = versions.current.manifest.tiers
        return tiers.indices.map { max(tiers[$0].builtThrough, $0 < s.tierBuilding.count ? s.tierBuilding[$0] : .min) }
    }

    /// Bytes of the tiers' chunk files.
    func tierBytes() -> Int {
        tierStores.reduce(0) { $0 + $1.engine.versions.current.files.reduce(0) { $0 + $1.meta.summary.size } }
    }

    // MARK: - Queries

    /// Snapshots of the tiers that can answer `query` for `series` (taken after the raw
    /// snapshot `version` and the memtables' late spans `late`).
    func tierSnapshots(_ query: Aggregation, series: [QuerySeries], version: Version,
                       late: [[SeriesID: ClosedRange<Int64>]]) throws(StrataError) -> [TierSnapshot] {
        guard !tierStores.isEmpty, !query.selection.filtersPoints else { return [] }
        let manifest = version.manifest
        let columns = TierColumn.needed(query.aggregates)
        var out: [TierSnapshot] = []
        for (t, state) in manifest.tiers.enumerated() {
            guard let store = tierStores.first(where: { $0.width == state.width }) else { continue }
            var stale = manifest.stale.filter { $0.tier == t }
            if t < late.count {
                for (id, span) in late[t] { stale.append(StaleRange(tier: t, scope: .series([id]), first: span.lowerBound, last: span.upperBound, stamp: 0)) }
            }
            var tier = TierSnapshot(index: t, width: store.width, builtThrough: manifest.tiers[t].builtThrough, stale: stale,
                                    version: version, columns: [])
            guard tier.builtThrough > .min, tier.answers(query.bucket, resolution: resolution) else { continue }
            let engine = store.engine
            try engine.state.withLock { (s) throws(StrataError) in
                try engine.checkOpen(s)
                tier.version = engine.readVersion(s)
                tier.columns.reserveCapacity(series.count)
                for q in series {
                    guard let ids = store.columnIDs(q.series.id, catalog: s.catalog) else {
                        tier.columns.append([])
                        continue
                    }
                    var slots = [SnapshotSeries?](repeating: nil, count: TierColumn.allCases.count)
                    for c in columns {
                        guard let id = ids[c.rawValue] else { continue }
                        slots[c.rawValue] = SnapshotSeries(id: id, key: SeriesKey(unchecked: "", ""), memtables: engine.memtableSnapshots(id, s))
                    }
                    tier.columns.append(slots)
                }
            }
            out.append(tier)
        }
        return out
    }

    // MARK: - Building

    /// Builds and repairs tier rows until nothing is left or `steps` steps ran; true when work remains.
    @discardableResult
    func buildTiers(steps: Int = .max) throws(StrataError) -> Bool {
        guard !tierStores.isEmpty, !readOnly else { return false }
        var done = 0
        while done < steps {
            var progressed = false
            for t in tierStores.indices {
                if try buildStep(tier: t) {
                    progressed = true
                    done += 1
                }
            }
            if !progressed { return false }
        }
        return true
    }

    /// One step for tier `t`: its stale ranges if any, else the next chunk of new buckets.
    /// True when something was done.
    private func buildStep(tier t: Int) throws(StrataError) -> Bool {
        let store = tierStores[t]
        let width = store.width
        let span = max(width.multipliedClamped(by: 4096), partitioning.duration) / width * width
        // Choose the work and publish the horizon under the lock.
        let plan = try state.withLock { (s) throws(StrataError) -> (version: Version, from: Int64, to: Int64, stale: [StaleRange])? in
            try checkOpen(s)
            let version = versions.current
            let manifest = version.manifest
            guard t < manifest.tiers.count else { return nil }
            let stale = manifest.stale.filter { $0.tier == t }
            if !stale.isEmpty { return (version, 0, 0, stale) }
            guard manifest.newestTime != .min else { return nil }
            var memMin = s.memtables.active.points > 0 ? s.memtables.active.minTime : Int64.max
            if let f = s.memtables.frozen, f.points > 0 { memMin = min(memMin, f.minTime) }
            let origin = TierSnapshot.origin(resolution)
            func start(_ x: Int64) -> Int64 {
                let d = Int128(x) - Int128(origin)
                var q = d / Int128(width)
                if d % Int128(width) < 0 { q -= 1 }
                return Int64(clamping: Int128(origin) + q * Int128(width))
            }
            let target = start(min(planningNewest(manifest.newestTime), memMin))
            var from = manifest.tiers[t].builtThrough
            if from == .min {
                let oldest = manifest.files.map(\.summary.minTime).min() ?? .max
                guard oldest != .max else { return nil }
                from = start(max(oldest, manifest.retainedFrom))
            }
            guard from < target else { return nil }
            let to = min(target, from.addingClamped(span))
            while s.tierBuilding.count <= t { s.tierBuilding.append(.min) }
            s.tierBuilding[t] = to
            return (version, from, to, [])
        }
        guard let plan else { return false }
        defer {
            state.withLock { s in if t < s.tierBuilding.count { s.tierBuilding[t] = .min } }
        }
        if !plan.stale.isEmpty {
            try rebuildStale(tier: t, plan.stale, version: plan.version)
        } else {
            try writeRows(tier: t, version: plan.version, range: plan.from...(plan.to - 1), ids: nil, emptied: [])
            var tiers = versions.current.manifest.tiers
            guard t < tiers.count else { return false }
            tiers[t].builtThrough = max(tiers[t].builtThrough, plan.to)
            var edit = VersionEdit()
            edit.tiers = tiers
            try versions.commit(edit, opened: [])
        }
        return true
    }

    /// Recomputes the rows a stale range touches (whole tier buckets, above raw
    /// retention; below it, a deletion's whole buckets are emptied), then removes the
    /// ranges from the manifest.
    private func rebuildStale(tier t: Int, _ stale: [StaleRange], version: Version) throws(StrataError) {
        let store = tierStores[t]
        let width = store.width
        let retainedFrom = version.manifest.retainedFrom
        let probe = TierSnapshot(index: t, width: width, builtThrough: .max, stale: [], version: version, columns: [])
        for r in stale {
            let lo = probe.bucketStart(r.first, resolution: resolution)
            let hiStart = probe.bucketStart(r.last, resolution: resolution)
            let hi = hiStart.addingClamped(width - 1)
            let ids: [SeriesID]? = { if case .series(let ids) = r.scope { return ids } else { return nil } }()
            // Above retention: recompute from raw data.
            var keepFrom = lo
            if retainedFrom > lo {
                let first = probe.bucketStart(retainedFrom, resolution: resolution)
                keepFrom = first == retainedFrom ? first : first.addingClamped(width)
            }
            if keepFrom <= hi {
                try writeRows(tier: t, version: version, range: keepFrom...hi, ids: ids, emptied: ids ?? [])
            }
            // Below it: a deletion empties the buckets it covers whole.
            if r.deletion, lo < keepFrom, let ids {
                var a = lo
                if a < r.first { a = a.addingClamped(width) }
                let b = min(keepFrom.subtractingClamped(1), r.last)
                if a <= b { try emptyRows(tier: t, ids: ids, range: a...b) }
            }
        }
        var edit = VersionEdit()
        edit.removeStale = stale
        try versions.commit(edit, opened: [])
    }

    /// Computes the rows of `range` (whole tier buckets) from the raw files of `version`
    /// for `ids` (nil: every series with data there) and writes them to the tier; for
    /// the series of `emptied`, buckets that had a row and now have no points get count 0.
    private func writeRows(tier t: Int, version: Version, range: ClosedRange<Int64>, ids: [SeriesID]?, emptied: [SeriesID]) throws(StrataError) {
        let store = tierStores[t]
        let bucket = TimeBucket(.fixed(store.width))
        guard let range = version.retained(range) else { return }
        let files = version.files(overlapping: range.lowerBound, range.upperBound).map {
            ScanFile(live: $0, tombstones: version.tombstones(for: $0.meta))
        }
        var wanted: [SeriesID]
        if let ids {
            wanted = ids
        } else {
            var set = Set<SeriesID>()
            for f in files {
                for id in f.live.file.seriesIDs {
                    if let loc = f.live.file.locator(id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound { set.insert(id) }
                }
            }
            wanted = set.sorted()
        }
        var aggregator = SeriesAggregator(filter: PointFilter(Selection()), bucket: bucket, resolution: resolution, pushdown: true)
        var rows: [(bucket: Int64, state: PartialAggregate)] = []
        var batch: [Reading] = []
        let emptiedSet = Set(emptied)
        let existing = emptied.isEmpty ? [:] : try existingRows(tier: t, ids: emptied, range: range)
        func flushBatch() throws(StrataError) {
            guard !batch.isEmpty else { return }
            try store.engine.write(batch, sources: [:])
            batch.removeAll(keepingCapacity: true)
        }
        for id in wanted {
            rows.removeAll(keepingCapacity: true)
            var scan = try SeriesScan(id: id, range: range, files: files, memtables: [])
            try aggregator.run(&scan, into: &rows)
            let device = TierColumn.device(id)
            var present = Set<Int64>()
            for (b, p) in rows {
                present.insert(b)
                for c in TierColumn.allCases {
                    batch.append(Reading(deviceID: device, sensorType: c.name, timestamp: b, value: TierColumn.value(c, of: p, bucket: b)))
                }
            }
            if emptiedSet.contains(id) {
                for b in existing[id] ?? [] where !present.contains(b) {
                    batch.append(Reading(deviceID: device, sensorType: TierColumn.count.name, timestamp: b, value: 0))
                }
            }
            if batch.count >= 65_536 { try flushBatch() }
        }
        try flushBatch()
    }

    /// Buckets of the tier holding a row (count > 0) for each of `ids` in `range`.
    private func existingRows(tier t: Int, ids: [SeriesID], range: ClosedRange<Int64>) throws(StrataError) -> [SeriesID: [Int64]] {
        let engine = tierStores[t].engine
        var out: [SeriesID: [Int64]] = [:]
        for id in ids {
            let points = try engine.read(device: TierColumn.device(id), sensorType: TierColumn.count.name, in: range)
            out[id] = zip(points.timestamps, points.values).filter { $0.1 > 0 }.map(\.0)
        }
        return out
    }

    /// Writes count 0 for the rows of `ids` in `range` (every bucket that has one).
    private func emptyRows(tier t: Int, ids: [SeriesID], range: ClosedRange<Int64>) throws(StrataError) {
        let existing = try existingRows(tier: t, ids: ids, range: range)
        var batch: [Reading] = []
        for (id, buckets) in existing {
            for b in buckets { batch.append(Reading(deviceID: TierColumn.device(id), sensorType: TierColumn.count.name, timestamp: b, value: 0)) }
        }
        if !batch.isEmpty { try tierStores[t].engine.write(batch, sources: [:]) }
    }
}

extension Engine {
    /// Points of one series (a tier's own read, without the public API's wrapping).
    fileprivate func read(device: String, sensorType: String, in range: ClosedRange<Int64>) throws(StrataError) -> PointColumns {
        let snapshot = try self.snapshot(device: device, sensorType: sensorType)
        guard let series = snapshot.series.first else { return PointColumns() }
        return try points(series, in: snapshot, range: range)
    }
}
