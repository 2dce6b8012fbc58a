// The aggregation query: time buckets, groups, aggregate functions, gap
// filling, order and limit; and what it returns. The semantics are
// TimescaleDB's and PostgreSQL's (see each type).

/// An aggregate function over the values of a group, with PostgreSQL's
/// semantics for float8: NaN is greater than every number (so `max` is NaN
/// when any value is, `min` only when every value is), a sum with a NaN, or
/// with both infinities, is NaN, and variance with a NaN or an infinity is NaN.
public enum Aggregate: String, Sendable, Hashable, CaseIterable {
    /// Points (PostgreSQL `count(*)`; values are never null, so also `count(value)`).
    case count
    /// Sum of the values.
    case sum
    /// Mean of the values.
    case avg
    /// Smallest value (NaN only when every value is NaN).
    case min
    /// Largest value (NaN when any value is NaN).
    case max
    /// Value at the earliest timestamp (TimescaleDB's `first(value, time)`; between
    /// series of a group with the same earliest timestamp, the first series by device, then sensor).
    case first
    /// Value at the latest timestamp (`last(value, time)`; ties: the last series by device, then sensor).
    case last
    /// Sample standard deviation (`stddev`, `stddev_samp`); null for fewer than two points.
    case stddev
    /// Sample variance (`variance`, `var_samp`); null for fewer than two points.
    case variance
    /// Population standard deviation (`stddev_pop`).
    case stddevPopulation
    /// Population variance (`var_pop`).
    case variancePopulation
    /// `max - min` (TimescaleDB toolkit's spread).
    case spread
}

/// The columns rows are grouped by besides the time bucket.
public struct GroupBy: OptionSet, Sendable, Hashable {
    /// The option bits.
    public let rawValue: Int
    /// Creates a set from its raw value.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// One group per device id.
    public static let device = GroupBy(rawValue: 1)
    /// One group per sensor type.
    public static let sensorType = GroupBy(rawValue: 2)
}

/// How an aggregate is filled in a bucket without points (``Gapfill``).
public enum Fill: Sendable, Hashable {
    /// Null, as TimescaleDB's `time_bucket_gapfill` leaves it.
    case null
    /// The group's previous value carried forward (TimescaleDB's `locf`), also from before the range.
    case locf
    /// Linear interpolation between the neighbouring values (TimescaleDB's `interpolate`), using
    /// the buckets before and after the range when the gap touches an end.
    case interpolate
}

/// TimescaleDB's `time_bucket_gapfill`: every bucket from the one holding
/// `start` while its start is before `finish`, present for every group that
/// has points, empty ones filled per aggregate.
public struct Gapfill: Sendable, Hashable {
    /// First timestamp of the range (nil: the selection's lower bound).
    public var start: Int64?
    /// End of the range, exclusive (nil: the selection's upper bound + 1).
    public var finish: Int64?
    /// One fill per aggregate, in order (missing ones: `.null`).
    public var fills: [Fill]

    /// Creates a gap fill over `[start, finish)`.
    public init(start: Int64? = nil, finish: Int64? = nil, fills: [Fill] = []) {
        self.start = start
        self.finish = finish
        self.fills = fills
    }
}

/// One key of the rows' order.
public struct SortKey: Sendable, Hashable {
    /// What is compared.
    public enum Column: Sendable, Hashable {
        case bucket, device, sensorType
        /// The aggregate at this index (nulls last when ascending, first when descending, as PostgreSQL).
        case aggregate(Int)
    }
    /// What to sort by.
    public var column: Column
    /// Ascending (the default) or descending.
    public var ascending: Bool

    /// Creates a sort key.
    public init(_ column: Column, ascending: Bool = true) {
        self.column = column
        self.ascending = ascending
    }
}

/// An aggregation: TimescaleDB's `SELECT device_id, time_bucket(w, timestamp), agg(value), ...
/// WHERE ... GROUP BY ... ORDER BY ... LIMIT ...` over one table of readings.
///
/// ```swift
/// // The hourly average, minimum, maximum and count of one device:
/// var q = Aggregation(aggregates: [.avg, .min, .max, .count])
/// q.selection.devices = .equals("sensor-00042")
/// q.selection.timeRange = TimeRange(from: start, until: end)
/// q.bucket = TimeBucket(.fixed(3_600_000))
/// q.groupBy = [.device]
/// let rows = try store.aggregate(q).rows
/// ```
public struct Aggregation: Sendable, Hashable {
    /// Which points.
    public var selection: Selection
    /// The time bucket (nil: one bucket over the whole range).
    public var bucket: TimeBucket?
    /// Group columns besides the bucket.
    public var groupBy: GroupBy
    /// The aggregates of each row, in order.
    public var aggregates: [Aggregate]
    /// Fill empty buckets (needs a bucket).
    public var gapfill: Gapfill?
    /// Row order (default: bucket, device, sensor type, ascending).
    public var order: [SortKey]
    /// At most this many rows, after skipping `offset`.
    public var limit: Int?
    /// Rows skipped before the first one returned (after ordering).
    public var offset: Int

