// Latest values without scanning history.
//
// The engine keeps, per series, the newest point of its chunk files
// (`LatestTable`), learned from the files the first time a series is asked
// for and kept up to date by flushes (a flushed memtable's newest point
// replaces an older one); deletes and retention forget the series they touch
// (the next query learns them again). The memtables know their own newest
// point per series. A query combines the two: O(series), no block decoded.
//
// Learning from files (`LatestLookup.fromFiles`) reads the index of the file
// whose newest point of the series is newest (highest precedence on a tie):
// its last block's statistics hold that point's value; the quality too when
// the block's points all have one quality, else that block is decoded. A
// tombstone over that point falls back to a backward scan.
//
// Thread safety: `LatestTable` is a value kept under the engine's lock;
// `LatestLookup` reads an immutable version.

struct LatestTable: Sendable {
    private var entries: [LatestPoint?] = []
    private var known: [Bool] = []
    /// Changes whenever entries are forgotten, so a lookup that started before cannot store stale points.
    private(set) var epoch: UInt64 = 0

    /// A table for `count` series whose file contents are not known yet.
    init(unknown count: Int) {
        entries = Array(repeating: nil, count: count)
        known = Array(repeating: false, count: count)
    }

    /// Series created from now on have nothing in files yet.
    mutating func grow(to count: Int) {
        guard count > entries.count else { return }
        entries.append(contentsOf: repeatElement(nil, count: count - entries.count))
        known.append(contentsOf: repeatElement(true, count: count - known.count))
    }

    /// The files' newest point of `id`: `.some(nil)` when known to have none, nil when unknown.
    func lookup(_ id: SeriesID) -> LatestPoint?? {
        Int(id) < known.count && known[Int(id)] ? .some(entries[Int(id)]) : nil
    }

    mutating func learn(_ id: SeriesID, _ point: LatestPoint?) {
        guard Int(id) < known.count else { return }
        entries[Int(id)] = point
        known[Int(id)] = true
    }

    /// A flush put `point` (newer than anything in files before it) into files.
    mutating func flushed(_ id: SeriesID, _ point: LatestPoint) {
        guard Int(id) < known.count, known[Int(id)] else { return }
        entries[Int(id)] = LatestPoint.newest(entries[Int(id)], point)
    }

    mutating func forget(_ ids: [SeriesID]) {
        for id in ids where Int(id) < known.count { known[Int(id)] = false }
        epoch += 1
    }

    mutating func forgetAll() {
        for i in known.indices { known[i] = false }
        epoch += 1
    }
}

enum LatestLookup {
    /// The newest visible point of series `id` in the version's chunk files.
    static func fromFiles(_ id: SeriesID, version: Version) throws(StrataError) -> LatestPoint? {
        var top: (time: Int64, file: LiveFile)?
        var earliest = Int64.max
        for f in version.files {
            guard let loc = f.file.locator(id), loc.count > 0 else { continue }
            earliest = min(earliest, loc.minTime)
            if let t = top, (t.time, t.file.meta.order) >= (loc.maxTime, f.meta.order) { continue }
            top = (loc.maxTime, f)
        }
        guard let (time, file) = top, time >= version.manifest.retainedFrom else { return nil }
        let hidden = version.tombstones(for: file.meta).contains { $0.covers(id) && $0.first <= time && $0.last >= time }
        if !hidden, let (entry, group) = try file.file.entry(id),
           let b = entry.blocks.lastIndex(where: { $0.count > 0 }), let s = entry.blocks[b].statistics, s.maxTime == time {
            var quality: UInt8? = nil
            if s.qualityMask.nonzeroBitCount == 1 { quality = UInt8(s.qualityMask.trailingZeroBitCount) }
            if quality == nil {
                var reader = BlockReader(file: file.file, entry: entry, group: group, blocks: [b])
                var scratch = BlockScratch()
                let n = try reader.decode(b, into: &scratch)
                quality = scratch.qualities[n - 1]
            }
            return LatestPoint(timestamp: time, value: s.last, quality: quality!)
        }
        return try backwards(id, version: version, memtables: [], range: earliest...time, filter: nil)
    }

    /// The newest point of `id` in `range` that passes `filter`, from files and memtables:
    /// windows scanned from the end of the range backwards, each four times the last.
    static func backwards(_ id: SeriesID, version: Version, memtables: [SeriesSnapshot], range: ClosedRange<Int64>,
                          filter: PointFilter?) throws(StrataError) -> LatestPoint? {
        // Where the series' data begins and ends, to bound the search.
        var lo = Int64.max, hi = Int64.min
        for f in version.files {
            if let loc = f.file.locator(id), loc.count > 0 {
                lo = min(lo, loc.minTime)
                hi = max(hi, loc.maxTime)
            }
        }
        for m in memtables where m.count > 0 {
            lo = min(lo, m.minTime)
            hi = max(hi, m.maxTime)
        }
        let first = max(lo, range.lowerBound, version.manifest.retainedFrom)
        var end = min(hi, range.upperBound)
        guard first <= end else { return nil }
        var width: Int64 = max(1, (hi - lo) / 64)
        let files = version.files(overlapping: first, end).map { ScanFile(live: $0, tombstones: version.tombstones(for: $0.meta)) }
        while true {
            let start = max(first, end.subtractingClamped(width))
            var scan = try SeriesScan(id: id, range: start...end, files: files, memtables: memtables)
            let points = try scan.all()
            for i in points.timestamps.indices.reversed() where filter?.keeps(points.values[i], points.qualities[i]) ?? true {
                return LatestPoint(timestamp: points.timestamps[i], value: points.values[i], quality: points.qualities[i])
            }
            guard start > first else { return nil }
            end = start - 1
            width = width.multipliedClamped(by: 4)
        }
    }
}
