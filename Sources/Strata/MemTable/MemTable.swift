// The memtable: recent points per series, in the order they were written,
// out-of-order and duplicate timestamps included. Readers and the flush get
// them sorted, with the last write winning per timestamp.
//
// Points live in pages of fixed capacity that are never moved or resized, so
// a reader can take a snapshot (the pages and a count) under the store's
// lock and read the points after releasing it while writers keep appending
// beyond that count: a long read never blocks writers.
//
// Thread safety: appends happen under the store's write lock. Slots below a
// page's published count are immutable; a snapshot never reads past the
// count it took under the lock. A frozen memtable is never written again.

/// Points of one series in one page.
final class PointPage: @unchecked Sendable {
    let capacity: Int
    let timestamps: UnsafeMutablePointer<Int64>
    let values: UnsafeMutablePointer<Double>
    let qualities: UnsafeMutablePointer<UInt8>
    /// Written under the store's write lock only.
    var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        timestamps = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
        qualities = .allocate(capacity: capacity)
    }

    deinit {
        timestamps.deallocate()
        values.deallocate()
        qualities.deallocate()
    }

    static let bytesPerPoint = 17
}

/// One series' points in a memtable.
final class SeriesBuffer: @unchecked Sendable {
    /// Guarded by the store's write lock (readers copy the array under it).
    private(set) var pages: [PointPage] = []
    /// The last page, kept here too so an append touches one object less.
    private var tail: PointPage?
    private(set) var count = 0
    /// True while every timestamp is strictly above the previous one.
    private(set) var sortedUnique = true
    private(set) var minTime = Int64.max
    private(set) var maxTime = Int64.min
    /// The value and quality last written at `maxTime` (the series' newest point).
    private(set) var latestValue = 0.0
    private(set) var latestQuality: UInt8 = 0
    /// Bytes of the pages allocated.
    private(set) var allocatedBytes = 0

    static let firstPage = 16
    // Pages double up to 512 points: a series wastes at most 511 slots, so a full
    // memtable holds about 80% of its bound in points rather than half.
    static let largestPage = 512

    /// The columns of a batch being applied.
    struct Columns {
        let timestamps: UnsafeBufferPointer<Int64>
        let values: UnsafeBufferPointer<Double>
        let qualities: UnsafeBufferPointer<UInt8>
    }

    /// Appends points `range` of the batch's columns; returns the bytes newly allocated
    /// and the smallest and largest timestamps appended.
    @discardableResult
    func append(_ batch: Columns, _ range: Range<Int>) -> (allocated: Int, min: Int64, max: Int64) {
        var allocated = 0
        var i = range.lowerBound
        var groupMin = Int64.max, groupMax = Int64.min
        var lo = minTime, hi = maxTime
        var lv = latestValue, lq = latestQuality
        var sorted = sortedUnique
        while i < range.upperBound {
            if tail.map({ $0.count == $0.capacity }) ?? true {
                let capacity = min(max(Self.firstPage, count), Self.largestPage)
                let page = PointPage(capacity: capacity)
                pages.append(page)
                tail = page
                allocated += capacity * PointPage.bytesPerPoint + 64
            }
            let page = tail!
            let start = page.count
            let take = min(page.capacity - start, range.upperBound - i)
            let ts = page.timestamps + start, vs = page.values + start, qs = page.qualities + start
            for j in 0..<take {
                let t = batch.timestamps[i + j]
                let v = batch.values[i + j], q = batch.qualities[i + j]
                if t <= hi { sorted = false }
                if t >= hi {
                    hi = t
                    lv = v
                    lq = q
                }
                groupMin = Swift.min(groupMin, t)
                groupMax = Swift.max(groupMax, t)
                ts[j] = t
                vs[j] = v
                qs[j] = q
            }
            page.count = start + take
            count += take
            i += take
        }
        minTime = Swift.min(lo, groupMin)
        maxTime = hi
        latestValue = lv
        latestQuality = lq
        sortedUnique = sorted
        allocatedBytes += allocated
        return (allocated, groupMin, groupMax)
    }

    /// The points written so far, as a snapshot that later appends do not touch.
    func snapshot() -> SeriesSnapshot {
        SeriesSnapshot(pages: pages, counts: pages.map(\.count), sortedUnique: sortedUnique, minTime: minTime, maxTime: maxTime,
                       latestValue: latestValue, latestQuality: latestQuality)
    }
}

