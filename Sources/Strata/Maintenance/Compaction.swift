import StrataCodecs

// Compaction: merge a partition's chunk files into one, resolving duplicates
// (the newer file wins), and swap it in atomically; re-pack cold partitions
// with zstd when that is smaller. Runs on the background thread, like flushes,
// so file numbers keep following data age. Old files are deleted when the
// last reader holding them lets go (ChunkFile.deinit).
//
//   1. write the merged file (device by device, so memory holds one device's
//      points of one partition at a time); fsync it and the directory
//   2. write the new MANIFEST without the inputs
//   3. install it; mark the inputs obsolete

extension Engine {
    /// Partitions worth compacting now: `trigger` files or more, or cold and not yet re-packed.
    func compactionCandidates(trigger: Int) -> [(start: Int64, cold: Bool)] {
        state.withLock { s in
            var files: [Int64: [ChunkFile]] = [:]
            for c in s.chunks { files[c.partitionStart, default: []].append(c) }
            let newest = files.keys.max() ?? 0
            var out: [(Int64, Bool)] = []
            for (start, list) in files.sorted(by: { $0.key < $1.key }) {
                var cold = false
                if let policy = options.coldCompression {
                    let (limit, overflow) = Int64(policy.afterPartitions).multipliedReportingOverflow(by: partitionDuration)
                    cold = !overflow && start <= newest &- limit
                }
                if (trigger > 0 && list.count >= trigger) || (cold && list.contains { !$0.isCold }) {
                    out.append((start, cold))
                }
            }
            return out
        }
    }

    /// After a flush: compacts the partitions that reached the trigger.
    func compactIfNeeded() {
        guard options.compactionTrigger > 0 else { return }
        for (start, cold) in compactionCandidates(trigger: options.compactionTrigger) {
            do throws(StrataError) {
                try compactPartition(start, cold: cold)
            } catch {
                emit(.backgroundError(error))
                return
            }
        }
    }

    /// Compacts every partition with more than one file (and re-packs cold ones). Runs on the worker.
    func compactAll() throws(StrataError) {
        for (start, cold) in compactionCandidates(trigger: 2) {
            try compactPartition(start, cold: cold)
        }
    }

    func compactPartition(_ start: Int64, cold: Bool) throws(StrataError) {
        let (inputs, number, devices) = state.withLock { s in
            let inputs = s.chunks.filter { $0.partitionStart == start }
            var devices: [SeriesID: UInt32] = [:]
            for c in inputs { for id in c.seriesIDs where devices[id] == nil { devices[id] = s.catalog.deviceNumber(of: id) } }
            defer { s.manifest.nextFileNumber += 1 }
            return (inputs, s.manifest.nextFileNumber, devices)
        }
        guard inputs.count >= 2 || (cold && inputs.contains { !$0.isCold }) else { return }
        let coldLevel = cold ? options.coldCompression?.level : nil
        let writer = try ChunkWriter(fs: fs, path: path(FileNames.chunk(number)), partitionStart: start,
                                     blockRows: options.blockRows, options: codecOptions, coldLevel: coldLevel)
        let summary: ChunkSummary
        do throws(StrataError) {
            let byDevice = Dictionary(grouping: devices.keys, by: { devices[$0]! })
            for device in byDevice.keys.sorted() {
                var series: [ChunkSeriesInput] = []
                for id in byDevice[device]!.sorted() {
                    var merged = PointColumns()
                    for c in inputs { merged = merged.merged(with: try c.read(id, in: Int64.min...Int64.max)) }
                    if !merged.isEmpty { series.append(ChunkSeriesInput(id: id, points: merged)) }
                }
                if !series.isEmpty { try writer.addDevice(series) }
            }
            summary = try writer.finish()
            try fs.syncDirectory(path(FileNames.chunkDirectory))
        } catch {
            writer.abandon()
            throw error
        }
        // The manifest without the inputs. If writing it fails it may still have
        // replaced the old one: keep every file; the next open removes whichever
        // ones the durable manifest does not list.
        let removed = Set(inputs.map(\.number))
        var manifest = state.withLock { $0.manifest }
        manifest.chunks.removeAll { removed.contains($0.number) }
        manifest.chunks.append(ManifestChunk(number: number, partitionStart: start, summary: summary))
        manifest.chunks.sort { $0.number < $1.number }
        try fs.writeAtomically(manifest.encode(), to: path(FileNames.manifest), directory: directory)
        let committed = manifest
        let output: ChunkFile
        do throws(StrataError) {
            output = try ChunkFile(fs: fs, directory: directory, number: number)
        } catch {
            // Committed but unreadable for now: readers keep using the inputs, which
            // stay on disk until the next open (they are no longer in the manifest).
            state.withLock { s in
                let next = s.manifest.nextFileNumber
                s.manifest = committed
                s.manifest.nextFileNumber = max(next, committed.nextFileNumber)
            }
            throw error
        }
        let fs = self.fs
        state.withLock { s in
            s.chunks.removeAll { removed.contains($0.number) }
            s.chunks.append(output)
            s.chunks.sort { $0.number < $1.number }
            let next = s.manifest.nextFileNumber
            s.manifest = committed
            s.manifest.nextFileNumber = max(next, committed.nextFileNumber)
            s.statistics.compactions += 1
        }
        for c in inputs {
            let path = c.path
            c.obsolete.withLock { $0 = { try? fs.remove(path) } }
        }
        emit(.compacted(partitionStart: start, inputFiles: inputs.count, bytesBefore: inputs.reduce(0) { $0 + $1.size }, bytesAfter: summary.size))
    }
}
