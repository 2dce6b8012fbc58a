import StrataCodecs

// Writes one chunk file, device group by device group, streaming the data
// blocks to disk and keeping only the index in memory. FORMAT.md, "Chunk file".
// The header, which names the file's range, is written last: for a mixed
// file the range is the span of the points written.
//
// Per device the writer decides, with no declaration by the user, whether its
// series share one timestamp column (the union of their timestamps, with a
// presence block where a series misses rows) or keep columns of their own:
// it encodes both and keeps the smaller (IoTDB needs "aligned" series to be
// declared; here the data decides).

/// One series' sorted, de-duplicated points for a chunk file.
struct ChunkSeriesInput {
    var id: SeriesID
    var points: PointColumns
}

/// What a finished chunk file holds.
struct ChunkSummary: Equatable, Sendable {
    var size: Int
    var points: Int
    var series: Int
    var minTime: Int64
    var maxTime: Int64
}

final class ChunkWriter {
    let fs: any FileSystem
    let path: String
    /// The window the file covers (every point must fall in it), or nil for a mixed file.
    let window: ClosedRange<Int64>?
    /// Offsets in the index are relative to this (the window's first timestamp, or 0 for a mixed file).
    let base: Int64
    let blockRows: Int
    let options: CodecOptions
    /// Zstd level for a cold re-pack (the data region compressed as one frame when smaller), or nil.
    let coldLevel: Int32?

    private let file: any StorageFile
    private var buffer: [UInt8] = []
    private var dataLength = 0
    private var written = 0
    private var groups: [UInt8] = []
    var groupCount = 0
    var summary = ChunkSummary(size: 0, points: 0, series: 0, minTime: .max, maxTime: .min)

    init(fs: any FileSystem, path: String, window: ClosedRange<Int64>?, blockRows: Int, options: CodecOptions = .default,
         coldLevel: Int32? = nil) throws(StrataError) {
        self.fs = fs
        self.path = path
        self.window = window
        base = window?.lowerBound ?? 0
        self.blockRows = blockRows
        self.options = options
        self.coldLevel = coldLevel
        file = try fs.open(path, .createOrTruncate)
    }

    /// Points added so far.
    var pointCount: Int { summary.points }

    /// Removes a partly written file after a failure.
    func abandon() {
        file.close()
        try? fs.remove(path)
    }

