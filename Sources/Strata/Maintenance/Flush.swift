import StrataCodecs

// Flushing a frozen memtable into chunk files. FORMAT.md, "Store directory"
// (the order of the steps is what makes a crash at any point recoverable):
//
//   1. write the chunk files; fsync each, then the directory
//   2. append the series created since the last flush to CATALOG; fsync
//   3. commit: the new MANIFEST (files, catalog length, walStart, sources,
//      the memtable's deletions as tombstones),
//      then readers see the files and the memtable goes (VersionSet.commit)
//   4. delete the WAL segments below walStart
//
// A crash before 3 leaves orphan chunk files (deleted at open) and catalog
// bytes past the committed length (truncated at open); the WAL still holds
// the batches. A crash after 3 leaves old WAL segments (deleted at open).
//
// Which files: one window file per level-0 partition that holds the flush's
// newest data (that partition and the one before) or many of its points
// (at least `minWindowPoints` and 1/32 of the flush); every other point goes
// into one mixed file. Sparse or late data across thousands of partitions
// costs one file, not thousands.

struct FlushJob {
    let fs: any FileSystem
    let directory: String
    let versions: VersionSet
    let partitioning: Partitioning
    let blockRows: Int
    let codecOptions: CodecOptions

    /// A partition gets a window file of its own from this many points of a flush (and 1/32 of it).
    static let minWindowPoints = 4096

    struct Input {
        var memtable: MemTable
        /// Device number per series id (series of a device are written together).
        var device: (SeriesID) -> UInt32
        /// Series created since the catalog's committed length, and that length.
        var newKeys: [SeriesKey]
        /// Devices whose attributes changed, with their attributes in full.
        var attributes: [AttributeChange] = []
        var catalogLength: Int
        var catalogSeries: Int
        /// The WAL segment from which the remaining batches start, and the last one that exists.
        var walStart: UInt64
        var walLast: UInt64
        /// The newest timestamp to plan with (the data's, capped near the wall clock).
        var newest: Int64
        /// Retention's cutoff: older points are not written.
        var retainedFrom: Int64 = .min
        /// Tiers whose built buckets this memtable changed (late points, deletions).
        var tiers: Int = 0
    }

    struct Output {
        var edit: VersionEdit
        var opened: [ChunkFile]
        var files: Int
        var bytes: Int
    }

