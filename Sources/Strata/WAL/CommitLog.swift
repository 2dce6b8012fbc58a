// The group-commit log: appends records to the WAL and makes them durable,
// sharing fsyncs between writers (LevelDB's writer queue, simplified: the
// first writer to need a sync does it for everything written so far, and the
// others wait for it).
//
// Thread safety: `state` (a ConditionLock) guards the writer and the
// positions. Appends run under it; an fsync runs outside it on the file
// handle taken under it (fsync covers everything written before it starts).
// The engine calls `append` while holding its own write lock, so records are
// logged in the order their batches are applied to the memtable.
//
// Invariants:
//  1. synced <= written; a writer is told its batch is durable only when
//     synced >= the position after its record.
//  2. After a failed fsync everything from the last good sync on is in doubt:
//     writers waiting for it get an error, and the log moves to a new
//     segment (whose header records how much of the old one is durable)
//     before the next append.

final class CommitLog: @unchecked Sendable {
    struct State {
        var writer: WALWriter
        var written: WALPosition
        var synced: WALPosition
        var syncing = false
        /// After an fsync failed: records up to here are in doubt.
        var failedThrough: WALPosition?
        var broken = false
        var closed = false
        var syncs = 0
        var bytes = 0
    }

    private let state: ConditionLock<State>

    init(writer: WALWriter) {
        state = ConditionLock(State(writer: writer, written: writer.position, synced: writer.position))
    }

    /// The segment taking appends now.
    var sequence: UInt64 { state.withLock { $0.writer.sequence } }
    var written: WALPosition { state.withLock { $0.written } }
    var syncCount: Int { state.withLock { $0.syncs } }
    var byteCount: Int { state.withLock { $0.bytes } }

    /// Frames a record of `kind` from `parts` and appends it; returns the position after it.
    func append(_ kind: WALFormat.RecordKind, _ parts: [[UInt8]]) throws(StrataError) -> WALPosition {
        try state.withLock { (s) throws(StrataError) -> WALPosition in
            guard !s.closed else { throw StrataError(.closed, "the log is closed") }
            if s.broken {
                let durable = s.synced.sequence == s.writer.sequence ? s.synced.offset : WALFormat.headerSize
                try s.writer.abandonAndRotate(durable: durable)
                s.broken = false
                s.written = s.writer.position
                s.synced = s.writer.position
            }
            let syncedThrough = s.synced.sequence == s.writer.sequence ? s.synced.offset : WALFormat.headerSize
            let record = WALFormat.record(kind: kind, syncedThrough: syncedThrough, parts: parts)
            let before = s.writer.size
            let position = try s.writer.append(record)
            s.bytes += position.offset - before
            s.written = position
            return position
        }
    }

    /// Syncs the current segment and moves to a new one: everything written so far is durable.
    /// Returns the new segment's sequence.
    @discardableResult
    func rotate() throws(StrataError) -> UInt64 {
        let sequence = try state.withLock { (s) throws(StrataError) -> UInt64 in
            guard !s.closed else { throw StrataError(.closed, "the log is closed") }
            if s.broken {
                let durable = s.synced.sequence == s.writer.sequence ? s.synced.offset : WALFormat.headerSize
                try s.writer.abandonAndRotate(durable: durable)
                s.broken = false
            } else {
                try s.writer.rotate()
                s.syncs += 1
            }
            s.written = s.writer.position
            if s.synced < s.written { s.synced = s.written }
            return s.writer.sequence
        }
        state.broadcast()
        return sequence
    }

    /// Waits until the log is durable through `target`, syncing it if no one else is.
    /// Concurrent callers share fsyncs: whoever syncs covers everything written so far.
    func sync(through target: WALPosition) throws(StrataError) {
        while true {
            let job: (file: any StorageFile, upTo: WALPosition)? = try state.wait(until: { s in
                s.synced >= target || !s.syncing
            }) { (s) throws(StrataError) -> (file: any StorageFile, upTo: WALPosition)? in
                if s.synced >= target { return nil }
                if let failed = s.failedThrough, target <= failed {
                    throw StrataError(.io, "the log could not be synced; this batch may not be durable", file: FileNames.walSegment(target.sequence))
                }
                s.syncing = true
                return (s.writer.file, s.written)
            }
            guard let job else { return }
            var failure: StrataError?
            do throws(StrataError) {
                try job.file.sync()
            } catch {
                failure = error
            }
            state.withLock { s in
                s.syncing = false
                if failure == nil || s.synced >= job.upTo {
                    // A rotation may have synced (and closed) the file meanwhile.
                    if job.upTo > s.synced { s.synced = job.upTo }
                    if failure == nil { s.syncs += 1 }
                    failure = nil
                } else {
                    // After a failed fsync the kernel may have dropped the dirty pages:
                    // everything up to here is in doubt, and the file is not used again.
                    s.failedThrough = max(s.failedThrough ?? job.upTo, job.upTo)
                    s.broken = true
                }
            }
            state.broadcast()
            if let failure { throw failure }
        }
    }

    /// Syncs everything written so far.
    func syncAll() throws(StrataError) {
        try sync(through: written)
    }

    /// Syncs, appends a checkpoint record (proof that everything before it was
    /// durable), syncs it and closes the segment. Closing again does nothing.
    func close(checkpoint: Bool) throws(StrataError) {
        var failure: StrataError?
        do throws(StrataError) {
            try syncAll()
            if checkpoint {
                let end = try append(.checkpoint, [])
                try sync(through: end)
            }
        } catch {
            failure = error
        }
        state.withLock { s in
            s.closed = true
            s.writer.close()
        }
        state.broadcast()
        if let failure { throw failure }
    }
}
