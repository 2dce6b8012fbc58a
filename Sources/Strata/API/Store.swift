/// An embedded time-series store in one directory.
///
/// A store takes batches of ``Reading``s from any number of threads, logs
/// each batch before acknowledging it (``SyncPolicy``), keeps recent points
/// in memory and flushes them into compressed columnar chunk files per time
/// partition. Reads return each series sorted by time, with the last write
/// winning when a timestamp was written more than once.
///
/// ```swift
/// let store = try Store(at: "/tmp/fleet")
/// try store.write([
///     Reading(deviceID: "sensor-00001", sensorType: "temperature", timestamp: 1_767_225_600_000, value: 21.4),
///     Reading(deviceID: "sensor-00001", sensorType: "humidity", timestamp: 1_767_225_600_000, value: 45.5),
/// ], sources: ["kafka/readings/0": "1042"])
/// let key = try SeriesKey(deviceID: "sensor-00001", sensorType: "temperature")
/// let points = try store.read(key, in: .all)
/// try store.close()
/// ```
///
/// Only one writable `Store` may have a directory open at a time, in any
/// process: a second open fails with ``StrataError/Kind/locked``, naming the
/// process that holds it. Any number of read-only stores
/// (``Options/readOnly``) may look at it meanwhile.
///
/// Thread safety: every method may be called from any thread.
public final class Store: Sendable {
    let engine: Engine
    let directory: String

    /// Opens the store in `directory`, creating it if needed (``Options/createIfMissing``),
    /// and replays its write-ahead log. See ``recovery`` for what replay found.
    public init(at directory: String, options: Options = Options()) throws(StrataError) {
        self.directory = directory
        do throws(StrataError) {
            engine = try Engine(directory: directory, options: options)
        } catch {
            throw error.relative(to: directory)
        }
    }

    deinit {
        try? engine.close()
    }

    /// Runs `body`, reporting errors with file names relative to the store.
    @inline(__always)
    private func run<R>(_ body: () throws(StrataError) -> R) throws(StrataError) -> R {
        do throws(StrataError) {
            return try body()
        } catch {
            throw error.relative(to: directory)
        }
    }

    /// What opening the store found: WAL records replayed, a torn tail truncated.
    public var recovery: RecoveryReport { engine.recovery }

    /// What a salvaging open (``Options/salvage``) set aside; empty otherwise.
    public var salvage: SalvageReport { engine.salvage }

    /// The store's timestamp unit.
    public var resolution: TimestampResolution { engine.resolution }

    /// The store's base partition length in timestamp units.
    public var partitionDuration: Int64 { engine.partitionDuration }

    /// True when opened with ``Options/readOnly``.
    public var isReadOnly: Bool { engine.readOnly }

    // MARK: - Writing

    /// Writes a batch of readings and, atomically with it, the position each
    /// named source reached (a Kafka topic-partition's offset, an MQTT
    /// bridge's sequence number, an uplink cursor).
    ///
    /// Under ``SyncPolicy/everyBatch`` the batch survives power loss when this
    /// returns. A reading for a (series, timestamp) already stored replaces it,
    /// so a batch replayed by an at-least-once pipeline adds nothing. Names of
    /// new series are validated (``SeriesKey/validate(_:field:)``); a batch
    /// with an invalid name is rejected whole. A batch too large for one log
    /// record (about 14 million readings) is rejected with
    /// ``StrataError/Kind/limitExceeded`` before anything is written.
    ///
    /// ```swift
    /// try store.write(batch, sources: ["kafka/readings/3": String(lastOffset)])
    /// ```
    public func write(_ readings: [Reading], sources: [String: String] = [:]) throws(StrataError) {
        try run { () throws(StrataError) in try engine.write(readings, sources: sources) }
    }

    /// The last durable position of each source (see ``write(_:sources:)``):
    /// after a reopen, where an ingestion service resumes.
    public func sourcePositions() throws(StrataError) -> [String: String] {
        try run { () throws(StrataError) in try engine.sourcePositions() }
    }

    // MARK: - Reading

