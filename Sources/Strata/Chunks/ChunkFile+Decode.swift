import StrataCodecs

// Decoding a series' blocks from a chunk file. The bytes of the wanted blocks
// are read in one positional read (a series' blocks are contiguous in the
// data region; a device's shared timestamp blocks too), then each block's
// checksum is checked and its columns decoded into reused scratch columns.

/// Columns one block decodes into, reused block after block.
struct BlockScratch {
    var timestamps: [Int64]
    var values: [Double]
    var qualities: [UInt8]

    init(capacity: Int = 0) {
        timestamps = [Int64](repeating: 0, count: capacity)
        values = [Double](repeating: 0, count: capacity)
        qualities = [UInt8](repeating: 0, count: capacity)
    }

    mutating func reserve(_ rows: Int) {
        guard timestamps.count < rows else { return }
        self = BlockScratch(capacity: rows)
    }
}

extension ChunkFile {
    /// The series' points with timestamps in `range`, sorted (a chunk file holds one point per timestamp).
    func read(_ id: SeriesID, in range: ClosedRange<Int64>) throws(StrataError) -> PointColumns {
        var out = PointColumns()
        guard let loc = locator(id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound,
              let (entry, group) = try entry(id) else { return out }
        let wanted = entry.blocks.indices.filter {
            entry.blocks[$0].count > 0 && entry.blocks[$0].time.maxTime >= range.lowerBound && entry.blocks[$0].time.minTime <= range.upperBound
        }
        guard !wanted.isEmpty else { return out }
        out.reserve(min(wanted.reduce(0) { $0 + entry.blocks[$1].count }, 1 << 24))
        var reader = BlockReader(file: self, entry: entry, group: group, blocks: wanted)
        var scratch = BlockScratch()
        for b in wanted {
            let n = try reader.decode(b, into: &scratch)
            let block = entry.blocks[b]
            if block.time.minTime >= range.lowerBound && block.time.maxTime <= range.upperBound {
                out.timestamps.append(contentsOf: scratch.timestamps[0..<n])
                out.values.append(contentsOf: scratch.values[0..<n])
                out.qualities.append(contentsOf: scratch.qualities[0..<n])
            } else {
                for i in 0..<n where range.contains(scratch.timestamps[i]) {
                    out.append(scratch.timestamps[i], scratch.values[i], scratch.qualities[i])
                }
            }
        }
        return out
    }
}

extension ChunkFile {
    /// The points of several series in `range` (nil for one the file lacks there),
    /// their blocks' bytes read in one positional read: several columns of one device
    /// (a downsampling tier's row) cost one read, not one each. With `cacheDecoded`,
    /// decoded blocks are kept in the store's block cache and later reads of them
    /// neither read nor decode (tier rows: small blocks read by every dashboard query).
    func read(_ ids: [SeriesID], in range: ClosedRange<Int64>, cacheDecoded: Bool = false) throws(StrataError) -> [PointColumns?] {
        var wanted: [(entry: SeriesEntry, group: ParsedGroup, blocks: [Int], cached: [DecodedBlock?])?] = []
        var lo = Int.max, hi = Int.min
        var parsed: (index: Int32, group: ParsedGroup)?  // the ids are usually of one group
        for id in ids {
            guard let loc = locator(id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound else {
                wanted.append(nil)
                continue
            }
            let group: ParsedGroup
            if let p = parsed, p.index == loc.group {
                group = p.group
            } else {
                group = try self.group(Int(loc.group))
                parsed = (loc.group, group)
            }
            guard let entry = group.entries.first(where: { $0.id == id }) else {
                throw StrataError(.corruption, "series \(id) is missing from its group", file: name)
            }
            let blocks = entry.blocks.indices.filter {
                entry.blocks[$0].count > 0 && entry.blocks[$0].time.maxTime >= range.lowerBound && entry.blocks[$0].time.minTime <= range.upperBound
            }
            guard !blocks.isEmpty else {
                wanted.append(nil)
                continue
            }
            let cached = cacheDecoded ? blocks.map { cache.value(decodedKey(id, $0), as: DecodedBlock.self) } : []
            for (k, b) in blocks.enumerated() where cached.isEmpty || cached[k] == nil {
                lo = min(lo, entry.blocks[b].bytes.lowerBound)
                hi = max(hi, entry.blocks[b].bytes.upperBound)
                if entry.sharedTimestamps {
                    lo = min(lo, entry.blocks[b].time.offset)
                    hi = max(hi, entry.blocks[b].time.offset + entry.blocks[b].time.length)
                }
            }
            wanted.append((entry, group, blocks, cached))
        }
        let region = lo < hi ? try data(lo..<hi) : []
        var scratch = BlockScratch()
        return try wanted.map { (w) throws(StrataError) -> PointColumns? in
            guard let w else { return nil }
            var out = PointColumns()
            var reader: BlockReader?
            for (k, b) in w.blocks.enumerated() {
                let block = w.entry.blocks[b]
                let whole = block.time.minTime >= range.lowerBound && block.time.maxTime <= range.upperBound
                if !w.cached.isEmpty, let d = w.cached[k] {
                    Self.append(d.timestamps, d.values, d.qualities, count: d.timestamps.count, whole: whole, range, to: &out)
                    continue
                }
                if reader == nil {
                    let toDecode = w.cached.isEmpty ? w.blocks : w.blocks.indices.filter { w.cached[$0] == nil }.map { w.blocks[$0] }
                    reader = BlockReader(file: self, entry: w.entry, group: w.group, blocks: toDecode, region: region, start: lo)
                }
                let n = try reader!.decode(b, into: &scratch)
                if cacheDecoded {
                    let d = DecodedBlock(Array(scratch.timestamps[0..<n]), Array(scratch.values[0..<n]), Array(scratch.qualities[0..<n]))
                    cache.insert(decodedKey(w.entry.id, b), d, cost: d.cost)
                }
                Self.append(scratch.timestamps, scratch.values, scratch.qualities, count: n, whole: whole, range, to: &out)
            }
            return out
        }
    }

    /// True when every block of series `id` overlapping `range` has statistics that pass
    /// `test` (also when the file holds no point of it there): a decision from the index
    /// alone, without reading the blocks.
    func blocksSatisfy(_ id: SeriesID, in range: ClosedRange<Int64>, _ test: (BlockStatistics) -> Bool) throws(StrataError) -> Bool {
        guard let loc = locator(id), loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound else { return true }
        let group = try self.group(Int(loc.group))
        guard let entry = group.entries.first(where: { $0.id == id }) else {
            throw StrataError(.corruption, "series \(id) is missing from its group", file: name)
        }
        for block in entry.blocks where block.count > 0 && block.time.maxTime >= range.lowerBound && block.time.minTime <= range.upperBound {
            guard let statistics = block.statistics, test(statistics) else { return false }
        }
        return true
    }

    private func decodedKey(_ id: SeriesID, _ block: Int) -> BlockCache.Key {
        BlockCache.Key(file: number, slot: BlockCache.Key.decodedBlock, block: Int(id) << 24 | block)
    }

    /// Appends the first `count` points (those in `range` unless the block is `whole`ly inside it).
    private static func append(_ t: [Int64], _ v: [Double], _ q: [UInt8], count: Int, whole: Bool, _ range: ClosedRange<Int64>,
                               to out: inout PointColumns) {
        if whole {
            out.timestamps.append(contentsOf: t[0..<count])
            out.values.append(contentsOf: v[0..<count])
            out.qualities.append(contentsOf: q[0..<count])
        } else {
            for i in 0..<count where range.contains(t[i]) { out.append(t[i], v[i], q[i]) }
        }
    }
}

/// A decoded block kept in the block cache (immutable).
final class DecodedBlock: Sendable {
    let timestamps: [Int64]
    let values: [Double]
    let qualities: [UInt8]

