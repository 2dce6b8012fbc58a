// The query entry points: a snapshot of the series a selection picks (with
// their memtable points, under the lock), handed to the Query layer.

extension Engine {
    /// The current version and the series `selection` picks, with their memtables.
    func querySnapshot(_ selection: Selection) throws(StrataError) -> (version: Version, series: [QuerySeries]) {
        try state.withLock { (s) throws(StrataError) -> (version: Version, series: [QuerySeries]) in
            try checkOpen(s)
            let version = versions.current
            let ids = s.catalog.select(devices: selection.devices, sensorTypes: selection.sensorTypes)
            let frozen = s.memtables.frozen, active = s.memtables.active
            let series = ids.map { id in
                var memtables: [SeriesSnapshot] = []
                if let f = frozen?.snapshot(id) { memtables.append(f) }
                if let a = active.snapshot(id) { memtables.append(a) }
                return QuerySeries(series: SnapshotSeries(id: id, key: s.catalog.key(id), memtables: memtables),
                                   device: s.catalog.deviceNumber(of: id), sensor: s.catalog.sensorNumber(of: id))
            }
            return (version, series)
        }
    }

    /// Runs an aggregation (`pushdown: false` decodes every block, for tests).
    func aggregate(_ query: Aggregation, pushdown: Bool = true) throws(StrataError) -> AggregationResult {
        let (version, series) = try querySnapshot(query.selection)
        let threads = options.queryThreads == 0 ? ParallelWork.processors : options.queryThreads
        let executor = AggregationExecutor(version: version, series: series, query: query, resolution: resolution,
                                           pushdown: pushdown, threads: threads)
        return try executor.run()
    }
}
