// The query entry points: a snapshot of the series a selection picks (with
// their memtable points, under the lock), handed to the Query layer.

extension Engine {
    /// The series `selection` picks (devices, sensor types, device attributes), ascending ids.
    func selectSeries(_ selection: Selection, in s: State) throws(StrataError) -> [SeriesID] {
        s.catalog.select(devices: selection.devices, sensorTypes: selection.sensorTypes,
                         devicesAllowed: s.catalog.devices(matching: selection.attributes))
    }

    /// The version readers use and the series `selection` picks, with their memtables.
    func querySnapshot(_ selection: Selection) throws(StrataError) -> (version: Version, series: [QuerySeries]) {
        try state.withLock { (s) throws(StrataError) -> (version: Version, series: [QuerySeries]) in
            try checkOpen(s)
            let version = readVersion(s)
            let ids = try selectSeries(selection, in: s)
            s.catalog.rankNames()
            let series = ids.map { id in
                let d = s.catalog.deviceNumber(of: id), k = s.catalog.sensorNumber(of: id)
                return QuerySeries(series: SnapshotSeries(id: id, key: s.catalog.key(id), memtables: memtableSnapshots(id, s)),
                                   device: d, sensor: k, deviceRank: s.catalog.deviceRank[Int(d)], sensorRank: s.catalog.sensorRank[Int(k)])
            }
            return (version, series)
        }
    }

    /// One aggregation run twice on one snapshot: with block statistics, and decoding
    /// every block (tests: the two must agree bit for bit).
    func aggregateBothWays(_ query: Aggregation) throws(StrataError) -> (pushdown: AggregationResult, decoded: AggregationResult) {
        let (version, series) = try querySnapshot(query.selection)
        func run(_ pushdown: Bool) throws(StrataError) -> AggregationResult {
            try AggregationExecutor(version: version, series: series, query: query, resolution: resolution, pushdown: pushdown,
                                    threads: options.queryThreads == 0 ? ParallelWork.processors : options.queryThreads,
                                    blockRows: options.blockRows).run()
        }
        return (try run(true), try run(false))
    }

    /// Per tier, what the memtables changed below its horizon (late points, deletions).
    func lateSpans() throws(StrataError) -> [[SeriesID: ClosedRange<Int64>]] {
        guard !tierStores.isEmpty else { return [] }
        return state.withLock { s in
            tierStores.indices.map { t in
                var spans = s.memtables.frozen?.lateSpans(tier: t) ?? [:]
                for (id, r) in s.memtables.active.lateSpans(tier: t) {
                    spans[id] = spans[id].map { min($0.lowerBound, r.lowerBound)...max($0.upperBound, r.upperBound) } ?? r
                }
                return spans
            }
        }
    }

    /// Runs an aggregation (`pushdown: false` decodes every block, `tiers: false` reads
    /// raw data only: for tests).
    func aggregate(_ query: Aggregation, pushdown: Bool = true, tiers useTiers: Bool = true, alwaysTiers: Bool = false) throws(StrataError) -> AggregationResult {
        // Late spans first: the snapshot taken after them sees their points (a flush in
        // between turns them into stale ranges of the manifest it sees).
        let late = useTiers ? try lateSpans() : []
        let (version, series) = try querySnapshot(query.selection)
        let threads = options.queryThreads == 0 ? ParallelWork.processors : options.queryThreads
        let tiers = useTiers ? try tierSnapshots(query, series: series, version: version, late: late) : []
        var executor = AggregationExecutor(version: version, series: series, query: query, resolution: resolution,
                                           pushdown: pushdown, threads: threads, tiers: tiers, blockRows: options.blockRows)
        executor.alwaysTiers = alwaysTiers
        return try executor.run()
    }
}

extension Engine {
    /// The newest point of every series `selection` picks (in name order), within its time
    /// range and passing its point filters. Without point filters and with a range that
    /// holds the newest points, answered from memory (`LatestTable` and the memtables).
    func latest(_ selection: Selection) throws(StrataError) -> [(key: SeriesKey, point: LatestPoint)] {
        guard let range = selection.timeRange.closed else { return [] }
        if selection.filtersPoints { return try latestByScanning(selection, range: range) }
        struct Wanted {
            var id: SeriesID
            var key: SeriesKey
            var device: UInt32
            var sensor: UInt32
            var memory: LatestPoint?
            var files: LatestPoint??
            var rank: (Int32, Int32)
        }
        let (version, epoch, wanted, pending) = try state.withLock { (s) throws(StrataError) -> (Version, UInt64, [Wanted], Bool) in
            try checkOpen(s)
            s.latest.grow(to: s.catalog.count)
            let ids = try selectSeries(selection, in: s)
            // A deletion not yet committed: memory and the table may hold deleted points.
            if ids.contains(where: { pendingDeletion($0, s) }) { return (versions.current, 0, [], true) }
            let frozen = s.memtables.frozen, active = s.memtables.active
            s.catalog.rankNames()
            return (versions.current, s.latest.epoch, ids.map { id in
                let d = s.catalog.deviceNumber(of: id), k = s.catalog.sensorNumber(of: id)
                return Wanted(id: id, key: s.catalog.key(id), device: d, sensor: k,
                              memory: LatestPoint.newest(frozen?.latest(id), active.latest(id)), files: s.latest.lookup(id),
                              rank: (s.catalog.deviceRank[Int(d)], s.catalog.sensorRank[Int(k)]))
            }.sorted { $0.rank < $1.rank }, false)
        }
        if pending { return try latestByScanning(selection, range: range) }
        var learned: [(SeriesID, LatestPoint?)] = []
        var out: [(key: SeriesKey, point: LatestPoint)] = []
        var outOfRange = false
        for w in wanted {
            var files: LatestPoint?
            if let known = w.files {
                files = known
            } else {
                files = try LatestLookup.fromFiles(w.id, version: version)
                learned.append((w.id, files))
            }
            guard let p = LatestPoint.newest(files, w.memory), p.timestamp >= version.manifest.retainedFrom else { continue }
            if p.timestamp > range.upperBound { outOfRange = true; break }
            if p.timestamp >= range.lowerBound { out.append((w.key, p)) }
        }
        if !learned.isEmpty {
            state.withLock { s in
                guard s.latest.epoch == epoch, versions.current === version else { return }
                for (id, p) in learned { s.latest.learn(id, p) }
            }
        }
        // A range that ends before some series' newest point: look back from its end.
        return outOfRange ? try latestByScanning(selection, range: range) : out
    }

    private func latestByScanning(_ selection: Selection, range: ClosedRange<Int64>) throws(StrataError) -> [(key: SeriesKey, point: LatestPoint)] {
        let (version, series) = try querySnapshot(selection)
        let filter = selection.filtersPoints ? PointFilter(selection) : nil
        var out: [(key: SeriesKey, point: LatestPoint)] = []
        for i in AggregationExecutor.nameOrder(series) {
            let s = series[i].series
            if let p = try LatestLookup.backwards(s.id, version: version, memtables: s.memtables, range: range, filter: filter) {
                out.append((s.key, p))
            }
        }
        return out
    }
}
