import StrataCodecs
import Synchronization

// Reads chunk files. FORMAT.md, "Chunk file".
//
// Opening a file reads its trailer and index (checking both checksums) and
// builds a small table: series id -> where its entry starts, its point count
// and time range. Entries are parsed when a query needs them, and every
// data block's checksum is checked when it is read.
//
// Thread safety: immutable after init except the cold-data cache, which a
// Mutex guards. Any number of readers may use one ChunkFile at once.

final class ChunkFile: @unchecked Sendable {
    let number: UInt64
    let name: String
    let path: String
    let partitionStart: Int64
    let size: Int
    let summary: ChunkSummary
    private let file: any StorageFile
    /// The data region is one zstd frame.
    private let zstd: Bool
    /// Written by a cold re-pack.
    let isCold: Bool
    private let dataLength: Int
    private let index: [UInt8]
    private let groups: [Group]
    private let table: [SeriesID: Locator]
    private let coldData = Mutex<[UInt8]?>(nil)
    /// Called from deinit once the file is obsolete and no reader holds it.
    let obsolete = Mutex<(@Sendable () -> Void)?>(nil)

    struct Group {
        var shared: Bool
        var minTime: Int64
        var timeBlocks: [TimeBlock]
        /// The shared timestamp blocks' bytes in the data region, and their checksum.
        var timeData: Range<Int>
        var timeCRC: UInt32
        /// Where the group's statistics columns start in the index, how many rows
        /// they have, and how many of those belong to series on the shared column
        /// (only those have time offsets).
        var statisticsOffset: Int
        var statisticsRows: Int
        var sharedRows: Int
    }

    struct Locator {
        var group: Int32
        var entryOffset: Int32
        var entryLength: Int32
        var dataOffset: Int
        var count: Int
        var minTime: Int64
        var maxTime: Int64
        /// The series' first row in its group's statistics columns, and in its time offsets.
        var statisticsStart: Int32
        var offsetStart: Int32
    }

    var seriesIDs: Dictionary<SeriesID, Locator>.Keys { table.keys }

