/// The points of one series, sorted by time with one point per timestamp, as columns.
///
/// ```swift
/// let points = try store.read(key, in: .all)
/// for (t, v) in zip(points.timestamps, points.values) { print(t, v) }
/// ```
public struct SeriesPoints: Sendable, Equatable {
    /// Which series.
    public var key: SeriesKey
    /// Ascending, unique.
    public var timestamps: [Int64]
    /// The value at each timestamp, bit-exact.
    public var values: [Double]
    /// The quality at each timestamp.
    public var qualities: [Quality]

    /// Creates points of `key` from columns of equal length (timestamps ascending and unique).
    public init(key: SeriesKey, timestamps: [Int64], values: [Double], qualities: [Quality]) {
        self.key = key
        self.timestamps = timestamps
        self.values = values
        self.qualities = qualities
    }

    /// Number of points.
    public var count: Int { timestamps.count }

    /// The points as readings.
    public var readings: [Reading] {
        (0..<count).map { Reading(deviceID: key.deviceID, sensorType: key.sensorType, timestamp: timestamps[$0], value: values[$0], quality: qualities[$0]) }
    }

    /// Equal when keys, timestamps and qualities are, and values have the same bits.
    public static func == (a: SeriesPoints, b: SeriesPoints) -> Bool {
        a.key == b.key && a.timestamps == b.timestamps && a.qualities == b.qualities
            && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }
}

/// One chunk file, for inspection (``Store/partitions()``).
public struct ChunkFileInfo: Sendable, Equatable {
    /// File name relative to the store directory, e.g. `chunks/000000000042.chunk`.
    public var name: String
    /// Bytes on disk.
    public var bytes: Int
    /// Points stored (one per series and timestamp; some may be hidden by
    /// newer files or deletes until the file is rewritten).
    public var points: Int
    /// Series with points in the file.
    public var series: Int
    /// Earliest and latest timestamp in the file.
    public var minTime: Int64
    /// Latest timestamp in the file.
    public var maxTime: Int64
    /// A mixed file: sparse or late points of many partitions.
    public var isMixed: Bool
    /// Re-packed as one zstd frame (``Options/coldCompression``).
    public var isCold: Bool
}

/// A time window of the store and its chunk files: one partition, or an
/// aligned window of several (sparse partitions merged), or a mixed file's span.
public struct PartitionInfo: Sendable, Equatable {
    /// First timestamp of the window.
    public var start: Int64
    /// Its length in timestamp units.
    public var duration: Int64
    /// Its chunk files, oldest first.
    public var files: [ChunkFileInfo]
    /// The span of a mixed file rather than an aligned window.
    public var isMixed: Bool
    /// Total bytes of its files.
    public var bytes: Int { files.reduce(0) { $0 + $1.bytes } }
    /// Total points of its files (before de-duplication across files).
    public var points: Int { files.reduce(0) { $0 + $1.points } }
}

/// What ``Store/verify()`` found: every problem, not just the first.
public struct VerifyReport: Sendable, Equatable, CustomStringConvertible {
    /// One problem: the file, where in it, which series (by names), and why.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The file concerned, relative to the store directory.
        public var file: String
        /// Byte offset in the file, when known.
        public var offset: Int?
        /// The series concerned, by its names (nil when unknown).
        public var series: SeriesKey?
        /// Why: what is wrong, or why it was set aside.
        public var reason: String
        /// A short human-readable form, for logs.
        public var description: String {
            var s = file
            if let offset { s += " at byte \(offset)" }
            if let series { s += " (\(series.deviceID) / \(series.sensorType))" }
            return s + ": " + reason
        }
    }

    /// Chunk files checked.
    public var files = 0
    /// Points decoded and checked.
    public var points = 0
    /// Everything wrong, in file order.
    public var problems: [Problem] = []

    /// True when nothing is wrong.
    public var isOK: Bool { problems.isEmpty }

    /// A short human-readable form, for logs.
    public var description: String {
        if problems.isEmpty { return "ok: \(files) files, \(points) points checked" }
        return "\(problems.count) problem(s) in \(files) files:\n" + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}

