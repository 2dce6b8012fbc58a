import StrataCodecs

// Flushing a frozen memtable into chunk files, on the background thread.
// FORMAT.md, "Store directory" (the order of the steps is what makes a crash
// at any point recoverable):
//
//   1. write one chunk file per partition touched; fsync each, then the directory
//   2. append the series created since the last flush to CATALOG; fsync
//   3. write the new MANIFEST atomically (chunks, catalog length, walStart, sources)
//   4. install the files for readers, drop the frozen memtable
//   5. delete the WAL segments below walStart
//
// A crash before 3 leaves orphan chunk files (deleted at open) and catalog
// bytes past the committed length (truncated at open); the WAL still holds
// the batches. A crash after 3 leaves old WAL segments (deleted at open).

extension Engine {
    /// Freezes the active memtable if the frozen slot is free, and makes sure a flush is queued.
    func requestFlush() {
        let submit: Bool = state.withLock { s in
            if s.closed { return false }
            if s.frozen == nil {
                do throws(StrataError) { try freezeLocked(&s) } catch {
                    s.flushError = error
                    return false
                }
                return false  // freezeLocked queued the flush if there was anything to flush
            }
            if s.flushQueued { return false }
            s.flushQueued = true
            return true
        }
        if submit {
            let engine = self
            worker.submit { engine.runFlush() }
        }
    }

    /// The background job: flushes the frozen memtable, then compacts what needs it.
    func runFlush() {
        guard let frozen = state.withLock({ $0.frozen }) else {
            state.withLock { $0.flushQueued = false }
            state.broadcast()
            return
        }
        var failure: StrataError?
        do throws(StrataError) {
            try flush(frozen)
        } catch {
            failure = error
        }
        // While this job ran, writers may have frozen the next memtable without
        // queueing a job (this one was still queued): this job takes it on.
        let again: Bool = state.withLock { s in
            s.flushError = failure
            if failure == nil && s.frozen == nil && s.active.bytes >= options.memtableBytes {
                try? freezeLocked(&s)
            }
            if failure == nil && s.frozen != nil { return true }
            s.flushQueued = false
            return false
        }
        state.broadcast()
        if let failure {
            emit(.backgroundError(failure))
            return
        }
        if again {
            let engine = self
            worker.submit { engine.runFlush() }
            return
        }
        compactIfNeeded()
        releaseFreeMemory()
    }

    /// Writes `memtable` into chunk files and commits them (steps 1 to 5 above).
    func flush(_ memtable: MemTable) throws(StrataError) {
        let started = Clock.monotonicNanoseconds()
        // What the flush needs from the shared state, copied under the lock.
        let (ids, devices, newKeys, walStart, base) = state.withLock { s in
            let ids = memtable.seriesIDs.sorted()
            let devices = ids.map { s.catalog.deviceNumber(of: $0) }
            let newKeys = (s.manifest.catalogSeries..<s.catalog.count).map { s.catalog.key(SeriesID($0)) }
            return (ids, devices, newKeys, s.active.firstSegment, s.manifest)
        }

        // Which partitions each series touches. Points are materialised one device
        // at a time while writing, so the flush's working set stays small.
        var partitions: [Int64: [(device: UInt32, id: SeriesID)]] = [:]
        var snapshots: [SeriesID: SeriesSnapshot] = [:]
        for (k, id) in ids.enumerated() {
            guard let snapshot = memtable.snapshot(id), snapshot.count > 0 else { continue }
            snapshots[id] = snapshot
            let first = partitionStart(snapshot.minTime)
            if first == partitionStart(snapshot.maxTime) {
                partitions[first, default: []].append((devices[k], id))
            } else {
                for (start, _) in split(snapshot.points(in: Int64.min...Int64.max)) {
                    partitions[start, default: []].append((devices[k], id))
                }
            }
        }
        let starts = partitions.keys.sorted()
        let firstNumber: UInt64 = state.withLock { s in
            defer { s.manifest.nextFileNumber += UInt64(starts.count) }
            return s.manifest.nextFileNumber
        }

        // 1. Chunk files.
        var written: [(number: UInt64, start: Int64, summary: ChunkSummary)] = []
        do throws(StrataError) {
            for (i, start) in starts.enumerated() {
                let number = firstNumber + UInt64(i)
                let (end, overflow) = start.addingReportingOverflow(partitionDuration - 1)
                let range = start...(overflow ? Int64.max : end)
                let summary = try writeChunk(number: number, partitionStart: start, series: partitions[start]!) { id in
                    snapshots[id]!.points(in: range)
                }
                written.append((number, start, summary))
            }
            if !written.isEmpty { try fs.syncDirectory(path(FileNames.chunkDirectory)) }
        } catch {
            for w in written { try? fs.remove(path(FileNames.chunk(w.number))) }
            try? fs.remove(path(FileNames.chunk(firstNumber + UInt64(written.count))))
            throw error
        }

        // 2. Catalog (bytes past the committed length are harmless until the manifest commits them).
        var manifest = base
        manifest.nextFileNumber = firstNumber + UInt64(starts.count)
        do throws(StrataError) {
            if !newKeys.isEmpty {
                let record = CatalogFile.record(firstID: SeriesID(base.catalogSeries), newKeys)
                let file = try fs.open(path(FileNames.catalog), .readWrite)
                defer { file.close() }
                try file.truncate(to: base.catalogLength)
                try file.write(record, at: base.catalogLength)
                try file.sync()
                manifest.catalogLength += record.count
                manifest.catalogSeries += newKeys.count
            }
        } catch {
            for w in written { try? fs.remove(path(FileNames.chunk(w.number))) }
            throw error
        }

        // 3. Manifest. If writing it fails, it may or may not have replaced the old
        // one (the rename may have happened): keep the chunk files either way. The
        // memtable stays frozen and a retry writes new files; whichever files the
        // durable manifest does not list are removed at the next open.
        manifest.chunks += written.map { ManifestChunk(number: $0.number, partitionStart: $0.start, summary: $0.summary) }
        manifest.walStart = walStart
        for (source, position) in memtable.sources { manifest.sources[source] = position }
        try fs.writeAtomically(manifest.encode(), to: path(FileNames.manifest), directory: directory)

        // 4. Install. Opening reads each file back, checking what was written.
        var opened: [ChunkFile] = []
        var openFailure: StrataError?
        for w in written {
            do throws(StrataError) {
                opened.append(try ChunkFile(fs: fs, directory: directory, number: w.number))
            } catch {
                openFailure = error
            }
        }
        state.withLock { s in
            s.chunks.append(contentsOf: opened)
            s.chunks.sort { $0.number < $1.number }
            // If a committed file could not be opened, readers cannot see its points:
            // keep the frozen memtable so they still can, and let the retry write
            // them again (a duplicate on disk that compaction merges away).
            if openFailure == nil { s.frozen = nil }
            let next = s.manifest.nextFileNumber
            s.manifest = manifest
            s.manifest.nextFileNumber = max(next, manifest.nextFileNumber)
            s.statistics.flushes += 1
        }
        state.broadcast()

        // 5. Old log segments (their batches are in committed chunk files now).
        if let names = try? fs.list(path(FileNames.walDirectory)) {
            for name in names {
                if let seq = FileNames.parseWALSegment(name), seq < walStart { try? fs.remove(path("\(FileNames.walDirectory)/\(name)")) }
            }
        }
        if let openFailure { throw openFailure }
        emit(.flushed(points: memtable.points, files: written.count, bytes: written.reduce(0) { $0 + $1.summary.size },
                      milliseconds: Double(Clock.monotonicNanoseconds() - started) / 1e6))
    }

