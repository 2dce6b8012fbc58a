import StrataCodecs
import Synchronization

// Reads chunk files. FORMAT.md, "Chunk file".
//
// Opening a file reads its header, trailer and index (checking their
// checksums), walks the whole index once to check its structure, and keeps a
// small table: series id -> group, point count, time range (sorted arrays, a
// few dozen bytes per series). A group (a device's series) is parsed into
// entries with per-block statistics when a query first needs it, and the
// parsed group lives in the store's BlockCache. Reading a block checks that
// block's checksum only.
//
// Thread safety: immutable after init; the caches are thread-safe. Any number
// of readers may use one ChunkFile at once.

/// A group parsed from the index: its series' entries with their blocks and statistics.
final class ParsedGroup: @unchecked Sendable {
    let shared: Bool
    let timeBlocks: [TimeBlock]
    let entries: [SeriesEntry]

    init(shared: Bool, timeBlocks: [TimeBlock], entries: [SeriesEntry]) {
        self.shared = shared
        self.timeBlocks = timeBlocks
        self.entries = entries
    }

    /// Rough bytes held, for the cache's budget.
    var cost: Int { 96 + timeBlocks.count * 48 + entries.reduce(0) { $0 + 96 + $1.blocks.count * 200 } }
}

final class ChunkFile: @unchecked Sendable {
    let number: UInt64
    let name: String
    let path: String
    /// The file's range: its window, or for a mixed file the span of its points.
    let rangeFirst: Int64
    let rangeLast: Int64
    let isMixed: Bool
    /// Written by a cold re-pack.
    let isCold: Bool
    let size: Int
    let summary: ChunkSummary
    private let file: any StorageFile
    /// The data region is one zstd frame.
    private let zstd: Bool
    private let dataLength: Int
    private let indexOffset: Int
    private let index: [UInt8]
    private let groupStarts: [(index: Int, data: Int)]
    /// Series ids ascending, and per id its locator.
    private let ids: [SeriesID]
    private let locators: [Locator]
    let cache: BlockCache
    /// Called from deinit once the file is obsolete and no reader holds it.
    let obsolete = Mutex<(@Sendable () -> Void)?>(nil)

    struct Locator: Sendable {
        var group: Int32
        var count: Int
        var minTime: Int64
        var maxTime: Int64
    }

    var seriesIDs: [SeriesID] { ids }

    /// Device groups in the index.
    var groupCount: Int { groupStarts.count }

    /// Bytes of the data region on disk (compressed, for a cold file).
    var dataBytesOnDisk: Int { indexOffset - ChunkFormat.headerSize }

