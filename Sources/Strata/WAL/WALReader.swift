import StrataCodecs

// Reads WAL segments at recovery. FORMAT.md, "Write-ahead log".
//
// Fragments are checked one by one (length within the block, checksum); a
// damaged fragment costs the rest of its 32 KiB block and recovery goes on at
// the next block, so scanning is linear whatever the damage.
//
// What damage means (LevelDB's log::Reader reports it, Prometheus repairs it;
// here it is classified before anything is dropped):
//  - The segment ends inside a record, or its tail is zeros (a file system
//    that saved the size before the data): a torn tail, truncated and reported.
//  - Damage followed by an intact record framed after the damaged bytes were
//    synced (its syncedThrough is past them), or by a checkpoint: synced data
//    was damaged. That is corruption, never a torn tail: an error naming the
//    segment and offset, or, when salvaging, the damaged bytes are skipped,
//    the later records applied, and the loss reported.
//  - Damage with nothing after it that proves it was synced: a torn write of
//    the last records before a crash (only in the last segment; in an older
//    segment only past the bytes its successor's header says were durable).

/// A logical record read back from a segment.
struct WALRecord {
    var kind: UInt8
    var syncedThrough: Int
    /// The record's bytes after kind and syncedThrough.
    var body: ArraySlice<UInt8>
    /// Where its first fragment starts and where its last ends.
    var start: Int
    var end: Int
}

/// Bytes of a segment that could not be read (skipped when salvaging).
struct WALDamage: Equatable, Sendable {
    var offset: Int
    var length: Int
    var reason: String
}

struct WALScanResult: Equatable {
    /// Records applied (checkpoints aside).
    var records = 0
    /// Offset just after the last good record (or the end of the segment when
    /// nothing was truncated): the segment's valid length.
    var validLength = WALFormat.headerSize
    /// Torn tail dropped.
    var droppedBytes = 0
    var droppedRecords = 0
    /// Damage skipped when salvaging (empty otherwise: damage is an error).
    var skipped: [WALDamage] = []
    /// A checkpoint record was the last record: the store was closed cleanly.
    var checkpointed = false
}

enum WALReader {
    struct Header {
        var sequence: UInt64
        var previousDurable: Int
    }

    /// The segment's header; nil when it never fully reached the disk (cut
    /// short, or all zeros), which only a crash while creating the last segment leaves.
    static func header(_ bytes: [UInt8], file: String) throws(StrataError) -> Header? {
        if bytes.count < WALFormat.headerSize {
            return nil
        }
        if bytes[0..<WALFormat.headerSize].allSatisfy({ $0 == 0 }) { return nil }
        guard try WALFormat.fileHeader.check(bytes, file: file) == 0 else {
            throw StrataError(.corruption, "reserved header bytes set", file: file, offset: 6)
        }
        let durable = LittleEndian.u64(bytes, 16)
        guard durable <= UInt64(Int.max) else { throw StrataError(.corruption, "previous segment length \(durable)", file: file, offset: 16) }
        return Header(sequence: LittleEndian.u64(bytes, 8), previousDurable: Int(durable))
    }

    /// Iterates the fragments of a segment from `offset`, reassembling records.
    struct Records {
        enum Item {
            case record(WALRecord)
            /// Unreadable bytes; reading resumes after them.
            case damage(WALDamage)
            /// Zeros from `offset` to the end of the file.
            case zeros(offset: Int)
            /// The file ends inside the record starting at `offset`.
            case cut(offset: Int)
        }

        let bytes: [UInt8]
        var offset: Int
        private var pending: [UInt8] = []
        private var pendingStart: Int?
        private var queue: [Item] = []
        private var finished = false

        init(_ bytes: [UInt8], from offset: Int) {
            self.bytes = bytes
            self.offset = offset
        }

        private mutating func damage(_ start: Int, _ end: Int, _ reason: String) {
            if let p = pendingStart {
                queue.append(.damage(WALDamage(offset: p, length: end - p, reason: reason)))
                pendingStart = nil
                pending = []
            } else {
                queue.append(.damage(WALDamage(offset: start, length: end - start, reason: reason)))
            }
        }

        private func allZero(from start: Int) -> Bool {
            bytes.withUnsafeBytes { raw in
                var i = start
                while i < raw.count {
                    if raw[i] != 0 { return false }
                    i += 1
                }
                return true
            }
        }

        mutating func next() -> Item? {
            while queue.isEmpty && !finished { step() }
            return queue.isEmpty ? nil : queue.removeFirst()
        }

