import Testing
@testable import Strata
import StrataTestSupport

/// The compaction policy is a pure function of the live files: tested here
/// without any I/O, by simulating what each plan would leave behind.
@Suite struct CompactionPolicyTests {
    static let day: Int64 = 86_400_000
    static let partitioning = Partitioning(duration: day)

    static func policy(trigger: Int = 4, blockRows: Int = 1024, maxLevel: Int = 8, coldAfter: Int64? = nil) -> CompactionPolicy {
        CompactionPolicy(partitioning: partitioning, trigger: trigger, blockRows: blockRows, maxLevel: maxLevel, coldAfter: coldAfter)
    }

    /// A file on a window of `level` starting at day `start`, with `points` over `series` series.
    static func window(_ number: UInt64, day start: Int64, level: Int = 0, points: Int, series: Int = 100, precedence: UInt64? = nil) -> FileMeta {
        let w = partitioning.window(start * day, level: level)
        return FileMeta(number: number, precedence: precedence ?? number, mixed: false, cold: false, rangeFirst: w.lowerBound,
                        rangeLast: w.upperBound, summary: ChunkSummary(size: points, points: points, series: series,
                                                                         minTime: w.lowerBound, maxTime: w.upperBound))
    }

    static func mixed(_ number: UInt64, from: Int64, through: Int64, points: Int, size: Int? = nil) -> FileMeta {
        FileMeta(number: number, precedence: number, mixed: true, cold: false, rangeFirst: from, rangeLast: through,
                 summary: ChunkSummary(size: size ?? points, points: points, series: 10, minTime: from, maxTime: through))
    }

    /// Applies plans until none is left, the way the compactor would (outputs take
    /// their inputs' largest precedence); returns the final files and the plans run.
    static func settle(_ files: [FileMeta], policy: CompactionPolicy, newest: Int64, full: Bool = false) -> (files: [FileMeta], plans: Int) {
        var files = files
        var tombstones: [Tombstone] = []
        var next = (files.map(\.number).max() ?? 0) + 1
        var plans = 0
        while let plan = policy.plan(files: files, tombstones: tombstones, newest: newest, full: full) {
            plans += 1
            #expect(plans < 1000, "the policy does not converge")
            if plans >= 1000 { break }
            files.removeAll { plan.drop.contains($0.number) }
            for w in plan.windows {
                let overlapping = files.filter { $0.overlaps(w.lowerBound, w.upperBound) }
                let inside = overlapping.filter { !$0.mixed && $0.rangeFirst >= w.lowerBound && $0.rangeLast <= w.upperBound }
                guard !overlapping.isEmpty else { continue }
                let points = inside.reduce(0) { $0 + $1.summary.points }
                var out = FileMeta(number: next, precedence: overlapping.map(\.precedence).max()!, mixed: false, cold: plan.cold, draft: plan.draft,
                                   rangeFirst: w.lowerBound, rangeLast: w.upperBound,
                                   summary: ChunkSummary(size: points, points: points, series: inside.map(\.summary.series).max() ?? 1,
                                                         minTime: w.lowerBound, maxTime: w.upperBound))
                out.summary.points = max(out.summary.points, 1)
                next += 1
                files.removeAll { f in inside.contains { $0.number == f.number } }
                if overlapping.count > inside.count {
                    tombstones.append(Tombstone(scope: .all, first: w.lowerBound, last: w.upperBound, below: out.order))
                }
                files.append(out)
            }
            if !plan.mixed.isEmpty {
                let inputs = files.filter { plan.mixed.contains($0.number) }
                files.removeAll { plan.mixed.contains($0.number) }
                let out = FileMeta(number: next, precedence: inputs.map(\.precedence).max()!, mixed: true, cold: false,
                                   rangeFirst: inputs.map(\.rangeFirst).min()!, rangeLast: inputs.map(\.rangeLast).max()!,
                                   summary: ChunkSummary(size: inputs.reduce(0) { $0 + $1.summary.size }, points: inputs.reduce(0) { $0 + $1.summary.points },
                                                         series: 10, minTime: inputs.map(\.rangeFirst).min()!, maxTime: inputs.map(\.rangeLast).max()!))
                next += 1
                files.append(out)
            }
        }
        return (files, plans)
    }

