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
        var dataStart: Int
        var timeBlocks: [TimeBlock]
    }

    struct Locator {
        var group: Int32
        var entryOffset: Int32
        var entryLength: Int32
        var count: Int
        var minTime: Int64
        var maxTime: Int64
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
            guard Array(header[0..<4]) == ChunkFormat.magic else { throw StrataError(.corruption, "bad magic", file: name, offset: 0) }
            let version = UInt16(header[4]) | UInt16(header[5]) << 8
            guard version == ChunkFormat.version else {
                throw StrataError(.unsupportedVersion, "chunk version \(version); this build reads version \(ChunkFormat.version)", file: name, offset: 4)
            }
            let flags = UInt16(header[6]) | UInt16(header[7]) << 8
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

    /// Walks the index once: group time blocks, and a locator per series.
    private static func parseTable(_ index: [UInt8], partitionStart: Int64, dataLength: Int) throws(CodecError)
        -> ([Group], [SeriesID: Locator], ChunkSummary)
    {
        try index.withBytes { (raw) throws(CodecError) in
            var r = ByteReader(raw, codec: "chunk index")
            var groups: [Group] = []
            var table: [SeriesID: Locator] = [:]
            var summary = ChunkSummary(size: 0, points: 0, series: 0, minTime: .max, maxTime: .min)
            let groupCount = try r.readCount("groups", limit: raw.count)
            for g in 0..<groupCount {
                let flags = try r.readByte()
                guard flags & ~ChunkFormat.GroupFlag.shared == 0 else { throw r.error(.malformed, "unknown group flags \(flags)") }
                let dataStart = try r.readCount("group data offset", limit: dataLength)
                var group = Group(shared: flags & ChunkFormat.GroupFlag.shared != 0, dataStart: dataStart, timeBlocks: [])
                var offset = dataStart
                if group.shared {
                    let blocks = try r.readCount("time blocks", limit: raw.count)
                    for _ in 0..<blocks { group.timeBlocks.append(try r.readTimeBlock(partitionStart: partitionStart, offset: &offset)) }
                }
                guard offset <= dataLength else { throw r.error(.malformed, "blocks run past the data region") }
                groups.append(group)
                let seriesCount = try r.readCount("series", limit: raw.count)
                for _ in 0..<seriesCount {
                    let id = try r.readVarint()
                    guard id <= UInt64(SeriesID.max) else { throw r.error(.malformed, "series id \(id)") }
                    let length = try r.readCount("entry length", limit: r.remaining)
                    let entryOffset = r.offset
                    var e = ByteReader(try r.readBytes(length), codec: "chunk index")
                    _ = try e.readByte()
                    let count = try e.readCount("points", limit: 1 << 40)
                    let minTime = partitionStart &+ (try e.readSignedVarint())
                    let maxTime = minTime &+ Int64(bitPattern: try e.readVarint())
                    guard table[SeriesID(id)] == nil else { throw r.error(.malformed, "series \(id) appears twice") }
                    table[SeriesID(id)] = Locator(group: Int32(g), entryOffset: Int32(entryOffset), entryLength: Int32(length),
                                                  count: count, minTime: minTime, maxTime: maxTime)
                    summary.points += count
                    summary.series += 1
                    summary.minTime = min(summary.minTime, minTime)
                    summary.maxTime = max(summary.maxTime, maxTime)
                }
            }
            try r.expectEnd()
            return (groups, table, summary)
        }
    }

    func locator(_ id: SeriesID) -> Locator? { table[id] }

    /// The parsed entry of a series, or nil if the file does not hold it.
    func entry(_ id: SeriesID) throws(StrataError) -> SeriesEntry? {
        guard let loc = table[id] else { return nil }
        let group = groups[Int(loc.group)]
        do throws(CodecError) {
            return try index.withBytes { (raw) throws(CodecError) -> SeriesEntry in
                let slice = UnsafeRawBufferPointer(rebasing: raw[Int(loc.entryOffset)..<Int(loc.entryOffset + loc.entryLength)])
                var e = ByteReader(slice, codec: "chunk index")
                let flags = try e.readByte()
                guard flags & ~ChunkFormat.SeriesFlag.ownTimestamps == 0 else { throw e.error(.malformed, "unknown series flags \(flags)") }
                let own = flags & ChunkFormat.SeriesFlag.ownTimestamps != 0
                guard own != group.shared else { throw e.error(.malformed, "series timestamp mode contradicts its group") }
                _ = try e.readVarint()
                _ = try e.readSignedVarint()
                _ = try e.readVarint()
                var offset = group.dataStart + (try e.readCount("data offset", limit: dataLength))
                let blockCount = try e.readCount("blocks", limit: slice.count)
                guard own || blockCount == group.timeBlocks.count else { throw e.error(.malformed, "block count differs from the group's") }
                var blocks: [SeriesBlock] = []
                blocks.reserveCapacity(blockCount)
                var total = 0
                for b in 0..<blockCount {
                    if own {
                        let time = try e.readTimeBlock(partitionStart: partitionStart, offset: &offset)
                        let values = try e.readRef(offset: &offset)
                        let qualities = try e.readRef(offset: &offset)
                        blocks.append(SeriesBlock(time: time, count: time.rows, presence: nil, values: values, qualities: qualities))
                    } else {
                        let time = group.timeBlocks[b]
                        let count = try e.readCount("points in block", limit: time.rows)
                        var block = SeriesBlock(time: time, count: count)
                        if count > 0 {
                            if count < time.rows { block.presence = try e.readRef(offset: &offset) }
                            block.values = try e.readRef(offset: &offset)
                            block.qualities = try e.readRef(offset: &offset)
                        }
                        blocks.append(block)
                    }
                    total += blocks[b].count
                }
                guard total == loc.count, offset <= dataLength else { throw e.error(.malformed, "blocks hold \(total) points, the entry says \(loc.count)") }
                try Self.readStatistics(&e, blocks: &blocks, shared: !own)
                try e.expectEnd()
                return SeriesEntry(id: id, count: loc.count, minTime: loc.minTime, maxTime: loc.maxTime, sharedTimestamps: !own, blocks: blocks)
            }
        } catch {
            throw StrataError(error, file: name, blockOffset: 0)
        }
    }

    private static func readStatistics(_ e: inout ByteReader, blocks: inout [SeriesBlock], shared: Bool) throws(CodecError) {
        let nonEmpty = blocks.indices.filter { blocks[$0].count > 0 }
        let k = nonEmpty.count
        var minOffsets = [UInt64](repeating: 0, count: k), maxOffsets = [UInt64](repeating: 0, count: k)
        if shared {
            for i in 0..<k { minOffsets[i] = try e.readVarint() }
            for i in 0..<k { maxOffsets[i] = try e.readVarint() }
        }
        func column() throws(CodecError) -> [UInt8] {
            Array(try e.readBytes(try e.readCount("statistics column", limit: e.remaining)))
        }
        let masks = try QualityCodec.decode(try column(), maxCount: k)
        var fields: [[Double]] = []
        for _ in 0..<5 { fields.append(try ValueCodec.decode(try column(), maxCount: k)) }
        guard masks.count == k, fields.allSatisfy({ $0.count == k }) else { throw e.error(.malformed, "statistics columns of the wrong length") }
        for (i, b) in nonEmpty.enumerated() {
            let time = blocks[b].time
            blocks[b].statistics = BlockStatistics(
                count: blocks[b].count, minTime: time.minTime &+ Int64(bitPattern: minOffsets[i]),
                maxTime: time.maxTime &- Int64(bitPattern: maxOffsets[i]),
                first: fields[0][i], last: fields[1][i], min: fields[2][i], max: fields[3][i], sum: fields[4][i], qualityMask: masks[i])
        }
    }

    /// The bytes of a block, checksum verified.
    func block(_ ref: BlockRef) throws(StrataError) -> [UInt8] {
        let bytes: [UInt8]
        if zstd {
            let data = try coldRegion()
            guard ref.offset + ref.length <= data.count else {
                throw StrataError(.corruption, "block at \(ref.offset) runs past the data region", file: name, offset: ref.offset)
            }
            bytes = Array(data[ref.offset..<(ref.offset + ref.length)])
        } else {
            bytes = try file.read(at: ChunkFormat.headerSize + ref.offset, count: ref.length)
        }
        guard CRC32C.checksum(bytes) == ref.crc else {
            throw StrataError(.corruption, "block checksum mismatch", file: name, offset: ChunkFormat.headerSize + ref.offset)
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
        out.reserve(min(loc.count, 1 << 20))
        for b in entry.blocks where b.count > 0 {
            guard let st = b.statistics, st.maxTime >= range.lowerBound, st.minTime <= range.upperBound else { continue }
            try decode(b, into: &out, range: range)
        }
        return out
    }

    /// Decodes one series block, appending the points inside `range`.
    func decode(_ b: SeriesBlock, into out: inout PointColumns, range: ClosedRange<Int64>) throws(StrataError) {
        guard let valuesRef = b.values, let qualitiesRef = b.qualities else { return }
        let rows = try decodeTimestamps(b.time)
        let valueBytes = try block(valuesRef), qualityBytes = try block(qualitiesRef)
        let presenceBytes = try b.presence.map { (ref) throws(StrataError) in try block(ref) }
        let values: [Double], qualities: [UInt8], present: [Int32]?
        do throws(CodecError) {
            values = try ValueCodec.decode(valueBytes, maxCount: b.count)
            qualities = try QualityCodec.decode(qualityBytes, maxCount: b.count)
            present = try presenceBytes.map { (bytes) throws(CodecError) in try PresenceCodec.decode(bytes, rows: b.time.rows) }
        } catch {
            throw StrataError(error, file: name, blockOffset: ChunkFormat.headerSize + valuesRef.offset)
        }
        guard values.count == b.count, qualities.count == b.count, (present?.count ?? rows.count) == b.count else {
            throw StrataError(.corruption, "block columns disagree: \(values.count) values, \(qualities.count) qualities, \(b.count) points",
                              file: name, offset: ChunkFormat.headerSize + valuesRef.offset)
        }
        for i in 0..<b.count {
            let t = rows[present.map { Int($0[i]) } ?? i]
            if t >= range.lowerBound && t <= range.upperBound { out.append(t, values[i], qualities[i]) }
        }
    }

    func decodeTimestamps(_ time: TimeBlock) throws(StrataError) -> [Int64] {
        let bytes = try block(time.ref)
        do throws(CodecError) {
            let t = try TimestampCodec.decode(bytes, maxCount: time.rows)
            guard t.count == time.rows, t.first == time.minTime, t.last == time.maxTime else {
                throw CodecError(.malformed, codec: "timestamps", offset: 0, "block holds \(t.count) timestamps, the index says \(time.rows) in \(time.minTime)...\(time.maxTime)")
            }
            return t
        } catch {
            throw StrataError(error, file: name, blockOffset: ChunkFormat.headerSize + time.ref.offset)
        }
    }
}
