// Statements run end to end against random data (NaN and infinities,
// duplicates, out-of-order points, negative timestamps, many partitions,
// points in files and in memory), compared with
//   (a) store.aggregate of the Aggregation written by hand for the same query,
//   (b) ReferenceStore, the naive evaluator, and for raw SELECTs a naive filter
//       over the readings written (the last write of a series' timestamp wins).

@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

/// One condition of a generated query: its SQL, what it does to a Selection
/// (for the hand-built Aggregation), and which points it keeps (for the naive filter).
struct QueryFilter: Sendable {
    let sql: String
    let apply: @Sendable (inout Selection) -> Void
    let keeps: @Sendable (_ key: SeriesKey, _ attributes: [String: String], _ t: Int64, _ v: Double, _ q: Quality) -> Bool
}

@Suite struct SQLQueryTests {
    typealias F = SQLFixtures
    static let devices = ["dev-a", "dev-b", "dev-c", "other"]
    static let sensors = ["temp", "hum", "volt"]
    static let zones = ["dev-a": "zone-a", "dev-b": "zone-b", "dev-c": "zone-a"]

    /// A store with random data and the model of what it holds.
    static func randomStore(seed: UInt64) throws -> (Store, ReferenceStore) {
        var rng = SplitMix64(seed: seed)
        let store = try F.store(partition: F.hour)
        var model = ReferenceStore()
        for (d, z) in zones { try store.setAttributes(["zone": z], device: d) }
        model.attributes = zones.mapValues { ["zone": $0] }
        var generator = RandomReadings()
        generator.devices = devices
        generator.sensors = sensors
        generator.absentOneIn = 4
        generator.stepMinutes = 2...9
        generator.from = -F.day / 2
        generator.until = F.day
        generator.untilJitter = F.day / 2
        generator.batchSizes = 100...599
        for (batch, readings) in generator.batches(&rng).enumerated() {
            try store.write(readings)
            model.write(readings)
            if batch % 3 == 1 { try store.flush() }
        }
        return (store, model)
    }

    // MARK: - Query generation

    static let bucketChoices: [(String, TimeBucket)] = [
        ("time_bucket('1 minute', timestamp)", TimeBucket(.fixed(F.minute))),
        ("time_bucket('7 minutes', timestamp)", TimeBucket(.fixed(7 * F.minute))),
        ("time_bucket(INTERVAL '1 hour', timestamp)", TimeBucket(.fixed(F.hour))),
        ("time_bucket('1 hour', timestamp, INTERVAL '15 minutes')", TimeBucket(.fixed(F.hour), offset: 15 * F.minute)),
        ("time_bucket('5 hours', time, origin => '1969-12-31 23:59:58.766')", TimeBucket(.fixed(5 * F.hour), origin: -1234)),
        ("time_bucket('1 day', timestamp)", TimeBucket(.fixed(F.day))),
        ("time_bucket('1 week', timestamp)", TimeBucket(.fixed(7 * F.day))),
        ("time_bucket('1 month', timestamp)", TimeBucket(.months(1))),
        ("time_bucket('3 months', timestamp, \"offset\" => '-1 hour')", TimeBucket(.months(3), offset: -F.hour)),
    ]

    static let aggregateChoices: [(String, Aggregate)] = [
        ("count(*)", .count), ("count(value)", .count), ("sum(value)", .sum), ("avg(value)", .avg), ("min(value)", .min),
        ("max(value)", .max), ("first(value, timestamp)", .first), ("last(value, time)", .last), ("stddev(value)", .stddev),
        ("stddev_samp(value)", .stddev), ("stddev_pop(value)", .stddevPopulation), ("variance(value)", .variance),
        ("var_samp(value)", .variance), ("var_pop(value)", .variancePopulation), ("spread(value)", .spread),
    ]

    /// PostgreSQL's float8 comparison: NaN equals NaN and is above every number.
    static func pg(_ a: Double, _ b: Double) -> Int {
        if a.isNaN { return b.isNaN ? 0 : 1 }
        if b.isNaN { return -1 }
        return a < b ? -1 : (a > b ? 1 : 0)
    }

