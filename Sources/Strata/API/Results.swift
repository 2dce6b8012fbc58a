/// An inclusive range of timestamps, in the store's resolution.
///
/// ```swift
/// let day = TimeRange(from: 1_767_225_600_000, until: 1_767_312_000_000)  // [from, until)
/// let all = TimeRange.all
/// ```
public struct TimeRange: Sendable, Hashable, CustomStringConvertible {
    /// First timestamp included.
    public var lowerBound: Int64
    /// Last timestamp included.
    public var upperBound: Int64

    /// `[lowerBound, upperBound]`, both included.
    public init(_ range: ClosedRange<Int64>) {
        lowerBound = range.lowerBound
        upperBound = range.upperBound
    }

    /// `[from, until)`: `until` excluded. An empty range when `until <= from`.
    public init(from: Int64, until: Int64) {
        if until <= from {
            lowerBound = .max
            upperBound = .min
        } else {
            lowerBound = from
            upperBound = until - 1
        }
    }

    /// Every timestamp.
    public static let all = TimeRange(Int64.min...Int64.max)

    /// True when no timestamp fits.
    public var isEmpty: Bool { upperBound < lowerBound }

    public func contains(_ t: Int64) -> Bool { t >= lowerBound && t <= upperBound }

    var closed: ClosedRange<Int64>? { isEmpty ? nil : lowerBound...upperBound }

    public var description: String { "[\(lowerBound), \(upperBound)]" }
}

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

    public static func == (a: SeriesPoints, b: SeriesPoints) -> Bool {
        a.key == b.key && a.timestamps == b.timestamps && a.qualities == b.qualities
            && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }
}

/// One chunk file, for inspection (`Store.partitions()`).
public struct ChunkFileInfo: Sendable, Equatable {
    /// File name relative to the store directory, e.g. `chunks/000000000042.chunk`.
    public var name: String
    /// Bytes on disk.
    public var bytes: Int
    /// Points stored (one per series and timestamp).
    public var points: Int
    /// Series with points in the file.
    public var series: Int
    /// Earliest and latest timestamp in the file.
    public var minTime: Int64
    public var maxTime: Int64
}

/// One time partition and its chunk files.
public struct PartitionInfo: Sendable, Equatable {
    /// First timestamp of the partition.
    public var start: Int64
    /// Partition length (the store's partition duration).
    public var duration: Int64
    /// Its chunk files, oldest first.
    public var files: [ChunkFileInfo]
    /// Total bytes of its files.
    public var bytes: Int { files.reduce(0) { $0 + $1.bytes } }
    /// Total points of its files (before de-duplication across files).
    public var points: Int { files.reduce(0) { $0 + $1.points } }
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
    /// Time taken to open, in milliseconds.
    public var milliseconds = 0.0

    public var description: String {
        var s = "replayed \(records) records (\(points) points) from \(segments) WAL segments in \(Int(milliseconds)) ms"
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
    public var compactions = 0
    /// Live chunk files, their bytes and points.
    public var chunkFiles = 0
    public var chunkBytes = 0
    public var chunkPoints = 0
    /// Series in the catalog.
    public var series = 0
    /// Total time writers waited for memory, in milliseconds.
    public var stallMilliseconds = 0.0
}
