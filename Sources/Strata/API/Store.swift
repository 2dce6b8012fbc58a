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
/// Only one `Store` may have a directory open at a time, in any process:
/// a second open fails with ``StrataError/Kind/locked``.
///
/// Thread safety: every method may be called from any thread.
public final class Store: Sendable {
    let engine: Engine

    /// Opens the store in `directory`, creating it if needed (``Options/createIfMissing``),
    /// and replays its write-ahead log. See ``recovery`` for what replay found.
    public init(at directory: String, options: Options = Options()) throws(StrataError) {
        engine = try Engine(directory: directory, options: options)
    }

    deinit {
        try? engine.close()
    }

    /// What opening the store found: WAL records replayed, a torn tail truncated.
    public var recovery: RecoveryReport { engine.recovery }

    /// The store's timestamp unit.
    public var resolution: TimestampResolution { engine.resolution }

    /// The store's partition length in timestamp units.
    public var partitionDuration: Int64 { engine.partitionDuration }

    // MARK: - Writing

    /// Writes a batch of readings and, atomically with it, the position each
    /// named source reached (a Kafka topic-partition's offset, an MQTT
    /// bridge's sequence number, an uplink cursor).
    ///
    /// Under ``SyncPolicy/everyBatch`` the batch survives power loss when this
    /// returns. A reading for a (series, timestamp) already stored replaces it,
    /// so a batch replayed by an at-least-once pipeline adds nothing. Names of
    /// new series are validated (``SeriesKey/validate(_:field:)``); a batch
    /// with an invalid name is rejected whole.
    ///
    /// ```swift
    /// try store.write(batch, sources: ["kafka/readings/3": String(lastOffset)])
    /// ```
    public func write(_ readings: [Reading], sources: [String: String] = [:]) throws(StrataError) {
        try engine.write(readings, sources: sources)
    }

    /// The last durable position of each source (see ``write(_:sources:)``):
    /// after a reopen, where an ingestion service resumes.
    public func sourcePositions() throws(StrataError) -> [String: String] {
        try engine.sourcePositions()
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
        let snapshot = try engine.snapshot(device: device, sensorType: sensorType, range: closed)
        var out: [SeriesPoints] = []
        for entry in snapshot.series {
            let p = try engine.points(entry, chunks: snapshot.chunks, range: closed)
            if !p.isEmpty { out.append(SeriesPoints(key: entry.key, p)) }
        }
        return out
    }

    /// The same points as ``read(device:sensorType:in:)``, one series at a
    /// time as the sequence is iterated, so memory holds one series. The
    /// snapshot is taken when iteration starts.
    ///
    /// ```swift
    /// for try await series in store.points(sensorType: "temperature") {
    ///     print(series.key, series.count)
    /// }
    /// ```
    public func points(device: String? = nil, sensorType: String? = nil, in range: TimeRange = .all) -> SeriesPointsSequence {
        SeriesPointsSequence(engine: engine, device: device, sensorType: sensorType, range: range)
    }

    /// Keys of the series of `device` and/or `sensorType` (nil matches any), ordered by creation.
    public func series(device: String? = nil, sensorType: String? = nil) throws(StrataError) -> [SeriesKey] {
        try engine.series(device: device, sensorType: sensorType)
    }

    // MARK: - Maintenance

    /// Writes everything in memory to chunk files and waits for it.
    public func flush() throws(StrataError) {
        try engine.flushAll()
    }

    /// Flushes, then merges every partition's chunk files into one (and
    /// re-packs cold partitions under ``Options/coldCompression``), and waits.
    public func compact() throws(StrataError) {
        try engine.compactNow()
    }

    /// Syncs the log and releases the directory. Later calls fail with
    /// ``StrataError/Kind/closed``; closing again does nothing.
    public func close() throws(StrataError) {
        try engine.close()
    }

    // MARK: - Inspection

    /// Partitions with their chunk files, sizes and point counts, oldest first.
    public func partitions() throws(StrataError) -> [PartitionInfo] {
        try engine.partitions()
    }

    /// Counters for operators.
    public func statistics() -> StoreStatistics {
        engine.statisticsSnapshot()
    }

    /// Reads every chunk file completely (every block's checksum and
    /// encoding) and checks them against the manifest; throws the first
    /// problem found. Returns the number of points checked.
    @discardableResult
    public func verify() throws(StrataError) -> Int {
        try engine.verify()
    }
}

/// Series points from ``Store/points(device:sensorType:in:)``, one series at a time.
public struct SeriesPointsSequence: AsyncSequence, Sendable {
    public typealias Element = SeriesPoints
    let engine: Engine
    let device: String?
    let sensorType: String?
    let range: TimeRange

    public struct AsyncIterator: AsyncIteratorProtocol {
        let engine: Engine
        let device: String?
        let sensorType: String?
        let range: TimeRange
        var snapshot: ReadSnapshot?
        var next = 0

        public mutating func next() async throws -> SeriesPoints? {
            guard let closed = range.closed else { return nil }
            if snapshot == nil { snapshot = try engine.snapshot(device: device, sensorType: sensorType, range: closed) }
            guard let snapshot else { return nil }
            while next < snapshot.series.count {
                let entry = snapshot.series[next]
                next += 1
                let p = try engine.points(entry, chunks: snapshot.chunks, range: closed)
                if !p.isEmpty { return SeriesPoints(key: entry.key, p) }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(engine: engine, device: device, sensorType: sensorType, range: range)
    }
}
