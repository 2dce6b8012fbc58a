// What one read needs, captured atomically: a version (its chunk files and
// tombstones) and the memtables' points of the selected series, taken under
// the engine's lock and read without it, so a long read never blocks writers
// and never sees half a flush (a flush drops its memtable in the same
// critical section that installs its files).

/// One selected series in a snapshot.
struct SnapshotSeries: @unchecked Sendable {
    var id: SeriesID
    var key: SeriesKey
    /// Its memtable points, oldest memtable first (frozen, then active).
    var memtables: [SeriesSnapshot]
}

struct ReadSnapshot: Sendable {
    let version: Version
    let series: [SnapshotSeries]
}