    init(fs: any FileSystem, directory: String, number: UInt64) throws(StrataError) {
        self.number = number
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
            guard flags & ~(ChunkFormat.zstdFlag | ChunkFormat.coldFlag) == 0 else {
                throw StrataError(.corruption, "unknown flags 0x\(String(flags, radix: 16))", file: name, offset: 6)
            }
            zstd = flags & ChunkFormat.zstdFlag != 0
            isCold = flags & ChunkFormat.coldFlag != 0
            partitionStart = Int64(bitPattern: header[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let trailerOffset = size - ChunkFormat.trailerSize
            let trailer = try file.read(at: trailerOffset, count: ChunkFormat.trailerSize)
            guard Array(trailer[28..<32]) == ChunkFormat.magic else { throw StrataError(.corruption, "bad trailer magic", file: name, offset: trailerOffset + 28) }
            func u64(_ o: Int) -> UInt64 { trailer[o..<(o + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
            func u32(_ o: Int) -> UInt32 { trailer[o..<(o + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
            guard CRC32C.checksum(header + Array(trailer[0..<24])) == u32(24) else {
                throw StrataError(.corruption, "trailer checksum mismatch", file: name, offset: trailerOffset)
            }
            let indexOffset = u64(0), indexLength = UInt64(u32(8)), declaredData = u64(16)
            guard indexOffset >= UInt64(ChunkFormat.headerSize), indexOffset + indexLength == UInt64(trailerOffset),
                  declaredData <= UInt64(ChunkFormat.maxRegion), zstd || declaredData == indexOffset - UInt64(ChunkFormat.headerSize)
            else {
                throw StrataError(.corruption, "trailer offsets do not fit the file", file: name, offset: trailerOffset)
            }
            dataLength = Int(declaredData)
            index = try file.read(at: Int(indexOffset), count: Int(indexLength))
            guard CRC32C.checksum(index) == u32(12) else { throw StrataError(.corruption, "index checksum mismatch", file: name, offset: Int(indexOffset)) }
            do throws(CodecError) {
                var parsed: ChunkSummary
                (groups, table, parsed) = try Self.parseTable(index, partitionStart: partitionStart, dataLength: dataLength)
                parsed.size = size
                summary = parsed
            } catch {
                throw StrataError(error, file: name, blockOffset: Int(indexOffset))
            }
        } catch {
            file.close()
            throw error
        }
    }

    deinit {
        file.close()
        if let action = obsolete.withLock({ $0 }) { action() }
    }

    /// Walks the whole index once, checking its structure: group time blocks,
    /// and a locator per series (entries are parsed again when read).
    private static func parseTable(_ index: [UInt8], partitionStart: Int64, dataLength: Int) throws(CodecError)
        -> ([Group], [SeriesID: Locator], ChunkSummary)
    {
        try index.withBytes { (raw) throws(CodecError) in
            var r = ByteReader(raw, codec: "chunk index")
            var groups: [Group] = []
            var table: [SeriesID: Locator] = [:]
            var summary = ChunkSummary(size: 0, points: 0, series: 0, minTime: .max, maxTime: .min)
            var offset = 0
            let groupCount = try r.readCount("groups", limit: raw.count)
            for g in 0..<groupCount {
                let flags = try r.readByte()
                guard flags & ~ChunkFormat.GroupFlag.shared == 0 else { throw r.error(.malformed, "unknown group flags \(flags)") }
                var group = Group(shared: flags & ChunkFormat.GroupFlag.shared != 0, minTime: 0, timeBlocks: [],
                                  timeData: offset..<offset, timeCRC: 0, statisticsOffset: 0, statisticsRows: 0, sharedRows: 0)
                if group.shared {
                    group.minTime = partitionStart &+ (try r.readSignedVarint())
                    let blocks = try r.readCount("time blocks", limit: raw.count)
                    guard blocks > 0 else { throw r.error(.malformed, "shared group without time blocks") }
                    var previousMax = group.minTime
                    for _ in 0..<blocks {
                        let b = try readTimeBlock(&r, previousMax: previousMax, offset: &offset)
                        group.timeBlocks.append(b)
                        previousMax = b.maxTime
                    }
                    guard group.timeBlocks[0].minTime == group.minTime else { throw r.error(.malformed, "first time block does not start the group") }
                    group.timeCRC = try r.readUInt32LE()
                    group.timeData = group.timeData.lowerBound..<offset
                }
                let seriesCount = try r.readCount("series", limit: raw.count)
                var rows = 0
                var sharedRows = 0
                for _ in 0..<seriesCount {
                    let id = try r.readVarint()
                    guard id <= UInt64(SeriesID.max) else { throw r.error(.malformed, "series id \(id)") }
                    let length = try r.readCount("entry length", limit: r.remaining)
                    let entryOffset = r.offset
                    var e = ByteReader(try r.readBytes(length), codec: "chunk index")
                    let entry = try parseEntry(&e, id: SeriesID(id), group: group, dataOffset: offset, partitionStart: partitionStart)
                    guard table[SeriesID(id)] == nil else { throw r.error(.malformed, "series \(id) appears twice") }
                    table[SeriesID(id)] = Locator(group: Int32(g), entryOffset: Int32(entryOffset), entryLength: Int32(length),
                                                  dataOffset: offset, count: entry.count, minTime: entry.minTime, maxTime: entry.maxTime,
                                                  statisticsStart: Int32(rows), offsetStart: Int32(sharedRows))
                    offset = entry.data.upperBound
                    let nonEmpty = entry.blocks.reduce(0) { $0 + ($1.count > 0 ? 1 : 0) }
                    rows += nonEmpty
                    if entry.sharedTimestamps { sharedRows += nonEmpty }
                    summary.points += entry.count
                    summary.series += 1
                    summary.minTime = min(summary.minTime, entry.minTime)
                    summary.maxTime = max(summary.maxTime, entry.maxTime)
                }
                guard offset <= dataLength else { throw r.error(.malformed, "blocks run past the data region") }
                group.statisticsOffset = r.offset
                group.statisticsRows = rows
                group.sharedRows = sharedRows
                // Skip the statistics columns (checked when read).
                for _ in 0..<(2 * sharedRows) { _ = try r.readVarint() }
                for _ in 0..<2 { _ = try r.readBytes(try r.readCount("statistics column", limit: r.remaining)) }
                groups.append(group)
            }
            try r.expectEnd()
            guard offset == dataLength else { throw r.error(.malformed, "the index covers \(offset) of \(dataLength) data bytes") }
            return (groups, table, summary)
        }
    }

    private static func readTimeBlock(_ r: inout ByteReader, previousMax: Int64, offset: inout Int) throws(CodecError) -> TimeBlock {
        let rows = try r.readCount("rows", limit: 1 << 24)
        guard rows > 0 else { throw r.error(.malformed, "empty time block") }
        let minTime = previousMax &+ Int64(bitPattern: try r.readVarint())
        let maxTime = minTime &+ Int64(bitPattern: try r.readVarint())
        let length = try r.readCount("timestamp block length", limit: ChunkFormat.maxRegion)
        defer { offset += length }
        return TimeBlock(rows: rows, minTime: minTime, maxTime: maxTime, offset: offset, length: length)
    }

    /// Parses a series entry whose data starts at `dataOffset`.
    private static func parseEntry(
        _ e: inout ByteReader, id: SeriesID, group: Group, dataOffset: Int, partitionStart: Int64
    ) throws(CodecError) -> SeriesEntry {
        let flags = try e.readByte()
        guard flags & ~ChunkFormat.SeriesFlag.ownTimestamps == 0 else { throw e.error(.malformed, "unknown series flags \(flags)") }
        let own = flags & ChunkFormat.SeriesFlag.ownTimestamps != 0
        guard own || group.shared else { throw e.error(.malformed, "series on a shared column in a group without one") }
        let count = try e.readCount("points", limit: 1 << 40)
        guard count > 0 else { throw e.error(.malformed, "series without points") }
        let minTime: Int64, maxTime: Int64
        if own {
            minTime = partitionStart &+ (try e.readSignedVarint())
            maxTime = minTime &+ Int64(bitPattern: try e.readVarint())
        } else {
            minTime = group.minTime &+ Int64(bitPattern: try e.readVarint())
            maxTime = group.timeBlocks[group.timeBlocks.count - 1].maxTime &- Int64(bitPattern: try e.readVarint())
        }
        let dataLength = try e.readCount("data length", limit: ChunkFormat.maxRegion)
        let crc = try e.readUInt32LE()
        let blockCount = try e.readCount("blocks", limit: e.remaining)
        guard own || blockCount == group.timeBlocks.count else { throw e.error(.malformed, "block count differs from the group's") }
        var blocks: [SeriesBlock] = []
        blocks.reserveCapacity(blockCount)
        var offset = dataOffset
        var total = 0
        var previousMax = minTime
        for b in 0..<blockCount {
            var block: SeriesBlock
            if own {
                let time = try readTimeBlock(&e, previousMax: previousMax, offset: &offset)
                previousMax = time.maxTime
                block = SeriesBlock(time: time, count: time.rows, presence: nil, values: offset..<offset, qualities: offset..<offset)
            } else {
                let time = group.timeBlocks[b]
                let n = try e.readCount("points in block", limit: time.rows)
                block = SeriesBlock(time: time, count: n, presence: nil, values: offset..<offset, qualities: offset..<offset)
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
            }
            total += block.count
            blocks.append(block)
        }
        try e.expectEnd()
        guard total == count, offset - dataOffset == dataLength else {
            throw e.error(.malformed, "blocks hold \(total) points in \(offset - dataOffset) bytes; the entry says \(count) in \(dataLength)")
        }
        guard own || (blocks.first(where: { $0.count > 0 }) != nil) else { throw e.error(.malformed, "series without points") }
        return SeriesEntry(id: id, count: count, minTime: minTime, maxTime: maxTime, sharedTimestamps: !own,
                           data: dataOffset..<offset, crc: crc, blocks: blocks)
    }

    func locator(_ id: SeriesID) -> Locator? { table[id] }

    /// The parsed entry of a series, or nil if the file does not hold it.
    func entry(_ id: SeriesID) throws(StrataError) -> SeriesEntry? {
        guard let loc = table[id] else { return nil }
        let group = groups[Int(loc.group)]
        do throws(CodecError) {
            return try index.withBytes { (raw) throws(CodecError) -> SeriesEntry in
                var e = ByteReader(UnsafeRawBufferPointer(rebasing: raw[Int(loc.entryOffset)..<Int(loc.entryOffset + loc.entryLength)]), codec: "chunk index")
                return try Self.parseEntry(&e, id: id, group: group, dataOffset: loc.dataOffset, partitionStart: partitionStart)
            }
        } catch {
            throw StrataError(error, file: name, blockOffset: 0)
        }
    }

    /// Statistics of each block of the series (nil for blocks it has no points in).
    func statistics(_ id: SeriesID) throws(StrataError) -> [BlockStatistics?] {
        guard let loc = table[id], let entry = try entry(id) else { return [] }
        let group = groups[Int(loc.group)]
        let k = group.statisticsRows, shared = group.sharedRows
        do throws(CodecError) {
            return try index.withBytes { (raw) throws(CodecError) -> [BlockStatistics?] in
                var r = ByteReader(UnsafeRawBufferPointer(rebasing: raw[group.statisticsOffset...]), codec: "chunk statistics")
                var minOffsets = [Int64](repeating: 0, count: shared), maxOffsets = [Int64](repeating: 0, count: shared)
                for i in 0..<shared { minOffsets[i] = Int64(bitPattern: try r.readVarint()) }
                for i in 0..<shared { maxOffsets[i] = Int64(bitPattern: try r.readVarint()) }
                let masks = try QualityCodec.decode(Array(try r.readBytes(try r.readCount("column", limit: r.remaining))), maxCount: k)
                let values = try ValueCodec.decode(Array(try r.readBytes(try r.readCount("column", limit: r.remaining))), maxCount: k * ChunkFormat.statisticsFields)
                guard masks.count == k, values.count == k * ChunkFormat.statisticsFields else {
                    throw r.error(.malformed, "statistics columns of the wrong length")
                }
                var row = Int(loc.statisticsStart)
                var offsetRow = Int(loc.offsetStart)
                var out: [BlockStatistics?] = []
                for b in entry.blocks {
                    guard b.count > 0 else { out.append(nil); continue }
                    guard row < k, !entry.sharedTimestamps || offsetRow < shared else { throw r.error(.malformed, "statistics rows run out") }
                    let minOffset = entry.sharedTimestamps ? minOffsets[offsetRow] : 0
                    let maxOffset = entry.sharedTimestamps ? maxOffsets[offsetRow] : 0
                    if entry.sharedTimestamps { offsetRow += 1 }
                    out.append(BlockStatistics(
                        count: b.count, minTime: b.time.minTime &+ minOffset, maxTime: b.time.maxTime &- maxOffset,
                        first: values[row], last: values[k + row], min: values[2 * k + row], max: values[3 * k + row],
                        sum: values[4 * k + row], qualityMask: masks[row]))
                    row += 1
                }
                return out
            }
        } catch {
            throw StrataError(error, file: name, blockOffset: group.statisticsOffset)
        }
    }

    /// Bytes of the data region, checked against `crc`.
    func data(_ range: Range<Int>, crc: UInt32, what: String) throws(StrataError) -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= dataLength else {
            throw StrataError(.corruption, "\(what) at \(range) runs past the data region", file: name, offset: ChunkFormat.headerSize + range.lowerBound)
        }
        let bytes: [UInt8]
        if zstd {
            bytes = Array(try coldRegion()[range])
        } else {
            bytes = try file.read(at: ChunkFormat.headerSize + range.lowerBound, count: range.count)
        }
        guard CRC32C.checksum(bytes) == crc else {
            throw StrataError(.corruption, "\(what) checksum mismatch", file: name, offset: ChunkFormat.headerSize + range.lowerBound)
        }
        return bytes
    }

    private func coldRegion() throws(StrataError) -> [UInt8] {
        if let data = coldData.withLock({ $0 }) { return data }
        let stored = try file.read(at: ChunkFormat.headerSize, count: size - ChunkFormat.trailerSize - index.count - ChunkFormat.headerSize)
        let data: [UInt8]
        do {
            data = try ByteCompression.zstd.decompress(stored, originalSize: dataLength, limit: ChunkFormat.maxRegion)
        } catch {
            throw StrataError(error, file: name, blockOffset: ChunkFormat.headerSize)
        }
        coldData.withLock { $0 = data }
        return data
    }

    /// The series' points with timestamps in `range`, sorted (a chunk file holds one point per timestamp).
    func read(_ id: SeriesID, in range: ClosedRange<Int64>) throws(StrataError) -> PointColumns {
        var out = PointColumns()
        guard let loc = table[id], loc.maxTime >= range.lowerBound, loc.minTime <= range.upperBound,
              let entry = try entry(id) else { return out }
        let wanted = entry.blocks.filter { $0.count > 0 && $0.time.maxTime >= range.lowerBound && $0.time.minTime <= range.upperBound }
        guard !wanted.isEmpty else { return out }
        let bytes = try data(entry.data, crc: entry.crc, what: "series \(id) data")
        let group = groups[Int(loc.group)]
        let timeBytes = entry.sharedTimestamps ? try data(group.timeData, crc: group.timeCRC, what: "timestamps of the group of series \(id)") : []
        out.reserve(min(wanted.reduce(0) { $0 + $1.count }, 1 << 24))
        // Blocks decode into one set of scratch columns, reused block after block.
        let capacity = wanted.reduce(0) { max($0, $1.time.rows) }
        var scratch = BlockScratch(capacity: capacity)
        try bytes.withUnsafeBytesTyped { (series) throws(StrataError) in
            try timeBytes.withUnsafeBytesTyped { (times) throws(StrataError) in
                for b in wanted {
                    try decode(b, series: series, base: entry.data.lowerBound, times: entry.sharedTimestamps ? times : series,
                               timeBase: entry.sharedTimestamps ? group.timeData.lowerBound : entry.data.lowerBound,
                               scratch: &scratch, into: &out, range: range)
                }
            }
        }
        return out
    }

    /// Columns one block decodes into.
    struct BlockScratch {
        var timestamps: [Int64]
        var values: [Double]
        var qualities: [UInt8]
        init(capacity: Int) {
            timestamps = [Int64](repeating: 0, count: capacity)
            values = [Double](repeating: 0, count: capacity)
            qualities = [UInt8](repeating: 0, count: capacity)
        }
    }

    /// Decodes one series block from bytes already read and checked, appending the points inside `range`.
    private func decode(
        _ b: SeriesBlock, series: UnsafeRawBufferPointer, base: Int, times: UnsafeRawBufferPointer, timeBase: Int,
        scratch: inout BlockScratch, into out: inout PointColumns, range: ClosedRange<Int64>
    ) throws(StrataError) {
        func slice(_ r: Range<Int>, _ bytes: UnsafeRawBufferPointer, _ base: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[(r.lowerBound - base)..<(r.upperBound - base)])
        }
        let timeRange = b.time.offset..<(b.time.offset + b.time.length)
        let present: [Int32]?
        do throws(CodecError) {
            let rows = try scratch.timestamps.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in
                try TimestampCodec.decode(slice(timeRange, times, timeBase), into: UnsafeMutableBufferPointer(rebasing: dst[0..<b.time.rows]))
            }
            guard rows == b.time.rows, scratch.timestamps[0] == b.time.minTime, scratch.timestamps[rows - 1] == b.time.maxTime else {
                throw CodecError(.malformed, codec: "timestamps", offset: 0, "block holds \(rows) timestamps, the index says \(b.time.rows) in \(b.time.minTime)...\(b.time.maxTime)")
            }
            let values = try scratch.values.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in
                try ValueCodec.decode(slice(b.values, series, base), into: UnsafeMutableBufferPointer(rebasing: dst[0..<b.count]))
            }
            var qualities = b.count
            if b.qualities.isEmpty {
                scratch.qualities.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: b.count) }
            } else {
                qualities = try scratch.qualities.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in
                    try QualityCodec.decode(slice(b.qualities, series, base), into: UnsafeMutableBufferPointer(rebasing: dst[0..<b.count]))
                }
            }
            present = try b.presence.map { (r) throws(CodecError) in try PresenceCodec.decode(slice(r, series, base), rows: b.time.rows) }
            guard values == b.count, qualities == b.count, (present?.count ?? rows) == b.count else {
                throw CodecError(.malformed, codec: "block", offset: 0, "block columns disagree: \(values) values, \(qualities) qualities, \(b.count) points")
            }
        } catch {
            throw StrataError(error, file: name, blockOffset: ChunkFormat.headerSize + b.values.lowerBound)
        }
        let fullyInside = b.time.minTime >= range.lowerBound && b.time.maxTime <= range.upperBound
        if let present {
            // The series' own timestamps: its rows of the shared column, gathered in place
            // (row present[i] >= i, so the scratch column can be overwritten front to back).
            scratch.timestamps.withUnsafeMutableBufferPointer { ts in
                present.withUnsafeBufferPointer { rows in
                    for i in 0..<b.count { ts[i] = ts[Int(rows[i])] }
                }
            }
        }
        if fullyInside {
            out.timestamps.append(contentsOf: scratch.timestamps[0..<b.count])
            out.values.append(contentsOf: scratch.values[0..<b.count])
            out.qualities.append(contentsOf: scratch.qualities[0..<b.count])
        } else {
            for i in 0..<b.count where scratch.timestamps[i] >= range.lowerBound && scratch.timestamps[i] <= range.upperBound {
                out.append(scratch.timestamps[i], scratch.values[i], scratch.qualities[i])
            }
        }
    }
}