    static func randomFilters(_ rng: inout SplitMix64) -> [QueryFilter] {
        var out: [QueryFilter] = []
        switch rng.next() % 6 {
        case 0: out.append(QueryFilter(sql: "device_id = 'dev-b'", apply: { $0.devices = .equals("dev-b") }, keeps: { k, _, _, _, _ in k.deviceID == "dev-b" }))
        case 1: out.append(QueryFilter(sql: "device_id IN ('other', 'dev-a', 'missing')", apply: { $0.devices = .oneOf(["dev-a", "missing", "other"]) },
                                       keeps: { k, _, _, _, _ in ["dev-a", "other"].contains(k.deviceID) }))
        case 2: out.append(QueryFilter(sql: "device_id LIKE 'dev-%'", apply: { $0.devices = .prefix("dev-") },
                                       keeps: { k, _, _, _, _ in k.deviceID.hasPrefix("dev-") }))
        case 3: out.append(QueryFilter(sql: "device_id <> 'dev-a'", apply: { $0.devices = .oneOf(["dev-b", "dev-c", "other"]) },
                                       keeps: { k, _, _, _, _ in k.deviceID != "dev-a" }))
        default: break
        }
        switch rng.next() % 4 {
        case 0: out.append(QueryFilter(sql: "sensor_type = 'temp'", apply: { $0.sensorTypes = .equals("temp") }, keeps: { k, _, _, _, _ in k.sensorType == "temp" }))
        case 1: out.append(QueryFilter(sql: "sensor_type IN ('volt', 'hum')", apply: { $0.sensorTypes = .oneOf(["hum", "volt"]) },
                                       keeps: { k, _, _, _, _ in k.sensorType != "temp" }))
        default: break
        }
        let from = -F.day / 2 + Int64(rng.next() % UInt64(F.day)), until = from + Int64(rng.next() % UInt64(F.day))
        switch rng.next() % 4 {
        case 0: out.append(QueryFilter(sql: "timestamp >= \(from) AND timestamp < \(until)", apply: { $0.timeRange = TimeRange(from: from, until: until) },
                                       keeps: { _, _, t, _, _ in t >= from && t < until }))
        case 1: out.append(QueryFilter(sql: "time BETWEEN \(from) AND \(until)", apply: { $0.timeRange = TimeRange(from...until) },
                                       keeps: { _, _, t, _, _ in t >= from && t <= until }))
        case 2: out.append(QueryFilter(sql: "timestamp > '1969-12-31T18:00:00Z'", apply: { $0.timeRange = TimeRange((-6 * F.hour + 1)...Int64.max) },
                                       keeps: { _, _, t, _, _ in t > -6 * F.hour }))
        default: break
        }
        switch rng.next() % 5 {
        case 0: out.append(QueryFilter(sql: "quality <> 'bad'", apply: { $0.qualities = [.good, .suspect] }, keeps: { _, _, _, _, q in q != .bad }))
        case 1: out.append(QueryFilter(sql: "quality IN ('good')", apply: { $0.qualities = [.good] }, keeps: { _, _, _, _, q in q == .good }))
        default: break
        }
        if rng.next() % 5 == 0 {
            out.append(QueryFilter(sql: "attr('zone') = 'zone-a'", apply: { $0.attributes = [AttributeFilter(key: "zone", values: ["zone-a"])] },
                                   keeps: { _, a, _, _, _ in a["zone"] == "zone-a" }))
        }
        let n = Double(Int64(rng.next() % 100) - 50)
        switch rng.next() % 6 {
        case 0: out.append(QueryFilter(sql: "value > \(Int(n))", apply: { $0.values = [ValueCondition(.greater, n)] }, keeps: { _, _, _, v, _ in pg(v, n) > 0 }))
        case 1: out.append(QueryFilter(sql: "value BETWEEN -50 AND 50", apply: { $0.values = [ValueCondition(.greaterOrEqual, -50), ValueCondition(.lessOrEqual, 50)] },
                                       keeps: { _, _, _, v, _ in v >= -50 && v <= 50 }))
        case 2: out.append(QueryFilter(sql: "value <> 'NaN'", apply: { $0.values = [ValueCondition(.notEqual, .nan)] }, keeps: { _, _, _, v, _ in !v.isNaN }))
        default: break
        }
        return out
    }