    func appendData(_ bytes: [UInt8]) throws(StrataError) {
        buffer.append(contentsOf: bytes)
        dataLength += bytes.count
        if coldLevel == nil && buffer.count >= 1 << 20 {
            try file.write(buffer, at: ChunkFormat.headerSize + written)
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Timestamp blocks of `t` cut every `blockRows` rows.
    private func timeBlocks(_ t: [Int64]) -> [(range: Range<Int>, bytes: [UInt8])] {
        stride(from: 0, to: t.count, by: blockRows).map { start in
            let range = start..<min(start + blockRows, t.count)
            var out: [UInt8] = []
            t[range].withContiguousStorageIfAvailable { _ = TimestampCodec.encode($0, options: options, into: &out) }
            return (range, out)
        }
    }

    /// The group's statistics columns, gathered series by series.
    struct Statistics {
        var minOffsets: [Int64] = []
        var maxOffsets: [Int64] = []
        var masks: [UInt8] = []
        var nanCounts: [Int] = []
        var fields: [[Double]] = Array(repeating: [], count: ChunkFormat.statisticsFields)

        mutating func add(_ s: BlockStatistics) {
            masks.append(s.qualityMask)
            nanCounts.append(s.nanCount)
            fields[0].append(s.first)
            fields[1].append(s.last)
            fields[2].append(s.min)
            fields[3].append(s.max)
            fields[4].append(s.sum)
            fields[5].append(s.m2)
        }
    }

    /// Adds the series of one device (at least one, each non-empty, ids ascending,
    /// every point inside the file's window).
    ///
    /// The series that line up (nine tenths or more of their timestamps are also
    /// the densest series' or another series') share one column, the union of
    /// their timestamps; the others keep their own. The writer encodes both this and
    /// "every series on its own" and keeps the smaller.
    func addDevice(_ series: [ChunkSeriesInput]) throws(StrataError) {
        precondition(!series.isEmpty)
        if let window {
            for s in series {
                precondition(window.contains(s.points.timestamps[0]) && window.contains(s.points.timestamps[s.points.count - 1]), "points outside the file's window")
            }
        }
        // One merge of the device's columns: every distinct timestamp, and per series
        // how many of its timestamps another series has too. A series lines up when
        // nine tenths of its timestamps are the densest series' or another series'.
        let (all, hits) = Self.tally(series.map(\.points.timestamps))
        var aligned = [Bool](repeating: true, count: series.count)
        if series.count > 1 {
            let anchor = series.indices.max { series[$0].points.count < series[$1].points.count }!
            for k in series.indices where k != anchor {
                aligned[k] = hits[k] * 10 >= series[k].points.count * 9
            }
        }
        let sharing = series.indices.filter { aligned[$0] }
        var union = sharing.count == series.count ? all
            : sharing.count == 1 ? series[sharing[0]].points.timestamps : Self.union(sharing.map { series[$0].points.timestamps })
        var sharedBlocks = timeBlocks(union)
        var ownBlocks: [[(range: Range<Int>, bytes: [UInt8])]?] = series.indices.map { aligned[$0] ? nil : timeBlocks(series[$0].points.timestamps) }
        // Skip encoding every series on its own when sharing clearly wins: an own
        // column costs about what the shared one does per row it holds, so k series
        // with most rows each cost far more on their own than one column plus
        // presence blocks (about 1.5 bytes per missing row).
        let missingRows = sharing.reduce(0) { $0 + union.count - series[$1].points.count }
        let sharedBytes = sharedBlocks.reduce(0) { $0 + $1.bytes.count }
        let ownEstimate = sharing.reduce(0) { $0 + sharedBytes * series[$1].points.count / max(union.count, 1) }
        let clearlyShared = sharing.count >= 2 && ownEstimate >= 2 * (sharedBytes + missingRows * 3 / 2)
        if series.count > 1 && !clearlyShared {
            // Cost of sharing: the union column plus a presence block where a series
            // misses rows (estimated: about 1.5 bytes per missing row, at most a bitmap),
            // plus the own columns of the others; against every series on its own.
            var mixedCost = sharedBlocks.reduce(0) { $0 + $1.bytes.count }
            for k in series.indices {
                if let own = ownBlocks[k] {
                    mixedCost += own.reduce(0) { $0 + $1.bytes.count }
                } else {
                    let missing = union.count - series[k].points.count
                    mixedCost += min(missing * 3 / 2, (union.count + 7) / 8 + 4 * sharedBlocks.count)
                }
            }
            let allOwn = series.indices.map { ownBlocks[$0] ?? timeBlocks(series[$0].points.timestamps) }
            let ownCost = allOwn.reduce(0) { $0 + $1.reduce(0) { $0 + $1.bytes.count } }
            if sharing.count < 2 || ownCost < mixedCost {
                ownBlocks = allOwn
                union = []
                sharedBlocks = []
            }
        }
        let shared = !sharedBlocks.isEmpty

        groupCount += 1
        var statistics = Statistics()
        var group: [UInt8] = []
        if shared {
            group.appendSignedVarint(union[0] &- base)
            group.appendVarint(sharedBlocks.count)
            var previousMax = union[0]
            for b in sharedBlocks {
                let lo = union[b.range.lowerBound], hi = union[b.range.upperBound - 1]
                group.appendVarint(b.range.count)
                group.appendVarint(UInt64(bitPattern: lo &- previousMax))
                group.appendVarint(UInt64(bitPattern: hi &- lo))
                group.appendVarint(b.bytes.count)
                group.appendUInt32LE(CRC32C.checksum(b.bytes))
                try appendData(b.bytes)
                previousMax = hi
            }
        }
        group.appendVarint(series.count)
        for (k, s) in series.enumerated() {
            var data: [UInt8] = []
            var entry: [UInt8] = []
            if let own = ownBlocks[k] {
                ownEntry(s, blocks: own, data: &data, entry: &entry, statistics: &statistics)
            } else {
                sharedEntry(s, union: union, blocks: sharedBlocks.map(\.range), data: &data, entry: &entry, statistics: &statistics)
            }
            group.appendVarint(UInt64(s.id))
            group.appendVarint(entry.count)
            group.append(contentsOf: entry)
            try appendData(data)
            summary.points += s.points.count
            summary.series += 1
            summary.minTime = min(summary.minTime, s.points.timestamps[0])
            summary.maxTime = max(summary.maxTime, s.points.timestamps[s.points.count - 1])
        }
        finishGroup(group, shared: shared, statistics: statistics)
    }

    /// Appends the group's statistics columns and the group to the index.
    func finishGroup(_ body: [UInt8], shared: Bool, statistics: Statistics) {
        var group = body
        // Statistics of every (series, non-empty block) of the group, as columns.
        if shared {
            for o in statistics.minOffsets { group.appendVarint(UInt64(bitPattern: o)) }
            for o in statistics.maxOffsets { group.appendVarint(UInt64(bitPattern: o)) }
        }
        var masks: [UInt8] = []
        QualityCodec.encode(statistics.masks, into: &masks)
        group.appendVarint(masks.count)
        group.append(contentsOf: masks)
        let hasNaN = statistics.nanCounts.contains { $0 > 0 }
        if hasNaN { for n in statistics.nanCounts { group.appendVarint(n) } }
        var values: [UInt8] = []
        ValueCodec.encode(statistics.fields.flatMap { $0 }, options: options, into: &values)
        group.appendVarint(values.count)
        group.append(contentsOf: values)
        groups.append((shared ? ChunkFormat.GroupFlag.shared : 0) | (hasNaN ? ChunkFormat.GroupFlag.nanCounts : 0))
        groups.append(contentsOf: group)
    }

    /// Sorted union of sorted, unique timestamp arrays.
    static func union(_ columns: [[Int64]]) -> [Int64] {
        tally(columns).all
    }

    /// One k-way merge of sorted, unique columns (a device has a handful, so the
    /// smallest head is found by a scan): every distinct timestamp, and per
    /// column how many of its timestamps appear in another column too.
    static func tally(_ columns: [[Int64]]) -> (all: [Int64], hits: [Int]) {
        if columns.count <= 1 { return (columns.first ?? [], [0]) }
        var out: [Int64] = []
        out.reserveCapacity(columns.reduce(0) { max($0, $1.count) } + 16)
        // The columns side by side in one buffer: column j is flat[heads[j]..<ends[j]].
        var flat: [Int64] = []
        flat.reserveCapacity(columns.reduce(0) { $0 + $1.count })
        var heads: [Int] = [], ends: [Int] = []
        for c in columns {
            heads.append(flat.count)
            flat.append(contentsOf: c)
            ends.append(flat.count)
        }
        let k = columns.count
        var hits = [Int](repeating: 0, count: k)
        var at = [Bool](repeating: false, count: k)
        flat.withUnsafeBufferPointer { t in
            heads.withUnsafeMutableBufferPointer { heads in
                ends.withUnsafeBufferPointer { ends in
                    hits.withUnsafeMutableBufferPointer { hits in
                        at.withUnsafeMutableBufferPointer { at in
                            while true {
                                var smallest = Int64.max
                                var any = false
                                for j in 0..<k where heads[j] < ends[j] {
                                    let v = t[heads[j]]
                                    if !any || v < smallest { smallest = v }
                                    any = true
                                }
                                guard any else { return }
                                var n = 0
                                for j in 0..<k {
                                    at[j] = heads[j] < ends[j] && t[heads[j]] == smallest
                                    if at[j] {
                                        heads[j] &+= 1
                                        n &+= 1
                                    }
                                }
                                if n >= 2 { for j in 0..<k where at[j] { hits[j] &+= 1 } }
                                out.append(smallest)
                            }
                        }
                    }
                }
            }
        }
        return (out, hits)
    }

    /// Values and qualities of points `range`: their lengths go to `entry`, their bytes to `data`.
    private func appendColumns(_ p: PointColumns, _ range: Range<Int>, data: inout [UInt8], entry: inout [UInt8]) {
        let start = data.count
        p.values.withUnsafeBufferPointer { v in _ = ValueCodec.encode(UnsafeBufferPointer(rebasing: v[range]), options: options, into: &data) }
        entry.appendVarint(data.count - start)
        let middle = data.count
        if p.qualities[range].contains(where: { $0 != 0 }) {
            p.qualities.withUnsafeBufferPointer { q in QualityCodec.encode(UnsafeBufferPointer(rebasing: q[range]), into: &data) }
        }
        entry.appendVarint(data.count - middle)
    }

    private func sharedEntry(
        _ s: ChunkSeriesInput, union: [Int64], blocks: [Range<Int>], data: inout [UInt8], entry: inout [UInt8], statistics: inout Statistics
    ) {
        let p = s.points
        var body: [UInt8] = []
        var j = 0  // next point of the series
        for range in blocks {
            let start = j
            var present = [Bool](repeating: false, count: range.count)
            for row in range where j < p.count && p.timestamps[j] == union[row] {
                present[row - range.lowerBound] = true
                j += 1
            }
            let count = j - start
            body.appendVarint(count)
            guard count > 0 else { continue }
            let blockStart = data.count
            if count < range.count {
                PresenceCodec.encode(present: present, into: &data)
                body.appendVarint(data.count - blockStart)
            }
            appendColumns(p, start..<j, data: &data, entry: &body)
            data.withUnsafeBytes { body.appendUInt32LE(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[blockStart...]))) }
            let st = BlockStatistics(p, start..<j)
            statistics.minOffsets.append(st.minTime &- union[range.lowerBound])
            statistics.maxOffsets.append(union[range.upperBound - 1] &- st.maxTime)
            statistics.add(st)
        }
        precondition(j == p.count, "series timestamps must be a subset of the union")
        entry.append(0)
        entry.appendVarint(p.count)
        entry.appendVarint(UInt64(bitPattern: p.timestamps[0] &- union[0]))
        entry.appendVarint(UInt64(bitPattern: union[union.count - 1] &- p.timestamps[p.count - 1]))
        entry.appendVarint(blocks.count)
        entry.append(contentsOf: body)
    }