/// An immutable view of a series buffer at one moment. Reading it needs no lock.
struct SeriesSnapshot: @unchecked Sendable {
    let pages: [PointPage]
    let counts: [Int]
    let sortedUnique: Bool
    let minTime: Int64
    let maxTime: Int64
    /// The newest point's value and quality (at `maxTime`, the last written there).
    var latestValue = 0.0
    var latestQuality: UInt8 = 0
    /// Time ranges deleted after this snapshot's memtable stopped taking writes
    /// (deletions logged in a newer memtable): their points are left out.
    var hidden: [ClosedRange<Int64>] = []

    var count: Int { counts.reduce(0, +) }

    /// The points with timestamps in `range`, sorted by
    /// time, one per timestamp (the last written wins).
    func points(in range: ClosedRange<Int64>) -> PointColumns {
        var out = PointColumns()
        guard count > 0, maxTime >= range.lowerBound, minTime <= range.upperBound else { return out }
        out.reserve(count)
        let whole = minTime >= range.lowerBound && maxTime <= range.upperBound
        for (page, n) in zip(pages, counts) {
            if whole {
                out.timestamps.append(contentsOf: UnsafeBufferPointer(start: page.timestamps, count: n))
                out.values.append(contentsOf: UnsafeBufferPointer(start: page.values, count: n))
                out.qualities.append(contentsOf: UnsafeBufferPointer(start: page.qualities, count: n))
                continue
            }
            for i in 0..<n {
                let t = page.timestamps[i]
                if t >= range.lowerBound && t <= range.upperBound {
                    out.append(t, page.values[i], page.qualities[i])
                }
            }
        }
        if !sortedUnique { out.sortAndKeepLast() }
        if !hidden.isEmpty {
            var kept = PointColumns()
            kept.reserve(out.count)
            for i in 0..<out.count where !hidden.contains(where: { $0.contains(out.timestamps[i]) }) {
                kept.append(out.timestamps[i], out.values[i], out.qualities[i])
            }
            return kept
        }
        return out
    }

    /// Points per level-0 window of `partitioning` (duplicates counted each time they were written).
    func countPerWindow(_ partitioning: Partitioning, into tally: inout [Int64: Int]) {
        let first = partitioning.window(minTime)
        if first.contains(maxTime) {
            tally[first.lowerBound, default: 0] += count
            return
        }
        var current = first
        var n = 0
        for (page, c) in zip(pages, counts) {
            for i in 0..<c {
                let t = page.timestamps[i]
                if !current.contains(t) {
                    if n > 0 { tally[current.lowerBound, default: 0] += n }
                    current = partitioning.window(t)
                    n = 0
                }
                n += 1
            }
        }
        if n > 0 { tally[current.lowerBound, default: 0] += n }
    }
}

/// A memtable: series buffers, the source positions its batches carried, and its size.
///
/// Buffers are found by series id in a dense array (ids are dense), not a
/// dictionary: a batch of many small groups does one array index per group.
///
/// Thread safety: mutated under the store's write lock while active; never after it is frozen.
final class MemTable: @unchecked Sendable {
    private var buffers: [SeriesBuffer?] = []
    /// The ids with a buffer, in order of first write.
    private(set) var seriesIDs: [SeriesID] = []
    private(set) var bytes = 0
    private(set) var points = 0
    /// Latest position per source, as carried by the batches in this memtable.
    private(set) var sources: [String: String] = [:]
    /// The first WAL segment holding this memtable's batches.
    let firstSegment: UInt64
    /// Memtables are numbered in the order they are created.
    let generation: UInt64
    /// When the first point was applied (monotonic nanoseconds), for flushing by age.
    private(set) var firstWrite: UInt64?
    /// The time range of every point applied.
    private(set) var minTime = Int64.max
    private(set) var maxTime = Int64.min

    static let bytesPerSeries = 160

    init(firstSegment: UInt64, generation: UInt64) {
        self.firstSegment = firstSegment
        self.generation = generation
    }

    /// Deletions logged while this memtable was active: applied to its own points at
    /// once; to older memtables and chunk files by readers until this memtable's flush
    /// commits them as tombstones.
    private(set) var deletions: [Deletion] = []
    /// Per downsampling tier, the series and time spans this memtable changed in
    /// buckets the tier had already built (late points, deletions): stale rows.
    private(set) var late: [[SeriesID: ClosedRange<Int64>]] = []

    var isEmpty: Bool { points == 0 && sources.isEmpty && deletions.isEmpty }

