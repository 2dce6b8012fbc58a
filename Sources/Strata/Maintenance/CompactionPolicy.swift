// What to compact next: a pure function from the live files to one plan,
// tested without I/O (after Prometheus's compaction planner and its
// time-tiered ranges, which merge 2 h blocks into ranges up to 31 days).
//
// The files a flush writes are window files (level-0 windows the flush held
// many points of, or that hold the newest data) and at most one mixed file
// (the sparse or late points of every other partition: one file, however far
// apart their timestamps). The rules, in order:
//
//  1. Hidden files: a file whose every point is hidden by tombstones, or older
//     than retention's cutoff, is dropped. Then deleted and expired points: a
//     file a deletion's tombstone applies to, or holding points before the
//     cutoff, is rewritten (its window, or the mixed file alone) once sealed,
//     or at once in a full compaction. The output is numbered above the
//     deletion's boundary, so the rule does not fire again for it.
//  2. Crowded windows: a maximal window (one no other window file's range
//     contains) with `trigger` or more files is merged into one; once the
//     window is sealed (it ends before the partition of the newest data), two
//     files are enough.
//  3. Sparse windows merge upward: a sealed window at level k+1 whose
//     windows below hold, together, at most `2 * blockRows` points per series
//     (hourly data holds 24 a day) becomes one file, up to `maxLevel`. So
//     slow data ends in long files without anyone choosing a partition
//     length, and fast data stays in files of one partition.
//  4. Mixed files, size-tiered: the newest mixed files are merged when there
//     are `trigger` or more of them, taking older ones in while an older one
//     is no larger than twice what is merged so far; window files newer than
//     a merged mixed file and overlapping it are merged with it (so the new
//     mixed file never outranks newer points).
//  5. Cold re-packing: a sealed window older than `coldAfter` is rewritten
//     as one zstd frame (when coldCompression is on).
//
// A window merge reads every file overlapping the window (mixed files'
// points in it included), writes the merged view, removes the files inside
// the window and hides the window in the files it could not remove (a
// tombstone), so each point is in exactly one visible place.

struct CompactionPolicy: Sendable {
    var partitioning: Partitioning
    /// Files in a window, or mixed files, that trigger a merge (0: only explicit compactions merge).
    var trigger: Int
    var blockRows: Int
    /// The largest window level rule 3 builds.
    var maxLevel: Int
    /// Windows ending this long before the newest partition are re-packed cold (nil: never).
    var coldAfter: Int64?

    /// One compaction to run.
    struct Plan: Equatable, Sendable {
        /// Windows to merge (each becomes one window file).
        var windows: [ClosedRange<Int64>] = []
        /// Mixed files to merge into one (their points outside `windows`).
        var mixed: [UInt64] = []
        /// Files to drop without rewriting (every point hidden).
        var drop: [UInt64] = []
        /// Re-pack the window files cold.
        var cold = false
        /// Write the windows as drafts (a merge of a window still receiving data).
        var draft = false
    }