    /// A generated aggregate query: its SQL and the hand-built equivalent.
    struct Generated {
        var sql: String
        var aggregation: Aggregation
        var outputs: [AggregatePlan.Output]
        var orderedByAggregate: Bool
    }

    static func randomAggregateQuery(_ rng: inout SplitMix64) -> Generated {
        var items: [String] = [], outputs: [AggregatePlan.Output] = [], groups: [String] = []
        var q = Aggregation(aggregates: [])
        if rng.next() % 2 == 0 { items.append("device_id"); outputs.append(.device); groups.append("device_id"); q.groupBy.insert(.device) }
        if rng.next() % 3 == 0 { items.append("sensor_type"); outputs.append(.sensor); groups.append("sensor_type"); q.groupBy.insert(.sensorType) }
        if rng.next() % 4 != 0 {
            let (sql, bucket) = bucketChoices[Int(rng.next() % UInt64(bucketChoices.count))]
            items.append(sql + " AS b")
            outputs.append(.bucket)
            groups.append(rng.next() % 2 == 0 ? "b" : "\(items.count)")   // by alias or by position
            q.bucket = bucket
        }
        for _ in 0..<(1 + rng.next() % 4) {
            let (sql, a) = aggregateChoices[Int(rng.next() % UInt64(aggregateChoices.count))]
            outputs.append(.aggregate(q.aggregates.count))
            items.append("\(sql) AS a\(q.aggregates.count)")
            q.aggregates.append(a)
        }
        let filters = randomFilters(&rng)
        for f in filters { f.apply(&q.selection) }
        var sql = "SELECT " + items.joined(separator: ", ") + " FROM sensor_readings"
        if !filters.isEmpty { sql += " WHERE " + filters.map(\.sql).joined(separator: " AND ") }
        if !groups.isEmpty { sql += " GROUP BY " + groups.joined(separator: ", ") }
        var byAggregate = false
        // Orders are total over the group columns (ties among groups are unspecified in SQL),
        // or by an aggregate, compared as sets of groups.
        func rest(_ first: SortKey.Column) -> ([String], [SortKey]) {
            var sql: [String] = [], keys: [SortKey] = []
            if first != .bucket && q.bucket != nil { sql.append("b"); keys.append(SortKey(.bucket)) }
            if first != .device && q.groupBy.contains(.device) { sql.append("device_id"); keys.append(SortKey(.device)) }
            if first != .sensorType && q.groupBy.contains(.sensorType) { sql.append("sensor_type"); keys.append(SortKey(.sensorType)) }
            return (sql, keys)
        }
        switch rng.next() % 4 {
        case 0 where q.bucket != nil:
            let (more, keys) = rest(.bucket)
            sql += " ORDER BY " + (["b DESC"] + more).joined(separator: ", ")
            q.order = [SortKey(.bucket, ascending: false)] + keys
        case 1 where q.groupBy.contains(.device):
            let (more, keys) = rest(.device)
            sql += " ORDER BY " + (["device_id DESC"] + more).joined(separator: ", ")
            q.order = [SortKey(.device, ascending: false)] + keys
        case 2:
            sql += " ORDER BY a0 DESC"
            q.order = [SortKey(.aggregate(0), ascending: false)]
            byAggregate = true
        default: break
        }
        if rng.next() % 3 == 0 {
            let limit = Int(rng.next() % 20), offset = Int(rng.next() % 5)
            sql += " LIMIT \(limit) OFFSET \(offset)"
            q.limit = limit
            q.offset = offset
        }
        return Generated(sql: sql, aggregation: q, outputs: outputs, orderedByAggregate: byAggregate)
    }