    @Test func fastDataStaysInDailyFiles() {
        // A day of 10-second data: 8,640 points per series per file, well over two blocks.
        let files = (0..<30).map { Self.window(UInt64($0 + 1), day: Int64($0), points: 864_000) }
        let (after, plans) = Self.settle(files, policy: Self.policy(), newest: 30 * Self.day)
        #expect(plans == 0)
        #expect(after.count == 30)
    }

    @Test func hourlyDataMergesIntoLongWindowsNotAFileADay() {
        // Hourly data streamed day by day: 24 points per series per day, over a year.
        var files: [FileMeta] = []
        for d in 0..<365 { files.append(Self.window(UInt64(d + 1), day: Int64(d), points: 2400)) }
        let (after, _) = Self.settle(files, policy: Self.policy(), newest: 365 * Self.day)
        // Windows of up to 2 * blockRows points per series: 64 days of hourly data.
        #expect(after.count < 20, "\(after.count) files")
        for f in after {
            let days = (f.rangeLast - f.rangeFirst + 1) / Self.day
            #expect(days <= 64)
            #expect(f.summary.points / f.summary.series <= 2 * 1024)
        }
        #expect(after.reduce(0) { $0 + $1.summary.points } == 365 * 2400)
    }

    @Test func crowdedWindowsMergeAtTheTriggerAndSealedOnesAtTwo() {
        let today = 100 * Self.day
        let three = (1...3).map { Self.window($0, day: 100, points: 100_000) }
        #expect(Self.policy().plan(files: three, tombstones: [], newest: today) == nil)  // the current day, below the trigger
        let four = three + [Self.window(4, day: 100, points: 100_000)]
        #expect(Self.policy().plan(files: four, tombstones: [], newest: today)?.windows == [Self.partitioning.window(today)])
        // Yesterday is sealed: two files are enough.
        let two = (1...2).map { Self.window($0, day: 99, points: 100_000) }
        #expect(Self.policy().plan(files: two, tombstones: [], newest: today)?.windows == [Self.partitioning.window(99 * Self.day)])
        // Trigger 0: no automatic compaction, but an explicit (full) one still merges.
        #expect(Self.policy(trigger: 0).plan(files: four, tombstones: [], newest: today) == nil)
        #expect(Self.policy(trigger: 0).plan(files: four, tombstones: [], newest: today, full: true) != nil)
    }

    @Test func draftsAreRewrittenOnceTheirWindowIsSealed() {
        var draft = Self.window(1, day: 99, points: 100_000)
        draft.draft = true
        // Still the current partition's neighbour with today at day 100: sealed (before today).
        #expect(Self.policy().plan(files: [draft], tombstones: [], newest: 100 * Self.day)?.windows == [Self.partitioning.window(99 * Self.day)])
        #expect(Self.policy().plan(files: [draft], tombstones: [], newest: 100 * Self.day)?.draft == false)
        // Today's drafts stay drafts until the day is over; a merge of them makes a draft.
        var today = draft
        today.rangeFirst = 100 * Self.day
        today.rangeLast = 101 * Self.day - 1
        #expect(Self.policy().plan(files: [today], tombstones: [], newest: 100 * Self.day) == nil)
        let eight = (1...8).map { n -> FileMeta in var f = today; f.number = UInt64(n); f.precedence = UInt64(n); return f }
        #expect(Self.policy().plan(files: eight, tombstones: [], newest: 100 * Self.day)?.draft == true)
        // After the rewrite nothing is left to do.
        let (after, plans) = Self.settle([draft], policy: Self.policy(), newest: 100 * Self.day)
        #expect(plans == 1 && after.allSatisfy { !$0.draft })
    }

