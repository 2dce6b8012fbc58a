import StrataCodecs

// The write path: resolve series, log the batch, apply it to the memtable,
// wait for durability. FORMAT.md, "Write-ahead log".
//
//   1. outside the lock: group the readings by series (BatchGrouping: names compared by their bytes)
//   2. under the lock, waiting while memory is full: resolve series ids, creating series
//   3. outside the lock: encode the batch and LZ4-compress it
//   4. under the lock: log the record (series definitions, synced offset), apply it
//      to the memtable; freeze the memtable when it is full
//   5. outside the lock: group commit (under .everyBatch)

extension Engine {
    func write(_ readings: [Reading], sources: [String: String]) throws(StrataError) {
        try checkWritable()
        guard !readings.isEmpty || !sources.isEmpty else { return }
        for (source, position) in sources {
            guard !source.isEmpty, source.utf8.count <= maxTextBytes, position.utf8.count <= maxTextBytes else {
                throw StrataError(.invalidArgument, "source names must be 1 to \(maxTextBytes) bytes and positions at most \(maxTextBytes) (source \(SeriesKey.preview(source)))")
            }
        }

        // 1. Group by series, in order of first appearance.
        let grouping = BatchGrouping(readings)
        let pairs = grouping.pairs
        let slots = grouping.slots
        // A record over the limit would not replay: refuse the batch before anything is changed.
        let bound = 64 + readings.count * 19 + pairs.count * (24 + 2 * (SeriesKey.maxNameBytes + 2))
            + sources.reduce(0) { $0 + 8 + $1.key.utf8.count + $1.value.utf8.count }
        let limit = min(options.maxRecordBytes, WALFormat.maxRecordSize)
        guard bound <= limit else {
            throw StrataError(.limitExceeded, "a batch of \(readings.count) readings may encode to more than \(limit >> 20) MiB, the limit of one log record: split it into smaller batches")
        }

        // 2. Resolve ids, waiting while the memtable is full and the previous one still flushing.
        let stallStart = Clock.monotonicNanoseconds()
        var stalled = false
        let bound_ = options.memtableBytes
        var startAttempt: UInt64?
        let ids: [SeriesID] = try state.loop { (s) throws(StrataError) -> [SeriesID]? in
            try checkOpen(s)
            if s.memtables.full(boundBytes: bound_) {
                if let start = startAttempt {
                    if let failure = s.memtables.lastFailure, failure.attempt > start {
                        // A flush attempt that started after this writer began waiting failed.
                        throw failure.error.relative(to: directory)
                    }
                } else {
                    // Begin waiting: note the flush attempts so far, and ask for a retry now.
                    startAttempt = s.memtables.attempts
                    s.retryFlushNow = true
                    state.broadcast()
                }
                return nil
            }
            stalled = Clock.monotonicNanoseconds() - stallStart > 1_000_000
            var ids: [SeriesID?] = pairs.map { s.catalog.lookup($0.device, $0.sensor) }
            // Validate every new name before creating any series: a rejected batch leaves nothing behind.
            var created = 0
            for (k, pair) in pairs.enumerated() where ids[k] == nil {
                try SeriesKey.validate(pair.device, field: "device_id")
                try SeriesKey.validate(pair.sensor, field: "sensor_type")
                created += 1
            }
            guard s.catalog.count + created <= Int(SeriesID.max) else { throw StrataError(.limitExceeded, "the catalog is full") }
            for (k, pair) in pairs.enumerated() where ids[k] == nil {
                ids[k] = s.catalog.resolve(pair.device, pair.sensor).id
            }
            s.statistics.series = s.catalog.count
            return ids.map { $0! }
        }
        if stalled {
            let ms = Double(Clock.monotonicNanoseconds() - stallStart) / 1e6
            state.withLock { $0.statistics.stallMilliseconds += ms }
            emit(.writeStall(milliseconds: ms))
        }

        // 3. Columns per series, then the record's payload.
        var batch = WriteBatch()
        batch.sources = sources.sorted { bytesPrecede($0.key, $1.key) }.map { ($0.key, $0.value) }
        batch.series = ids
        // Counting sort of the readings into their groups.
        var ends = [Int](repeating: 0, count: pairs.count)
        for k in slots { ends[k] += 1 }
        var running = 0
        for k in 0..<ends.count {
            running += ends[k]
            ends[k] = running
        }
        batch.groupEnds = ends
        var next = [Int](repeating: 0, count: pairs.count)
        for k in 1..<max(pairs.count, 1) { next[k] = ends[k - 1] }
        let n = readings.count
        batch.timestamps = [Int64](repeating: 0, count: n)
        batch.values = [Double](repeating: 0, count: n)
        batch.qualities = [UInt8](repeating: 0, count: n)
        batch.timestamps.withUnsafeMutableBufferPointer { ts in
            batch.values.withUnsafeMutableBufferPointer { vs in
                batch.qualities.withUnsafeMutableBufferPointer { qs in
                    for (i, r) in readings.enumerated() {
                        let k = slots[i]
                        let j = next[k]
                        next[k] = j + 1
                        ts[j] = r.timestamp
                        vs[j] = r.value
                        qs[j] = r.quality.rawValue
                    }
                }
            }
        }
        let payload = WALFormat.payload(body: batch.encode())

        // 4. Log and apply.
        let position = try apply(batch, payload: payload)

        // 5. Durability.
        if options.sync == .everyBatch {
            try log!.sync(through: position)
        }
    }

    /// Logs `batch` (defining the series created since the last record) and applies it
    /// to the memtable, under the lock; freezes the memtable when it is full. A
    /// deletion or attribute record is applied the same way.
    func apply(_ batch: WriteBatch, payload: (kind: WALFormat.RecordKind, bytes: [UInt8])) throws(StrataError) -> WALPosition {
        let log = self.log!
        let position = try state.withLock { (s) throws(StrataError) -> WALPosition in
            try checkOpen(s)
            let first = s.loggedThrough
            let definitions = WALFormat.definitions(
                firstID: SeriesID(first), (first..<s.catalog.count).map { s.catalog.key(SeriesID($0)) })
            let end = try log.append(payload.kind, [definitions, payload.bytes])
            s.loggedThrough = s.catalog.count
            s.memtables.active.apply(batch, lateBefore: tierStores.isEmpty ? [] : tierHorizons(s))
            if let d = batch.deletion { s.latest.forget(d.ids) }
            if let change = batch.attributes { s.attributesDirty[s.catalog.apply(change), default: 0] += 1 }
            s.statistics.pointsWritten += batch.pointCount
            s.statistics.batchesWritten += 1
            if end.offset >= options.walSegmentBytes {
                try log.rotate()
            }
            if s.memtables.shouldFreeze(boundBytes: options.memtableBytes, maxAgeNanoseconds: nil, now: 0) {
                // The batch is logged and applied: a failure to move the log to a new
                // segment is the flusher's to retry and report, not this write's.
                do throws(StrataError) { try freezeLocked(&s) } catch {
                    s.memtables.attempts += 1
                    s.memtables.lastFailure = (error, s.memtables.attempts)
                    state.broadcast()
                }
            }
            return end
        }
        return position
    }

    /// Moves the log to a new segment and freezes the active memtable; the flusher takes it.
    func freezeLocked(_ s: inout State) throws(StrataError) {
        let sequence = try log!.rotate()
        s.memtables.freeze(nextSegment: sequence)
        state.broadcast()
    }
}