    /// The reference rows of `q` ordered by its sort keys (PostgreSQL: nulls last ascending,
    /// first descending), ties in the default order, then offset and limit.
    static func referenceRows(_ q: Aggregation, _ model: ReferenceStore) throws -> [AggregateRow] {
        var rows = try model.aggregate(q, resolution: .milliseconds)
        if !q.order.isEmpty {
            let indexed = Array(rows.enumerated())
            rows = indexed.sorted { x, y in
                for key in q.order {
                    let c: Int
                    switch key.column {
                    case .bucket: c = x.element.bucket! < y.element.bucket! ? -1 : (x.element.bucket! > y.element.bucket! ? 1 : 0)
                    case .device: c = NameOrder.compare(x.element.deviceID!, y.element.deviceID!)
                    case .sensorType: c = NameOrder.compare(x.element.sensorType!, y.element.sensorType!)
                    case .aggregate(let i):
                        switch (x.element.values[i], y.element.values[i]) {
                        case (nil, nil): c = 0
                        case (nil, _): c = 1   // PostgreSQL: NULL sorts as the largest value
                        case (_, nil): c = -1
                        case (let a?, let b?): c = pg(a, b)
                        }
                    }
                    if c != 0 { return key.ascending ? c < 0 : c > 0 }
                }
                return x.offset < y.offset
            }.map(\.element)
        }
        let from = min(q.offset, rows.count)
        return Array(rows[from..<min(rows.count, from + (q.limit ?? rows.count))])
    }

    // MARK: - Aggregations

    @Test(arguments: [11, 12] as [UInt64])
    func generatedAggregateQueriesMatchTheStoreAndTheReference(seed: UInt64) throws {
        let (store, model) = try Self.randomStore(seed: seed)
        let session = F.session(store)
        var rng = SplitMix64(seed: seed &* 31)
        var answered = 0
        defer { #expect(answered > 40, "too few queries had rows to compare") }
        for _ in 0..<70 {
            let g = Self.randomAggregateQuery(&rng)
            let got = try session.execute(g.sql)[0].rows
            if got.contains(where: { $0.contains { $0 != .null && $0 != .integer(0) } }) { answered += 1 }
            // (a) The store's own answer to the Aggregation written by hand.
            var direct = F.rows(try store.aggregate(g.aggregation).rows, g.outputs, g.aggregation.aggregates)
            let oneRow = g.aggregation.bucket == nil && g.aggregation.groupBy.isEmpty
            if direct.isEmpty && oneRow && g.aggregation.offset == 0 && (g.aggregation.limit ?? 1) > 0 {
                direct = [g.outputs.map { out in
                    if case .aggregate(let i) = out, g.aggregation.aggregates[i] == .count { return .integer(0) }
                    return .null
                }]
            }
            #expect(got.count == direct.count, "\(g.sql)")
            if let i = zip(got, direct).map({ $0 == $1 }).firstIndex(of: false) {
                Issue.record("row \(i): \(got[i]) vs \(direct[i]) in \(g.sql)")
            }
            // (b) The naive reference (ordering by an aggregate with ties is left to the implementation:
            // compared as the same groups with the aggregate in order).
            let expected = try Self.referenceRows(g.aggregation, model)
            let reference = F.rows(expected, g.outputs, g.aggregation.aggregates)
            if oneRow && expected.isEmpty {
                #expect(got.count <= 1)
                continue
            }
            if g.orderedByAggregate && g.aggregation.limit != nil { continue }
            #expect(got.count == reference.count, "\(g.sql)")
            let gotRows = g.orderedByAggregate ? Self.byGroup(got, g.outputs) : got
            let refRows = g.orderedByAggregate ? Self.byGroup(reference, g.outputs) : reference
            for (a, b) in zip(gotRows, refRows) {
                for (i, out) in g.outputs.enumerated() {
                    switch out {
                    case .aggregate(let k):
                        let agg = g.aggregation.aggregates[k]
                        #expect(ReferenceStore.agree(a[i].double, b[i].double, exact: ReferenceStore.isExact(agg)),
                                "\(agg): \(a[i]) vs \(b[i]) in \(g.sql)")
                    default:
                        #expect(a[i] == b[i], "\(a[i]) vs \(b[i]) in \(g.sql)")
                    }
                }
            }
            if g.orderedByAggregate {
                let firsts = got.compactMap { row -> Double? in
                    guard let i = g.outputs.firstIndex(of: .aggregate(0)) else { return nil }
                    return row[i].double
                }
                #expect(zip(firsts, firsts.dropFirst()).allSatisfy { Self.pg($0, $1) >= 0 }, "not descending: \(g.sql)")
            }
        }
        try store.close()
    }

