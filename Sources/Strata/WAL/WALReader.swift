import StrataCodecs

// Reads WAL segments at recovery. FORMAT.md, "Write-ahead log".
//
// A record that is cut short or fails its checksum ends the segment. If it is
// in the last segment and nothing after it proves it had been made durable,
// it is a torn tail: recovery truncates there and reports the bytes and
// records dropped (LevelDB's log::Reader reports, Prometheus' WAL repair).
// Otherwise, a corrupt record in an older segment, or one followed by a record
// written after it was synced, is an error naming the segment and offset.

struct WALScanResult: Equatable {
    /// Records applied.
    var records = 0
    /// Offset just after the last good record: the segment's valid length.
    var validLength = WALFormat.headerSize
    /// Torn tail dropped from a last segment.
    var droppedBytes = 0
    var droppedRecords = 0
}

enum WALReader {
    /// Parses the record at `offset`, or returns nil if it is cut short or fails its checksum.
    static func record(in bytes: [UInt8], at offset: Int) -> (type: UInt8, syncedThrough: Int, payload: Range<Int>, end: Int)? {
        guard bytes.count - offset >= WALFormat.prefixSize else { return nil }
        let length = Int(load32(bytes, offset))
        guard length >= 2, length <= WALFormat.maxRecordSize, length <= bytes.count - offset - WALFormat.prefixSize else { return nil }
        let start = offset + WALFormat.prefixSize
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
        guard crc == load32(bytes, offset + 4) else { return nil }
        // syncedThrough: a varint after the type byte.
        var synced: UInt64 = 0
        var shift: UInt64 = 0
        var i = start + 1
        while i < start + length {
            let b = bytes[i]
            i += 1
            guard shift < 64 else { return nil }
            synced |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard synced <= UInt64(Int.max), i <= start + length else { return nil }
        return (bytes[start], Int(synced), i..<(start + length), start + length)
    }

    @inline(__always)
    static func load32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    /// Reads one segment, handing each batch to `apply` in order.
    static func scan(
        _ bytes: [UInt8], sequence: UInt64, isLast: Bool, apply: (WALBatch) throws(StrataError) -> Void
    ) throws(StrataError) -> WALScanResult {
        let file = FileNames.walSegment(sequence)
        var result = WALScanResult()
        guard bytes.count >= WALFormat.headerSize else {
            // A segment whose header never fully reached the disk: only possible for the last one.
            guard isLast else { throw StrataError(.corruption, "segment header cut short (\(bytes.count) bytes)", file: file, offset: 0) }
            result.validLength = 0
            result.droppedBytes = bytes.count
            return result
        }
        guard try WALFormat.fileHeader.check(bytes, file: file) == 0 else {
            throw StrataError(.corruption, "reserved header bytes set", file: file, offset: 6)
        }
        let headerSequence = UInt64(load32(bytes, 8)) | UInt64(load32(bytes, 12)) << 32
        guard headerSequence == sequence else {
            throw StrataError(.corruption, "segment header says sequence \(headerSequence)", file: file, offset: 8)
        }
        var offset = WALFormat.headerSize
        while offset < bytes.count {
            guard let r = record(in: bytes, at: offset) else {
                try classifyBadRecord(bytes, at: offset, file: file, isLast: isLast, result: &result)
                return result
            }
            var batch: WALBatch
            do throws(CodecError) {
                guard let type = WALFormat.RecordType(rawValue: r.type) else {
                    throw CodecError(.unknownCodec, codec: "wal record", offset: 0, "unknown record type \(r.type)")
                }
                let (definitions, payload) = try Array(bytes[r.payload]).withBytes { (raw) throws(CodecError) in
                    var reader = ByteReader(raw, codec: "wal record")
                    let count = try reader.readCount("definitions", limit: raw.count)
                    var definitions: [(id: SeriesID, key: SeriesKey)] = []
                    if count > 0 {
                        let first = try reader.readVarint()
                        guard first &+ UInt64(count) <= UInt64(SeriesID.max) else { throw reader.error(.malformed, "series id \(first) out of range") }
                        for i in 0..<count {
                            let device = try CatalogFile.readString(&reader)
                            let sensor = try CatalogFile.readString(&reader)
                            definitions.append((SeriesID(first) + SeriesID(i), SeriesKey(unchecked: device, sensor)))
                        }
                    }
                    return (definitions, Array(try reader.readBytes(reader.remaining)))
                }
                switch type {
                case .batch:
                    batch = try WALBatch.decode(payload)
                case .batchLZ4:
                    let (size, packed) = try payload.withBytes { (raw) throws(CodecError) -> (Int, [UInt8]) in
                        var reader = ByteReader(raw, codec: "wal record")
                        let size = try reader.readCount("uncompressed size", limit: WALFormat.maxRecordSize)
                        return (size, Array(try reader.readBytes(reader.remaining)))
                    }
                    batch = try WALBatch.decode(try ByteCompression.lz4.decompress(packed, originalSize: size, limit: WALFormat.maxRecordSize))
                }
                batch.newSeries = definitions
            } catch {
                // The checksum matched, so these are the bytes that were written: not a torn write.
                throw StrataError(.corruption, "record does not decode: \(error)", file: file, offset: offset)
            }
            try apply(batch)
            result.records += 1
            offset = r.end
            result.validLength = offset
        }
        return result
    }

    /// Decides whether a bad record at `offset` is a torn tail (recorded in `result`) or corruption (thrown).
    private static func classifyBadRecord(
        _ bytes: [UInt8], at offset: Int, file: String, isLast: Bool, result: inout WALScanResult
    ) throws(StrataError) {
        guard isLast else {
            throw StrataError(.corruption, "bad record in a segment that was complete (length or checksum)", file: file, offset: offset)
        }
        // Look for intact records after the bad one. One that was written after
        // the bad record had been synced proves the bad record was durable: the
        // damage is not a torn write but corruption of acknowledged data.
        var later = 0
        var position = offset + 1
        while position + WALFormat.prefixSize <= bytes.count {
            if let r = record(in: bytes, at: position) {
                if r.syncedThrough > offset {
                    throw StrataError(.corruption, "bad record (length or checksum) followed by a record written after it was synced, at byte \(position)", file: file, offset: offset)
                }
                later += 1
                position = r.end
            } else {
                position += 1
            }
        }
        result.droppedBytes = bytes.count - offset
        result.droppedRecords = later + 1
    }
}