    init(fs: any FileSystem, directory: String, number: UInt64, cache: BlockCache) throws(StrataError) {
        self.number = number
        self.cache = cache
        name = FileNames.chunk(number)
        path = joinPath(directory, name)
        file = try fs.open(path, .read)
        do throws(StrataError) {
            size = try file.size()
            guard size >= ChunkFormat.headerSize + ChunkFormat.trailerSize else {
                throw StrataError(.corruption, "file of \(size) bytes is too short for a chunk", file: name, offset: 0)
            }
            let header = try file.read(at: 0, count: ChunkFormat.headerSize)
            let flags = try ChunkFormat.fileHeader.check(header, file: name)
            guard flags & ~ChunkFormat.knownFlags == 0 else {
                throw StrataError(.corruption, "unknown flags 0x\(String(flags, radix: 16))", file: name, offset: 6)
            }
            zstd = flags & ChunkFormat.zstdFlag != 0
            isCold = flags & ChunkFormat.coldFlag != 0
            isMixed = flags & ChunkFormat.mixedFlag != 0
            rangeFirst = Int64(bitPattern: LittleEndian.u64(header, 8))
            rangeLast = Int64(bitPattern: LittleEndian.u64(header, 16))
            let trailerOffset = size - ChunkFormat.trailerSize
            let trailer = try file.read(at: trailerOffset, count: ChunkFormat.trailerSize)
            guard Array(trailer[28..<32]) == ChunkFormat.magic else {
                throw StrataError(.corruption, "bad trailer magic", file: name, offset: trailerOffset + 28)
            }
            guard CRC32C.checksum(header + Array(trailer[0..<24])) == LittleEndian.u32(trailer, 24) else {
                throw StrataError(.corruption, "trailer checksum mismatch", file: name, offset: trailerOffset)
            }
            guard rangeFirst <= rangeLast else {
                throw StrataError(.corruption, "range \(rangeFirst)...\(rangeLast) is empty", file: name, offset: 8)
            }
            let indexOffset = LittleEndian.u64(trailer, 0), indexLength = UInt64(LittleEndian.u32(trailer, 8))
            let declaredData = LittleEndian.u64(trailer, 16)
            guard indexOffset >= UInt64(ChunkFormat.headerSize), indexOffset + indexLength == UInt64(trailerOffset),
                  declaredData <= UInt64(ChunkFormat.maxRegion), zstd || declaredData == indexOffset - UInt64(ChunkFormat.headerSize)
            else {
                throw StrataError(.corruption, "trailer offsets do not fit the file", file: name, offset: trailerOffset)
            }
            dataLength = Int(declaredData)
            self.indexOffset = Int(indexOffset)
            index = try file.read(at: Int(indexOffset), count: Int(indexLength))
            guard CRC32C.checksum(index) == LittleEndian.u32(trailer, 12) else {
                throw StrataError(.corruption, "index checksum mismatch", file: name, offset: Int(indexOffset))
            }
            let base = isMixed ? 0 : rangeFirst
            let walked = try decoding(index, codec: "chunk index", file: name, base: Int(indexOffset)) { (r) throws(CodecError) in
                try Self.walk(&r, base: base, dataLength: Int(declaredData))
            }
            groupStarts = walked.groups
            var order = Array(walked.table.indices)
            order.sort { walked.table[$0].id < walked.table[$1].id }
            ids = order.map { walked.table[$0].id }
            locators = order.map { walked.table[$0].locator }
            for i in ids.indices.dropFirst() where ids[i] == ids[i - 1] {
                throw StrataError(.corruption, "series \(ids[i]) appears twice", file: name, offset: Int(indexOffset))
            }
            var s = walked.summary
            s.size = size
            summary = s
            guard s.points == 0 || (s.minTime >= rangeFirst && s.maxTime <= rangeLast) else {
                throw StrataError(.corruption, "points at \(s.minTime)...\(s.maxTime) lie outside the file's range \(rangeFirst)...\(rangeLast)",
                                  file: name, offset: 8)
            }
        } catch {
            file.close()
            throw error
        }
    }

    deinit {
        file.close()
        cache.removeAll(file: number)
        if let action = obsolete.withLock({ $0 }) { action() }
    }

    // MARK: - Index

    /// Walks the whole index once, checking its structure, and returns where
    /// each group starts and a locator per series.
    private static func walk(_ r: inout ByteReader, base: Int64, dataLength: Int) throws(CodecError)
        -> (groups: [(index: Int, data: Int)], table: [(id: SeriesID, locator: Locator)], summary: ChunkSummary)
    {
        var groups: [(index: Int, data: Int)] = []
        var table: [(id: SeriesID, locator: Locator)] = []
        var summary = ChunkSummary(size: 0, points: 0, series: 0, minTime: .max, maxTime: .min)
        var offset = 0
        let groupCount = try r.readCount("groups", limit: r.remaining)
        for g in 0..<groupCount {
            groups.append((r.offset, offset))
            let group = try parseGroup(&r, base: base, dataOffset: &offset, dataLength: dataLength, statistics: false)
            for e in group.entries {
                table.append((e.id, Locator(group: Int32(g), count: e.count, minTime: e.minTime, maxTime: e.maxTime)))
                summary.points += e.count
                summary.series += 1
                summary.minTime = min(summary.minTime, e.minTime)
                summary.maxTime = max(summary.maxTime, e.maxTime)
            }
        }
        try r.expectEnd()
        guard offset == dataLength else { throw r.error(.malformed, "the index covers \(offset) of \(dataLength) data bytes") }
        return (groups, table, summary)
    }

    private static func readTimeBlock(_ r: inout ByteReader, previousMax: Int64, offset: inout Int, crc: Bool) throws(CodecError) -> TimeBlock {
        let rows = try r.readCount("rows", limit: 1 << 24)
        guard rows > 0 else { throw r.error(.malformed, "empty time block") }
        guard let minTime = advanced(previousMax, by: try r.readVarint()) else { throw r.error(.malformed, "time block start out of range") }
        let span = try r.readVarint()
        guard let maxTime = advanced(minTime, by: span), rows > 1 || span == 0 else { throw r.error(.malformed, "time block span \(span)") }
        let length = try r.readCount("timestamp block length", limit: ChunkFormat.maxRegion)
        let sum = crc ? try r.readUInt32LE() : 0
        defer { offset += length }
        return TimeBlock(rows: rows, minTime: minTime, maxTime: maxTime, offset: offset, length: length, crc: sum)
    }