    func run(_ input: Input) throws(StrataError) -> Output {
        let memtable = input.memtable
        // Snapshots and, per partition, how many points of this flush fall in it.
        var snapshots: [(id: SeriesID, device: UInt32, snapshot: SeriesSnapshot)] = []
        var perPartition: [Int64: Int] = [:]
        var total = 0
        for id in memtable.seriesIDs {
            guard let s = memtable.snapshot(id), s.count > 0 else { continue }
            snapshots.append((id, input.device(id), s))
            total += s.count
            s.countPerWindow(partitioning, into: &perPartition)
        }
        snapshots.sort { ($0.device, $0.id) < ($1.device, $1.id) }
        let newestPartition = partitioning.window(input.newest).lowerBound
        let previousPartition = newestPartition == Int64.min ? Int64.min : partitioning.window(newestPartition - 1).lowerBound
        let dense = max(Self.minWindowPoints, total / 32)
        let windows = perPartition.keys.filter { p in
            p == newestPartition || p == previousPartition || perPartition[p]! >= dense
        }.sorted()
        let windowSet = Set(windows)
        let needsMixed = perPartition.keys.contains { !windowSet.contains($0) }
        let fileCount = windows.count + (needsMixed ? 1 : 0)
        // Deletions logged while this memtable was active hide the points of every file
        // numbered below a boundary taken now, before this flush's own files (which hold
        // what was written after them).
        var tombstones: [Tombstone] = []
        if !memtable.deletions.isEmpty {
            let boundary = versions.allocateFileNumbers(1)
            tombstones = memtable.deletions.map {
                Tombstone(scope: .series($0.ids), first: $0.first, last: $0.last, below: Order(precedence: boundary, number: 0))
            }
        }
        let first = fileCount > 0 ? versions.allocateFileNumbers(fileCount) : 0

        // 1. Chunk files.
        var edit = VersionEdit()
        var opened: [ChunkFile] = []
        var written: [UInt64] = []
        var bytes = 0
        do throws(StrataError) {
            // Every file in one pass over the devices: each series is materialised once
            // and cut at partition boundaries into its window files and the mixed one.
            // The partitions still receiving data get draft files (compaction rewrites them
            // once sealed); older ones and the mixed file are written at full compression.
            var targets = windows.enumerated().map {
                ChunkFileOutput.Target(number: first + UInt64($0.offset), window: partitioning.window($0.element),
                                       draft: $0.element == newestPartition || $0.element == previousPartition)
            }
            if needsMixed { targets.append(ChunkFileOutput.Target(number: first + UInt64(windows.count), window: nil)) }
            let slot = Dictionary(uniqueKeysWithValues: windows.enumerated().map { ($0.element, $0.offset) })
            written = targets.map(\.number)
            let output = ChunkFileOutput(fs: fs, directory: directory, versions: versions, blockRows: blockRows, codecOptions: codecOptions)
            let files = try output.write(targets, series: snapshots.map { ($0.device, $0.id) }) { k in
                var out = [PointColumns](repeating: PointColumns(), count: targets.count)
                let all = snapshots[k].snapshot.points(in: input.retainedFrom...Int64.max)
                for piece in partitioning.split(all.timestamps) {
                    let n = slot[piece.window.lowerBound] ?? targets.count - 1
                    if piece.range.count == all.count { out[n] = all } else { out[n].append(contentsOf: all.slice(piece.range)) }
                }
                return out
            }
            for case let (meta, file)? in files {
                edit.addFiles.append(meta)
                opened.append(file)
                bytes += meta.summary.size
            }
            if !written.isEmpty { try fs.syncDirectory(joinPath(directory, FileNames.chunkDirectory)) }

            // 2. Catalog (bytes past the committed length are harmless until the manifest commits them).
            if !input.newKeys.isEmpty || !input.attributes.isEmpty {
                var record = input.newKeys.isEmpty ? [] : CatalogFile.record(firstID: SeriesID(input.catalogSeries), input.newKeys)
                for change in input.attributes { record += CatalogFile.record(attributes: change) }
                let file = try fs.open(joinPath(directory, FileNames.catalog), .readWrite)
                defer { file.close() }
                try file.truncate(to: input.catalogLength)
                try file.write(record, at: input.catalogLength)
                try file.sync()
                edit.catalog = (input.catalogLength + record.count, input.catalogSeries + input.newKeys.count)
            }
        } catch {
            for n in written { try? fs.remove(versions.path(n)) }
            throw error
        }
        edit.addTombstones = tombstones
        // Tier rows this memtable made stale: one range per tier for its late points,
        // one per deletion (a deletion's whole buckets are emptied even below raw retention).
        if input.tiers > 0 && (!memtable.deletions.isEmpty || (0..<input.tiers).contains { !memtable.lateSpans(tier: $0).isEmpty }) {
            let stamp = versions.allocateFileNumbers(1)
            for t in 0..<input.tiers {
                let spans = memtable.lateSpans(tier: t)
                if !spans.isEmpty {
                    edit.addStale.append(StaleRange(tier: t, scope: .series(spans.keys.sorted()), first: spans.values.map(\.lowerBound).min()!,
                                                    last: spans.values.map(\.upperBound).max()!, stamp: stamp))
                }
                for d in memtable.deletions where spans.keys.contains(where: { d.covers($0) }) {
                    edit.addStale.append(StaleRange(tier: t, scope: .series(d.ids), first: d.first, last: d.last, stamp: stamp, deletion: true))
                }
            }
        }
        edit.walStart = input.walStart
        edit.walLast = input.walLast
        edit.sources = memtable.sources
        if memtable.points > 0 { edit.newestTime = memtable.maxTime }
        return Output(edit: edit, opened: opened, files: opened.count, bytes: bytes)
    }
}
