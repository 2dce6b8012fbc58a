import StrataCodecs

// Read snapshots, inspection and verification: what the Query layer and the
// shell start from. A snapshot is taken under the lock (a version and the
// memtables' points of the selected series) and read without it.

extension Engine {
    /// A snapshot of the series `select` picks from the catalog.
    func snapshot(select: (SeriesCatalog) -> [SeriesID]) throws(StrataError) -> ReadSnapshot {
        try state.withLock { (s) throws(StrataError) -> ReadSnapshot in
            try checkOpen(s)
            let version = readVersion(s)
            let ids = select(s.catalog)
            return ReadSnapshot(version: version, series: ids.map { id in
                SnapshotSeries(id: id, key: s.catalog.key(id), memtables: memtableSnapshots(id, s))
            })
        }
    }

    /// Series of an optional device and an optional sensor type (both nil: all).
    func snapshot(device: String?, sensorType: String?) throws(StrataError) -> ReadSnapshot {
        try snapshot { $0.select(device: device, sensorType: sensorType) }
    }

    /// The points of one snapshotted series in `range`, newest source winning per timestamp.
    func points(_ series: SnapshotSeries, in snapshot: ReadSnapshot, range: ClosedRange<Int64>) throws(StrataError) -> PointColumns {
        guard let range = snapshot.version.retained(range) else { return PointColumns() }
        let files = snapshot.version.files(overlapping: range.lowerBound, range.upperBound).map {
            ScanFile(live: $0, tombstones: snapshot.version.tombstones(for: $0.meta))
        }
        var scan = try SeriesScan(id: series.id, range: range, files: files, memtables: series.memtables)
        return try scan.all()
    }

    func sourcePositions() throws(StrataError) -> [String: String] {
        try state.withLock { (s) throws(StrataError) -> [String: String] in
            try checkOpen(s)
            var out = versions.current.manifest.sources
            if let frozen = s.memtables.frozen { for (k, v) in frozen.sources { out[k] = v } }
            for (k, v) in s.memtables.active.sources { out[k] = v }
            return out
        }
    }

    func series(device: String?, sensorType: String?) throws(StrataError) -> [SeriesKey] {
        try state.withLock { (s) throws(StrataError) -> [SeriesKey] in
            try checkOpen(s)
            return s.catalog.select(device: device, sensorType: sensorType).map { s.catalog.key($0) }
        }
    }

    /// Windows with their files, and mixed files each on their own, by start time.
    func partitions() throws(StrataError) -> [PartitionInfo] {
        try state.withLock { (s) throws(StrataError) -> Void in try checkOpen(s) }
        let version = versions.current
        func info(_ f: LiveFile) -> ChunkFileInfo {
            ChunkFileInfo(name: f.file.name, bytes: f.meta.summary.size, points: f.meta.summary.points, series: f.meta.summary.series,
                          minTime: f.meta.summary.minTime, maxTime: f.meta.summary.maxTime, isMixed: f.meta.mixed, isCold: f.meta.cold)
        }
        var out: [PartitionInfo] = []
        let windows = version.files.filter { !$0.meta.mixed }
        for w in CompactionPolicy.maximalWindows(windows.map(\.meta)) {
            let inside = windows.filter { $0.meta.rangeFirst >= w.lowerBound && $0.meta.rangeLast <= w.upperBound }
            out.append(PartitionInfo(start: w.lowerBound, duration: w.upperBound &- w.lowerBound &+ 1, files: inside.map(info), isMixed: false))
        }
        for f in version.files where f.meta.mixed {
            out.append(PartitionInfo(start: f.meta.rangeFirst, duration: f.meta.rangeLast &- f.meta.rangeFirst &+ 1, files: [info(f)], isMixed: true))
        }
        return out.sorted { ($0.start, $0.isMixed ? 1 : 0) < ($1.start, $1.isMixed ? 1 : 0) }
    }

    func statisticsSnapshot() -> StoreStatistics {
        let version = versions.current
        var st = state.withLock { s in
            var st = s.statistics
            st.memtableBytes = s.memtables.bytes
            st.memtablePoints = s.memtables.points
            st.series = s.catalog.count
            return st
        }
        st.walSyncs = log?.syncCount ?? 0
        st.walBytes = log?.byteCount ?? 0
        st.chunkFiles = version.files.count
        st.chunkBytes = version.files.reduce(0) { $0 + $1.meta.summary.size }
        st.chunkPoints = version.files.reduce(0) { $0 + $1.meta.summary.points }
        st.cacheBytes = cache.bytes
        (st.cacheHits, st.cacheMisses) = cache.counters
        return st
    }

