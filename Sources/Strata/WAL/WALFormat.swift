import StrataCodecs

// The write-ahead log's bytes, shared by WALWriter and WALReader.
// FORMAT.md, "Write-ahead log". The block framing follows LevelDB's
// doc/log_format.md: a damaged fragment costs at most the rest of its 32 KiB
// block, so recovery resynchronises in bounded time whatever the damage.
//
//   segment  := header, then 32 KiB blocks (block 0 starts at byte 0 and
//               holds the header first)
//   header   := "SWAL" version:u16le(2) flags:u16le(0) sequence:u64le
//               previousDurable:u64le                                          (24 bytes)
//               previousDurable: bytes of segment sequence-1 known durable when
//               this one was created (all of it after a normal rotation; less
//               after a failed fsync, whose records were reported as failed)
//   fragment := crc32c:u32le length:u16le type:u8 data[length]     never crosses a block
//               type 1 full, 2 first, 3 middle, 4 last; crc32c covers type and data.
//               Fewer than 7 bytes left in a block are zero padding.
//   record   := kind:u8 syncedThrough:varint body       (the data of its fragments, in order)
//               syncedThrough: bytes of this segment known durable when the record was framed
//   kind 1   := definitions batch
//   kind 2   := definitions uncompressedLength:varint lz4-block(batch)
//   kind 3   := (empty) checkpoint, appended at close after a sync: everything
//               before it was durable, so damage before it is never a torn tail
//   kind 4   := definitions deletion        (Model/LogChanges.swift)
//   kind 5   := definitions attributes      (Model/LogChanges.swift)
//   definitions := count:varint [firstID:varint (device:name sensor:name){count}]
//   (kinds 0 and 6-255 are unknown: a record with one is corrupt)

enum WALFormat {
    static let fileHeader = FileHeader(magic: Array("SWAL".utf8), version: 2, kind: "WAL segment")
    static let headerSize = 24
    static let blockSize = 32 * 1024
    static let fragmentHeaderSize = 7
    /// Largest logical record, written or read: a batch of about 15M points.
    /// A larger batch is rejected before it is logged.
    static let maxRecordSize = 256 << 20

    enum FragmentType: UInt8 {
        case full = 1, first = 2, middle = 3, last = 4
    }

    enum RecordKind: UInt8 {
        case batch = 1
        case batchLZ4 = 2
        case checkpoint = 3
        case deletion = 4
        case attributes = 5
    }

    static func header(sequence: UInt64, previousDurable: Int) -> [UInt8] {
        var h = fileHeader.bytes()
        h.appendUInt64LE(sequence)
        h.appendUInt64LE(UInt64(previousDurable))
        return h
    }

    /// A batch body ready to frame: compressed with LZ4 when that is at least 1/8 smaller.
    /// (Done before taking the store's lock.)
    static func payload(body: [UInt8]) -> (kind: RecordKind, bytes: [UInt8]) {
        if body.count >= 256, let packed = try? ByteCompression.lz4.compress(body), packed.count + 5 < body.count - body.count / 8 {
            var payload: [UInt8] = []
            payload.reserveCapacity(packed.count + 5)
            payload.appendVarint(body.count)
            payload.append(contentsOf: packed)
            return (.batchLZ4, payload)
        }
        return (.batch, body)
    }

    /// The definitions section for series `firstID...` named `keys`.
    static func definitions(firstID: SeriesID, _ keys: [SeriesKey]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendVarint(keys.count)
        guard !keys.isEmpty else { return out }
        out.appendVarint(UInt64(firstID))
        for key in keys {
            out.appendString(key.deviceID)
            out.appendString(key.sensorType)
        }
        return out
    }

    /// A logical record (before fragmentation).
    static func record(kind: RecordKind, syncedThrough: Int, parts: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [kind.rawValue]
        out.reserveCapacity(parts.reduce(11) { $0 + $1.count })
        out.appendVarint(syncedThrough)
        for p in parts { out.append(contentsOf: p) }
        return out
    }

    /// The fragments of `record` written at byte `offset` of a segment: the bytes to
    /// append (padding included) so that no fragment crosses a block boundary.
    static func frame(_ record: [UInt8], at offset: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(record.count + (record.count / (blockSize - fragmentHeaderSize) + 2) * (fragmentHeaderSize + 6))
        var position = offset
        var start = 0
        var first = true
        repeat {
            var room = blockSize - position % blockSize
            if room < fragmentHeaderSize {
                out.append(contentsOf: repeatElement(0, count: room))
                position += room
                room = blockSize
            }
            let n = min(room - fragmentHeaderSize, record.count - start)
            let end = start + n == record.count
            let type: FragmentType = first ? (end ? .full : .first) : (end ? .last : .middle)
            var crc = CRC32C.checksum([type.rawValue])
            record.withUnsafeBytes { crc = CRC32C.extend(crc, UnsafeRawBufferPointer(rebasing: $0[start..<(start + n)])) }
            out.appendUInt32LE(crc)
            out.appendUInt16LE(UInt16(n))
            out.append(type.rawValue)
            out.append(contentsOf: record[start..<(start + n)])
            position += fragmentHeaderSize + n
            start += n
            first = false
        } while start < record.count
        return out
    }
}
