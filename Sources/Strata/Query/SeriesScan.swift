// The block-level scan: one series' data in a time range, as a sequence of
// pieces in time order, merging chunk files (in precedence order) and
// memtables, newest winning per timestamp, with tombstones applied.
//
// A piece is either a block that nothing else touches (no other file's
// block and no memtable point in its time span, no tombstone over it, and
// wholly inside the range): its statistics stand for its points and its
// columns are decoded only if asked; or decoded, merged points. Raw reads
// decode every piece; aggregations use a clean block's statistics when the
// block falls in one bucket; compaction merges pieces into new files.

/// A source of points for a scan: a chunk file with the tombstones that hide
/// some of its points.
struct ScanFile {
    var live: LiveFile
    var tombstones: [Tombstone]
}

enum ScanPiece {
    /// A block nothing overlaps: `statistics` describe all of its points.
    case block(CleanBlock)
    /// Merged points, sorted, one per timestamp.
    case points(PointColumns)
}

/// A block usable from its statistics alone, and decodable on demand.
struct CleanBlock {
    let file: ChunkFile
    let entry: SeriesEntry
    let group: ParsedGroup
    let index: Int
    var statistics: BlockStatistics { entry.blocks[index].statistics! }

    func decode() throws(StrataError) -> PointColumns {
        var out = PointColumns()
        var scratch = BlockScratch()
        try decode(appendingTo: &out, scratch: &scratch)
        return out
    }

    /// Decodes the block's points onto the end of `out`.
    func decode(appendingTo out: inout PointColumns, scratch: inout BlockScratch) throws(StrataError) {
        var reader = BlockReader(file: file, entry: entry, group: group, blocks: [index])
        let n = try reader.decode(index, into: &scratch)
        out.timestamps.append(contentsOf: scratch.timestamps[0..<n])
        out.values.append(contentsOf: scratch.values[0..<n])
        out.qualities.append(contentsOf: scratch.qualities[0..<n])
    }
}

struct SeriesScan {
    private struct Block {
        var minTime: Int64
        var maxTime: Int64
        /// Index into `sources`.
        var source: Int
        var index: Int
    }

    private struct Source {
        var file: ChunkFile
        var entry: SeriesEntry
        var group: ParsedGroup
        var tombstones: [Tombstone]
    }

    let id: SeriesID
    let range: ClosedRange<Int64>
    private var sources: [Source] = []
    private var blocks: [Block] = []
    private var memtable: PointColumns
    private var nextBlock = 0
    private var nextMem = 0
    private var pending: [ScanPiece] = []
    /// What the scan read: blocks skipped (outside the range or wholly hidden), blocks decoded
    /// and merged (overlapping blocks, memtable points in their span, tombstones), their points,
    /// and memtable points handed out.
    private(set) var blocksSkipped = 0
    private(set) var blocksMerged = 0
    private(set) var pointsMerged = 0
    private(set) var memtablePoints = 0