    /// The next plan, or nil when nothing needs doing. `newest` is the largest
    /// timestamp of the data (capped by the caller at a sensible "now"); with
    /// `full` (an explicit `compact()`), two files of anything are enough.
    func plan(files: [FileMeta], tombstones: [Tombstone], newest: Int64, full: Bool = false, retainedFrom: Int64 = .min) -> Plan? {
        // 1. Hidden files.
        let hidden = files.filter { f in Self.hidden(f, by: tombstones) || f.summary.maxTime < retainedFrom }.map(\.number)
        if !hidden.isEmpty { return Plan(drop: hidden) }

        let current = partitioning.window(newest).lowerBound
        func sealed(_ w: ClosedRange<Int64>) -> Bool { w.upperBound < current }
        let trigger = full ? 2 : self.trigger
        let windows = files.filter { !$0.mixed }
        let maximal = Self.maximalWindows(windows)

        // Deleted and expired points.
        let deletions = tombstones.filter(\.isDeletion)
        for f in files where f.summary.minTime < retainedFrom || deletions.contains(where: { $0.applies(to: f) }) {
            if f.mixed {
                if full || f.summary.maxTime < current { return Plan(mixed: [f.number]) }
            } else if let w = maximal.first(where: { $0.lowerBound <= f.rangeFirst && $0.upperBound >= f.rangeLast }), full || sealed(w) {
                return Plan(windows: [w])
            }
        }

        // 2. Crowded windows.
        if trigger > 0 || full {
            for w in maximal {
                let inside = windows.filter { $0.rangeFirst >= w.lowerBound && $0.rangeLast <= w.upperBound }
                if inside.count >= 2 && ((trigger > 0 && inside.count >= trigger) || sealed(w) || full) {
                    return Plan(windows: [w], draft: !sealed(w) && !full)
                }
                // A sealed window's drafts are rewritten at full compression, once.
                if sealed(w) && inside.contains(where: \.draft) {
                    return Plan(windows: [w])
                }
            }
        }

        // 3. Sparse sealed windows merge upward: the smallest sealed ancestor holding
        // two or more maximal windows, when together they are sparse.
        if trigger > 0 || full {
            var candidates = Set<ClosedRange<Int64>>()
            var levels: [ClosedRange<Int64>: Int] = [:]
            for w in maximal {
                guard let level = partitioning.level(ofWidth: UInt64(bitPattern: w.upperBound &- w.lowerBound) &+ 1), level < maxLevel else { continue }
                for up in (level + 1)...maxLevel {
                    let parent = partitioning.window(w.lowerBound, level: up)
                    guard sealed(parent) else { break }
                    candidates.insert(parent)
                    levels[parent] = up
                }
            }
            let ordered = candidates.sorted { (levels[$0]!, $0.lowerBound) < (levels[$1]!, $1.lowerBound) }
            for parent in ordered {
                let children = maximal.filter { $0.lowerBound >= parent.lowerBound && $0.upperBound <= parent.upperBound }
                guard children.count >= 2 else { continue }
                let inside = windows.filter { $0.rangeFirst >= parent.lowerBound && $0.rangeLast <= parent.upperBound }
                let points = inside.reduce(0) { $0 + $1.summary.points }
                let series = max(1, inside.map(\.summary.series).max() ?? 1)
                if points / series <= 2 * blockRows {
                    return Plan(windows: [parent])
                }
            }
        }

        // 4. Mixed files, size-tiered, newest first.
        let mixed = files.filter(\.mixed).sorted { $0.order < $1.order }
        let mixedTrigger = full ? 2 : trigger
        if mixedTrigger > 0 && mixed.count >= mixedTrigger {
            var inputs = Array(mixed.suffix(mixedTrigger))
            var size = inputs.reduce(0) { $0 + $1.summary.size }
            for f in mixed.dropLast(mixedTrigger).reversed() {
                guard full || f.summary.size <= 2 * size else { break }
                inputs.insert(f, at: 0)
                size += f.summary.size
            }
            // Window files that outrank a merged mixed file and overlap it are merged too.
            let oldest = inputs[0].order
            var fold: [ClosedRange<Int64>] = []
            for w in maximal {
                let newerInside = windows.contains { f in
                    f.rangeFirst >= w.lowerBound && f.rangeLast <= w.upperBound && f.order > oldest
                        && inputs.contains { m in m.order < f.order && m.overlaps(f.summary.minTime, f.summary.maxTime) }
                }
                if newerInside { fold.append(w) }
            }
            return Plan(windows: fold, mixed: inputs.map(\.number))
        }

        // 5. Cold re-packing.
        if let coldAfter = coldAfter {
            let (limit, overflow) = current.subtractingReportingOverflow(coldAfter)
            if !overflow {
                for w in maximal where w.upperBound < limit {
                    let inside = windows.filter { $0.rangeFirst >= w.lowerBound && $0.rangeLast <= w.upperBound }
                    if inside.contains(where: { !$0.cold }) { return Plan(windows: [w], cold: true) }
                }
            }
        }
        return nil
    }

    /// Window ranges no other window file's range contains, ascending.
    static func maximalWindows(_ windows: [FileMeta]) -> [ClosedRange<Int64>] {
        let ranges = Set(windows.map { $0.rangeFirst...$0.rangeLast }).sorted {
            $0.lowerBound != $1.lowerBound ? $0.lowerBound < $1.lowerBound : $0.upperBound > $1.upperBound
        }
        var out: [ClosedRange<Int64>] = []
        for r in ranges {
            if let last = out.last, last.lowerBound <= r.lowerBound && last.upperBound >= r.upperBound { continue }
            out.append(r)
        }
        return out
    }

    /// True when tombstones covering every series hide all of `file`'s points.
    static func hidden(_ file: FileMeta, by tombstones: [Tombstone]) -> Bool {
        guard file.summary.points > 0 else { return true }
        let covering = tombstones.filter { $0.scope == .all && $0.applies(to: file) }.sorted { $0.first < $1.first }
        var next = file.summary.minTime
        for t in covering where t.first <= next {
            if t.last >= file.summary.maxTime { return true }
            next = max(next, t.last + 1)
        }
        return false
    }
}
