// Retention: RetentionPolicy's plan committed through VersionSet (the new
// cutoff and the files wholly before it, in one edit). Runs in the
// background before compaction rounds and on demand.

extension Engine {
    var retentionPolicy: RetentionPolicy {
        RetentionPolicy(keep: options.retention, maxBytes: options.maxDiskBytes, partitioning: partitioning)
    }

    /// Applies retention now; the plan applied, or nil when nothing changed.
    @discardableResult
    func applyRetention() throws(StrataError) -> RetentionPolicy.Plan? {
        try checkWritable()
        guard options.retention != nil || options.maxDiskBytes != nil else { return nil }
        try state.withLock { (s) throws(StrataError) in try checkOpen(s) }
        let version = versions.current
        let other = options.maxDiskBytes == nil ? 0 : otherDiskBytes()
        guard let plan = retentionPolicy.plan(files: version.manifest.files, retainedFrom: version.manifest.retainedFrom,
                                              newest: planningNewest(version.manifest.newestTime), otherBytes: other) else { return nil }
        if plan.cutoff > version.manifest.retainedFrom || !plan.drop.isEmpty {
            var edit = VersionEdit()
            edit.retainedFrom = plan.cutoff
            edit.removeFiles = Set(plan.drop)
            try versions.commit(edit, opened: [])
            state.withLock { $0.compactionWanted = true }
            state.broadcast()
        }
        let report = state.withLock { s -> Bool in
            defer { s.reportedOverBudget = plan.overBudget }
            return plan.cutoff > version.manifest.retainedFrom || (plan.overBudget && !s.reportedOverBudget)
        }
        if report { emit(.retention(cutoff: plan.cutoff, droppedFiles: plan.drop.count, overBudget: plan.overBudget)) }
        return plan
    }

    /// Bytes of the store's directory besides its chunk files: the log, the catalog,
    /// the manifest, the tiers.
    func otherDiskBytes() -> Int {
        var total = versions.current.manifest.catalogLength + 4096
        let wal = path(FileNames.walDirectory)
        for name in (try? fs.list(wal)) ?? [] {
            if let f = try? fs.open(joinPath(wal, name), .read) {
                total += (try? f.size()) ?? 0
                f.close()
            }
        }
        total += tierBytes()
        return total
    }
}