    /// Prepares a scan of series `id` in `range` over `files` (in precedence
    /// order, oldest first) and `memtables` (oldest first, all newer than every file).
    init(id: SeriesID, range: ClosedRange<Int64>, files: [ScanFile], memtables: [SeriesSnapshot]) throws(StrataError) {
        self.id = id
        self.range = range
        for f in files {
            guard let loc = f.live.file.locator(id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound,
                  let (entry, group) = try f.live.file.entry(id) else { continue }
            let tombstones = f.tombstones.filter { $0.covers(id) && $0.last >= range.lowerBound && $0.first <= range.upperBound }
            let s = sources.count
            for (i, b) in entry.blocks.enumerated() where b.count > 0 {
                let st = b.statistics!
                guard st.maxTime >= range.lowerBound, st.minTime <= range.upperBound else {
                    blocksSkipped += 1
                    continue
                }
                // Wholly hidden by a tombstone: skip it.
                if tombstones.contains(where: { $0.first <= st.minTime && $0.last >= st.maxTime }) {
                    blocksSkipped += 1
                    continue
                }
                blocks.append(Block(minTime: st.minTime, maxTime: st.maxTime, source: s, index: i))
            }
            sources.append(Source(file: f.live.file, entry: entry, group: group, tombstones: tombstones))
        }
        blocks.sort { ($0.minTime, $0.source) < ($1.minTime, $1.source) }
        var mem = PointColumns()
        for m in memtables { mem = mem.merged(with: m.points(in: range)) }
        memtable = mem
    }

    /// True when nothing remains.
    var isFinished: Bool { pending.isEmpty && nextBlock >= blocks.count && nextMem >= memtable.count }

    /// The next piece in time order, or nil.
    mutating func next() throws(StrataError) -> ScanPiece? {
        if !pending.isEmpty { return pending.removeFirst() }
        guard nextBlock < blocks.count else {
            guard nextMem < memtable.count else { return nil }
            let rest = memtable.slice(nextMem..<memtable.count)
            memtablePoints += rest.count
            nextMem = memtable.count
            return .points(rest)
        }
        // The next cluster of overlapping blocks.
        var lo = blocks[nextBlock].minTime, hi = blocks[nextBlock].maxTime
        var end = nextBlock + 1
        while end < blocks.count && blocks[end].minTime <= hi {
            hi = max(hi, blocks[end].maxTime)
            end += 1
        }
        // Memtable points before the cluster come first.
        let memStart = memtable.firstIndex(atOrAfter: lo, from: nextMem)
        if memStart > nextMem {
            memtablePoints += memStart - nextMem
            pending.append(.points(memtable.slice(nextMem..<memStart)))
            nextMem = memStart
        }
        let memEnd = memtable.firstIndex(atOrAfter: hi == .max ? hi : hi + 1, from: nextMem)
        let cluster = blocks[nextBlock..<end]
        nextBlock = end
        lo = max(lo, range.lowerBound)
        hi = min(hi, range.upperBound)
        if cluster.count == 1, memEnd == nextMem, let b = cluster.first,
           b.minTime >= range.lowerBound, b.maxTime <= range.upperBound,
           !sources[b.source].tombstones.contains(where: { $0.last >= b.minTime && $0.first <= b.maxTime }) {
            let s = sources[b.source]
            pending.append(.block(CleanBlock(file: s.file, entry: s.entry, group: s.group, index: b.index)))
        } else {
            // Decode the cluster, oldest source first, and merge.
            var merged = PointColumns()
            var bySource: [Int: [Int]] = [:]
            for b in cluster { bySource[b.source, default: []].append(b.index) }
            for s in bySource.keys.sorted() {
                let source = sources[s]
                let indices = bySource[s]!.sorted()
                var reader = BlockReader(file: source.file, entry: source.entry, group: source.group, blocks: indices)
                var scratch = BlockScratch()
                var points = PointColumns()
                for i in indices {
                    let n = try reader.decode(i, into: &scratch)
                    blocksMerged += 1
                    pointsMerged += n
                    for k in 0..<n {
                        let t = scratch.timestamps[k]
                        guard t >= lo && t <= hi else { continue }
                        if !source.tombstones.isEmpty && source.tombstones.contains(where: { t >= $0.first && t <= $0.last }) { continue }
                        points.append(t, scratch.values[k], scratch.qualities[k])
                    }
                }
                merged = merged.merged(with: points)
            }
            if memEnd > nextMem {
                memtablePoints += memEnd - nextMem
                merged = merged.merged(with: memtable.slice(nextMem..<memEnd))
                nextMem = memEnd
            }
            if !merged.isEmpty { pending.append(.points(merged)) }
        }
        return pending.isEmpty ? try next() : pending.removeFirst()
    }

    /// Every point, decoded and merged (a raw read).
    mutating func all() throws(StrataError) -> PointColumns {
        var out = PointColumns()
        var scratch = BlockScratch()
        while let piece = try next() {
            switch piece {
            case .block(let b): try b.decode(appendingTo: &out, scratch: &scratch)
            case .points(let p): out.append(contentsOf: p)
            }
        }
        return out
    }
}

extension PointColumns {
    func slice(_ r: Range<Int>) -> PointColumns {
        PointColumns(timestamps: Array(timestamps[r]), values: Array(values[r]), qualities: Array(qualities[r]))
    }

    /// The first index at or after `from` whose timestamp is >= `t`.
    func firstIndex(atOrAfter t: Int64, from: Int) -> Int {
        var lo = from, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if timestamps[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func append(contentsOf p: PointColumns) {
        timestamps.append(contentsOf: p.timestamps)
        values.append(contentsOf: p.values)
        qualities.append(contentsOf: p.qualities)
    }
}
