// The memtables and the flush scheduling state: the active memtable taking
// writes, at most one frozen memtable being flushed, and the flags that say
// when to freeze and who waits for what. All of it lives here, in one value,
// so the rules below are checked in one place (the writers-wait-forever bug
// of an earlier version lived in flags spread over four files).
//
// Thread safety: a value guarded by the engine's write lock.
//
// Rules:
//  1. The active memtable is frozen (after the WAL moves to a new segment)
//     when it reaches the memory bound, when it is older than the age bound,
//     or when a flush was requested through its generation, and only when no
//     memtable is frozen.
//  2. Writers wait while the active memtable is over the bound and another
//     is frozen (or, when freezing fails, while it is twice over); a writer
//     waiting gets the error of a flush attempt that started after it began
//     to wait, never an older one.
//  3. `flushedThrough` only grows: every memtable with a generation at or
//     below it is in committed chunk files.

struct MemTableSet {
    var active: MemTable
    var frozen: MemTable?
    /// Memtables of generation <= this are in committed chunk files.
    var flushedThrough: UInt64
    /// A caller of `flush()` waits until `flushedThrough` reaches this.
    var requestedThrough: UInt64 = 0
    /// Flush attempts started so far, and the last failure with the attempt it came from.
    var attempts: UInt64 = 0
    var lastFailure: (error: StrataError, attempt: UInt64)?

    init(active: MemTable) {
        self.active = active
        flushedThrough = active.generation - 1
    }

    var bytes: Int { active.bytes + (frozen?.bytes ?? 0) }
    var points: Int { active.points + (frozen?.points ?? 0) }

    /// The newest generation holding anything (what a `flush()` now must wait for).
    var newestWithData: UInt64 {
        if !active.isEmpty { return active.generation }
        return frozen?.generation ?? flushedThrough
    }

    /// Whether the active memtable should be frozen now (rule 1).
    func shouldFreeze(boundBytes: Int, maxAgeNanoseconds: UInt64?, now: UInt64) -> Bool {
        guard frozen == nil, !active.isEmpty else { return false }
        if active.bytes >= boundBytes || active.generation <= requestedThrough { return true }
        if let age = maxAgeNanoseconds, let first = active.firstWrite, now &- first >= age { return true }
        return false
    }

    /// Writers must wait (rule 2): the active memtable is over the bound and
    /// another is being flushed, or it could not be frozen and is twice over.
    func full(boundBytes: Int) -> Bool {
        active.bytes >= boundBytes && (frozen != nil || active.bytes >= 2 * boundBytes)
    }

    /// Moves the active memtable to the frozen slot; the new one's batches start in WAL segment `segment`.
    mutating func freeze(nextSegment segment: UInt64) {
        precondition(frozen == nil && !active.isEmpty)
        frozen = active
        active = MemTable(firstSegment: segment, generation: active.generation + 1)
    }

    /// The frozen memtable is in committed chunk files.
    mutating func frozenFlushed() {
        if let frozen {
            flushedThrough = max(flushedThrough, frozen.generation)
        }
        frozen = nil
        lastFailure = nil
    }
}
