// Retention: which raw data to drop, as a pure function of the live files
// (after Prometheus's BeyondTimeRetention and BeyondSizeRetention), tested
// without I/O. The engine commits the result through VersionSet: the new
// cutoff and the files wholly before it go in one edit; points before the
// cutoff in files that straddle it are hidden at once (every read starts at
// the cutoff) and removed when compaction rewrites those files.
//
//  - By age: points older than `keep` before the newest data are dropped.
//  - By size: when the store's files take more than `maxBytes`, the oldest
//    files (by their newest point) go first until the rest fits; the
//    partition holding the newest data is never dropped.
// The cutoff only moves forward.

struct RetentionPolicy: Sendable {
    /// Keep this much time before the newest data (nil: no age limit).
    var keep: Int64?
    /// Keep the store's bytes under this (nil: no limit).
    var maxBytes: Int?
    var partitioning: Partitioning

    struct Plan: Equatable, Sendable {
        /// The new cutoff: points before it are dropped.
        var cutoff: Int64
        /// Files every point of which is before the cutoff.
        var drop: [UInt64]
        /// The size limit could not be met without dropping the newest partition.
        var overBudget: Bool
    }

    /// The plan, or nil when nothing changes. `newest` is the newest data's time (capped
    /// near the wall clock by the caller); `otherBytes` what the store takes besides
    /// its chunk files (log, catalog, tiers).
    func plan(files: [FileMeta], retainedFrom: Int64, newest: Int64, otherBytes: Int) -> Plan? {
        var cutoff = retainedFrom
        if let keep, newest != .min {
            let (c, overflow) = newest.subtractingReportingOverflow(keep)
            if !overflow { cutoff = max(cutoff, c &+ 1) }
        }
        var overBudget = false
        if let maxBytes {
            let live = files.filter { $0.summary.maxTime >= cutoff }
            var total = otherBytes + live.reduce(0) { $0 + $1.summary.size }
            if total > maxBytes {
                let floor = newest == .min ? Int64.min : partitioning.window(newest).lowerBound
                // Oldest first by newest point; files ending together go together.
                let byEnd = Dictionary(grouping: live, by: \.summary.maxTime).sorted { $0.key < $1.key }
                for (end, group) in byEnd {
                    guard total > maxBytes else { break }
                    guard end < floor else {
                        overBudget = true
                        break
                    }
                    total -= group.reduce(0) { $0 + $1.summary.size }
                    cutoff = max(cutoff, end + 1)
                }
            }
        }
        guard cutoff > retainedFrom || overBudget else { return nil }
        let drop = files.filter { $0.summary.maxTime < cutoff }.map(\.number)
        return Plan(cutoff: cutoff, drop: drop, overBudget: overBudget)
    }
}
