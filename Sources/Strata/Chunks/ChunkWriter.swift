import StrataCodecs

// Writes one chunk file, device group by device group, streaming the data
// blocks to disk and keeping only the index in memory. FORMAT.md, "Chunk file".
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
    let partitionStart: Int64
    let blockRows: Int
    let options: CodecOptions
    /// Zstd level for a cold file (data region compressed as one frame), or nil.
    let coldLevel: Int32?

    private let file: any StorageFile
    private var buffer: [UInt8] = []
    /// Data-region bytes already written to the file (not cold) or buffered (cold).
    private var dataLength = 0
    private var written = 0
    private var groups: [UInt8] = []
    private var groupCount = 0
    private var summary = ChunkSummary(size: 0, points: 0, series: 0, minTime: .max, maxTime: .min)

    init(fs: any FileSystem, path: String, partitionStart: Int64, blockRows: Int, options: CodecOptions = .default, coldLevel: Int32? = nil) throws(StrataError) {
        self.fs = fs
        self.path = path
        self.partitionStart = partitionStart
        self.blockRows = blockRows
        self.options = options
        self.coldLevel = coldLevel
        file = try fs.open(path, .createOrTruncate)
    }

    /// Removes a partly written file after a failure.
    func abandon() {
        file.close()
        try? fs.remove(path)
    }

    private func appendData(_ bytes: [UInt8]) throws(StrataError) {
        buffer.append(contentsOf: bytes)
        dataLength += bytes.count
        if coldLevel == nil && buffer.count >= 1 << 20 { try drain() }
    }

    private func drain() throws(StrataError) {
        guard !buffer.isEmpty else { return }
        try file.write(buffer, at: ChunkFormat.headerSize + written)
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func encodeTimestamps(_ t: ArraySlice<Int64>) -> [UInt8] {
        var out: [UInt8] = []
        t.withContiguousStorageIfAvailable { _ = TimestampCodec.encode($0, options: options, into: &out) }
        return out
    }

    /// Timestamp blocks of `t` cut every `blockRows` rows.
    private func timeBlocks(_ t: [Int64]) -> [(range: Range<Int>, bytes: [UInt8])] {
        stride(from: 0, to: t.count, by: blockRows).map { start in
            let range = start..<min(start + blockRows, t.count)
            return (range, encodeTimestamps(t[range]))
        }
    }

    /// Adds the series of one device (at least one, each non-empty, ids ascending).
    func addDevice(_ series: [ChunkSeriesInput]) throws(StrataError) {
        precondition(!series.isEmpty)
        let union = series.count == 1 ? series[0].points.timestamps : Self.union(series.map(\.points.timestamps))
        let sharedBlocks = timeBlocks(union)
        var shared = true
        var ownBlocks: [[(range: Range<Int>, bytes: [UInt8])]] = []
        if series.count > 1 {
            // Cost of sharing: the union column plus a presence block where a series
            // misses rows (estimated: about 1.5 bytes per missing row, at most a bitmap).
            var sharedCost = sharedBlocks.reduce(0) { $0 + $1.bytes.count }
            for s in series {
                let missing = union.count - s.points.count
                sharedCost += min(missing * 3 / 2, (union.count + 7) / 8 + 4 * sharedBlocks.count)
            }
            ownBlocks = series.map { timeBlocks($0.points.timestamps) }
            let ownCost = ownBlocks.reduce(0) { $0 + $1.reduce(0) { $0 + $1.bytes.count } }
            shared = sharedCost <= ownCost
        }

        let groupStart = dataLength
        groupCount += 1
        groups.append(shared ? ChunkFormat.GroupFlag.shared : 0)
        Varint.append(UInt64(groupStart), to: &groups)
        if shared {
            Varint.append(UInt64(sharedBlocks.count), to: &groups)
            for b in sharedBlocks {
                groups.appendTimeBlock(rows: b.range.count, minTime: union[b.range.lowerBound], maxTime: union[b.range.upperBound - 1],
                                       partitionStart: partitionStart, block: b.bytes)
                try appendData(b.bytes)
            }
        }
        Varint.append(UInt64(series.count), to: &groups)
        for (k, s) in series.enumerated() {
            let entry: [UInt8]
            if shared {
                entry = try sharedEntry(s, union: union, blocks: sharedBlocks.map(\.range), groupStart: groupStart)
            } else {
                entry = try ownEntry(s, blocks: ownBlocks[k], groupStart: groupStart)
            }
            Varint.append(UInt64(s.id), to: &groups)
            Varint.append(UInt64(entry.count), to: &groups)
            groups.append(contentsOf: entry)
            summary.points += s.points.count
            summary.series += 1
            summary.minTime = min(summary.minTime, s.points.timestamps[0])
            summary.maxTime = max(summary.maxTime, s.points.timestamps[s.points.count - 1])
        }
    }

    /// Sorted union of sorted, unique timestamp arrays.
    static func union(_ columns: [[Int64]]) -> [Int64] {
        var all: [Int64] = []
        all.reserveCapacity(columns.reduce(0) { $0 + $1.count })
        for c in columns { all.append(contentsOf: c) }
        all.sort()
        var out: [Int64] = []
        out.reserveCapacity(columns.map(\.count).max() ?? 0)
        for t in all where out.last != t { out.append(t) }
        return out
    }

    private func entryHeader(_ s: ChunkSeriesInput, flags: UInt8, groupStart: Int, blockCount: Int) -> [UInt8] {
        var e: [UInt8] = [flags]
        let p = s.points
        Varint.append(UInt64(p.count), to: &e)
        Varint.appendSigned(p.timestamps[0] &- partitionStart, to: &e)
        Varint.append(UInt64(bitPattern: p.timestamps[p.count - 1] &- p.timestamps[0]), to: &e)
        Varint.append(UInt64(dataLength - groupStart), to: &e)
        Varint.append(UInt64(blockCount), to: &e)
        return e
    }

    private func sharedEntry(_ s: ChunkSeriesInput, union: [Int64], blocks: [Range<Int>], groupStart: Int) throws(StrataError) -> [UInt8] {
        var e = entryHeader(s, flags: 0, groupStart: groupStart, blockCount: blocks.count)
        let p = s.points
        var stats: [BlockStatistics] = []
        var minOffsets: [Int64] = [], maxOffsets: [Int64] = []
        var j = 0  // next point of the series
        for range in blocks {
            let start = j
            var present = [Bool](repeating: false, count: range.count)
            for row in range where j < p.count && p.timestamps[j] == union[row] {
                present[row - range.lowerBound] = true
                j += 1
            }
            let count = j - start
            Varint.append(UInt64(count), to: &e)
            guard count > 0 else { continue }
            if count < range.count {
                var presence: [UInt8] = []
                PresenceCodec.encode(present: present, into: &presence)
                e.appendRef(presence)
                try appendData(presence)
            }
            try appendColumns(p, start..<j, entry: &e)
            let st = BlockStatistics(timestamps: p.timestamps[start..<j], values: p.values[start..<j], qualities: p.qualities[start..<j])
            minOffsets.append(st.minTime &- union[range.lowerBound])
            maxOffsets.append(union[range.upperBound - 1] &- st.maxTime)
            stats.append(st)
        }
        precondition(j == p.count, "series timestamps must be a subset of the union")
        for o in minOffsets { Varint.append(UInt64(bitPattern: o), to: &e) }
        for o in maxOffsets { Varint.append(UInt64(bitPattern: o), to: &e) }
        appendStatistics(stats, to: &e)
        return e
    }

    private func ownEntry(_ s: ChunkSeriesInput, blocks: [(range: Range<Int>, bytes: [UInt8])], groupStart: Int) throws(StrataError) -> [UInt8] {
        var e = entryHeader(s, flags: ChunkFormat.SeriesFlag.ownTimestamps, groupStart: groupStart, blockCount: blocks.count)
        let p = s.points
        var stats: [BlockStatistics] = []
        for b in blocks {
            e.appendTimeBlock(rows: b.range.count, minTime: p.timestamps[b.range.lowerBound], maxTime: p.timestamps[b.range.upperBound - 1],
                              partitionStart: partitionStart, block: b.bytes)
            try appendData(b.bytes)
            try appendColumns(p, b.range, entry: &e)
            stats.append(BlockStatistics(timestamps: p.timestamps[b.range], values: p.values[b.range], qualities: p.qualities[b.range]))
        }
        appendStatistics(stats, to: &e)
        return e
    }

    private func appendColumns(_ p: PointColumns, _ range: Range<Int>, entry e: inout [UInt8]) throws(StrataError) {
        var values: [UInt8] = []
        p.values[range].withContiguousStorageIfAvailable { _ = ValueCodec.encode($0, options: options, into: &values) }
        var qualities: [UInt8] = []
        p.qualities[range].withContiguousStorageIfAvailable { QualityCodec.encode($0, into: &qualities) }
        e.appendRef(values)
        e.appendRef(qualities)
        try appendData(values)
        try appendData(qualities)
    }

    /// The statistics columns: quality masks, then first, last, min, max and sum values.
    private func appendStatistics(_ stats: [BlockStatistics], to e: inout [UInt8]) {
        func column(_ bytes: [UInt8]) {
            Varint.append(UInt64(bytes.count), to: &e)
            e.append(contentsOf: bytes)
        }
        var masks: [UInt8] = []
        QualityCodec.encode(stats.map(\.qualityMask), into: &masks)
        column(masks)
        for field in [\BlockStatistics.first, \.last, \.min, \.max, \.sum] {
            var bytes: [UInt8] = []
            ValueCodec.encode(stats.map { $0[keyPath: field] }, options: options, into: &bytes)
            column(bytes)
        }
    }

    /// Writes the index and trailer, syncs and closes the file.
    func finish() throws(StrataError) -> ChunkSummary {
        var flags: UInt16 = 0
        var storedData: [UInt8] = []
        if let level = coldLevel {
            flags |= ChunkFormat.coldFlag
            if let packed = try? ByteCompression.zstd.compress(buffer, level: level), packed.count < buffer.count {
                storedData = packed
                flags |= ChunkFormat.zstdFlag
            } else {
                storedData = buffer
            }
            buffer.removeAll()
        } else {
            try drain()
        }
        let header = ChunkFormat.header(partitionStart: partitionStart, flags: flags)
        var index: [UInt8] = []
        Varint.append(UInt64(groupCount), to: &index)
        index.append(contentsOf: groups)
        let storedLength = coldLevel == nil ? written : storedData.count
        let indexOffset = ChunkFormat.headerSize + storedLength
        var tail = storedData
        tail.append(contentsOf: index)
        tail.append(contentsOf: ChunkFormat.trailer(header: header, indexOffset: indexOffset, indexLength: index.count,
                                                    indexCRC: CRC32C.checksum(index), dataLength: dataLength))
        try file.write(tail, at: ChunkFormat.headerSize + (coldLevel == nil ? written : 0))
        try file.write(header, at: 0)
        try file.sync()
        summary.size = indexOffset + index.count + ChunkFormat.trailerSize
        file.close()
        return summary
    }
}
