// A version: one consistent state of the store's files (LevelDB's Version,
// Prometheus's set of loaded blocks). Immutable; readers keep the one they
// started with, so files a compaction replaces stay readable (and on disk)
// until the last reader lets go.

/// A live chunk file: what the manifest says about it, and the open file.
struct LiveFile: Sendable {
    var meta: FileMeta
    var file: ChunkFile
}

final class Version: Sendable {
    /// The manifest this version was committed as.
    let manifest: Manifest
    /// The live files in precedence order (oldest first).
    let files: [LiveFile]

    init(manifest: Manifest, files: [LiveFile]) {
        self.manifest = manifest
        self.files = files.sorted { $0.meta.order < $1.meta.order }
    }

    var tombstones: [Tombstone] { manifest.tombstones }

    /// The files that may hold points in `first...last`, in precedence order.
    func files(overlapping first: Int64, _ last: Int64) -> [LiveFile] {
        files.filter { $0.meta.overlaps(first, last) }
    }

    /// `range` without what retention dropped (nil when nothing is left).
    func retained(_ range: ClosedRange<Int64>) -> ClosedRange<Int64>? {
        let lo = max(range.lowerBound, manifest.retainedFrom)
        return lo <= range.upperBound ? lo...range.upperBound : nil
    }

    /// The tombstones hiding points of `file`.
    func tombstones(for file: FileMeta) -> [Tombstone] {
        manifest.tombstones.filter { $0.applies(to: file) }
    }
}

/// A change to the durable state, committed atomically (LevelDB's VersionEdit).
struct VersionEdit: Sendable {
    var addFiles: [FileMeta] = []
    var removeFiles: Set<UInt64> = []
    var addTombstones: [Tombstone] = []
    var walStart: UInt64?
    var walLast: UInt64?
    var catalog: (length: Int, series: Int)?
    var sources: [String: String] = [:]
    var newestTime: Int64?
    /// Retention moves to this cutoff (never back).
    var retainedFrom: Int64?
    /// The tiers' definitions and progress, replaced whole.
    var tiers: [TierState]?
    var addStale: [StaleRange] = []
    var removeStale: [StaleRange] = []

    /// The manifest after this edit. Tombstones that no longer hide anything in
    /// a live file are dropped.
    func applied(to base: Manifest) -> Manifest {
        var m = base
        m.files.removeAll { removeFiles.contains($0.number) }
        m.files += addFiles
        m.files.sort { $0.number < $1.number }
        m.tombstones += addTombstones
        m.tombstones.removeAll { t in !m.files.contains { t.applies(to: $0) } }
        if let walStart { m.walStart = max(m.walStart, walStart) }
        if let walLast { m.walLast = max(m.walLast, walLast) }
        if let catalog {
            m.catalogLength = catalog.length
            m.catalogSeries = catalog.series
        }
        for (source, position) in sources { m.sources[source] = position }
        if let newestTime { m.newestTime = max(m.newestTime, newestTime) }
        if let retainedFrom { m.retainedFrom = max(m.retainedFrom, retainedFrom) }
        if let tiers { m.tiers = tiers }
        m.stale.removeAll { removeStale.contains($0) }
        m.stale += addStale
        if let top = addFiles.map(\.number).max() { m.nextFileNumber = max(m.nextFileNumber, top + 1) }
        return m
    }
}
