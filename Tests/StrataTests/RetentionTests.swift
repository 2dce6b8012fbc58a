import Testing
@testable import Strata
import StrataTestSupport

/// Retention: the pure policy, then a store dropping by age and by size.
@Suite struct RetentionTests {
    static let day: Int64 = 86_400_000

    static func file(_ n: UInt64, _ first: Int64, _ last: Int64, bytes: Int, mixed: Bool = false) -> FileMeta {
        FileMeta(number: n, precedence: n, mixed: mixed, cold: false, rangeFirst: first, rangeLast: last,
                 summary: ChunkSummary(size: bytes, points: 100, series: 1, minTime: first, maxTime: last))
    }

    @Test func byAgeTheCutoffFollowsTheNewestData() {
        let policy = RetentionPolicy(keep: 2 * Self.day, maxBytes: nil, partitioning: Partitioning(duration: Self.day))
        let files: [FileMeta] = (0..<5).map { (i: Int) -> FileMeta in
            let first: Int64 = Int64(i) * Self.day
            return Self.file(UInt64(i + 1), first, first + Self.day - 1, bytes: 100)
        }
        let plan = policy.plan(files: files, retainedFrom: .min, newest: 5 * Self.day - 1, otherBytes: 0)
        #expect(plan == RetentionPolicy.Plan(cutoff: 3 * Self.day, drop: [1, 2, 3], overBudget: false))
        // Nothing more to do: nil. The cutoff never moves back.
        #expect(policy.plan(files: Array(files[3...]), retainedFrom: 3 * Self.day, newest: 5 * Self.day - 1, otherBytes: 0) == nil)
        #expect(policy.plan(files: Array(files[3...]), retainedFrom: 4 * Self.day, newest: 5 * Self.day - 1, otherBytes: 0) == nil)
    }

    @Test func bySizeTheOldestGoFirstButNeverTheNewestPartition() {
        let policy = RetentionPolicy(keep: nil, maxBytes: 1000, partitioning: Partitioning(duration: Self.day))
        var files: [FileMeta] = (0..<5).map { (i: Int) -> FileMeta in
            let first: Int64 = Int64(i) * Self.day
            return Self.file(UInt64(i + 1), first, first + Self.day - 1, bytes: 300)
        }
        // A mixed file spanning days 0-3 goes when its newest point does.
        files.append(Self.file(6, 10, 4 * Self.day - 5, bytes: 50, mixed: true))
        let plan = policy.plan(files: files, retainedFrom: .min, newest: 5 * Self.day - 1, otherBytes: 100)
        // 1650 + 100 bytes: days 0 and 1 go (1150), then day 2 (850 <= 1000).
        #expect(plan?.cutoff == 3 * Self.day)
        #expect(plan?.drop == [1, 2, 3])
        #expect(plan?.overBudget == false)
        // A limit below the newest partition: everything older goes, and it says so.
        let tight = RetentionPolicy(keep: nil, maxBytes: 100, partitioning: Partitioning(duration: Self.day))
        let over = tight.plan(files: files, retainedFrom: .min, newest: 5 * Self.day - 1, otherBytes: 0)
        #expect(over?.cutoff == 4 * Self.day && over?.overBudget == true)
        #expect(over?.drop == [1, 2, 3, 4, 6])
    }

    static func fleet(days: Int, from start: Int64 = 0) -> [Reading] {
        var out: [Reading] = []
        for d in 0..<days {
            for i in 0..<240 {  // every 6 minutes
                let t = start + Int64(d) * day + Int64(i) * 360_000
                out.append(Reading(deviceID: "gw", sensorType: "temp", timestamp: t, value: Double(i % 50) / 2))
                out.append(Reading(deviceID: "gw", sensorType: "hum", timestamp: t, value: Double(t / day)))
            }
        }
        return out
    }

    @Test func aStoreDropsWhatIsOlderThanItsRetention() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.retention = 3 * Self.day
        options.compactionTrigger = 0
        let store = try Store(at: "/r", options: options)
        try store.write(Self.fleet(days: 10))
        try store.flush()
        // A reader that started before keeps its snapshot.
        var cursor = try store.scan(Selection(sensorTypes: .equals("hum")))
        try store.applyRetention()
        let cutoff = 10 * Self.day - 1 - 3 * Self.day + 1
        let temp = try store.read(SeriesKey(deviceID: "gw", sensorType: "temp"))
        #expect(temp.timestamps.first! >= cutoff && temp.count == 3 * 240)
        var old = 0
        while let run = try cursor.next() { old += run.count }
        #expect(old == 10 * 240)
        // Late data older than the cutoff is not kept; aggregates and latest agree.
        try store.write([Reading(deviceID: "gw", sensorType: "temp", timestamp: 5, value: 1)])
        #expect(try store.read(SeriesKey(deviceID: "gw", sensorType: "temp")).count == 3 * 240)
        var q = Aggregation(aggregates: [.count, .min])
        q.bucket = TimeBucket(.fixed(Self.day))
        q.groupBy = [.sensorType]
        let rows = try store.aggregate(q).rows
        #expect(rows.allSatisfy { $0.bucket! >= cutoff - Self.day })
        let counted: Double = rows.reduce(0.0) { (sum: Double, row: AggregateRow) -> Double in sum + (row.values[0] ?? 0) }
        #expect(counted == Double(2 * 3 * 240))
        // After compaction the files hold nothing older.
        try store.compact()
        let partitions = try store.partitions()
        #expect(partitions.flatMap(\.files).allSatisfy { $0.minTime >= cutoff })
        let stored: Int = partitions.flatMap(\.files).reduce(0) { (sum: Int, f: ChunkFileInfo) -> Int in sum + f.points }
        #expect(stored == 2 * 3 * 240)
        try store.close()
        // The cutoff is durable.
        let reopened = try Store(at: "/r", options: options)
        #expect(try reopened.read(SeriesKey(deviceID: "gw", sensorType: "hum")).timestamps.first! >= cutoff)
        try reopened.close()
    }

    @Test func aStoreStaysUnderItsDiskLimit() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.compactionTrigger = 0
        let store = try Store(at: "/b", options: options)
        for d in 0..<20 {
            try store.write(Self.fleet(days: 1, from: Int64(d) * Self.day))
            try store.flush()
        }
        try store.compact()
        let before = store.statistics().chunkBytes
        try store.close()
        options.maxDiskBytes = before / 2
        let limited = try Store(at: "/b", options: options)
        try limited.applyRetention()
        let after = limited.statistics().chunkBytes + limited.engine.otherDiskBytes()
        #expect(after <= before / 2)
        let hum = try limited.read(SeriesKey(deviceID: "gw", sensorType: "hum"))
        #expect(hum.values.last == 19 && hum.count < 20 * 240 && hum.count > 0)
        try limited.close()
    }
}