    /// Rows sorted by their group columns (to compare result sets whose order has ties).
    static func byGroup(_ rows: [[SQLValue]], _ outputs: [AggregatePlan.Output]) -> [[SQLValue]] {
        let keys = outputs.indices.filter { if case .aggregate = outputs[$0] { false } else { true } }
        return rows.sorted { a, b in
            for k in keys where a[k] != b[k] {
                switch (a[k], b[k]) {
                case (.timestamp(let x), .timestamp(let y)): return x < y
                case (.text(let x), .text(let y)): return NameOrder.precedes(x, y)
                default: return false
                }
            }
            return false
        }
    }

    @Test func theSeedQueryRunsVerbatimWithBoundParameters() throws {
        let store = try F.store(partition: F.hour)
        var readings: [Reading] = []
        // 26 hours of 10 s readings from 23:00 the day before, for the device and a neighbour.
        let start = F.jan1 - F.hour
        for i in 0..<(26 * 360) {
            let t = start + Int64(i) * 10_000
            readings.append(Reading(deviceID: "sensor-00042", sensorType: "temperature", timestamp: t, value: Double(200 + (i * 7) % 53) / 10))
            readings.append(Reading(deviceID: "sensor-00043", sensorType: "temperature", timestamp: t, value: 99))
        }
        try store.write(readings)
        try store.flush()
        let sql = """
            SELECT device_id, time_bucket('1 hour', timestamp) AS bucket,
                   AVG(value) AS avg_value, MIN(value) AS min_value, MAX(value) AS max_value, COUNT(*) AS sample_count
            FROM sensor_readings
            WHERE timestamp >= :start_time AND timestamp < :end_time AND device_id = :device_id
            GROUP BY device_id, bucket ORDER BY bucket
            """
        let result = try F.session(store).execute(sql, parameters: [
            "start_time": .text("2026-01-01"), "end_time": .text("2026-01-02T00:00:00Z"), "device_id": .text("sensor-00042"),
        ])[0]
        #expect(result.columns.map(\.name) == ["device_id", "bucket", "avg_value", "min_value", "max_value", "sample_count"])
        #expect(result.kind == .select)
        // By hand: the readings of each hour of 2026-01-01.
        var expected: [[SQLValue]] = []
        for h in 0..<24 {
            let from = F.jan1 + Int64(h) * F.hour
            let values = readings.filter { $0.deviceID == "sensor-00042" && $0.timestamp >= from && $0.timestamp < from + F.hour }.map(\.value)
            expected.append([.text("sensor-00042"), .timestamp(from), .real(values.reduce(0, +) / Double(values.count)),
                             .real(values.min()!), .real(values.max()!), .integer(Int64(values.count))])
        }
        #expect(result.rows.count == 24)
        for (g, e) in zip(result.rows, expected) {
            #expect(g[0] == e[0] && g[1] == e[1] && g[3] == e[3] && g[4] == e[4] && g[5] == e[5], "\(g) vs \(e)")
            #expect(ReferenceStore.agree(g[2].double, e[2].double, exact: false))
        }
        // Parameters bound as timestamps give the same rows.
        let again = try F.session(store).execute(sql, parameters: [
            "start_time": .timestamp(F.jan1), ":end_time": .timestamp(F.jan1 + F.day), "device_id": .text("sensor-00042"),
        ])[0]
        #expect(again.rows == result.rows)
        try store.close()
    }

    // MARK: - Raw SELECT

    /// Rows of a raw SELECT computed naively from the model, in scan order (device, sensor, timestamp by bytes).
    static func naiveRows(_ model: ReferenceStore, _ filters: [QueryFilter]) -> [(key: SeriesKey, t: Int64, point: ReferenceStore.Point)] {
        var out: [(key: SeriesKey, t: Int64, point: ReferenceStore.Point)] = []
        for key in model.orderedKeys {
            let attributes = model.attributes[key.deviceID] ?? [:]
            for (t, p) in model.series[key]!.sorted(by: { $0.key < $1.key })
            where filters.allSatisfy({ $0.keeps(key, attributes, t, p.value, p.quality) }) {
                out.append((key, t, p))
            }
        }
        return out
    }

