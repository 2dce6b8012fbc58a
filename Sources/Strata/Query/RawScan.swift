// Raw reads with a selection's filters, streamed: the selected series one
// after the other, each as a run of pieces of at most one block (or one
// memtable run), filtered by quality and value. Blocks no point of which can
// pass are skipped from their statistics. Memory holds one piece.
//
// Thread safety: a value used by one thread at a time.

struct RawScan {
    let version: Version
    let series: [QuerySeries]
    let range: ClosedRange<Int64>?
    let filter: PointFilter
    private let files: [ScanFile]
    private var next = 0
    private var current: (index: Int, scan: SeriesScan)?
    private var scratch = BlockScratch()
    private(set) var counters = ScanCounters()

    /// `series` in the order to read them.
    init(version: Version, series: [QuerySeries], selection: Selection) {
        self.version = version
        self.series = series
        range = selection.timeRange.closed.flatMap { version.retained($0) }
        filter = PointFilter(selection)
        files = range.map { r in
            version.files(overlapping: r.lowerBound, r.upperBound).map { ScanFile(live: $0, tombstones: version.tombstones(for: $0.meta)) }
        } ?? []
    }

    /// The next non-empty piece: the index of its series in `series`, and its points (ascending).
    mutating func nextPiece() throws(StrataError) -> (series: Int, points: PointColumns)? {
        guard let range else { return nil }
        while true {
            if current == nil {
                guard next < series.count else { return nil }
                let s = series[next].series
                current = (next, try SeriesScan(id: s.id, range: range, files: files, memtables: s.memtables))
                next += 1
            }
            guard let piece = try current!.scan.next() else {
                counters.blocksConsidered += current!.scan.blocksMerged + current!.scan.blocksSkipped
                counters.blocksPruned += current!.scan.blocksSkipped
                counters.blocksDecoded += current!.scan.blocksMerged
                counters.pointsDecoded += current!.scan.pointsMerged
                counters.pointsInMemory += current!.scan.memtablePoints
                current = nil
                continue
            }
            var points: PointColumns
            switch piece {
            case .block(let b):
                counters.blocksConsidered += 1
                let verdict = filter.verdict(b.statistics)
                if verdict == .none {
                    counters.blocksPruned += 1
                    continue
                }
                points = PointColumns()
                try b.decode(appendingTo: &points, scratch: &scratch)
                counters.blocksDecoded += 1
                counters.pointsDecoded += points.count
                if verdict == .all { return (current!.index, points) }
            case .points(let p):
                points = p
            }
            if filter.isActive {
                var kept = PointColumns()
                for i in 0..<points.count where filter.keeps(points.values[i], points.qualities[i]) {
                    kept.append(points.timestamps[i], points.values[i], points.qualities[i])
                }
                points = kept
            }
            if !points.isEmpty { return (current!.index, points) }
        }
    }
}