    /// The points of one series with timestamps in `range`, sorted, one per timestamp.
    /// An unknown series has no points.
    public func read(_ series: SeriesKey, in range: TimeRange = .all) throws(StrataError) -> SeriesPoints {
        try read(device: series.deviceID, sensorType: series.sensorType, in: range).first
            ?? SeriesPoints(key: series, timestamps: [], values: [], qualities: [])
    }

    /// The points of every series of `device` and/or of `sensorType` (nil
    /// matches any; both nil: every series) in `range`, one `SeriesPoints`
    /// per series that has points, ordered by series creation.
    public func read(device: String? = nil, sensorType: String? = nil, in range: TimeRange = .all) throws(StrataError) -> [SeriesPoints] {
        guard let closed = range.closed else { return [] }
        return try run { () throws(StrataError) -> [SeriesPoints] in
            let snapshot = try engine.snapshot(device: device, sensorType: sensorType)
            var out: [SeriesPoints] = []
            for series in snapshot.series {
                let p = try engine.points(series, in: snapshot, range: closed)
                if !p.isEmpty { out.append(SeriesPoints(key: series.key, p)) }
            }
            return out
        }
    }

    /// The same points as ``read(device:sensorType:in:)``, one series at a
    /// time as the sequence is iterated, so memory holds one series. The
    /// snapshot is taken when iteration starts. Errors are ``StrataError``s.
    ///
    /// ```swift
    /// for try await series in store.points(sensorType: "temperature") {
    ///     print(series.key, series.count)
    /// }
    /// ```
    public func points(device: String? = nil, sensorType: String? = nil, in range: TimeRange = .all) -> SeriesPointsSequence {
        SeriesPointsSequence(store: self, device: device, sensorType: sensorType, range: range)
    }

    /// The points `selection` picks (series by device, sensor type and device
    /// attributes; points by time, quality and value), streamed one run at a
    /// time (see ``ReadingCursor``).
    ///
    /// ```swift
    /// var cursor = try store.scan(Selection(devices: .prefix("site-7/"), timeRange: lastHour))
    /// while let run = try cursor.next() { export(run) }
    /// ```
    public func scan(_ selection: Selection) throws(StrataError) -> ReadingCursor {
        try run { () throws(StrataError) -> ReadingCursor in
            let (version, series) = try engine.querySnapshot(selection)
            let ordered = AggregationExecutor.nameOrder(series)
            return ReadingCursor(scan: RawScan(version: version, series: ordered.map { series[$0] }, selection: selection), directory: directory)
        }
    }

    /// The newest reading of every series `selection` picks, in name order
    /// (device, then sensor type); series without points in its time range
    /// are left out. A sensor silent for a month still answers.
    ///
    /// Without quality or value filters, and with a time range that holds
    /// the newest points (the default: all), this is answered from memory: the
    /// store keeps each series' newest point, learned from the chunk files the
    /// first time it is asked for. Otherwise each series is read backwards
    /// from the end of the range until a point passes the filters.
    ///
    /// ```swift
    /// // The current temperature of every device in zone A.
    /// var s = Selection(sensorTypes: .equals("temperature"))
    /// s.attributes = [AttributeFilter(key: "zone", values: ["zone-a"])]
    /// for r in try store.latest(s) { print(r.deviceID, r.timestamp, r.value) }
    /// ```
    public func latest(_ selection: Selection = Selection()) throws(StrataError) -> [Reading] {
        try run { () throws(StrataError) -> [Reading] in
            try engine.latest(selection).map {
                Reading(deviceID: $0.key.deviceID, sensorType: $0.key.sensorType, timestamp: $0.point.timestamp, value: $0.point.value,
                        quality: Quality(rawValue: $0.point.quality) ?? .bad)
            }
        }
    }