    /// Parses one group at the reader's position. Its data starts at `dataOffset`
    /// (advanced past it). With `statistics`, the statistics columns are decoded
    /// into the blocks; without, they are only skipped.
    private static func parseGroup(
        _ r: inout ByteReader, base: Int64, dataOffset offset: inout Int, dataLength: Int, statistics: Bool
    ) throws(CodecError) -> ParsedGroup {
        let flags = try r.readByte()
        guard flags & ~ChunkFormat.GroupFlag.known == 0 else { throw r.error(.malformed, "unknown group flags \(flags)") }
        let shared = flags & ChunkFormat.GroupFlag.shared != 0
        var timeBlocks: [TimeBlock] = []
        var groupMin: Int64 = 0
        if shared {
            groupMin = base &+ (try r.readSignedVarint())
            let blocks = try r.readCount("time blocks", limit: r.remaining)
            guard blocks > 0 else { throw r.error(.malformed, "shared group without time blocks") }
            var previousMax = groupMin
            for _ in 0..<blocks {
                let b = try readTimeBlock(&r, previousMax: previousMax, offset: &offset, crc: true)
                guard b.minTime > previousMax || timeBlocks.isEmpty else { throw r.error(.malformed, "time blocks overlap") }
                timeBlocks.append(b)
                previousMax = b.maxTime
            }
            guard timeBlocks[0].minTime == groupMin else { throw r.error(.malformed, "first time block does not start the group") }
        }
        let seriesCount = try r.readCount("series", limit: r.remaining)
        guard seriesCount > 0 else { throw r.error(.malformed, "group without series") }
        var entries: [SeriesEntry] = []
        entries.reserveCapacity(seriesCount)
        var rows = 0
        var sharedRows = 0
        for _ in 0..<seriesCount {
            let id = try r.readVarint()
            guard id <= UInt64(SeriesID.max) else { throw r.error(.malformed, "series id \(id)") }
            let length = try r.readCount("entry length", limit: r.remaining)
            let end = r.offset + length
            let entry = try parseEntry(&r, id: SeriesID(id), shared: shared, timeBlocks: timeBlocks, base: base, dataOffset: &offset)
            guard r.offset == end else { throw r.error(.malformed, "entry of series \(id) does not end where its length says") }
            let nonEmpty = entry.blocks.reduce(0) { $0 + ($1.count > 0 ? 1 : 0) }
            rows += nonEmpty
            if entry.sharedTimestamps { sharedRows += nonEmpty }
            entries.append(entry)
        }
        guard offset <= dataLength else { throw r.error(.malformed, "blocks run past the data region") }
        // Statistics columns.
        var minOffsets = [UInt64](repeating: 0, count: sharedRows), maxOffsets = [UInt64](repeating: 0, count: sharedRows)
        for i in 0..<sharedRows { minOffsets[i] = try r.readVarint() }
        for i in 0..<sharedRows { maxOffsets[i] = try r.readVarint() }
        let masksBytes = try r.readBytes(try r.readCount("statistics masks", limit: r.remaining))
        var nanCounts = [Int](repeating: 0, count: rows)
        if flags & ChunkFormat.GroupFlag.nanCounts != 0 {
            for i in 0..<rows { nanCounts[i] = try r.readCount("NaN count", limit: 1 << 24) }
        }
        let valuesBytes = try r.readBytes(try r.readCount("statistics values", limit: r.remaining))
        guard statistics else { return ParsedGroup(shared: shared, timeBlocks: timeBlocks, entries: entries) }

        let masks = try QualityCodec.decode(Array(masksBytes), maxCount: rows)
        let fields = ChunkFormat.statisticsFields
        var values = [Double](repeating: 0, count: rows * fields)
        let decoded = try values.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in try ValueCodec.decode(valuesBytes, into: dst) }
        guard masks.count == rows, decoded == rows * fields else { throw r.error(.malformed, "statistics columns of the wrong length") }
        var row = 0
        var offsetRow = 0
        for e in entries.indices {
            let own = !entries[e].sharedTimestamps
            for b in entries[e].blocks.indices where entries[e].blocks[b].count > 0 {
                let block = entries[e].blocks[b]
                var minTime = block.time.minTime, maxTime = block.time.maxTime
                if !own {
                    guard let lo = advanced(minTime, by: minOffsets[offsetRow]), let hi = retreated(maxTime, by: maxOffsets[offsetRow]),
                          lo <= hi
                    else {
                        throw r.error(.malformed, "statistics time offsets out of the block")
                    }
                    minTime = lo
                    maxTime = hi
                    offsetRow += 1
                }
                guard nanCounts[row] <= block.count else { throw r.error(.malformed, "NaN count above the point count") }
                entries[e].blocks[b].statistics = BlockStatistics(
                    count: block.count, minTime: minTime, maxTime: maxTime,
                    first: values[row], last: values[rows + row], min: values[2 * rows + row], max: values[3 * rows + row],
                    sum: values[4 * rows + row], m2: values[5 * rows + row], nanCount: nanCounts[row], qualityMask: masks[row])
                row += 1
            }
        }
        return ParsedGroup(shared: shared, timeBlocks: timeBlocks, entries: entries)
    }

    /// Parses a series entry whose data starts at `dataOffset` (advanced past it).
    private static func parseEntry(
        _ e: inout ByteReader, id: SeriesID, shared groupShared: Bool, timeBlocks: [TimeBlock], base: Int64, dataOffset offset: inout Int
    ) throws(CodecError) -> SeriesEntry {
        let flags = try e.readByte()
        guard flags & ~ChunkFormat.SeriesFlag.ownTimestamps == 0 else { throw e.error(.malformed, "unknown series flags \(flags)") }
        let own = flags & ChunkFormat.SeriesFlag.ownTimestamps != 0
        guard own || groupShared else { throw e.error(.malformed, "series on a shared column in a group without one") }
        let count = try e.readCount("points", limit: 1 << 40)
        guard count > 0 else { throw e.error(.malformed, "series without points") }
        let minTime: Int64, maxTime: Int64
        if own {
            minTime = base &+ (try e.readSignedVarint())
            guard let last = advanced(minTime, by: try e.readVarint()) else { throw e.error(.malformed, "series time span out of range") }
            maxTime = last
        } else {
            guard let first = advanced(timeBlocks[0].minTime, by: try e.readVarint()),
                  let last = retreated(timeBlocks[timeBlocks.count - 1].maxTime, by: try e.readVarint())
            else { throw e.error(.malformed, "series time offsets out of range") }
            minTime = first
            maxTime = last
        }
        guard minTime <= maxTime else { throw e.error(.malformed, "series time range is empty") }
        let blockCount = try e.readCount("blocks", limit: e.remaining)
        guard own || blockCount == timeBlocks.count else { throw e.error(.malformed, "block count differs from the group's") }
        var blocks: [SeriesBlock] = []
        blocks.reserveCapacity(blockCount)
        var total = 0
        var previousMax = minTime
        for b in 0..<blockCount {
            let start = offset
            var block: SeriesBlock
            if own {
                let time = try readTimeBlock(&e, previousMax: previousMax, offset: &offset, crc: false)
                guard b == 0 || time.minTime > previousMax else { throw e.error(.malformed, "blocks overlap") }
                previousMax = time.maxTime
                block = SeriesBlock(time: time, count: time.rows, bytes: start..<start, crc: 0, presence: nil, values: offset..<offset, qualities: offset..<offset)
            } else {
                let time = timeBlocks[b]
                let n = try e.readCount("points in block", limit: time.rows)
                block = SeriesBlock(time: time, count: n, bytes: start..<start, crc: 0, presence: nil, values: offset..<offset, qualities: offset..<offset)
                if n > 0 && n < time.rows {
                    let length = try e.readCount("presence length", limit: ChunkFormat.maxRegion)
                    block.presence = offset..<(offset + length)
                    offset += length
                }
            }
            if block.count > 0 {
                let values = try e.readCount("values length", limit: ChunkFormat.maxRegion)
                let qualities = try e.readCount("qualities length", limit: ChunkFormat.maxRegion)
                block.values = offset..<(offset + values)
                block.qualities = (offset + values)..<(offset + values + qualities)
                offset += values + qualities
                block.crc = try e.readUInt32LE()
            }
            block.bytes = start..<offset
            total += block.count
            blocks.append(block)
        }
        guard total == count else { throw e.error(.malformed, "blocks hold \(total) points; the entry says \(count)") }
        guard let firstBlock = blocks.first(where: { $0.count > 0 }), let lastBlock = blocks.last(where: { $0.count > 0 }),
              firstBlock.time.minTime <= minTime, lastBlock.time.maxTime >= maxTime
        else { throw e.error(.malformed, "series time range lies outside its blocks") }
        return SeriesEntry(id: id, count: count, minTime: minTime, maxTime: maxTime, sharedTimestamps: !own, blocks: blocks)
    }

    // MARK: - Lookup

    func locator(_ id: SeriesID) -> Locator? {
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < ids.count && ids[lo] == id ? locators[lo] : nil
    }

    /// The parsed group `g` (from the cache, or parsed now).
    func group(_ g: Int) throws(StrataError) -> ParsedGroup {
        let key = BlockCache.Key(file: number, slot: g)
        if let cached = cache.value(key, as: ParsedGroup.self) { return cached }
        let start = groupStarts[g]
        let base = isMixed ? 0 : rangeFirst
        let dataLength = dataLength
        let parsed: ParsedGroup
        do throws(CodecError) {
            parsed = try index.withBytes { (raw) throws(CodecError) -> ParsedGroup in
                var reader = ByteReader(raw, codec: "chunk index", offset: start.index)
                var offset = start.data
                return try Self.parseGroup(&reader, base: base, dataOffset: &offset, dataLength: dataLength, statistics: true)
            }
        } catch {
            throw StrataError(error, file: name, blockOffset: indexOffset)
        }
        cache.insert(key, parsed, cost: parsed.cost)
        return parsed
    }

    /// The parsed entry of a series (with its blocks and their statistics), or nil if the file does not hold it.
    func entry(_ id: SeriesID) throws(StrataError) -> (entry: SeriesEntry, group: ParsedGroup)? {
        guard let loc = locator(id) else { return nil }
        let g = try group(Int(loc.group))
        guard let e = g.entries.first(where: { $0.id == id }) else {
            throw StrataError(.corruption, "series \(id) is missing from its group", file: name, offset: indexOffset)
        }
        return (e, g)
    }

    // MARK: - Data

    /// Bytes `range` of the data region (not yet checked).
    func data(_ range: Range<Int>) throws(StrataError) -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= dataLength else {
            throw StrataError(.corruption, "data at \(range) runs past the data region", file: name, offset: ChunkFormat.headerSize + range.lowerBound)
        }
        if zstd { return Array(try coldRegion().bytes[range]) }
        return try file.read(at: ChunkFormat.headerSize + range.lowerBound, count: range.count)
    }

    /// Where a data-region offset is, for error messages: a file offset, or in a
    /// cold file the offset inside the zstd frame's decompressed bytes.
    func location(_ dataOffset: Int) -> (offset: Int, note: String) {
        zstd ? (ChunkFormat.headerSize, " (byte \(dataOffset) of the decompressed zstd frame that starts at byte \(ChunkFormat.headerSize))")
             : (ChunkFormat.headerSize + dataOffset, "")
    }

    /// Checks `bytes` (a block's bytes read from `range`) against `crc`.
    func check(_ bytes: UnsafeRawBufferPointer, crc: UInt32, at range: Range<Int>, what: @autoclosure () -> String) throws(StrataError) {
        guard CRC32C.checksum(bytes) == crc else {
            let where_ = location(range.lowerBound)
            throw StrataError(.corruption, "\(what()) checksum mismatch\(where_.note)", file: name, offset: where_.offset)
        }
    }

    final class ColdRegion: @unchecked Sendable {
        let bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private func coldRegion() throws(StrataError) -> ColdRegion {
        let key = BlockCache.Key(file: number, slot: BlockCache.Key.coldData)
        if let cached = cache.value(key, as: ColdRegion.self) { return cached }
        let stored = try file.read(at: ChunkFormat.headerSize, count: indexOffset - ChunkFormat.headerSize)
        let data: [UInt8]
        do {
            data = try ByteCompression.zstd.decompress(stored, originalSize: dataLength, limit: ChunkFormat.maxRegion)
        } catch {
            throw StrataError(.corruption, "zstd frame: \(error)", file: name, offset: ChunkFormat.headerSize)
        }
        let region = ColdRegion(data)
        cache.insert(key, region, cost: data.count)
        return region
    }
}
