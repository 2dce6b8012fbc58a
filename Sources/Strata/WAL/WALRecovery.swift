import StrataCodecs

// Replays the WAL at open: every segment from the manifest's walStart, in
// order, each record handed to the caller. FORMAT.md, "Store directory" and
// "Write-ahead log".
//
// What the directory must hold: every segment from walStart through walLast
// (the last segment that existed when the manifest was written) and no gap
// after it. A missing segment is corruption: acknowledged batches are gone.
// A last segment whose header never reached the disk (empty, cut short, or
// zeros) held nothing acknowledged: it is removed and its number reused.
//
// Writable opens repair what recovery may repair (truncate a torn tail,
// remove an empty last segment, remove segments below walStart); read-only
// opens change nothing and read up to the last complete record.

struct WALReplayResult {
    var segments = 0
    var records = 0
    var droppedBytes = 0
    var droppedRecords = 0
    /// The highest segment holding records (0 when none), and its valid length.
    var lastSequence: UInt64 = 0
    var lastLength = WALFormat.headerSize
    /// Damage skipped when salvaging, per segment.
    var skipped: [(sequence: UInt64, damage: WALDamage)] = []
    /// Segments removed because their header never reached the disk.
    var removedEmpty: [UInt64] = []
    /// The last segment ends with a checkpoint: the store was closed cleanly.
    var checkpointed = false
}

enum WALRecovery {
    /// Segment numbers in `wal/`, sorted; removes temporary files when `repair`.
    static func segments(fs: any FileSystem, directory: String, repair: Bool) throws(StrataError) -> [UInt64] {
        let walDir = joinPath(directory, FileNames.walDirectory)
        guard fs.exists(walDir) else { return [] }
        var out: [UInt64] = []
        for name in try fs.list(walDir) {
            if let seq = FileNames.parseWALSegment(name) {
                out.append(seq)
            } else if repair && name.hasSuffix(".tmp") {
                try fs.remove(joinPath(walDir, name))
            }
        }
        return out.sorted()
    }

    /// Replays segments `walStart...` into `apply`. `walLast` is the last segment the
    /// manifest saw (segments through it must exist). With `repair`, torn tails are
    /// truncated and empty last segments removed; with `salvage`, damage proven to
    /// be in synced data is skipped (and reported) instead of failing.
    static func replay(
        fs: any FileSystem, directory: String, walStart: UInt64, walLast: UInt64, repair: Bool, salvage: Bool,
        apply: (WriteBatch, _ sequence: UInt64, _ record: WALRecord) throws(StrataError) -> Void
    ) throws(StrataError) -> WALReplayResult {
        let walDir = joinPath(directory, FileNames.walDirectory)
        var all = try segments(fs: fs, directory: directory, repair: repair)
        if repair {
            for seq in all where seq < walStart {
                try fs.remove(joinPath(directory, FileNames.walSegment(seq)))  // flushed already; its deletion was interrupted
            }
        }
        all.removeAll { $0 < walStart }
        var result = WALReplayResult()
        // Continuity: walStart...walLast must all be there, and nothing may be missing after.
        var expected = walStart
        for seq in all {
            guard seq == expected else {
                throw StrataError(.corruption, "WAL segment \(expected) is missing (found \(seq) after it); acknowledged writes may be lost",
                                  file: FileNames.walSegment(expected), errno: 2)
            }
            expected += 1
        }
        if walLast >= walStart && (all.last ?? 0) < walLast {
            let missing = (all.last ?? walStart - 1) + 1
            throw StrataError(.corruption, "WAL segment \(missing) is missing (the manifest saw segments through \(walLast)); acknowledged writes may be lost",
                              file: FileNames.walSegment(missing), errno: 2)
        }

        // Headers first: a segment's durable length is in its successor's header.
        var headers: [WALReader.Header?] = []
        for seq in all {
            let name = FileNames.walSegment(seq)
            let file = try fs.open(joinPath(directory, name), .read)
            defer { file.close() }
            let bytes = try file.read(at: 0, count: min(WALFormat.headerSize, try file.size()))
            let header = try WALReader.header(bytes, file: name)
            if let header, header.sequence != seq {
                throw StrataError(.corruption, "segment header says sequence \(header.sequence)", file: name, offset: 8)
            }
            headers.append(header)
        }
        for (i, seq) in all.enumerated() {
            let name = FileNames.walSegment(seq)
            let isLast = i == all.count - 1
            let bytes: [UInt8]
            do {
                let file = try fs.open(joinPath(directory, name), .read)
                defer { file.close() }
                bytes = try file.readAll()
            }
            guard headers[i] != nil else {
                // Created, but its header never reached the disk: it holds nothing.
                guard isLast else {
                    throw StrataError(.corruption, "segment header is damaged or missing in a segment that is not the last", file: name, offset: 0)
                }
                result.droppedBytes += bytes.count
                if repair {
                    try fs.remove(joinPath(directory, name))
                    try fs.syncDirectory(walDir)
                }
                result.removedEmpty.append(seq)
                break
            }
            // The successor's header tells how much of this segment was durable when it
            // was created; a successor without a header leaves this one the last.
            let durableLimit: Int? = isLast ? nil : headers[i + 1].map { $0.previousDurable }
            let scan = try WALReader.scan(bytes, file: name, durableLimit: durableLimit, salvage: salvage) { (record) throws(StrataError) in
                if record.kind == WALFormat.RecordKind.checkpoint.rawValue { return }
                let batch: WriteBatch
                do throws(CodecError) {
                    batch = try WALReader.decodeBatch(record)
                } catch {
                    // The checksums matched, so these are the bytes that were written: not a torn write.
                    throw StrataError(.corruption, "record does not decode: \(error)", file: name, offset: record.start)
                }
                try apply(batch, seq, record)
            }
            result.segments += 1
            result.records += scan.records
            result.droppedBytes += scan.droppedBytes
            result.droppedRecords += scan.droppedRecords
            result.skipped += scan.skipped.map { (seq, $0) }
            result.lastSequence = seq
            result.lastLength = scan.validLength
            result.checkpointed = scan.checkpointed
            if scan.droppedBytes > 0 && repair {
                let file = try fs.open(joinPath(directory, name), .readWrite)
                defer { file.close() }
                try file.truncate(to: scan.validLength)
                try file.sync()
            }
        }
        return result
    }
}
