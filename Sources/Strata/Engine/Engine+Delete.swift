// Deleting points: a deletion record in the WAL, applied at once to the
// active memtable (its points go) and, until the memtable's flush commits it
// as a tombstone, by every reader to older memtables and chunk files. The
// tombstone hides the points in files numbered below a boundary taken at
// that flush; compaction removes them physically (CompactionPolicy rewrites
// sealed windows and mixed files they touch), and the tombstone goes when no
// file it applies to is left.

extension Engine {
    /// Deletes the points of the series `selection` picks in its time range; returns the
    /// number of series matched.
    func delete(_ selection: Selection) throws(StrataError) -> Int {
        try checkWritable()
        guard !selection.filtersPoints else {
            throw StrataError(.invalidArgument, "a delete takes series and a time range; quality and value filters are not supported")
        }
        guard let range = selection.timeRange.closed else { return 0 }
        let ids = try state.withLock { (s) throws(StrataError) -> [SeriesID] in
            try checkOpen(s)
            return try selectSeries(selection, in: s)
        }
        guard !ids.isEmpty else { return 0 }
        let deletion = Deletion(ids: ids, first: range.lowerBound, last: range.upperBound)
        var batch = WriteBatch()
        batch.deletion = deletion
        let position = try apply(batch, payload: (.deletion, deletion.encode()))
        if options.sync == .everyBatch {
            try log!.sync(through: position)
        }
        return ids.count
    }

    /// The version readers use: the current one, with the deletions still pending in
    /// memtables added as tombstones over every file.
    func readVersion(_ s: State) -> Version {
        let pending = (s.memtables.frozen?.deletions ?? []) + s.memtables.active.deletions
        let current = versions.current
        guard !pending.isEmpty else { return current }
        var manifest = current.manifest
        manifest.tombstones += pending.map {
            Tombstone(scope: .series($0.ids), first: $0.first, last: $0.last, below: Order(precedence: .max, number: 0))
        }
        return Version(manifest: manifest, files: current.files)
    }

    /// The memtables' points of `id` as readers see them (oldest first): the frozen
    /// memtable without what the active one's deletions removed.
    func memtableSnapshots(_ id: SeriesID, _ s: State) -> [SeriesSnapshot] {
        var out: [SeriesSnapshot] = []
        if var f = s.memtables.frozen?.snapshot(id) {
            f.hidden = s.memtables.active.deletions.filter { $0.covers(id) }.map { $0.first...$0.last }
            out.append(f)
        }
        if let a = s.memtables.active.snapshot(id) { out.append(a) }
        return out
    }

    /// True when a deletion still pending in a memtable covers `id`.
    func pendingDeletion(_ id: SeriesID, _ s: State) -> Bool {
        (s.memtables.frozen?.deletions ?? []).contains { $0.covers(id) } || s.memtables.active.deletions.contains { $0.covers(id) }
    }
}
