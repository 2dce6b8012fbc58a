import StrataCodecs

// The read path: a consistent snapshot (chunk files, frozen and active
// memtables) taken under the lock, then read without it, so a long read
// never blocks writers and never sees half a flush: the frozen memtable is
// dropped in the same critical section that installs its chunk files.

/// Everything one read needs, captured atomically.
struct ReadSnapshot: @unchecked Sendable {
    /// Chunk files that may hold points in range, oldest first.
    var chunks: [ChunkFile]
    /// Per series: its key and its memtable points (frozen, then active).
    var series: [(id: SeriesID, key: SeriesKey, frozen: SeriesSnapshot?, active: SeriesSnapshot?)]
}

extension Engine {
    /// Series ids matching the selection, with a snapshot for reading them.
    func snapshot(device: String?, sensorType: String?, range: ClosedRange<Int64>) throws(StrataError) -> ReadSnapshot {
        try state.withLock { (s) throws(StrataError) -> ReadSnapshot in
            try checkOpen(s)
            let ids = s.catalog.select(device: device, sensorType: sensorType)
            let chunks = s.chunks.filter { $0.summary.maxTime >= range.lowerBound && $0.summary.minTime <= range.upperBound }
            return ReadSnapshot(chunks: chunks, series: ids.map { id in
                (id, s.catalog.key(id), s.frozen?.snapshot(id), s.active.snapshot(id))
            })
        }
    }

    /// The points of one snapshotted series in `range`, newest source winning per timestamp.
    func points(_ entry: (id: SeriesID, key: SeriesKey, frozen: SeriesSnapshot?, active: SeriesSnapshot?),
                chunks: [ChunkFile], range: ClosedRange<Int64>) throws(StrataError) -> PointColumns {
        var result = PointColumns()
        for chunk in chunks {
            guard let loc = chunk.locator(entry.id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound else { continue }
            result = result.merged(with: try chunk.read(entry.id, in: range))
        }
        if let frozen = entry.frozen { result = result.merged(with: frozen.points(in: range)) }
        if let active = entry.active { result = result.merged(with: active.points(in: range)) }
        return result
    }
}

extension SeriesPoints {
    init(key: SeriesKey, _ p: PointColumns) {
        self.init(key: key, timestamps: p.timestamps, values: p.values, qualities: p.qualities.map { Quality(rawValue: $0) ?? .bad })
    }
}
