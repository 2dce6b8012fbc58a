import StrataCodecs

// The write-ahead log's bytes, shared by WALWriter and WALReader.
// FORMAT.md, "Write-ahead log".
//
//   segment := header record*
//   header  := "SWAL" version:u16le(1) reserved:u16le(0) sequence:u64le      (16 bytes)
//   record  := length:u32le crc32c:u32le type:u8 syncedThrough:varint definitions payload
//              length counts the bytes after the 8-byte prefix (type through payload);
//              crc32c covers exactly those bytes.
//   definitions := count:varint [firstID:varint (device:name sensor:name){count}]
//              series firstID, firstID+1, ... created since the previous record
//   type 1  := payload is a batch
//   type 2  := payload is uncompressedLength:varint + an LZ4 block of the batch
//   (types 0 and 3-255 are unknown: a record with one is corrupt)

enum WALFormat {
    static let fileHeader = FileHeader(magic: Array("SWAL".utf8), version: 1, kind: "WAL segment")
    static let headerSize = 16
    static let prefixSize = 8
    /// Largest record accepted when reading (a batch of about 4M points).
    static let maxRecordSize = 64 << 20

    enum RecordType: UInt8 {
        case batch = 1
        case batchLZ4 = 2
    }

    static func header(sequence: UInt64) -> [UInt8] {
        var h = fileHeader.bytes()
        h.appendUInt64LE(sequence)
        return h
    }

    /// A batch body ready to frame: compressed with LZ4 when that is at least 1/8 smaller.
    /// (Done before taking the store's lock.)
    static func payload(body: [UInt8]) -> (type: RecordType, bytes: [UInt8]) {
        if body.count >= 256, let packed = try? ByteCompression.lz4.compress(body), packed.count + 5 < body.count - body.count / 8 {
            var payload: [UInt8] = []
            payload.reserveCapacity(packed.count + 5)
            Varint.append(UInt64(body.count), to: &payload)
            payload.append(contentsOf: packed)
            return (.batchLZ4, payload)
        }
        return (.batch, body)
    }

    /// The definitions section for series `firstID...` named `keys`.
    static func definitions(firstID: SeriesID, _ keys: [SeriesKey]) -> [UInt8] {
        var out: [UInt8] = []
        Varint.append(UInt64(keys.count), to: &out)
        guard !keys.isEmpty else { return out }
        Varint.append(UInt64(firstID), to: &out)
        for key in keys {
            CatalogFile.appendString(key.deviceID, to: &out)
            CatalogFile.appendString(key.sensorType, to: &out)
        }
        return out
    }

    /// Frames a record (done under the store's lock: `syncedThrough` and the definitions are current).
    static func record(payload: (type: RecordType, bytes: [UInt8]), definitions: [UInt8], syncedThrough: Int) -> [UInt8] {
        var inner: [UInt8] = [payload.type.rawValue]
        inner.reserveCapacity(payload.bytes.count + definitions.count + 11)
        Varint.append(UInt64(syncedThrough), to: &inner)
        inner.append(contentsOf: definitions)
        inner.append(contentsOf: payload.bytes)
        var out: [UInt8] = []
        out.reserveCapacity(inner.count + prefixSize)
        out.appendUInt32LE(UInt32(inner.count))
        out.appendUInt32LE(CRC32C.checksum(inner))
        out.append(contentsOf: inner)
        return out
    }
}

/// One write batch as logged: the series defined before it (from the record's
/// definitions section), the source positions it carries, and its points
/// grouped by series, in flat columns (group k is the range
/// `groupStart(k)..<groupEnds[k]`; within a group, points are in write order).
/// Flat columns keep a batch of many small groups to a handful of allocations.
struct WALBatch: Equatable {
    var newSeries: [(id: SeriesID, key: SeriesKey)] = []
    var sources: [(source: String, position: String)] = []
    var series: [SeriesID] = []
    var groupEnds: [Int] = []
    var timestamps: [Int64] = []
    var values: [Double] = []
    var qualities: [UInt8] = []

    var pointCount: Int { timestamps.count }

    @inline(__always)
    func groupRange(_ k: Int) -> Range<Int> { (k == 0 ? 0 : groupEnds[k - 1])..<groupEnds[k] }

    static func == (a: WALBatch, b: WALBatch) -> Bool {
        a.newSeries.map(\.id) == b.newSeries.map(\.id) && a.newSeries.map(\.key) == b.newSeries.map(\.key)
            && a.sources.map(\.source) == b.sources.map(\.source) && a.sources.map(\.position) == b.sources.map(\.position)
            && a.series == b.series && a.groupEnds == b.groupEnds && a.timestamps == b.timestamps
            && a.values.map(\.bitPattern) == b.values.map(\.bitPattern) && a.qualities == b.qualities
    }

    //   batch := sources:varint (source:name position:name)*
    //            groups:varint group*
    //   group := series:varint n:varint t0:svarint (delta:svarint){n-1} (bits:u64le){n}
    //            runs:varint (code:u8 length:varint)*
    //   name  := length:varint UTF-8 bytes
    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + pointCount * 11 + series.count * 8)
        Varint.append(UInt64(sources.count), to: &out)
        for (source, position) in sources {
            CatalogFile.appendString(source, to: &out)
            CatalogFile.appendString(position, to: &out)
        }
        Varint.append(UInt64(series.count), to: &out)
        for k in 0..<series.count {
            let range = groupRange(k)
            Varint.append(UInt64(series[k]), to: &out)
            Varint.append(UInt64(range.count), to: &out)
            var previous: Int64 = 0
            for i in range {
                Varint.appendSigned(timestamps[i] &- previous, to: &out)
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
            Varint.append(UInt64(runs), to: &out)
            i = range.lowerBound
            while i < range.upperBound {
                var j = i + 1
                while j < range.upperBound && qualities[j] == qualities[i] { j += 1 }
                out.append(qualities[i])
                Varint.append(UInt64(j - i), to: &out)
                i = j
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(CodecError) -> WALBatch {
        try bytes.withBytes { (raw) throws(CodecError) -> WALBatch in
            var r = ByteReader(raw, codec: "wal batch")
            var batch = WALBatch()
            let limit = raw.count
            let sourceCount = try r.readCount("source count", limit: limit)
            for _ in 0..<sourceCount {
                let source = try readText(&r)
                let position = try readText(&r)
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
                for i in 0..<n { batch.values.append(Double(bitPattern: UInt64(littleEndian: valueBytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
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

    /// Source names and positions: any UTF-8 up to 4 KiB.
    static func readText(_ r: inout ByteReader) throws(CodecError) -> String {
        let length = try r.readCount("text length", limit: 4096)
        let bytes = try r.readBytes(length)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw r.error(.malformed, "text is not valid UTF-8") }
        return s
    }
}
