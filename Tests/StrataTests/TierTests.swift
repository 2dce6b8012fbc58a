import Testing
@testable import Strata
import StrataTestSupport

/// Downsampling tiers: answers from tiers equal answers from raw data (bit for
/// bit for count, min, max, first, last and spread; to 1e-9 for the sums and
/// moments) through late data, duplicates, deletes, retention, reopen and crashes.
@Suite struct TierTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static func options(_ fs: InMemoryFileSystem, tiers: [Tier]? = [Tier(width: minute), Tier(width: hour)]) -> Options {
        var o = StoreFixtures.options(fs, memtableBytes: 1 << 16, blockRows: 64)
        o.partitionDuration = hour
        o.memtableMaxAge = nil
        o.tiers = tiers
        return o
    }

    static func readings(_ rng: inout SplitMix64, devices: Int = 3, from: Int64, until: Int64) -> [Reading] {
        var out: [Reading] = []
        for d in 0..<devices {
            for sensor in ["temp", "hum"] {
                var t = from + Int64(rng.next() % 20_000)
                while t < until {
                    let v: Double = rng.next() % 50 == 0 ? .nan : Double(Int64(rng.next() % 2000) - 1000) / 10
                    out.append(Reading(deviceID: "dev-\(d)", sensorType: sensor, timestamp: t, value: v))
                    t += 10_000 + Int64(rng.next() % 5000)
                }
            }
        }
        return out
    }

    /// Tier answers against raw answers for queries whose buckets tiers can serve.
    static func compare(_ store: Store, _ rng: inout SplitMix64, expectTier: Bool = false) throws {
        let buckets: [TimeBucket?] = [TimeBucket(.fixed(minute)), TimeBucket(.fixed(15 * minute)), TimeBucket(.fixed(hour)),
                                      TimeBucket(.fixed(day)), TimeBucket(.fixed(7 * day)), TimeBucket(.months(1)), nil,
                                      TimeBucket(.fixed(2 * hour), offset: hour)]
        var usedTier = false
        // Every aggregate; and the ones that read min, max and the NaN count only as guards
        // (skipped when block statistics rule out NaN and infinities).
        let sets: [[Aggregate]] = [Aggregate.allCases, [.avg, .sum, .count, .first, .last]]
        for (b, aggregates) in buckets.flatMap({ b in sets.map { (b, $0) } }) {
            var q = Aggregation(aggregates: aggregates)
            q.bucket = b
            q.groupBy = GroupBy(rawValue: Int(rng.next() % 4))
            if rng.next() % 2 == 0 {
                let from = -2 * hour + Int64(rng.next() % UInt64(6 * hour))
                q.selection.timeRange = TimeRange(from: from, until: from + Int64(rng.next() % UInt64(3 * hour)) + minute)
            }
            let tiered = try store.engine.aggregate(q, alwaysTiers: true)
            let planned = try store.aggregate(q)  // the planner's choice between tiers and raw
            #expect(planned.rows.count == tiered.rows.count)
            let raw = try store.engine.aggregate(q, tiers: false)
            if tiered.explain.tier != nil { usedTier = true }
            #expect(tiered.rows.count == raw.rows.count, "\(q)")
            for (a, r) in zip(tiered.rows, raw.rows) {
                #expect(a.bucket == r.bucket && a.deviceID == r.deviceID && a.sensorType == r.sensorType)
                for (i, agg) in q.aggregates.enumerated() {
                    #expect(ReferenceStore.agree(a.values[i], r.values[i], exact: ReferenceStore.isExact(agg)),
                            "\(agg): tier \(String(describing: a.values[i])) raw \(String(describing: r.values[i])) \(q)")
                }
            }
        }
        if expectTier { #expect(usedTier, "some query read a tier") }
    }

    @Test(arguments: [31, 32] as [UInt64])
    func tiersAnswerLikeRawDataThroughLateDataAndDeletes(seed: UInt64) throws {
        let fs = InMemoryFileSystem()
        var rng = SplitMix64(seed: seed)
        let store = try Store(at: "/t", options: Self.options(fs))
        // Six hours from -2 h, in order, in batches.
        let data = Self.readings(&rng, from: -2 * Self.hour, until: 4 * Self.hour).sorted { $0.timestamp < $1.timestamp }
        for chunk in stride(from: 0, to: data.count, by: 500) { try store.write(Array(data[chunk..<min(data.count, chunk + 500)])) }
        try store.compact()
        try Self.compare(store, &rng, expectTier: true)
        for round in 0..<6 {
            switch round % 3 {
            case 0:  // late data and rewritten points inside built buckets
                var late = Self.readings(&rng, devices: 2, from: -Self.hour, until: 0)
                late = late.filter { _ in rng.next() % 4 == 0 }
                try store.write(late)
            case 1:
                let from = -2 * Self.hour + Int64(rng.next() % UInt64(5 * Self.hour))
                try store.delete(Selection(devices: .equals("dev-\(rng.next() % 3)"), timeRange: TimeRange(from: from, until: from + Self.hour)))
            default:
                try store.flush()
            }
            try Self.compare(store, &rng)  // stale rows unused, before any rebuild
            if round % 2 == 1 {
                try store.compact()
                #expect(store.engine.versions.current.manifest.stale.isEmpty)
                try Self.compare(store, &rng)
            }
        }
        try store.close()
    }

    /// Tier rows read without their min, max and NaN-count columns when the block
    /// statistics show no NaN and no infinity; with them where a bucket holds either.
    @Test func guardColumnsAreSkippedOnlyWhenStatisticsRuleOutNaNAndInfinity() throws {
        let fs = InMemoryFileSystem()
        var store = try Store(at: "/g", options: Self.options(fs, tiers: [Tier(width: Self.minute)]))
        var readings: [Reading] = []
        for i in 0..<2_000 {
            let t = Int64(i) * 6_000
            for (d, special) in [("clean", Double?.none), ("nan", Double.nan), ("inf", Double.infinity), ("neginf", -Double.infinity)] {
                let v = i == 1_000 ? special ?? 1.5 : Double(i % 17) / 4
                readings.append(Reading(deviceID: d, sensorType: "t", timestamp: t, value: v))
            }
        }
        try store.write(readings)
        try store.compact()
        // Reopened: the tier rows are in its chunk files (the single-file read that the
        // guards apply to), not in its memtable.
        try store.close()
        store = try Store(at: "/g", options: Self.options(fs, tiers: [Tier(width: Self.minute)]))
        for bucket in [TimeBucket(.fixed(Self.minute)), TimeBucket(.fixed(Self.hour)), nil] {
            var q = Aggregation(aggregates: [.avg, .sum, .count, .first, .last])
            q.bucket = bucket
            q.groupBy = .device
            // One tier partition (an hour here), so one file answers: the read the guards apply to.
            q.selection.timeRange = TimeRange(from: Self.hour, until: 2 * Self.hour)
            let tiered = try store.engine.aggregate(q, alwaysTiers: true)
            let raw = try store.engine.aggregate(q, tiers: false)
            if bucket != nil { #expect(tiered.explain.tier != nil) }
            #expect(tiered.rows.count == raw.rows.count)
            for (a, r) in zip(tiered.rows, raw.rows) {
                #expect(a.bucket == r.bucket && a.deviceID == r.deviceID)
                for (i, agg) in q.aggregates.enumerated() {
                    #expect(ReferenceStore.agree(a.values[i], r.values[i], exact: ReferenceStore.isExact(agg)),
                            "\(agg) of \(a.deviceID ?? "-"): tier \(String(describing: a.values[i])) raw \(String(describing: r.values[i]))")
                }
            }
            // The special values reach the answer through the tier.
            if bucket == TimeBucket(.fixed(Self.hour)) {
                var sums: [String: Double] = [:]
                for row in tiered.rows where row.bucket == Self.hour { if let d = row.deviceID, let v = row.values[1] { sums[d] = v } }
                #expect(sums["nan"]?.isNaN == true)
                #expect(sums["inf"] == .infinity)
                #expect(sums["neginf"] == -.infinity)
                #expect(sums["clean"]?.isFinite == true)
            }
        }
    }

    @Test func afterRawRetentionTheTiersStillAnswer() throws {
        let fs = InMemoryFileSystem()
        var options = Self.options(fs, tiers: [Tier(width: Self.hour)])
        options.partitionDuration = Self.day
        let store = try Store(at: "/r", options: options)
        var readings: [Reading] = []
        for h in 0..<(24 * 10) {
            for m in 0..<6 { readings.append(Reading(deviceID: "gw", sensorType: "temp", timestamp: Int64(h) * Self.hour + Int64(m) * 10 * Self.minute, value: Double(h % 24))) }
        }
        try store.write(readings)
        try store.compact()
        var q = Aggregation(aggregates: [.avg, .count, .max])
        q.bucket = TimeBucket(.fixed(Self.day))
        q.selection.timeRange = TimeRange(from: 0, until: 8 * Self.day)
        let before = try store.aggregate(q)
        #expect(before.explain.tier != nil)
        try store.close()
        // Keep two days of raw data: days 0-7 are only in the tier now.
        options.retention = 2 * Self.day
        let trimmed = try Store(at: "/r", options: options)
        try trimmed.applyRetention()
        try trimmed.compact()
        #expect(try trimmed.read(SeriesKey(deviceID: "gw", sensorType: "temp")).timestamps.first! >= 8 * Self.day - Self.hour)
        let after = try trimmed.aggregate(q)
        #expect(after.rows == before.rows)
        #expect(after.explain.tier == "\(Self.hour) units" && after.explain.pointsDecoded == 0)
        // Raw data alone no longer knows those days.
        #expect(try trimmed.engine.aggregate(q, tiers: false).rows.count < before.rows.count)
        // A deletion of whole buckets reaches the tier even there.
        try trimmed.delete(Selection(devices: .equals("gw"), timeRange: TimeRange(from: Self.day, until: 2 * Self.day)))
        try trimmed.compact()
        let deleted = try trimmed.aggregate(q)
        #expect(deleted.rows.map(\.bucket) == before.rows.map(\.bucket).filter { $0 != Self.day })
        try trimmed.close()
    }

    @Test func tiersComeAndGoWithTheOptions() throws {
        let fs = InMemoryFileSystem()
        var rng = SplitMix64(seed: 5)
        var store = try Store(at: "/o", options: Self.options(fs, tiers: nil))
        try store.write(Self.readings(&rng, from: 0, until: 3 * Self.hour))
        try store.compact()
        #expect(store.engine.tierStores.isEmpty)
        try store.close()
        // Adding a tier builds it from the raw data.
        store = try Store(at: "/o", options: Self.options(fs, tiers: [Tier(width: Self.hour)]))
        try store.compact()
        #expect(store.engine.versions.current.manifest.tiers.first?.builtThrough == 2 * Self.hour)
        try Self.compare(store, &rng, expectTier: true)
        try store.close()
        // nil keeps what the store has; an empty list removes it, files and all.
        store = try Store(at: "/o", options: Self.options(fs, tiers: nil))
        #expect(store.engine.tierStores.count == 1)
        try store.close()
        store = try Store(at: "/o", options: Self.options(fs, tiers: []))
        #expect(store.engine.tierStores.isEmpty && !fs.exists("/o/tiers/\(Self.hour)"))
        try store.close()
    }

    /// Power is cut at every operation of a script that builds tiers, adds late data,
    /// deletes and rebuilds; after reopening, tier answers equal raw answers.
    @Test func crashesNeverLeaveTiersDisagreeingWithRawData() throws {
        func run(_ fs: InMemoryFileSystem) throws {
            var rng = SplitMix64(seed: 9)
            let store = try Store(at: "/c", options: Self.options(fs, tiers: [Tier(width: Self.hour)]))
            try store.write(Self.readings(&rng, devices: 2, from: 0, until: 3 * Self.hour))
            try store.compact()
            try store.write(Self.readings(&rng, devices: 1, from: 0, until: Self.hour))
            try store.delete(Selection(devices: .equals("dev-1"), timeRange: TimeRange(from: Self.hour, until: 2 * Self.hour)))
            try store.compact()
            try store.close()
        }
        let probe = InMemoryFileSystem()
        try run(probe)
        let total = probe.operationCount
        var rng = SplitMix64(seed: 1)
        for k in stride(from: 1, through: total, by: max(1, total / 150)) {
            let fs = InMemoryFileSystem()
            fs.powerOff(afterOperations: k)
            do { try run(fs) } catch {}
            fs.crash()
            let store = try Store(at: "/c", options: Self.options(fs, tiers: [Tier(width: Self.hour)]))
            try Self.compare(store, &rng)
            try store.compact()
            try Self.compare(store, &rng)
            try store.close()
        }
    }
}
