import StrataCodecs

// The write path: resolve series, log the batch, apply it to the memtable,
// wait for durability. FORMAT.md, "Write-ahead log".
//
//   1. outside the lock: group the readings by series (names hashed once per batch)
//   2. under the lock, waiting while memory is full: resolve series ids, creating series
//   3. outside the lock: encode and LZ4-compress the batch
//   4. under the lock: frame the record (definitions, synced offset), append it,
//      apply it to the memtable; freeze the memtable when it is full
//   5. outside the lock: group commit (under .everyBatch)

/// A (device, sensor) pair hashed once per batch.
private struct NamePair: Hashable {
    let device: String
    let sensor: String
}

extension Engine {
    func write(_ readings: [Reading], sources: [String: String]) throws(StrataError) {
        guard !readings.isEmpty || !sources.isEmpty else { return }
        for (source, position) in sources {
            guard !source.isEmpty, source.utf8.count <= 4096, position.utf8.count <= 4096 else {
                throw StrataError(.invalidArgument, "source names must be 1 to 4096 bytes and positions at most 4096 (source \(SeriesKey.preview(source)))")
            }
        }

        // 1. Group by series, in order of first appearance.
        var pairIndex: [NamePair: Int] = [:]
        pairIndex.reserveCapacity(min(readings.count, 1 << 16))  // no rehashing as it fills
        var pairs: [NamePair] = []
        var slots = [Int](repeating: 0, count: readings.count)
        for (i, r) in readings.enumerated() {
            let pair = NamePair(device: r.deviceID, sensor: r.sensorType)
            if let k = pairIndex[pair] {
                slots[i] = k
            } else {
                slots[i] = pairs.count
                pairIndex[pair] = pairs.count
                pairs.append(pair)
            }
        }

        // 2. Resolve ids, waiting while the memtable is full and the previous one still flushing.
        let stallStart = Clock.monotonicNanoseconds()
        var stalled = false
        var retryFlush = false
        let ids: [SeriesID]
        do throws(StrataError) { ids = try state.wait(until: { s in
            s.closed || s.flushError != nil || !(s.active.bytes >= self.options.memtableBytes && s.frozen != nil)
        }) { (s) throws(StrataError) -> [SeriesID] in
            try checkOpen(s)
            if s.active.bytes >= options.memtableBytes && s.frozen != nil, let error = s.flushError {
                // The flush that would free memory failed: report it, and retry it.
                s.flushError = nil
                retryFlush = true
                throw error
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
        } } catch {
            if retryFlush { requestFlush() }
            throw error
        }
        if stalled {
            let ms = Double(Clock.monotonicNanoseconds() - stallStart) / 1e6
            state.withLock { $0.statistics.stallMilliseconds += ms }
            emit(.writeStall(milliseconds: ms))
        }

        // 3. Columns per series, then the record's payload.
        var batch = WALBatch()
        batch.sources = sources.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
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

        // 4. Append and apply.
        let position: WALPosition = try state.withLock { (s) throws(StrataError) -> WALPosition in
            try checkOpen(s)
            if s.walBroken {
                try s.wal.abandonAndRotate()
                s.walBroken = false
                s.written = s.wal.position
                s.synced = s.wal.position
            }
            let first = s.loggedThrough
            let definitions = WALFormat.definitions(
                firstID: SeriesID(first), (first..<s.catalog.count).map { s.catalog.key(SeriesID($0)) })
            let record = WALFormat.record(payload: payload, definitions: definitions, syncedThrough: s.synced.sequence == s.wal.sequence ? s.synced.offset : 0)
            let end = try s.wal.append(record)
            s.loggedThrough = s.catalog.count
            s.written = end
            s.active.apply(batch)
            s.statistics.pointsWritten += readings.count
            s.statistics.batchesWritten += 1
            s.statistics.walBytes += record.count
            if s.wal.size >= options.walSegmentBytes {
                try rotateLocked(&s)
            }
            if s.active.bytes >= options.memtableBytes && s.frozen == nil {
                try freezeLocked(&s)
            }
            return end
        }

        // 5. Durability.
        if options.sync == .everyBatch {
            try syncLog(through: position)
        }
    }

    /// Moves the log to a new segment (syncing the old one): everything written so far is durable.
    func rotateLocked(_ s: inout State) throws(StrataError) {
        try s.wal.rotate()
        s.written = s.wal.position
        if s.synced < s.written { s.synced = s.written }
        s.statistics.walSyncs += 1
    }

    /// Freezes the active memtable (when it has data) and queues its flush.
    func freezeLocked(_ s: inout State) throws(StrataError) {
        guard s.frozen == nil, !s.active.isEmpty else { return }
        try rotateLocked(&s)
        s.frozen = s.active
        s.active = MemTable(firstSegment: s.wal.sequence)
        if !s.flushQueued {
            s.flushQueued = true
            let engine = self
            worker.submit { engine.runFlush() }
        }
    }

    /// Waits until the log is durable through `target`, syncing it if no one else is.
    /// Concurrent callers share fsyncs: whoever syncs covers everything written so far.
    func syncLog(through target: WALPosition) throws(StrataError) {
        while true {
            let job: (file: any StorageFile, upTo: WALPosition)? = try state.wait(until: { s in
                s.synced >= target || !s.syncing
            }) { (s) throws(StrataError) -> (file: any StorageFile, upTo: WALPosition)? in
                if s.synced >= target { return nil }
                if let failed = s.failedThrough, target <= failed {
                    throw StrataError(.io, "the log could not be synced; this batch may not be durable", file: FileNames.walSegment(target.sequence))
                }
                s.syncing = true
                return (s.wal.file, s.written)
            }
            guard let job else { return }
            var failure: StrataError?
            do throws(StrataError) {
                try job.file.sync()
            } catch {
                failure = error
            }
            state.withLock { s in
                s.syncing = false
                if failure == nil || s.synced >= job.upTo {
                    // A rotation may have synced (and closed) the file meanwhile.
                    if job.upTo > s.synced { s.synced = job.upTo }
                    if failure == nil { s.statistics.walSyncs += 1 }
                    failure = nil
                } else {
                    // After a failed fsync the kernel may have dropped the dirty pages:
                    // everything up to here is in doubt, and the file is not used again.
                    s.failedThrough = max(s.failedThrough ?? job.upTo, job.upTo)
                    s.walBroken = true
                }
            }
            state.broadcast()
            if let failure { throw failure }
        }
    }
}
