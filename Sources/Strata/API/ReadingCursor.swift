/// Points of a ``Selection``, streamed: each call to ``next()`` returns the
/// next run of points of one series (at most one block, or one run held in
/// memory), so memory holds one run, however long the series' history.
/// Series come in name order (device, then sensor type); runs of a series in
/// time order. The snapshot is the store's state when the cursor was made.
///
/// ```swift
/// var s = Selection(sensorTypes: .equals("temperature"))
/// s.qualities = [.good]
/// var cursor = try store.scan(s)
/// while let run = try cursor.next() {
///     print(run.key, run.count)
/// }
/// ```
public struct ReadingCursor: Sendable {
    private var scan: RawScan
    private let directory: String

    init(scan: RawScan, directory: String) {
        self.scan = scan
        self.directory = directory
    }

    /// The next run of points, or nil when every selected series has been read.
    public mutating func next() throws(StrataError) -> SeriesPoints? {
        do throws(StrataError) {
            guard let (index, points) = try scan.nextPiece() else { return nil }
            return SeriesPoints(key: scan.series[index].series.key, points)
        } catch {
            throw error.relative(to: directory)
        }
    }

    /// Blocks and points read so far, and blocks skipped by their statistics.
    public var explain: Explain {
        var e = Explain()
        e.series = scan.series.count
        let c = scan.counters
        e.blocksConsidered = c.blocksConsidered
        e.blocksPruned = c.blocksPruned
        e.blocksDecoded = c.blocksDecoded
        e.pointsDecoded = c.pointsDecoded
        e.pointsInMemory = c.pointsInMemory
        return e
    }
}