        private mutating func step() {
            let count = bytes.count
            guard offset < count else {
                if let p = pendingStart { queue.append(.cut(offset: p)) }
                finished = true
                return
            }
            let block = WALFormat.blockSize
            let blockEnd = (offset / block + 1) * block
            let room = blockEnd - offset
            if room < WALFormat.fragmentHeaderSize {
                offset = blockEnd  // padding
                return
            }
            if count - offset < WALFormat.fragmentHeaderSize {
                queue.append(allZero(from: offset) && pendingStart == nil ? .zeros(offset: offset) : .cut(offset: pendingStart ?? offset))
                finished = true
                return
            }
            let crc = LittleEndian.u32(bytes, offset)
            let length = Int(LittleEndian.u16(bytes, offset + 4))
            let typeByte = bytes[offset + 6]
            if crc == 0 && length == 0 && typeByte == 0 {
                if allZero(from: offset) {
                    queue.append(pendingStart.map { .cut(offset: $0) } ?? .zeros(offset: offset))
                    finished = true
                } else {
                    // A run of zeros (a page that never reached the disk): resume at the
                    // next non-zero byte of this block, or at the next block.
                    var next = offset
                    while next < min(blockEnd, count) && bytes[next] == 0 { next += 1 }
                    damage(offset, next, "zeros where a fragment should start")
                    offset = next
                }
                return
            }
            guard let type = WALFormat.FragmentType(rawValue: typeByte), length <= room - WALFormat.fragmentHeaderSize else {
                damage(offset, min(blockEnd, count), "bad fragment header (type \(typeByte), length \(length))")
                offset = blockEnd
                return
            }
            let dataStart = offset + WALFormat.fragmentHeaderSize
            let end = dataStart + length
            guard end <= count else {
                queue.append(.cut(offset: pendingStart ?? offset))
                finished = true
                return
            }
            let actual = bytes.withUnsafeBytes { raw in
                CRC32C.extend(CRC32C.checksum([typeByte]), UnsafeRawBufferPointer(rebasing: raw[dataStart..<end]))
            }
            guard actual == crc else {
                // The header is sane, so the next fragment most likely starts right after
                // this one: resume there (a damaged header costs the rest of the block).
                damage(offset, end, "fragment checksum mismatch")
                offset = end
                return
            }
            let start = offset
            offset = end
            switch type {
            case .full:
                if pendingStart != nil { damage(start, start, "record without its last fragment") }
                emit(start: start, end: end, data: bytes[dataStart..<end])
            case .first:
                if pendingStart != nil { damage(start, start, "record without its last fragment") }
                pendingStart = start
                pending = Array(bytes[dataStart..<end])
            case .middle, .last:
                guard let p = pendingStart else {
                    queue.append(.damage(WALDamage(offset: start, length: end - start, reason: "fragment without the start of its record")))
                    return
                }
                pending.append(contentsOf: bytes[dataStart..<end])
                if type == .last {
                    let data = pending
                    pending = []
                    pendingStart = nil
                    emit(start: p, end: end, data: data[...])
                }
            }
        }

        private mutating func emit(start: Int, end: Int, data: ArraySlice<UInt8>) {
            guard let kind = data.first else {
                queue.append(.damage(WALDamage(offset: start, length: end - start, reason: "empty record")))
                return
            }
            // syncedThrough: a varint after the kind byte.
            var synced: UInt64 = 0
            var shift: UInt64 = 0
            var i = data.startIndex + 1
            while true {
                guard i < data.endIndex, shift < 64 else {
                    queue.append(.damage(WALDamage(offset: start, length: end - start, reason: "record header cut short")))
                    return
                }
                let b = data[i]
                i += 1
                synced |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
            }
            guard synced <= UInt64(Int.max) else {
                queue.append(.damage(WALDamage(offset: start, length: end - start, reason: "syncedThrough out of range")))
                return
            }
            queue.append(.record(WALRecord(kind: kind, syncedThrough: Int(synced), body: data[i...], start: start, end: end)))
        }
    }

