import Testing
@testable import Strata
import StrataTestSupport

/// Aggregations checked against a naive reference over random data (NaN,
/// infinities, duplicates, out-of-order and late points, negative timestamps,
/// buckets across partitions, points in memtables and in many files), and
/// pushdown against decoding every block.
@Suite struct AggregationTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// A store with random data, and the model of what it holds.
    static func randomStore(seed: UInt64, fs: InMemoryFileSystem) throws -> (Store, ReferenceStore) {
        var rng = SplitMix64(seed: seed)
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 16, blockRows: 64)
        options.partitionDuration = hour
        options.memtableMaxAge = nil
        let store = try Store(at: "/q", options: options)
        var model = ReferenceStore()
        try store.setAttributes(["zone": "zone-a", "model": "TH-1"], device: "dev-a")
        try store.setAttributes(["zone": "zone-b"], device: "dev-b")
        try store.setAttributes(["zone": "zone-a"], device: "dev-c")
        model.attributes = ["dev-a": ["zone": "zone-a", "model": "TH-1"], "dev-b": ["zone": "zone-b"], "dev-c": ["zone": "zone-a"]]
        // Regular series across 1969-12-31...1970-01-02, steps of 1 to 5 minutes, some dense;
        // written in batches with flushes and a compaction between, the last batches left in memory.
        let batches = RandomReadings().batches(&rng)
        for (b, batch) in batches.enumerated() {
            try store.write(batch)
            model.write(batch)
            if b % 7 == 3 { try store.flush() }
            if b == batches.count / 2 { try store.compact() }
        }
        return (store, model)
    }

    static func randomQuery(_ rng: inout SplitMix64) -> Aggregation {
        let buckets: [TimeBucket?] = [
            nil, TimeBucket(.fixed(60_000)), TimeBucket(.fixed(7 * 60_000)), TimeBucket(.fixed(hour)),
            TimeBucket(.fixed(hour), offset: 15 * 60_000), TimeBucket(.fixed(day)), TimeBucket(.fixed(7 * day)),
            TimeBucket(.fixed(5 * hour), origin: -1234), TimeBucket(.months(1)), TimeBucket(.months(3), offset: -hour),
        ]
        var q = Aggregation(aggregates: Aggregate.allCases.filter { _ in rng.next() % 2 == 0 })
        if q.aggregates.isEmpty { q.aggregates = [.count] }
        q.bucket = buckets[Int(rng.next() % UInt64(buckets.count))]
        q.groupBy = GroupBy(rawValue: Int(rng.next() % 4))
        switch rng.next() % 5 {
        case 0: q.selection.devices = .equals("dev-b")
        case 1: q.selection.devices = .oneOf(["dev-a", "other", "missing"])
        case 2: q.selection.devices = .prefix("dev-")
        default: break
        }
        switch rng.next() % 4 {
        case 0: q.selection.sensorTypes = .equals("temp")
        case 1: q.selection.sensorTypes = .oneOf(["hum", "volt"])
        default: break
        }
        if rng.next() % 2 == 0 {
            let from = -Self.day + Int64(rng.next() % UInt64(2 * Self.day))
            q.selection.timeRange = TimeRange(from: from, until: from + Int64(rng.next() % UInt64(Self.day)))
        }
        if rng.next() % 4 == 0 { q.selection.qualities = [.good, .suspect] }
        switch rng.next() % 6 {
        case 0: q.selection.attributes = [AttributeFilter(key: "zone", values: ["zone-a"])]
        case 1: q.selection.attributes = [AttributeFilter(key: "zone", values: ["zone-a", "zone-b"]), AttributeFilter(key: "model", values: ["TH-1"])]
        default: break
        }
        switch rng.next() % 6 {
        case 0: q.selection.values = [ValueCondition(.greater, Double(Int64(rng.next() % 200) - 100))]
        case 1: q.selection.values = [ValueCondition(.lessOrEqual, 50), ValueCondition(.greaterOrEqual, -50)]
        case 2: q.selection.values = [ValueCondition(.notEqual, .nan)]
        default: break
        }
        return q
    }

    static func check(_ q: Aggregation, store: Store, model: ReferenceStore) throws {
        // Both ways on one snapshot: a background compaction between two queries may
        // re-pack blocks, which moves sums and moments in their last bits.
        let (pushed, decoded) = try store.engine.aggregateBothWays(q)
        let got = pushed.rows
        #expect(got == decoded.rows, "pushdown differs from decoding for \(q)")
        #expect(try store.aggregate(q).rows.count == got.count)
        let expected = try model.aggregate(q, resolution: store.resolution)
        #expect(got.count == expected.count, "rows for \(q)")
        for (g, e) in zip(got, expected) {
            #expect(g.bucket == e.bucket && g.deviceID == e.deviceID && g.sensorType == e.sensorType, "group \(g) vs \(e)")
            for (i, a) in q.aggregates.enumerated() {
                #expect(ReferenceStore.agree(g.values[i], e.values[i], exact: ReferenceStore.isExact(a)),
                        "\(a) of \(g): \(String(describing: g.values[i])) vs \(String(describing: e.values[i])) for \(q)")
            }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomAggregationsMatchTheReference(seed: UInt64) throws {
        let fs = InMemoryFileSystem()
        let (store, model) = try Self.randomStore(seed: seed, fs: fs)
        var rng = SplitMix64(seed: seed * 77)
        for _ in 0..<60 {
            try Self.check(Self.randomQuery(&rng), store: store, model: model)
        }
        // Everything in files, compacted: more blocks answered from statistics.
        try store.compact()
        for _ in 0..<30 {
            try Self.check(Self.randomQuery(&rng), store: store, model: model)
        }
        try store.close()
    }

    @Test func theSeedQuery() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/seed", options: StoreFixtures.options(fs))
        let start: Int64 = 1_767_225_600_000
        var readings: [Reading] = []
        for i in 0..<720 {  // 2 hours of 10 s readings
            readings.append(Reading(deviceID: "sensor-00042", sensorType: "temperature", timestamp: start + Int64(i) * 10_000,
                                    value: Double(200 + i % 50) / 10))
            readings.append(Reading(deviceID: "sensor-00043", sensorType: "temperature", timestamp: start + Int64(i) * 10_000, value: 99))
        }
        try store.write(readings)
        try store.flush()
        var q = Aggregation(aggregates: [.avg, .min, .max, .count])
        q.selection.devices = .equals("sensor-00042")
        q.selection.timeRange = TimeRange(from: start, until: start + 2 * Self.hour)
        q.bucket = TimeBucket(.fixed(Self.hour))
        q.groupBy = [.device]
        let rows = try store.aggregate(q).rows
        #expect(rows.count == 2)
        #expect(rows.map(\.bucket) == [start, start + Self.hour])
        #expect(rows.allSatisfy { $0.deviceID == "sensor-00042" })
        #expect(rows[0].values[3] == 360)
        #expect(rows[0].values[1] == 20.0 && rows[0].values[2] == 24.9)
        let hourValues: [Double] = (0..<360).map { (i: Int) -> Double in Double(200 + i % 50) / 10 }
        let mean = hourValues.reduce(0, +) / 360
        #expect(abs(rows[0].values[0]! - mean) < 1e-12)
        try store.close()
    }

    @Test func manySeriesGiveTheSameResultOnOneThreadOrTwo() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.queryThreads = 1
        let store = try Store(at: "/par", options: options)
        try store.write(StoreFixtures.fleet(devices: 70, sensors: 3, steps: 300))
        try store.flush()
        var q = Aggregation(aggregates: Aggregate.allCases)
        q.bucket = TimeBucket(.fixed(15 * 60_000))
        q.groupBy = [.sensorType]
        let one = try store.aggregate(q)
        try store.close()
        options.queryThreads = 2
        let again = try Store(at: "/par", options: options)
        let two = try again.aggregate(q)
        #expect(one.rows == two.rows)
        #expect(one.explain.threads == 1 && two.explain.threads == 2)
        try again.close()
    }

    @Test func blocksInsideOneBucketAreAnsweredFromStatistics() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/stats", options: StoreFixtures.options(fs, blockRows: 64))
        try store.write(StoreFixtures.fleet(devices: 2, sensors: 2, steps: 6 * 360))  // 6 hours of 10 s points
        try store.compact()
        var q = Aggregation(aggregates: [.count, .avg])
        q.bucket = TimeBucket(.fixed(Self.day))
        let result = try store.aggregate(q)
        #expect(result.explain.blocksFromStatistics > 0)
        #expect(result.explain.pointsDecoded < 6 * 360 * 4 / 4)
        #expect(result.rows.map { $0.values[0] } == [Double(6 * 360 * 4)])
        // A value filter that every block passes still uses statistics; one that splits blocks decodes.
        q.selection.values = [ValueCondition(.greater, -1000)]
        #expect(try store.aggregate(q).explain.blocksDecoded == 0)
        q.selection.values = [ValueCondition(.greater, 20)]
        let filtered = try store.aggregate(q)
        #expect(filtered.explain.blocksDecoded > 0)
        try store.close()
    }

    /// Ordering by group columns (any of bucket, device, sensor type, each ascending or
    /// descending, with limit and offset) against an independent sort of the reference's rows.
    @Test(arguments: [51, 52] as [UInt64])
    func orderByGroupColumnsMatchesAnIndependentSort(seed: UInt64) throws {
        let fs = InMemoryFileSystem()
        let (store, model) = try Self.randomStore(seed: seed, fs: fs)
        var rng = SplitMix64(seed: seed &* 7)
        let columns: [SortKey.Column] = [.bucket, .device, .sensorType]
        for _ in 0..<12 {
            var q = Aggregation(aggregates: [.count])
            q.bucket = TimeBucket(.fixed([3_600_000, 6 * 3_600_000, 86_400_000][Int(rng.next() % 3)]))
            q.groupBy = [.device, .sensorType]
            var keys: [SortKey] = []
            for c in columns.shuffled(using: &rng).prefix(1 + Int(rng.next() % 3)) { keys.append(SortKey(c, ascending: rng.next() % 2 == 0)) }
            q.order = keys
            q.offset = Int(rng.next() % 5)
            q.limit = rng.next() % 2 == 0 ? nil : Int(rng.next() % 40)
            func bytes(_ s: String?) -> [UInt8] { Array((s ?? "").utf8) }
            func less(_ a: AggregateRow, _ b: AggregateRow) -> Bool {
                for k in keys {
                    let c: Int
                    switch k.column {
                    case .bucket: c = a.bucket! == b.bucket! ? 0 : (a.bucket! < b.bucket! ? -1 : 1)
                    case .device: c = bytes(a.deviceID) == bytes(b.deviceID) ? 0 : (bytes(a.deviceID).lexicographicallyPrecedes(bytes(b.deviceID)) ? -1 : 1)
                    case .sensorType: c = bytes(a.sensorType) == bytes(b.sensorType) ? 0 : (bytes(a.sensorType).lexicographicallyPrecedes(bytes(b.sensorType)) ? -1 : 1)
                    case .aggregate: c = 0
                    }
                    if c != 0 { return k.ascending ? c < 0 : c > 0 }
                }
                return ReferenceStore.defaultOrder(a, b)
            }
            let expected = try model.aggregate(q, resolution: .milliseconds).sorted(by: less)
            let from = min(q.offset, expected.count)
            let window = Array(expected[from..<(q.limit.map { min(expected.count, from + $0) } ?? expected.count)])
            let rows = try store.aggregate(q).rows
            #expect(rows.map { "\($0.bucket!) \($0.deviceID!) \($0.sensorType!)" } == window.map { "\($0.bucket!) \($0.deviceID!) \($0.sensorType!)" },
                    "\(keys)")
            #expect(rows.map(\.values) == window.map(\.values))
        }
        try store.close()
    }

    @Test func orderLimitAndOffset() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/order", options: StoreFixtures.options(fs))
        try store.write(StoreFixtures.fleet(devices: 5, sensors: 2, steps: 100))
        var q = Aggregation(aggregates: [.max, .count])
        q.groupBy = [.device, .sensorType]
        q.order = [SortKey(.aggregate(0), ascending: false)]
        q.limit = 3
        q.offset = 1
        let all = try store.aggregate(Aggregation(groupBy: [.device, .sensorType], aggregates: [.max, .count])).rows
        #expect(all.count == 10)
        let sorted = all.sorted { ($0.values[0]!, $0.deviceID!) > ($1.values[0]!, $1.deviceID!) }
        let rows = try store.aggregate(q).rows
        #expect(rows.count == 3)
        #expect(rows.map { $0.values[0] } == Array(sorted[1..<4]).map { $0.values[0] })
        try store.close()
    }

    @Test(arguments: [
        ("no aggregates", Aggregation(aggregates: [])),
        ("zero width", Aggregation(bucket: TimeBucket(.fixed(0)), aggregates: [.count])),
        ("negative limit", Aggregation(aggregates: [.count], limit: -1)),
        ("order by a missing aggregate", Aggregation(aggregates: [.count], order: [SortKey(.aggregate(3))])),
        ("gap fill without bucket", Aggregation(aggregates: [.count], gapfill: Gapfill())),
    ])
    func invalidQueriesAreRejected(name: String, query: Aggregation) throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/bad", options: StoreFixtures.options(fs))
        #expect(throws: StrataError.self, "\(name)") { try store.aggregate(query) }
        try store.close()
    }
}
