import StrataCodecs

// Runs a compaction plan against a version: writes the merged files and
// returns the edit that commits them (through VersionSet, by the caller).
//
//   1. per window: the merged view of every file overlapping it, device by
//      device (memory holds one device's points of one window at a time);
//   2. the mixed inputs' points outside those windows, into one mixed file;
//   3. each output is synced, the directory synced, and the files read back;
//   4. the edit removes the merged files (window files inside a window, the
//      mixed inputs) and hides each window in the files it could not remove.
//
// An output takes the largest precedence of the files it read, so a file a
// flush commits meanwhile (whose data is newer) still outranks it.

struct Compactor {
    let fs: any FileSystem
    let directory: String
    let versions: VersionSet
    let blockRows: Int
    let codecOptions: CodecOptions
    let coldLevel: Int32

    struct Output {
        var edit: VersionEdit
        var opened: [ChunkFile]
        var bytesBefore: Int
        var bytesAfter: Int
        var inputFiles: Int
        /// Numbers of the files read.
        var inputs: Set<UInt64>
    }

    /// Runs `plan` on `version`. `device(id)` gives a series' device number (series
    /// of one device are written together, sharing a timestamp column when they line up).
    func run(_ plan: CompactionPolicy.Plan, on version: Version, device: (SeriesID) -> UInt32) throws(StrataError) -> Output {
        var edit = VersionEdit()
        var opened: [ChunkFile] = []
        var written: [UInt64] = []
        var before = 0, after = 0
        var inputs = Set<UInt64>()
        edit.removeFiles.formUnion(plan.drop)
        for n in plan.drop { inputs.insert(n) }
        do throws(StrataError) {
            for w in plan.windows {
                let overlapping = version.files(overlapping: w.lowerBound, w.upperBound)
                guard !overlapping.isEmpty else { continue }
                let sources = overlapping.map { ScanFile(live: $0, tombstones: version.tombstones(for: $0.meta)) }
                let precedence = overlapping.map(\.meta.precedence).max()!
                let number = versions.allocateFileNumbers(1)
                written.append(number)
                let result = try write(number: number, window: w, sources: sources, range: w, exclude: [],
                                       cold: plan.cold, draft: plan.draft, retainedFrom: version.manifest.retainedFrom, device: device)
                var removable = false
                for f in overlapping {
                    inputs.insert(f.meta.number)
                    if !f.meta.mixed && f.meta.rangeFirst >= w.lowerBound && f.meta.rangeLast <= w.upperBound {
                        edit.removeFiles.insert(f.meta.number)
                        before += f.meta.summary.size
                    } else {
                        removable = true
                    }
                }
                let order: Order
                if let (meta, file) = result {
                    var m = meta
                    m.precedence = precedence
                    edit.addFiles.append(m)
                    opened.append(file)
                    after += m.summary.size
                    order = m.order
                } else {
                    order = Order(precedence: precedence, number: number)
                }
                if removable {
                    edit.addTombstones.append(Tombstone(scope: .all, first: w.lowerBound, last: w.upperBound, below: order))
                }
            }
            if !plan.mixed.isEmpty {
                let chosen = Set(plan.mixed)
                let files = version.files.filter { chosen.contains($0.meta.number) }
                let sources = files.map { ScanFile(live: $0, tombstones: version.tombstones(for: $0.meta)) }
                let number = versions.allocateFileNumbers(1)
                written.append(number)
                let result = try write(number: number, window: nil, sources: sources, range: Int64.min...Int64.max,
                                       exclude: plan.windows, cold: false, draft: false, retainedFrom: version.manifest.retainedFrom, device: device)
                for f in files {
                    inputs.insert(f.meta.number)
                    edit.removeFiles.insert(f.meta.number)
                    before += f.meta.summary.size
                }
                if let (meta, file) = result {
                    var m = meta
                    m.precedence = files.map(\.meta.precedence).max()!
                    edit.addFiles.append(m)
                    opened.append(file)
                    after += m.summary.size
                }
            }
            if !written.isEmpty { try fs.syncDirectory(joinPath(directory, FileNames.chunkDirectory)) }
        } catch {
            for n in written { try? fs.remove(versions.path(n)) }
            throw error
        }
        return Output(edit: edit, opened: opened, bytesBefore: before, bytesAfter: after, inputFiles: inputs.count, inputs: inputs)
    }

    /// Writes the merged points of `sources` in `range` (minus the `exclude` windows)
    /// into file `number`; nil (and no file) when there are none.
    private func write(
        number: UInt64, window: ClosedRange<Int64>?, sources: [ScanFile], range: ClosedRange<Int64>,
        exclude: [ClosedRange<Int64>], cold: Bool, draft: Bool, retainedFrom: Int64, device: (SeriesID) -> UInt32
    ) throws(StrataError) -> (FileMeta, ChunkFile)? {
        // Points retention dropped are not written again.
        guard range.upperBound >= retainedFrom else { return nil }
        let range = max(range.lowerBound, retainedFrom)...range.upperBound
        // Every series with points in range, grouped by device.
        var ids = Set<SeriesID>()
        for s in sources {
            for id in s.live.file.seriesIDs {
                if let loc = s.live.file.locator(id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound { ids.insert(id) }
            }
        }
        guard !ids.isEmpty else { return nil }
        let sorted = ids.map { (device: device($0), id: $0) }.sorted { ($0.device, $0.id) < ($1.device, $1.id) }
        let output = ChunkFileOutput(fs: fs, directory: directory, versions: versions, blockRows: blockRows, codecOptions: codecOptions)
        // Window files wholly inside the window, with nothing hidden: their blocks can be
        // copied as they are when a device's spans in them do not overlap (no re-packing).
        // (A final file takes no blocks from drafts: they lack the entropy stage.)
        let copyable = window == nil || cold ? [] : sources.filter {
            !$0.live.meta.mixed && $0.tombstones.isEmpty && $0.live.meta.rangeFirst >= range.lowerBound && $0.live.meta.rangeLast <= range.upperBound
                && (draft || !$0.live.meta.draft)
        }.map(\.live.file)
        let others = sources.filter { s in !copyable.contains { $0 === s.live.file } }.map(\.live.file)
        return try output.write(number: number, window: window, coldLevel: cold ? coldLevel : nil, draft: draft, series: sorted, copy: { (devices) throws(StrataError) in
            guard !copyable.isEmpty else { return nil }
            let ids = devices.map { sorted[$0].id }
            for f in others {
                for id in ids {
                    if let loc = f.locator(id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound { return nil }
                }
            }
            return try CopiedGroup.plan(ids: ids, files: copyable)
        }) { (k) throws(StrataError) in
            var scan = try SeriesScan(id: sorted[k].id, range: range, files: sources, memtables: [])
            let points = try scan.all()
            return exclude.isEmpty ? points : points.removing(exclude)
        }
    }
}

extension PointColumns {
    /// The points outside every range of `windows`.
    func removing(_ windows: [ClosedRange<Int64>]) -> PointColumns {
        var out = PointColumns()
        out.reserve(count)
        for i in 0..<count where !windows.contains(where: { $0.contains(timestamps[i]) }) {
            out.append(timestamps[i], values[i], qualities[i])
        }
        return out
    }
}
