/// Where a store's bytes go (the shell's `.stats`): per partition, per sensor
/// type and per column, with points and bytes per point. Counts the live
/// chunk files (not the log, the catalog or the tiers); points hidden by
/// newer files or deletions and not yet rewritten are counted where they lie.
///
/// ```swift
/// let report = try store.storageReport()
/// for t in report.sensorTypes { print(t.name, t.points, t.bytesPerPoint) }
/// ```
public struct StorageReport: Sendable {
    /// One line of the report.
    public struct Line: Sendable, Equatable {
        /// The partition's start (ISO-8601 is the caller's business), the sensor type, or the column name.
        public var name: String
        /// Points stored (for a column: the points whose column it is).
        public var points: Int
        /// Bytes on disk.
        public var bytes: Int
        /// `bytes / points` (0 without points).
        public var bytesPerPoint: Double { points > 0 ? Double(bytes) / Double(points) : 0 }

        /// Creates a line.
        public init(name: String, points: Int, bytes: Int) {
            self.name = name
            self.points = points
            self.bytes = bytes
        }
    }

    /// Per window or mixed file, oldest first; `name` is the start timestamp in store units.
    public var partitions: [Line] = []
    /// Per sensor type, by name.
    public var sensorTypes: [Line] = []
    /// Per column: "timestamps", "values", "qualities", "presence" (rows a series
    /// lacks in its device's shared timestamps), "index" (headers, indexes with
    /// block statistics, trailers).
    public var columns: [Line] = []
    /// Totals.
    public var points = 0
    /// Bytes of the live chunk files.
    public var bytes = 0
}