    private func ownEntry(
        _ s: ChunkSeriesInput, blocks: [(range: Range<Int>, bytes: [UInt8])], data: inout [UInt8], entry: inout [UInt8], statistics: inout Statistics
    ) {
        let p = s.points
        var body: [UInt8] = []
        var previousMax = p.timestamps[0]
        for b in blocks {
            let lo = p.timestamps[b.range.lowerBound], hi = p.timestamps[b.range.upperBound - 1]
            body.appendVarint(b.range.count)
            body.appendVarint(UInt64(bitPattern: lo &- previousMax))
            body.appendVarint(UInt64(bitPattern: hi &- lo))
            body.appendVarint(b.bytes.count)
            let blockStart = data.count
            data.append(contentsOf: b.bytes)
            appendColumns(p, b.range, data: &data, entry: &body)
            data.withUnsafeBytes { body.appendUInt32LE(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[blockStart...]))) }
            statistics.add(BlockStatistics(p, b.range))
            previousMax = hi
        }
        entry.append(ChunkFormat.SeriesFlag.ownTimestamps)
        entry.appendVarint(p.count)
        entry.appendSignedVarint(p.timestamps[0] &- base)
        entry.appendVarint(UInt64(bitPattern: p.timestamps[p.count - 1] &- p.timestamps[0]))
        entry.appendVarint(blocks.count)
        entry.append(contentsOf: body)
    }

    /// Writes the index and trailer, syncs and closes the file.
    func finish() throws(StrataError) -> ChunkSummary {
        var flags: UInt16 = 0
        var stored: [UInt8] = []
        if let level = coldLevel {
            flags |= ChunkFormat.coldFlag
            if let packed = try? ByteCompression.zstd.compress(buffer, level: level), packed.count < buffer.count {
                stored = packed
                flags |= ChunkFormat.zstdFlag
            } else {
                stored = buffer
            }
        } else {
            stored = buffer
        }
        buffer = []
        if window == nil { flags |= ChunkFormat.mixedFlag }
        let range = window ?? (summary.points > 0 ? summary.minTime...summary.maxTime : 0...0)
        let header = ChunkFormat.header(rangeFirst: range.lowerBound, rangeLast: range.upperBound, flags: flags)
        var index: [UInt8] = []
        Varint.append(UInt64(groupCount), to: &index)
        index.append(contentsOf: groups)
        let indexOffset = ChunkFormat.headerSize + written + stored.count
        var tail = stored
        tail.append(contentsOf: index)
        tail.append(contentsOf: ChunkFormat.trailer(header: header, indexOffset: indexOffset, indexLength: index.count,
                                                    indexCRC: CRC32C.checksum(index), dataLength: dataLength))
        try file.write(tail, at: ChunkFormat.headerSize + written)
        try file.write(header, at: 0)
        try file.sync()
        summary.size = indexOffset + index.count + ChunkFormat.trailerSize
        file.close()
        return summary
    }
}