    /// Reads every chunk file completely (every block's checksum and encoding,
    /// statistics against the points) and checks it against the manifest;
    /// reports every problem, naming series by device and sensor.
    func verify() throws(StrataError) -> VerifyReport {
        let (version, catalog) = try state.withLock { (s) throws(StrataError) -> (Version, SeriesCatalog) in
            try checkOpen(s)
            return (versions.current, s.catalog)
        }
        var report = VerifyReport()
        func key(_ id: SeriesID) -> SeriesKey? { Int(id) < catalog.count ? catalog.key(id) : nil }
        for live in version.files {
            let chunk = live.file
            report.files += 1
            var seen = 0
            for id in chunk.seriesIDs {
                func problem(_ reason: String, offset: Int? = nil) {
                    report.problems.append(.init(file: chunk.name, offset: offset, series: key(id), reason: reason))
                }
                if key(id) == nil { problem("series id \(id) is not in the catalog") }
                do throws(StrataError) {
                    guard let (entry, group) = try chunk.entry(id) else { continue }
                    var reader = BlockReader(file: chunk, entry: entry, group: group, blocks: Array(entry.blocks.indices))
                    var scratch = BlockScratch()
                    var previous: Int64?
                    for (b, block) in entry.blocks.enumerated() where block.count > 0 {
                        let n = try reader.decode(b, into: &scratch)
                        if let p = previous, scratch.timestamps[0] <= p { problem("block \(b) does not start after the one before") }
                        previous = scratch.timestamps[n - 1]
                        let computed = scratch.timestamps.withUnsafeBufferPointer { t in
                            scratch.values.withUnsafeBufferPointer { v in
                                scratch.qualities.withUnsafeBufferPointer { q in
                                    BlockStatistics(timestamps: UnsafeBufferPointer(rebasing: t[0..<n]), values: UnsafeBufferPointer(rebasing: v[0..<n]),
                                                    qualities: UnsafeBufferPointer(rebasing: q[0..<n]))
                                }
                            }
                        }
                        if let stored = block.statistics, stored != computed {
                            problem("block \(b): the stored statistics differ from its points")
                        }
                        for i in 0..<n where scratch.timestamps[i] < chunk.rangeFirst || scratch.timestamps[i] > chunk.rangeLast {
                            problem("point at \(scratch.timestamps[i]) lies outside the file's range")
                            break
                        }
                        seen += n
                    }
                } catch {
                    problem(error.reason, offset: error.offset)
                }
            }
            if seen != chunk.summary.points && report.problems.allSatisfy({ $0.file != chunk.name }) {
                report.problems.append(.init(file: chunk.name, offset: nil, series: nil,
                                             reason: "file holds \(seen) points, its index says \(chunk.summary.points)"))
            }
            if live.meta.summary.points != chunk.summary.points {
                report.problems.append(.init(file: chunk.name, offset: nil, series: nil,
                                             reason: "the manifest says \(live.meta.summary.points) points, the file \(chunk.summary.points)"))
            }
            report.points += seen
        }
        return report
    }

    /// Read-only stores: catches up with the writer (its latest manifest, chunk
    /// files and log), keeping open files that are still live.
    func refresh() throws(StrataError) {
        guard readOnly else { return }
        try refreshRaw()
        // Tiers after the raw store: their rows are written before the raw manifest
        // says they exist, so tiers read later hold at least what it claims.
        for t in tierStores { try t.engine.refresh() }
    }

    private func refreshRaw() throws(StrataError) {
        let reuse = Dictionary(uniqueKeysWithValues: versions.current.files.map { ($0.meta.number, $0.file) })
        let opened = try StoreOpening.openReadOnly(directory: directory, options: options, cache: cache, reuse: reuse)
        let byNumber = Dictionary(uniqueKeysWithValues: opened.files.map { ($0.number, $0) })
        let version = Version(manifest: opened.manifest, files: opened.manifest.files.compactMap { meta in
            byNumber[meta.number].map { LiveFile(meta: meta, file: $0) }
        })
        try state.withLock { (s) throws(StrataError) in
            try checkOpen(s)
            versions.replace(with: version)
            s.catalog = opened.catalog
            s.loggedThrough = opened.catalog.count
            s.memtables = MemTableSet(active: opened.memtable)
            s.latest = LatestTable(unknown: opened.catalog.count)
            s.attributesDirty = [:]
            s.statistics.series = opened.catalog.count
        }
    }
}

extension Engine {
    /// Bytes per partition, sensor type and column of the live chunk files.
    func storageReport() throws(StrataError) -> StorageReport {
        let (version, catalog) = try state.withLock { (s) throws(StrataError) -> (Version, SeriesCatalog) in
            try checkOpen(s)
            return (versions.current, s.catalog)
        }
        var report = StorageReport()
        // By the name's bytes (names differing only in normalization are two sensor types).
        var bySensor: [[UInt8]: (name: String, points: Int, bytes: Double)] = [:]
        var columns: [String: (points: Int, bytes: Double)] = [:]
        for p in try partitions() {
            report.partitions.append(StorageReport.Line(name: String(p.start), points: p.points, bytes: p.bytes))
        }
        for live in version.files {
            let (series, overhead, scale) = try live.file.columnBytes()
            columns["index", default: (0, 0)].bytes += Double(overhead)
            let total = max(1, series.reduce(0) { $0 + $1.points })
            for c in series {
                let sensor = Int(c.id) < catalog.count ? catalog.key(c.id).sensorType : "?"
                let data = (c.timestamps + Double(c.values + c.qualities + c.presence)) * scale
                // The file's index and statistics are shared out by points.
                let share = Double(overhead) * Double(c.points) / Double(total)
                bySensor[Array(sensor.utf8), default: (sensor, 0, 0)].points += c.points
                bySensor[Array(sensor.utf8), default: (sensor, 0, 0)].bytes += data + share
                for (name, bytes) in [("timestamps", c.timestamps), ("values", Double(c.values)), ("qualities", Double(c.qualities)),
                                      ("presence", Double(c.presence))] {
                    columns[name, default: (0, 0)].points += c.points
                    columns[name, default: (0, 0)].bytes += bytes * scale
                }
                columns["index", default: (0, 0)].points += c.points
                report.points += c.points
            }
            report.bytes += live.meta.summary.size
        }
        report.sensorTypes = bySensor.values.sorted { bytesPrecede($0.name, $1.name) }.map {
            StorageReport.Line(name: $0.name, points: $0.points, bytes: Int($0.bytes.rounded()))
        }
        report.columns = ["timestamps", "values", "qualities", "presence", "index"].map {
            StorageReport.Line(name: $0, points: columns[$0]?.points ?? 0, bytes: Int((columns[$0]?.bytes ?? 0).rounded()))
        }
        return report
    }
}