    /// Aggregates points by time bucket, device and sensor type, with
    /// TimescaleDB's `time_bucket` and PostgreSQL's aggregate semantics
    /// (see ``Aggregation``, ``Aggregate``, ``TimeBucket``).
    ///
    /// Blocks that lie inside one bucket are answered from their statistics
    /// without decoding; the result is the same as decoding every point.
    /// Large queries use several threads (``Options/queryThreads``) with the
    /// same result as one. Memory grows with the number of result rows, not
    /// with the points read.
    ///
    /// ```swift
    /// // The seed query: hourly avg, min, max and count of one device.
    /// var q = Aggregation(aggregates: [.avg, .min, .max, .count])
    /// q.selection.devices = .equals("sensor-00042")
    /// q.selection.timeRange = TimeRange(from: start, until: end)
    /// q.bucket = TimeBucket(.fixed(3_600_000))
    /// q.groupBy = [.device]
    /// for row in try store.aggregate(q).rows {
    ///     print(row.bucket!, row.values)
    /// }
    /// ```
    public func aggregate(_ aggregation: Aggregation) throws(StrataError) -> AggregationResult {
        try run { () throws(StrataError) in try engine.aggregate(aggregation) }
    }

    /// Keys of the series of `device` and/or `sensorType` (nil matches any), ordered by creation.
    public func series(device: String? = nil, sensorType: String? = nil) throws(StrataError) -> [SeriesKey] {
        try run { () throws(StrataError) in try engine.series(device: device, sensorType: sensorType) }
    }

    // MARK: - Device attributes

    /// Sets (a value) or removes (nil) attributes of a device: its location,
    /// zone, model, firmware. Durable like a write, kept in the store's
    /// catalog, and usable in every ``Selection`` (``AttributeFilter``). A
    /// device may get attributes before it has readings. Names follow the
    /// rules of series names; values are at most 4096 bytes; a device has at
    /// most 256 attributes.
    ///
    /// ```swift
    /// try store.setAttributes(["zone": "zone-a", "model": "TH-200", "firmware": "2.4.1"], device: "sensor-00042")
    /// try store.setAttributes(["firmware": "2.5.0"], device: "sensor-00042")   // update one
    /// try store.setAttributes(["model": nil], device: "sensor-00042")          // remove one
    /// ```
    public func setAttributes(_ attributes: [String: String?], device: String) throws(StrataError) {
        try run { () throws(StrataError) in try engine.setAttributes(attributes, device: device) }
    }

    /// The attributes of a device (empty when it has none).
    public func attributes(device: String) throws(StrataError) -> [String: String] {
        try run { () throws(StrataError) -> [String: String] in
            Dictionary(try engine.attributes(device: device).map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        }
    }

    /// Every device that has attributes, with them, ordered by device id.
    public func deviceAttributes() throws(StrataError) -> [(device: String, attributes: [String: String])] {
        try run { () throws(StrataError) in
            try engine.allAttributes().map { ($0.device, Dictionary($0.attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })) }
        }
    }

    // MARK: - Maintenance

    /// Writes everything in memory now to chunk files and waits for it. Under
    /// steady writes it returns once what was written before the call is
    /// flushed (at most two memtables), not when writers pause.
    public func flush() throws(StrataError) {
        try run { () throws(StrataError) in try engine.flush() }
    }

    /// Flushes, then merges until nothing is left to merge (every window one
    /// file, at most one mixed file; cold windows re-packed under
    /// ``Options/coldCompression``), and waits.
    public func compact() throws(StrataError) {
        try run { () throws(StrataError) in try engine.compact() }
    }

    /// Applies retention now (``Options/retention``, ``Options/maxDiskBytes``):
    /// moves the cutoff, drops the files wholly before it and waits for that to
    /// be durable. Points before the cutoff in files that straddle it are gone
    /// for readers at once and removed from disk when compaction rewrites those
    /// files (``compact()`` does it at once). Retention also runs in the
    /// background; readers in flight keep what they started with.
    ///
    /// ```swift
    /// var options = Options()
    /// options.retention = 30 * 86_400_000          // 30 days, milliseconds store
    /// options.maxDiskBytes = 2 << 30                // and at most 2 GiB
    /// let store = try Store(at: path, options: options)
    /// try store.applyRetention()
    /// ```
    public func applyRetention() throws(StrataError) {
        try run { () throws(StrataError) in _ = try engine.applyRetention() }
    }