/// What opening with ``Options/salvage`` set aside and what was lost.
public struct SalvageReport: Sendable, Equatable, CustomStringConvertible {
    /// A file moved to the store's `quarantine/` folder.
    public struct SetAside: Sendable, Equatable {
        /// Its name in the store, e.g. `chunks/000000000042.chunk`.
        public var file: String
        /// Where it is now, e.g. `quarantine/000000000042.chunk`.
        public var movedTo: String
        /// Why: what is wrong, or why it was set aside.
        public var reason: String
    }

    /// Data that could not be recovered: a series (nil when the damaged file
    /// cannot say which), a time range and, when known, how many points.
    public struct Loss: Sendable, Equatable {
        /// The series concerned, by its names (nil when unknown).
        public var series: SeriesKey?
        /// First timestamp of the lost range.
        public var from: Int64
        /// Last timestamp of the lost range (included).
        public var through: Int64
        /// Points lost, when known.
        public var points: Int?
        /// The file concerned, relative to the store directory.
        public var file: String
    }

    /// Files moved to `quarantine/`.
    public var setAside: [SetAside] = []
    /// What could not be recovered.
    public var lost: [Loss] = []

    /// True when nothing was set aside.
    public var isEmpty: Bool { setAside.isEmpty && lost.isEmpty }

    /// A short human-readable form, for logs.
    public var description: String {
        if isEmpty { return "nothing set aside" }
        var lines = setAside.map { "set aside \($0.file) as \($0.movedTo): \($0.reason)" }
        lines += lost.map { l in
            let who = l.series.map { "\($0.deviceID) / \($0.sensorType)" } ?? "all series of the file"
            return "lost \(l.points.map { "\($0) points" } ?? "points") of \(who) in [\(l.from), \(l.through)] (\(l.file))"
        }
        return lines.joined(separator: "\n")
    }
}

/// What opening the store found in the write-ahead log.
public struct RecoveryReport: Sendable, Equatable, CustomStringConvertible {
    /// WAL segments read.
    public var segments = 0
    /// Batches replayed into the memtable.
    public var records = 0
    /// Points replayed.
    public var points = 0
    /// Bytes of a torn tail that were truncated (never acknowledged under `.everyBatch`).
    public var droppedBytes = 0
    /// Records in that tail, intact or not.
    public var droppedRecords = 0
    /// The last segment ended with the checkpoint a clean close writes.
    public var closedCleanly = false
    /// Time taken to open, in milliseconds.
    public var milliseconds = 0.0

    /// A short human-readable form, for logs.
    public var description: String {
        var s = "replayed \(records) records (\(points) points) from \(segments) WAL segments in \(Int(milliseconds)) ms"
        if closedCleanly { s += " after a clean close" }
        if droppedBytes > 0 { s += "; truncated a torn tail of \(droppedBytes) bytes (\(droppedRecords) records)" }
        return s
    }
}

/// Counters for operators (`Store.statistics()`).
public struct StoreStatistics: Sendable, Equatable {
    /// Points written since open.
    public var pointsWritten = 0
    /// Batches written since open.
    public var batchesWritten = 0
    /// fsync calls on the log since open (fewer than batches under group commit).
    public var walSyncs = 0
    /// Bytes appended to the log since open.
    public var walBytes = 0
    /// Memtable bytes in use (active and frozen).
    public var memtableBytes = 0
    /// Points in the memtables.
    public var memtablePoints = 0
    /// Flushes and compactions since open.
    public var flushes = 0
    /// Compactions (merges, re-packs, drops) since open.
    public var compactions = 0
    /// Live chunk files, their bytes and points.
    public var chunkFiles = 0
    /// Bytes of the live chunk files.
    public var chunkBytes = 0
    /// Points in the live chunk files.
    public var chunkPoints = 0
    /// Series in the catalog.
    public var series = 0
    /// Total time writers waited for memory, in milliseconds.
    public var stallMilliseconds = 0.0
    /// Bytes held by the block cache, and its hits and misses since open.
    public var cacheBytes = 0
    /// Block-cache lookups that found a parsed index group or cold data region.
    public var cacheHits = 0
    /// Block-cache lookups that had to read and parse.
    public var cacheMisses = 0
}