    init(_ timestamps: [Int64], _ values: [Double], _ qualities: [UInt8]) {
        self.timestamps = timestamps
        self.values = values
        self.qualities = qualities
    }

    /// Bytes held, for the cache's budget.
    var cost: Int { 64 + timestamps.count * 17 }
}

/// Decodes chosen blocks of one series entry, reading their bytes once.
struct BlockReader {
    let file: ChunkFile
    let entry: SeriesEntry
    let group: ParsedGroup
    /// The data-region bytes covering the chosen blocks, and where they start.
    private var region: [UInt8] = []
    private var regionStart = 0
    private var times: [UInt8] = []
    private var timesStart = 0
    private var checkedTimes: Set<Int> = []

    /// Prepares to decode blocks `blocks` (indices into `entry.blocks`, ascending).
    init(file: ChunkFile, entry: SeriesEntry, group: ParsedGroup, blocks: [Int]) {
        self.file = file
        self.entry = entry
        self.group = group
        pending = blocks
    }

    /// Prepares to decode blocks `blocks` from bytes already read: `region` holds the
    /// data region from offset `start` and covers the blocks (and shared timestamps).
    init(file: ChunkFile, entry: SeriesEntry, group: ParsedGroup, blocks: [Int], region: [UInt8], start: Int) {
        self.file = file
        self.entry = entry
        self.group = group
        pending = blocks
        self.region = region
        regionStart = start
        if entry.sharedTimestamps {
            times = region
            timesStart = start
        }
        loaded = true
    }

    /// The blocks to be decoded; their bytes are read at the first `decode`.
    private let pending: [Int]
    private var loaded = false

    private mutating func load() throws(StrataError) {
        guard !loaded, let first = pending.first, let last = pending.last else { return }
        loaded = true
        let lo = entry.blocks[first].bytes.lowerBound, hi = entry.blocks[last].bytes.upperBound
        region = try file.data(lo..<hi)
        regionStart = lo
        if entry.sharedTimestamps {
            let tlo = entry.blocks[first].time.offset
            let thi = entry.blocks[last].time.offset + entry.blocks[last].time.length
            times = try file.data(tlo..<thi)
            timesStart = tlo
        }
    }