    /// Cuts sorted points at partition boundaries.
    func split(_ points: PointColumns) -> [(Int64, PointColumns)] {
        var out: [(Int64, PointColumns)] = []
        var start = 0
        let t = points.timestamps
        while start < t.count {
            let p = partitionStart(t[start])
            let (end, overflow) = p.addingReportingOverflow(partitionDuration)
            var stop = t.count
            if !overflow {
                // First index at or after the partition's end (binary search).
                var lo = start, hi = t.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if t[mid] < end { lo = mid + 1 } else { hi = mid }
                }
                stop = lo
            }
            if start == 0 && stop == t.count {
                out.append((p, points))
            } else {
                var slice = PointColumns()
                slice.timestamps = Array(t[start..<stop])
                slice.values = Array(points.values[start..<stop])
                slice.qualities = Array(points.qualities[start..<stop])
                out.append((p, slice))
            }
            start = stop
        }
        return out
    }

    /// Writes one chunk file: the series grouped by device, devices and series
    /// ascending; `points` gives a series' points in the partition.
    func writeChunk(
        number: UInt64, partitionStart: Int64, series: [(device: UInt32, id: SeriesID)], points: (SeriesID) -> PointColumns
    ) throws(StrataError) -> ChunkSummary {
        let writer = try ChunkWriter(fs: fs, path: path(FileNames.chunk(number)), partitionStart: partitionStart,
                                     blockRows: options.blockRows, options: codecOptions)
        do throws(StrataError) {
            let sorted = series.sorted { ($0.device, $0.id) < ($1.device, $1.id) }
            var i = 0
            while i < sorted.count {
                var j = i + 1
                while j < sorted.count && sorted[j].device == sorted[i].device { j += 1 }
                let inputs = sorted[i..<j].map { ChunkSeriesInput(id: $0.id, points: points($0.id)) }.filter { !$0.points.isEmpty }
                if !inputs.isEmpty { try writer.addDevice(inputs) }
                i = j
            }
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Flushes everything in memory and waits for it; throws what the flush threw.
    func flushAll() throws(StrataError) {
        while true {
            let pending: Bool = try state.withLock { (s) throws(StrataError) -> Bool in
                try checkOpen(s)
                return s.frozen != nil || !s.active.isEmpty
            }
            guard pending else { return }
            state.withLock { $0.flushError = nil }
            requestFlush()
            worker.drain()
            let (error, stuck) = state.withLock { ($0.flushError, $0.frozen != nil && !$0.flushQueued) }
            if let error { throw error }
            if stuck { requestFlush() }
        }
    }
}