    /// Reads one segment (its header already checked), handing each record to
    /// `apply` in order. `durableLimit` is the number of bytes known durable
    /// (from the next segment's header), or nil for the last segment.
    static func scan(
        _ bytes: [UInt8], file: String, durableLimit: Int?, salvage: Bool, apply: (WALRecord) throws(StrataError) -> Void
    ) throws(StrataError) -> WALScanResult {
        var result = WALScanResult()
        result.validLength = min(bytes.count, WALFormat.headerSize)
        var records = Records(bytes, from: WALFormat.headerSize)

        /// Drops everything from `offset` as a torn tail.
        func torn(at offset: Int, records intact: Int) {
            result.droppedBytes = bytes.count - offset
            result.droppedRecords = intact
            result.validLength = offset
        }

        while let item = records.next() {
            switch item {
            case .record(let r):
                if let limit = durableLimit, r.end > limit {
                    // Appended after the last good sync of an abandoned segment: its writer was told it failed.
                    var later = 1
                    while let next = records.next() { if case .record = next { later += 1 } }
                    torn(at: r.start, records: later)
                    return result
                }
                try apply(r)
                result.checkpointed = r.kind == WALFormat.RecordKind.checkpoint.rawValue
                if !result.checkpointed { result.records += 1 }
                result.validLength = r.end
            case .zeros(let offset), .cut(let offset):
                if let limit = durableLimit, offset < limit {
                    throw StrataError(.corruption, "segment ends at byte \(offset) but its successor says \(limit) bytes were durable", file: file, offset: offset)
                }
                torn(at: offset, records: { if case .cut = item { return 1 } else { return 0 } }())
                return result
            case .damage(let d):
                // Is there proof that the damaged bytes had been synced?
                var proof: String?
                if let limit = durableLimit {
                    if d.offset < limit { proof = "its successor's header says \(limit) bytes of it were durable" }
                } else if result.checkpointed {
                    proof = "it follows the checkpoint written when the store was closed"
                }
                var later: [WALRecord] = []
                var tail = records
                while proof == nil, let next = tail.next() {
                    guard case .record(let r) = next else { continue }
                    later.append(r)
                    if r.syncedThrough > d.offset {
                        proof = "the record at byte \(r.start) was framed after byte \(r.syncedThrough) was synced"
                    } else if r.kind == WALFormat.RecordKind.checkpoint.rawValue {
                        proof = "the store was closed cleanly after it (checkpoint at byte \(r.start))"
                    }
                }
                guard let proof else {
                    torn(at: d.offset, records: 1 + later.count)
                    return result
                }
                guard salvage else {
                    throw StrataError(.corruption, "\(d.reason): \(d.length) bytes of synced data are damaged (\(proof))", file: file, offset: d.offset)
                }
                if let last = result.skipped.last, last.offset + last.length >= d.offset {
                    result.skipped[result.skipped.count - 1].length = max(last.length, d.offset + d.length - last.offset)
                } else {
                    result.skipped.append(d)
                }
            }
        }
        result.validLength = max(result.validLength, bytes.count)
        return result
    }

    /// A batch record's body: the series it defines and the batch.
    static func decodeBatch(_ record: WALRecord) throws(CodecError) -> WriteBatch {
        guard let kind = WALFormat.RecordKind(rawValue: record.kind), kind != .checkpoint else {
            throw CodecError(.unknownCodec, codec: "wal record", offset: 0, "unknown record kind \(record.kind)")
        }
        let body = Array(record.body)
        let (definitions, payloadStart) = try body.withBytes { (raw) throws(CodecError) in
            var reader = ByteReader(raw, codec: "wal record")
            let count = try reader.readCount("definitions", limit: raw.count)
            var definitions: [(id: SeriesID, key: SeriesKey)] = []
            if count > 0 {
                let first = try reader.readVarint()
                guard first &+ UInt64(count) <= UInt64(SeriesID.max) else { throw reader.error(.malformed, "series id \(first) out of range") }
                for i in 0..<count {
                    let device = try reader.readName()
                    let sensor = try reader.readName()
                    definitions.append((SeriesID(first) + SeriesID(i), SeriesKey(unchecked: device, sensor)))
                }
            }
            return (definitions, reader.offset)
        }
        let payload = Array(body[payloadStart...])
        var batch: WriteBatch
        switch kind {
        case .batch:
            batch = try WriteBatch.decode(payload)
        case .batchLZ4:
            let (size, packed) = try payload.withBytes { (raw) throws(CodecError) -> (Int, [UInt8]) in
                var reader = ByteReader(raw, codec: "wal record")
                let size = try reader.readCount("uncompressed size", limit: WALFormat.maxRecordSize)
                return (size, Array(try reader.readBytes(reader.remaining)))
            }
            batch = try WriteBatch.decode(try ByteCompression.lz4.decompress(packed, originalSize: size, limit: WALFormat.maxRecordSize))
        case .deletion:
            batch = WriteBatch()
            batch.deletion = try Deletion.decode(payload)
        case .attributes:
            batch = WriteBatch()
            batch.attributes = try AttributeChange.decode(payload)
        case .checkpoint:
            preconditionFailure("excluded above")
        }
        batch.newSeries = definitions
        return batch
    }
}