    /// Decodes block `b` into `scratch` (timestamps, values, qualities of the series'
    /// points in that block); returns the number of points.
    mutating func decode(_ b: Int, into scratch: inout BlockScratch) throws(StrataError) -> Int {
        try load()
        let block = entry.blocks[b]
        guard block.count > 0 else { return 0 }
        scratch.reserve(block.time.rows)
        let file = self.file
        let regionStart = self.regionStart, timesStart = self.timesStart
        guard block.bytes.lowerBound >= regionStart, block.bytes.upperBound - regionStart <= region.count else {
            throw StrataError(.corruption, "block outside the bytes read", file: file.name)
        }
        if entry.sharedTimestamps && !checkedTimes.contains(block.time.offset) {
            let r = block.time.offset..<(block.time.offset + block.time.length)
            try times.withUnsafeBytesTyped { (raw) throws(StrataError) in
                try file.check(UnsafeRawBufferPointer(rebasing: raw[(r.lowerBound - timesStart)..<(r.upperBound - timesStart)]), crc: block.time.crc,
                               at: r, what: "shared timestamps of series \(entry.id)")
            }
            checkedTimes.insert(block.time.offset)
        }
        let times = self.times
        return try region.withUnsafeBytesTyped { (series) throws(StrataError) -> Int in
            func slice(_ r: Range<Int>) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: series[(r.lowerBound - regionStart)..<(r.upperBound - regionStart)])
            }
            try file.check(slice(block.bytes), crc: block.crc, at: block.bytes, what: "block \(b) of series \(entry.id)")
            return try times.withUnsafeBytesTyped { (timeBytes) throws(StrataError) -> Int in
                let timeSlice: UnsafeRawBufferPointer = entry.sharedTimestamps
                    ? UnsafeRawBufferPointer(rebasing: timeBytes[(block.time.offset - timesStart)..<(block.time.offset + block.time.length - timesStart)])
                    : slice(block.time.offset..<(block.time.offset + block.time.length))
                do throws(CodecError) {
                    return try Self.decode(block, times: timeSlice, values: slice(block.values), qualities: slice(block.qualities),
                                           presence: block.presence.map { slice($0) }, into: &scratch)
                } catch {
                    let at = file.location(block.bytes.lowerBound)
                    throw StrataError(.corruption, "block \(b) of series \(entry.id): \(error)\(at.note)", file: file.name, offset: at.offset)
                }
            }
        }
    }

    private static func decode(
        _ b: SeriesBlock, times: UnsafeRawBufferPointer, values: UnsafeRawBufferPointer, qualities: UnsafeRawBufferPointer,
        presence: UnsafeRawBufferPointer?, into scratch: inout BlockScratch
    ) throws(CodecError) -> Int {
        let rows = try scratch.timestamps.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in
            try TimestampCodec.decode(times, into: UnsafeMutableBufferPointer(rebasing: dst[0..<b.time.rows]))
        }
        guard rows == b.time.rows, scratch.timestamps[0] == b.time.minTime, scratch.timestamps[rows - 1] == b.time.maxTime else {
            throw CodecError(.malformed, codec: "timestamps", offset: 0,
                             "block holds \(rows) timestamps, the index says \(b.time.rows) in \(b.time.minTime)...\(b.time.maxTime)")
        }
        for i in 1..<max(rows, 1) where scratch.timestamps[i] <= scratch.timestamps[i - 1] {
            throw CodecError(.malformed, codec: "timestamps", offset: 0, "timestamps not ascending at row \(i)")
        }
        let n = b.count
        let decodedValues = try scratch.values.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in
            try ValueCodec.decode(values, into: UnsafeMutableBufferPointer(rebasing: dst[0..<n]))
        }
        var decodedQualities = n
        if qualities.isEmpty {
            scratch.qualities.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: n) }
        } else {
            decodedQualities = try scratch.qualities.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in
                try QualityCodec.decode(qualities, into: UnsafeMutableBufferPointer(rebasing: dst[0..<n]))
            }
        }
        let present = try presence.map { (p) throws(CodecError) in try PresenceCodec.decode(p, rows: b.time.rows) }
        guard decodedValues == n, decodedQualities == n, (present?.count ?? rows) == n else {
            throw CodecError(.malformed, codec: "block", offset: 0, "block columns disagree: \(decodedValues) values, \(decodedQualities) qualities, \(n) points")
        }
        if let present {
            // The series' own timestamps: its rows of the shared column, gathered in place
            // (row present[i] >= i, so the column can be overwritten front to back).
            scratch.timestamps.withUnsafeMutableBufferPointer { ts in
                present.withUnsafeBufferPointer { rows in
                    for i in 0..<n { ts[i] = ts[Int(rows[i])] }
                }
            }
        }
        if let s = b.statistics, s.minTime != scratch.timestamps[0] || s.maxTime != scratch.timestamps[n - 1] {
            throw CodecError(.malformed, codec: "block", offset: 0, "points span \(scratch.timestamps[0])...\(scratch.timestamps[n - 1]), the statistics say \(s.minTime)...\(s.maxTime)")
        }
        return n
    }
}
