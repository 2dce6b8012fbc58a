import StrataCodecs

// The write batch (LevelDB's write_batch): what one `Store.write` logs and
// applies. Points are grouped by series in flat columns (group k is
// `groupRange(k)`; within a group, points are in write order), so a batch of
// many small groups is a handful of allocations. FORMAT.md, "Write-ahead
// log", gives the encoding of the body:
//
//   batch := sources:varint (source:text position:text)*
//            groups:varint group*
//   group := series:varint n:varint t0:svarint (delta:svarint){n-1} (bits:u64le){n}
//            runs:varint (quality:u8 length:varint)*

/// One logged batch: the series it defines (from the record's definitions),
/// the source positions it carries, and its points grouped by series.
struct WriteBatch: Equatable, Sendable {
    var newSeries: [(id: SeriesID, key: SeriesKey)] = []
    var sources: [(source: String, position: String)] = []
    var series: [SeriesID] = []
    var groupEnds: [Int] = []
    var timestamps: [Int64] = []
    var values: [Double] = []
    var qualities: [UInt8] = []
    /// A deletion record (WAL kind 4): no points, this deletion.
    var deletion: Deletion?
    /// An attributes record (WAL kind 5): no points, this change.
    var attributes: AttributeChange?

    var pointCount: Int { timestamps.count }

    @inline(__always)
    func groupRange(_ k: Int) -> Range<Int> { (k == 0 ? 0 : groupEnds[k - 1])..<groupEnds[k] }

    static func == (a: WriteBatch, b: WriteBatch) -> Bool {
        a.newSeries.map(\.id) == b.newSeries.map(\.id) && a.newSeries.map(\.key) == b.newSeries.map(\.key)
            && a.sources.map(\.source) == b.sources.map(\.source) && a.sources.map(\.position) == b.sources.map(\.position)
            && a.series == b.series && a.groupEnds == b.groupEnds && a.timestamps == b.timestamps
            && a.values.map(\.bitPattern) == b.values.map(\.bitPattern) && a.qualities == b.qualities
            && a.deletion == b.deletion && a.attributes == b.attributes
    }

    /// An upper bound of the encoded size, for reserving and for the record limit.
    var encodedSizeBound: Int { 16 + pointCount * 19 + series.count * 24 + sources.reduce(0) { $0 + 12 + $1.source.utf8.count + $1.position.utf8.count } }

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + pointCount * 11 + series.count * 8)
        out.appendVarint(sources.count)
        for (source, position) in sources {
            out.appendString(source)
            out.appendString(position)
        }
        out.appendVarint(series.count)
        for k in 0..<series.count {
            let range = groupRange(k)
            out.appendVarint(UInt64(series[k]))
            out.appendVarint(range.count)
            var previous: Int64 = 0
            for i in range {
                out.appendSignedVarint(timestamps[i] &- previous)
                previous = timestamps[i]
            }
            values[range].withUnsafeBytes { out.append(contentsOf: $0) }  // little-endian hosts
            // Quality runs.
            var runs = 0
            var i = range.lowerBound
            while i < range.upperBound {
                var j = i + 1
                while j < range.upperBound && qualities[j] == qualities[i] { j += 1 }
                runs += 1
                i = j
            }
            out.appendVarint(runs)
            i = range.lowerBound
            while i < range.upperBound {
                var j = i + 1
                while j < range.upperBound && qualities[j] == qualities[i] { j += 1 }
                out.append(qualities[i])
                out.appendVarint(j - i)
                i = j
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(CodecError) -> WriteBatch {
        try bytes.withBytes { (raw) throws(CodecError) -> WriteBatch in
            var r = ByteReader(raw, codec: "write batch")
            var batch = WriteBatch()
            let limit = raw.count
            let sourceCount = try r.readCount("source count", limit: limit)
            for _ in 0..<sourceCount {
                let source = try r.readText()
                let position = try r.readText()
                batch.sources.append((source, position))
            }
            let groupCount = try r.readCount("group count", limit: limit)
            batch.series.reserveCapacity(groupCount)
            batch.groupEnds.reserveCapacity(groupCount)
            // Every point takes at least 9 bytes (a delta byte and 8 value bytes).
            batch.timestamps.reserveCapacity(limit / 9)
            batch.values.reserveCapacity(limit / 9)
            batch.qualities.reserveCapacity(limit / 9)
            for _ in 0..<groupCount {
                let id = try r.readVarint()
                guard id <= UInt64(SeriesID.max) else { throw r.error(.malformed, "series id \(id) out of range") }
                let n = try r.readCount("point count", limit: r.remaining / 9)
                var t: Int64 = 0
                for _ in 0..<n {
                    t = t &+ (try r.readSignedVarint())
                    batch.timestamps.append(t)
                }
                let valueBytes = try r.readBytes(n * 8)
                for i in 0..<n {
                    batch.values.append(Double(bitPattern: UInt64(littleEndian: valueBytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
                }
                let runCount = try r.readCount("quality runs", limit: n)
                var covered = 0
                for _ in 0..<runCount {
                    let code = try r.readByte()
                    guard code <= 2 else { throw r.error(.malformed, "quality code \(code)") }
                    let length = try r.readCount("run length", limit: n - covered)
                    guard length > 0 else { throw r.error(.malformed, "empty quality run") }
                    batch.qualities.append(contentsOf: repeatElement(code, count: length))
                    covered += length
                }
                guard covered == n else { throw r.error(.malformed, "quality runs cover \(covered) of \(n) points") }
                batch.series.append(SeriesID(id))
                batch.groupEnds.append(batch.timestamps.count)
            }
            try r.expectEnd()
            return batch
        }
    }
}