    @Test func mixedFilesMergeSizeTieredNewestFirst() {
        // One big old mixed file and small new ones: the small ones merge first.
        var files = [Self.mixed(1, from: 0, through: 1000 * Self.day, points: 1_000_000)]
        for n in 2...5 { files.append(Self.mixed(UInt64(n), from: 0, through: 1000 * Self.day, points: 1000)) }
        let plan = Self.policy().plan(files: files, tombstones: [], newest: 2000 * Self.day)
        #expect(plan?.mixed.sorted() == [2, 3, 4, 5])
        // Many flushes of late data: the number of mixed files stays small.
        var stream: [FileMeta] = []
        var n: UInt64 = 1
        var maxCount = 0
        for _ in 0..<200 {
            stream.append(Self.mixed(n, from: 0, through: 1000 * Self.day, points: 1000))
            n += 1
            stream = Self.settle(stream, policy: Self.policy(), newest: 2000 * Self.day).files
            n = max(n, (stream.map(\.number).max() ?? 0) + 1)
            maxCount = max(maxCount, stream.count)
        }
        #expect(maxCount <= 12, "\(maxCount) mixed files at once")
    }

    @Test func windowsNewerThanAMergedMixedFileAreFoldedIntoTheMerge() {
        // Mixed file 1 holds sparse points of day 50; window file 2 (newer) holds day 50 too.
        // Merging mixed files 1, 3, 4, 5 into a new file that outranks file 2 would let file 1's
        // older points win over file 2's: the plan merges day 50's window as well.
        var files = [Self.mixed(1, from: 40 * Self.day, through: 60 * Self.day, points: 100)]
        files.append(Self.window(2, day: 50, points: 10_000))
        for n in 3...5 { files.append(Self.mixed(UInt64(n), from: 70 * Self.day, through: 80 * Self.day, points: 100)) }
        let plan = Self.policy().plan(files: files, tombstones: [], newest: 200 * Self.day)
        #expect(plan?.mixed.sorted() == [1, 3, 4, 5])
        #expect(plan?.windows == [Self.partitioning.window(50 * Self.day)])
    }

    @Test func filesWhollyHiddenByTombstonesAreDropped() {
        let f = Self.mixed(1, from: 10, through: 20, points: 5)
        let hidden = [Tombstone(scope: .all, first: 0, last: 15, below: Order(precedence: 9, number: 9)),
                      Tombstone(scope: .all, first: 16, last: 30, below: Order(precedence: 9, number: 9))]
        #expect(Self.policy().plan(files: [f], tombstones: hidden, newest: 100)?.drop == [1])
        let partly = [Tombstone(scope: .all, first: 0, last: 15, below: Order(precedence: 9, number: 9))]
        #expect(Self.policy().plan(files: [f], tombstones: partly, newest: 100) == nil)
        let older = [Tombstone(scope: .all, first: 0, last: 30, below: Order(precedence: 1, number: 1))]
        #expect(Self.policy().plan(files: [f], tombstones: older, newest: 100) == nil)
    }

    @Test func coldWindowsAreRepackedOnce() {
        let files = (0..<5).map { Self.window(UInt64($0 + 1), day: Int64($0), points: 864_000) }
        let (after, plans) = Self.settle(files, policy: Self.policy(coldAfter: 2 * Self.day), newest: 4 * Self.day)
        #expect(plans == 2)  // days 0 and 1 end two days before day 4
        #expect(after.filter(\.cold).count == 2)
    }

    @Test func windowsAreAlignedAndNestAtEveryLevel() {
        let p = Partitioning(duration: 10)
        #expect(p.window(0) == 0...9 && p.window(-1) == -10...(-1) && p.window(25, level: 1) == 20...39)
        #expect(p.window(-25, level: 2) == -40...(-1))
        #expect(p.window(.min) == .min...(.min + 7))  // clamped: the first window absorbs what would underflow
        #expect(p.window(.max).upperBound == .max)
        #expect(p.window(5, level: 70) == .min ... .max)
        #expect(p.level(ofWidth: 80) == 3 && p.level(ofWidth: 30) == nil)
        for t in stride(from: Int64(-1000), through: 1000, by: 37) {
            for level in 0..<5 {
                let inner = p.window(t, level: level), outer = p.window(t, level: level + 1)
                #expect(inner.contains(t) && outer.lowerBound <= inner.lowerBound && outer.upperBound >= inner.upperBound)
            }
        }
    }
}