    @Test(arguments: [21, 22] as [UInt64])
    func generatedRawSelectsMatchANaiveFilter(seed: UInt64) throws {
        let (store, model) = try Self.randomStore(seed: seed)
        let session = F.session(store)
        var rng = SplitMix64(seed: seed &* 17)
        var answered = 0
        defer { #expect(answered > 15, "too few queries had rows to compare") }
        typealias Key = (SeriesKey, Int64, ReferenceStore.Point) -> SQLValue
        let byValue: Key = { _, _, p in SQLValue.real(p.value) }
        let byTime: Key = { _, t, _ in SQLValue.timestamp(t) }
        let byZone: Key = { k, _, _ in Self.zones[k.deviceID].map { SQLValue.text($0) } ?? SQLValue.null }
        let byQuality: Key = { _, _, p in SQLValue.text(p.quality.description) }
        let orders: [(sql: String, key: Key, ascending: Bool)] = [
            ("value DESC", byValue, false), ("value", byValue, true), ("timestamp DESC", byTime, false), ("z DESC", byZone, false),
            ("quality", byQuality, true),
        ]
        for _ in 0..<30 {
            let filters = Self.randomFilters(&rng)
            var sql = "SELECT device_id, sensor_type, timestamp, value, quality, attr('zone') AS z FROM sensor_readings"
            if !filters.isEmpty { sql += " WHERE " + filters.map(\.sql).joined(separator: " AND ") }
            var rows = Self.naiveRows(model, filters).map { r -> (row: [SQLValue], key: SQLValue) in
                ([.text(r.key.deviceID), .text(r.key.sensorType), .timestamp(r.t), .real(r.point.value), .text(r.point.quality.description),
                  Self.zones[r.key.deviceID].map(SQLValue.text) ?? .null], .null)
            }
            if rng.next() % 2 == 0 {
                let o = orders[Int(rng.next() % UInt64(orders.count))]
                sql += " ORDER BY " + o.sql
                let naive = Self.naiveRows(model, filters)
                rows = zip(rows, naive).map { ($0.row, o.key($1.key, $1.t, $1.point)) }
                // Stable: ties keep the scan order. PostgreSQL: NULLS FIRST descending, LAST ascending.
                rows = rows.enumerated().sorted { x, y in
                    let c = Self.compare(x.element.key, y.element.key)
                    if c != 0 { return o.ascending ? c < 0 : c > 0 }
                    return x.offset < y.offset
                }.map(\.element)
            }
            var expected = rows.map(\.row)
            if rng.next() % 2 == 0 {
                let limit = Int(rng.next() % 50), offset = Int(rng.next() % 10)
                sql += " LIMIT \(limit) OFFSET \(offset)"
                expected = Array(expected.dropFirst(offset).prefix(limit))
            }
            let got = try session.execute(sql)[0].rows
            if !got.isEmpty { answered += 1 }
            #expect(got.count == expected.count, "\(sql)")
            if let i = zip(got, expected).map({ $0 == $1 }).firstIndex(of: false) {
                Issue.record("row \(i): \(got[i]) vs \(expected[i]) in \(sql)")
            }
        }
        try store.close()
    }

    /// Three-way comparison of two values of one column; NULL is the largest value (PostgreSQL's
    /// default: NULLS LAST ascending, NULLS FIRST descending).
    static func compare(_ a: SQLValue, _ b: SQLValue) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.real(let x), .real(let y)): return pg(x, y)
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.text(let x), .text(let y)): return NameOrder.compare(x, y)
        default: return 0
        }
    }

    // MARK: - Latest values

    @Test func lastValuePerDeviceMatchesTheNewestPoint() throws {
        let (store, model) = try Self.randomStore(seed: 5)
        let rows = try F.session(store).execute("""
            SELECT device_id, last(value, timestamp) AS v, max(timestamp) AS at FROM sensor_readings GROUP BY device_id ORDER BY device_id
            """)[0].rows
        var expected: [[SQLValue]] = []
        for d in Self.devices {
            // The newest point of the device; on equal timestamps the last series by sensor type.
            var best: (t: Int64, sensor: String, v: Double)?
            for key in model.orderedKeys where key.deviceID == d {
                for (t, p) in model.series[key]! where best == nil || t > best!.t || (t == best!.t && NameOrder.precedes(best!.sensor, key.sensorType)) {
                    best = (t, key.sensorType, p.value)
                }
            }
            if let best { expected.append([.text(d), .real(best.v), .timestamp(best.t)]) }
        }
        #expect(rows == expected)
        try store.close()
    }

    // MARK: - Statements that change the store

    @Test func insertThenSelectSeesIt() throws {
        let store = try F.store()
        let session = F.session(store)
        let results = try session.execute("""
            INSERT INTO sensor_readings VALUES ('d1', 'temp', '2026-01-01T00:00:00Z', 21.5), ('d1', 'temp', '2026-01-01T00:00:10Z', 'NaN');
            INSERT INTO sensor_readings (device_id, sensor_type, timestamp, value, quality) VALUES ('d1', 'temp', '2026-01-01T00:00:00Z', 22.5, 'suspect');
            SELECT device_id, sensor_type, timestamp, value, quality FROM sensor_readings WHERE device_id = 'd1' ORDER BY timestamp
            """)
        #expect(results.map(\.message) == ["inserted 2 rows", "inserted 1 row", nil])
        #expect(results.map(\.kind) == [.insert, .insert, .select])
        // The second write of 00:00:00 wins, as in the store.
        #expect(results[2].rows == [
            [.text("d1"), .text("temp"), .timestamp(F.jan1), .real(22.5), .text("suspect")],
            [.text("d1"), .text("temp"), .timestamp(F.jan1 + 10_000), .real(.nan), .text("good")],
        ])
        try store.close()
    }

    @Test func deleteRemovesExactlyWhatWasSelected() throws {
        let (store, before) = try Self.randomStore(seed: 7)
        let session = F.session(store)
        let condition = "device_id IN ('dev-a', 'dev-c') AND sensor_type <> 'volt' AND timestamp >= -3600000 AND timestamp < 7200000"
        let selected = try session.execute("SELECT count(*) FROM sensor_readings WHERE \(condition)")[0].rows[0][0]
        let total = try session.execute("SELECT count(*) FROM sensor_readings")[0].rows[0][0]
        #expect(selected != .integer(0))
        let deleted = try session.execute("DELETE FROM sensor_readings WHERE \(condition)")[0]
        #expect(deleted.kind == .delete)
        #expect(try session.execute("SELECT count(*) FROM sensor_readings WHERE \(condition)")[0].rows == [[.integer(0)]])
        #expect(try session.execute("SELECT count(*) FROM sensor_readings")[0].rows[0][0] == .integer(total.double.map { Int64($0) }! - Int64(selected.double!)))
        // Everything else is untouched: the remaining rows are the model's with the same delete.
        var after = before
        after.delete(in: TimeRange(from: -F.hour, until: 2 * F.hour)) { ["dev-a", "dev-c"].contains($0.deviceID) && $0.sensorType != "volt" }
        let expected = Self.naiveRows(after, []).map { r -> [SQLValue] in [.text(r.key.deviceID), .text(r.key.sensorType), .timestamp(r.t), .real(r.point.value)] }
        #expect(try session.execute("SELECT device_id, sensor_type, timestamp, value FROM sensor_readings")[0].rows == expected)
        try store.close()
    }

    @Test func updateDevicesThenAttributeConditionsFilter() throws {
        let store = try F.store()
        let session = F.session(store)
        _ = try session.execute("""
            INSERT INTO sensor_readings VALUES ('d1', 't', 1, 1), ('d1', 't', 2, 2), ('d2', 't', 1, 3), ('d3', 't', 1, 4), ('d3', 'u', 5, 5)
            """)
        let update = try session.execute("UPDATE devices SET zone = 'a' WHERE device_id IN ('d1', 'd3')")[0]
        #expect(update.kind == .update)
        #expect(update.message == "set 1 attribute of 2 devices")
        let query = "SELECT device_id, count(*), sum(value) FROM sensor_readings WHERE attr('zone') = 'a' GROUP BY device_id"
        #expect(try session.execute(query)[0].rows == [[.text("d1"), .integer(2), .real(3)], [.text("d3"), .integer(2), .real(9)]])
        _ = try session.execute("UPDATE devices SET zone = NULL, floor = '2' WHERE device_id = 'd1'")
        #expect(try session.execute(query)[0].rows == [[.text("d3"), .integer(2), .real(9)]])
        #expect(try store.attributes(device: "d1") == ["floor": "2"])
        #expect(try session.execute("SELECT value FROM sensor_readings WHERE attr('zone') IS NULL ORDER BY value")[0].rows
                == [[.real(1)], [.real(2)], [.real(3)]])
        try store.close()
    }

    @Test func showDevicesAndSensorsListTheCatalog() throws {
        let store = try F.store()
        let session = F.session(store)
        _ = try session.execute("""
            INSERT INTO sensor_readings VALUES ('b', 'temp', 1, 1), ('b', 'hum', 1, 1), ('a', 'temp', 1, 1), ('c', 'temp', 2, 2);
            UPDATE devices SET zone = 'z1', model = 'm' WHERE device_id = 'a';
            UPDATE devices SET zone = 'z2' WHERE device_id = 'only-attributes'
            """)
        let devices = try session.execute("SHOW DEVICES")[0]
        #expect(devices.columns.map(\.name) == ["device_id", "series", "attributes"])
        #expect(devices.rows == [
            [.text("a"), .integer(1), .text("model=m, zone=z1")],
            [.text("b"), .integer(2), .null],
            [.text("c"), .integer(1), .null],
            [.text("only-attributes"), .integer(0), .text("zone=z2")],
        ])
        let sensors = try session.execute("SHOW SENSORS")[0]
        #expect(sensors.columns.map(\.name) == ["sensor_type", "devices"])
        #expect(sensors.rows == [[.text("hum"), .integer(1)], [.text("temp"), .integer(3)]])
        try store.flush()
        let partitions = try session.execute("SHOW PARTITIONS")[0]
        #expect(partitions.rows.reduce(0) { $0 + Int($1[3].double!) } == 4)
        try store.close()
    }

    @Test func anAggregateWithoutGroupByOverNoRowsGivesOneRow() throws {
        let store = try F.store()
        let session = F.session(store)
        _ = try session.execute("INSERT INTO sensor_readings VALUES ('d1', 't', 1, 1)")
        // PostgreSQL: count is 0, every other aggregate NULL.
        let sql = "SELECT count(*) AS n, count(value), avg(value), max(value), first(value, timestamp), stddev(value) FROM sensor_readings WHERE device_id = 'none'"
        #expect(try session.execute(sql)[0].rows == [[.integer(0), .integer(0), .null, .null, .null, .null]])
        #expect(try session.execute(sql + " LIMIT 0")[0].rows.isEmpty)
        #expect(try session.execute(sql + " OFFSET 1")[0].rows.isEmpty)
        // With GROUP BY there are no groups, so no rows.
        #expect(try session.execute("SELECT device_id, count(*) FROM sensor_readings WHERE device_id = 'none' GROUP BY device_id")[0].rows.isEmpty)
        // Over one point: the sample variance of one value is NULL, the population variance 0.
        #expect(try session.execute("SELECT count(*), var_samp(value), var_pop(value), spread(value) FROM sensor_readings")[0].rows
                == [[.integer(1), .null, .real(0), .real(0)]])
        try store.close()
    }

    @Test func explainShowsThePlanAndWhatWasRead() throws {
        let store = try F.store()
        let session = F.session(store)
        _ = try session.execute("INSERT INTO sensor_readings VALUES ('d1', 't', 1, 1), ('d2', 't', 1, 1)")
        let lines = try session.execute("EXPLAIN SELECT avg(value) FROM sensor_readings WHERE device_id = 'd1'")[0].rows.map { row -> String in
            guard case .text(let s) = row[0] else { return "" }
            return s
        }
        #expect(lines.first == "plan: aggregate (Store.aggregate)")
        #expect(lines.contains("devices: 'd1'"))
        #expect(lines.contains("aggregates: avg"))
        #expect(lines.contains("executed: 1 rows"))
        #expect(lines.contains("series: 1"))
        try store.close()
    }
}