    /// Applies a batch; `lateBefore[t]` is tier t's built horizon (points before it are late for it).
    func apply(_ batch: WriteBatch, lateBefore: [Int64] = []) {
        if let d = batch.deletion {
            applyDeletion(d)
            for (t, horizon) in lateBefore.enumerated() where d.first < horizon {
                for id in d.ids { markLate(t, id, d.first, Swift.min(d.last, horizon - 1), tiers: lateBefore.count) }
            }
        }
        let horizon = lateBefore.max() ?? .min
        if let top = batch.series.max(), Int(top) >= buffers.count {
            let grown = max(Int(top) + 1, buffers.count * 2)
            bytes += (grown - buffers.count) * MemoryLayout<SeriesBuffer?>.stride
            buffers.append(contentsOf: repeatElement(nil, count: grown - buffers.count))
        }
        batch.timestamps.withUnsafeBufferPointer { t in
            batch.values.withUnsafeBufferPointer { v in
                batch.qualities.withUnsafeBufferPointer { q in
                    let columns = SeriesBuffer.Columns(timestamps: t, values: v, qualities: q)
                    var start = 0
                    for (k, id) in batch.series.enumerated() {
                        let end = batch.groupEnds[k]
                        let buffer: SeriesBuffer
                        if let b = buffers[Int(id)] {
                            buffer = b
                        } else {
                            buffer = SeriesBuffer()
                            buffers[Int(id)] = buffer
                            seriesIDs.append(id)
                            bytes += Self.bytesPerSeries
                        }
                        let (allocated, lo, hi) = buffer.append(columns, start..<end)
                        bytes += allocated
                        if lo < horizon {
                            for (t, h) in lateBefore.enumerated() where lo < h { markLate(t, id, lo, Swift.min(hi, h - 1), tiers: lateBefore.count) }
                        }
                        if buffer.minTime < minTime { minTime = buffer.minTime }
                        if buffer.maxTime > maxTime { maxTime = buffer.maxTime }
                        start = end
                    }
                }
            }
        }
        points += batch.pointCount
        if firstWrite == nil { firstWrite = Clock.monotonicNanoseconds() }
        for (source, position) in batch.sources { sources[source] = position }
    }

    private func markLate(_ tier: Int, _ id: SeriesID, _ first: Int64, _ last: Int64, tiers: Int) {
        if late.count < tiers { late.append(contentsOf: repeatElement([:], count: tiers - late.count)) }
        if let r = late[tier][id] {
            late[tier][id] = Swift.min(r.lowerBound, first)...Swift.max(r.upperBound, last)
        } else {
            late[tier][id] = first...last
        }
    }

    /// What this memtable made stale in tier `t`: per series, a time span.
    func lateSpans(tier t: Int) -> [SeriesID: ClosedRange<Int64>] {
        t < late.count ? late[t] : [:]
    }

    /// Removes the deleted points from this memtable (each touched series' buffer is
    /// replaced by a new one holding what is left, so snapshots taken before keep
    /// theirs) and records the deletion for older data.
    private func applyDeletion(_ d: Deletion) {
        deletions.append(d)
        if firstWrite == nil { firstWrite = Clock.monotonicNanoseconds() }
        for id in d.ids where Int(id) < buffers.count {
            guard let old = buffers[Int(id)], old.count > 0, old.maxTime >= d.first, old.minTime <= d.last else { continue }
            let all = old.snapshot().points(in: Int64.min...Int64.max)
            var kept = PointColumns()
            kept.reserve(all.count)
            for i in 0..<all.count where all.timestamps[i] < d.first || all.timestamps[i] > d.last {
                kept.append(all.timestamps[i], all.values[i], all.qualities[i])
            }
            let buffer = SeriesBuffer()
            kept.timestamps.withUnsafeBufferPointer { t in
                kept.values.withUnsafeBufferPointer { v in
                    kept.qualities.withUnsafeBufferPointer { q in
                        _ = buffer.append(SeriesBuffer.Columns(timestamps: t, values: v, qualities: q), 0..<kept.count)
                    }
                }
            }
            buffers[Int(id)] = buffer
            bytes += buffer.allocatedBytes - old.allocatedBytes
            points -= old.count - buffer.count
        }
    }

    func snapshot(_ id: SeriesID) -> SeriesSnapshot? {
        Int(id) < buffers.count ? buffers[Int(id)]?.snapshot() : nil
    }

    /// The series' newest point in this memtable (under the store's lock).
    func latest(_ id: SeriesID) -> LatestPoint? {
        guard Int(id) < buffers.count, let b = buffers[Int(id)], b.count > 0 else { return nil }
        return LatestPoint(timestamp: b.maxTime, value: b.latestValue, quality: b.latestQuality)
    }
}