    /// Creates an aggregation of `aggregates` over everything.
    public init(selection: Selection = Selection(), bucket: TimeBucket? = nil, groupBy: GroupBy = [], aggregates: [Aggregate],
                gapfill: Gapfill? = nil, order: [SortKey] = [], limit: Int? = nil, offset: Int = 0) {
        self.selection = selection
        self.bucket = bucket
        self.groupBy = groupBy
        self.aggregates = aggregates
        self.gapfill = gapfill
        self.order = order
        self.limit = limit
        self.offset = offset
    }
}

/// One result row: its group and its aggregates (nil: SQL NULL).
public struct AggregateRow: Sendable, Hashable, CustomStringConvertible {
    /// The bucket's start (nil without a bucket).
    public var bucket: Int64?
    /// The device (nil unless grouped by device).
    public var deviceID: String?
    /// The sensor type (nil unless grouped by sensor type).
    public var sensorType: String?
    /// The aggregates, in the query's order.
    public var values: [Double?]

    /// Creates a row.
    public init(bucket: Int64?, deviceID: String?, sensorType: String?, values: [Double?]) {
        self.bucket = bucket
        self.deviceID = deviceID
        self.sensorType = sensorType
        self.values = values
    }

    /// A short form for logs: groups, then values.
    public var description: String {
        var parts: [String] = []
        if let bucket { parts.append("bucket \(bucket)") }
        if let deviceID { parts.append(deviceID) }
        if let sensorType { parts.append(sensorType) }
        parts += values.map { $0.map { "\($0)" } ?? "null" }
        return parts.joined(separator: " | ")
    }

    /// Rows are equal when groups are and values have the same bits (NaN equals NaN).
    public static func == (a: AggregateRow, b: AggregateRow) -> Bool {
        a.bucket == b.bucket && a.deviceID.map { d in b.deviceID.map { sameBytes(d, $0) } ?? false } ?? (b.deviceID == nil)
            && a.sensorType.map { s in b.sensorType.map { sameBytes(s, $0) } ?? false } ?? (b.sensorType == nil)
            && a.values.map { $0?.bitPattern } == b.values.map { $0?.bitPattern }
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bucket)
        hasher.combine(values.map { $0?.bitPattern })
    }
}

/// What a query read and what it skipped: the plan, after the fact.
public struct Explain: Sendable, Hashable, CustomStringConvertible {
    /// Series the selection matched.
    public var series = 0
    /// Time windows (partitions or merged windows, and mixed files' spans) and files considered and pruned by time.
    public var windowsConsidered = 0
    /// Time windows skipped because they lie outside the time range.
    public var windowsPruned = 0
    /// Chunk files looked at.
    public var filesConsidered = 0
    /// Chunk files skipped because they lie outside the time range.
    public var filesPruned = 0
    /// Blocks of the matched series in range; pruned (by time, value or quality statistics);
    /// answered from their statistics alone; decoded.
    public var blocksConsidered = 0
    /// Blocks skipped by their time, value or quality statistics.
    public var blocksPruned = 0
    /// Blocks answered from their statistics without reading their columns.
    public var blocksFromStatistics = 0
    /// Blocks whose columns were read and decoded.
    public var blocksDecoded = 0
    /// Points decoded from blocks and read from memory.
    public var pointsDecoded = 0
    /// Points read from the memtables.
    public var pointsInMemory = 0
    /// Rows of a downsampling tier read, and which tier answered (nil: raw data only).
    public var tierRows = 0
    /// The coarsest downsampling tier that answered, such as "1 h" (nil: raw data only).
    public var tier: String?
    /// Worker threads used.
    public var threads = 1

    /// Zero counters (what a query that read nothing reports).
    public init() {}

    /// The counters, one line each.
    public var description: String {
        var lines = ["series: \(series)",
                     "windows: \(windowsConsidered) considered, \(windowsPruned) pruned by time",
                     "files: \(filesConsidered) considered, \(filesPruned) pruned by time",
                     "blocks: \(blocksConsidered) considered, \(blocksPruned) pruned, \(blocksFromStatistics) from statistics, \(blocksDecoded) decoded",
                     "points: \(pointsDecoded) decoded, \(pointsInMemory) from memory"]
        if let tier { lines.append("tier: \(tier) (\(tierRows) rows)") }
        lines.append("threads: \(threads)")
        return lines.joined(separator: "\n")
    }
}

/// What ``Store/aggregate(_:)`` returns.
public struct AggregationResult: Sendable {
    /// The rows, ordered and limited.
    public var rows: [AggregateRow]
    /// What was read to answer.
    public var explain: Explain
}
