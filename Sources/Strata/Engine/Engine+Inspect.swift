import StrataCodecs

// Inspection and verification: what the shell's commands and operators see.

extension Engine {
    func sourcePositions() throws(StrataError) -> [String: String] {
        try state.withLock { (s) throws(StrataError) -> [String: String] in
            try checkOpen(s)
            var out = s.manifest.sources
            if let frozen = s.frozen { for (k, v) in frozen.sources { out[k] = v } }
            for (k, v) in s.active.sources { out[k] = v }
            return out
        }
    }

    func series(device: String?, sensorType: String?) throws(StrataError) -> [SeriesKey] {
        try state.withLock { (s) throws(StrataError) -> [SeriesKey] in
            try checkOpen(s)
            return s.catalog.select(device: device, sensorType: sensorType).map { s.catalog.key($0) }
        }
    }

    func partitions() throws(StrataError) -> [PartitionInfo] {
        try state.withLock { (s) throws(StrataError) -> [PartitionInfo] in
            try checkOpen(s)
            var byStart: [Int64: [ChunkFileInfo]] = [:]
            for c in s.chunks {
                byStart[c.partitionStart, default: []].append(ChunkFileInfo(
                    name: c.name, bytes: c.size, points: c.summary.points, series: c.summary.series,
                    minTime: c.summary.minTime, maxTime: c.summary.maxTime))
            }
            return byStart.keys.sorted().map { PartitionInfo(start: $0, duration: partitionDuration, files: byStart[$0]!) }
        }
    }

    func statisticsSnapshot() -> StoreStatistics {
        state.withLock { s in
            var st = s.statistics
            st.memtableBytes = s.active.bytes + (s.frozen?.bytes ?? 0)
            st.memtablePoints = s.active.points + (s.frozen?.points ?? 0)
            st.chunkFiles = s.chunks.count
            st.chunkBytes = s.chunks.reduce(0) { $0 + $1.size }
            st.chunkPoints = s.chunks.reduce(0) { $0 + $1.summary.points }
            st.series = s.catalog.count
            return st
        }
    }

    /// Flush, then compact on the background thread (after whatever is queued), and wait.
    func compactNow() throws(StrataError) {
        try flushAll()
        let result = ConditionLock<Result<Void, StrataError>?>(nil)
        let engine = self
        worker.submit {
            var r: Result<Void, StrataError> = .success(())
            do throws(StrataError) { try engine.compactAll() } catch { r = .failure(error) }
            result.withLock { $0 = r }
            result.broadcast()
        }
        try result.wait(until: { $0 != nil }) { $0! }.get()
    }

    /// Decodes every block of every live chunk file.
    func verify() throws(StrataError) -> Int {
        let chunks = try state.withLock { (s) throws(StrataError) -> [ChunkFile] in
            try checkOpen(s)
            return s.chunks
        }
        var points = 0
        for chunk in chunks {
            var seen = 0
            for id in chunk.seriesIDs.sorted() {
                let p = try chunk.read(id, in: Int64.min...Int64.max)
                guard p.count == chunk.locator(id)?.count else {
                    throw StrataError(.corruption, "series \(id) decodes to \(p.count) points, the index says \(chunk.locator(id)?.count ?? 0)", file: chunk.name)
                }
                for i in 1..<max(p.count, 1) where p.timestamps[i] <= p.timestamps[i - 1] {
                    throw StrataError(.corruption, "series \(id) is not sorted at point \(i)", file: chunk.name)
                }
                if let first = p.timestamps.first, partitionStart(first) != chunk.partitionStart {
                    throw StrataError(.corruption, "series \(id) has points outside the file's partition", file: chunk.name)
                }
                seen += p.count
            }
            guard seen == chunk.summary.points else {
                throw StrataError(.corruption, "file holds \(seen) points, its index says \(chunk.summary.points)", file: chunk.name)
            }
            points += seen
        }
        return points
    }
}