    /// Deletes the points of the series `selection` picks (by device, sensor
    /// type and device attributes) in its time range: a bad sensor, a
    /// decommissioned device. Durable like a write (``SyncPolicy``) and
    /// visible to every read that starts after it returns; the points are
    /// removed from disk when compaction rewrites their files, and
    /// downsampling tiers are rebuilt over the range. Quality and value
    /// filters are not accepted. Returns the number of series matched.
    ///
    /// ```swift
    /// // sensor-00042's temperature probe was broken on the 3rd.
    /// try store.delete(Selection(SeriesKey(deviceID: "sensor-00042", sensorType: "temperature"),
    ///                            in: TimeRange(from: march3, until: march4)))
    /// // Decommission a device: all of its series, all of time.
    /// try store.delete(Selection(devices: .equals("sensor-00099")))
    /// ```
    @discardableResult
    public func delete(_ selection: Selection) throws(StrataError) -> Int {
        try run { () throws(StrataError) in try engine.delete(selection) }
    }

    /// A read-only store catches up with the process writing the store: its
    /// latest chunk files and log. Does nothing on a writable store.
    public func refresh() throws(StrataError) {
        try run { () throws(StrataError) in try engine.refresh() }
    }

    /// Flushes (unless ``Options/flushOnClose`` is off), syncs the log and
    /// releases the directory. Later calls fail with
    /// ``StrataError/Kind/closed``; closing again does nothing.
    public func close() throws(StrataError) {
        try run { () throws(StrataError) in try engine.close() }
    }

    // MARK: - Inspection

    /// Windows with their chunk files, sizes and point counts, and each mixed
    /// file on its own, oldest first.
    public func partitions() throws(StrataError) -> [PartitionInfo] {
        try run { () throws(StrataError) in try engine.partitions() }
    }

    /// Where the store's bytes go: per partition, per sensor type, per column.
    public func storageReport() throws(StrataError) -> StorageReport {
        try run { () throws(StrataError) in try engine.storageReport() }
    }

    /// Counters for operators.
    public func statistics() -> StoreStatistics {
        engine.statisticsSnapshot()
    }

    /// Reads every chunk file completely (every block's checksum, encoding
    /// and statistics) and checks it against the manifest, like SQLite's
    /// integrity_check. Reports every problem found, naming the file, the
    /// byte offset and the series by device and sensor.
    public func verify() throws(StrataError) -> VerifyReport {
        try run { () throws(StrataError) in try engine.verify() }
    }
}

/// Series points from ``Store/points(device:sensorType:in:)``, one series at a time.
public struct SeriesPointsSequence: AsyncSequence, Sendable {
    /// One series' points.
    public typealias Element = SeriesPoints
    /// Iteration throws `StrataError`s only.
    public typealias Failure = StrataError
    let store: Store
    let device: String?
    let sensorType: String?
    let range: TimeRange

    /// Reads one series at a time from the snapshot taken at the first `next()`.
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// One series' points.
        public typealias Element = SeriesPoints
        /// Iteration throws `StrataError`s only.
        public typealias Failure = StrataError
        let store: Store
        let device: String?
        let sensorType: String?
        let range: TimeRange
        var snapshot: ReadSnapshot?
        var next = 0

        /// The next series with points, or nil at the end.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(StrataError) -> SeriesPoints? {
            try nextSeries()
        }

        /// The next series with points, or nil at the end.
        public mutating func next() async throws(StrataError) -> SeriesPoints? {
            try nextSeries()
        }

        private mutating func nextSeries() throws(StrataError) -> SeriesPoints? {
            guard let closed = range.closed else { return nil }
            let engine = store.engine
            do throws(StrataError) {
                if snapshot == nil { snapshot = try engine.snapshot(device: device, sensorType: sensorType) }
                guard let snapshot else { return nil }
                while next < snapshot.series.count {
                    let series = snapshot.series[next]
                    next += 1
                    let p = try engine.points(series, in: snapshot, range: closed)
                    if !p.isEmpty { return SeriesPoints(key: series.key, p) }
                }
                return nil
            } catch {
                throw error.relative(to: store.directory)
            }
        }
    }

    /// An iterator that takes its snapshot when first advanced.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(store: store, device: device, sensorType: sensorType, range: range)
    }
}

extension SeriesPoints {
    init(key: SeriesKey, _ p: PointColumns) {
        self.init(key: key, timestamps: p.timestamps, values: p.values, qualities: p.qualities.map { Quality(rawValue: $0) ?? .bad })
    }
}
