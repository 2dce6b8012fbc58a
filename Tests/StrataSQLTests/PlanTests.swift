// The mapping from SQL onto the public Strata API, checked exactly: each
// statement's plan is compared with the Selection, Aggregation or call written
// out by hand. Value conditions are also checked by their meaning: for a probe
// set of doubles (specials and the neighbours of every constant), the plan's
// conditions hold exactly where SQL's condition, written as a Swift closure, is true.

@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

/// A WHERE clause and the Selection it must become.
struct SelectionCase: Sendable, CustomTestStringConvertible {
    let whereClause: String
    let expected: Selection
    let parameters: [String: SQLValue]
    init(_ whereClause: String, _ expected: Selection, _ parameters: [String: SQLValue] = [:]) {
        self.whereClause = whereClause
        self.expected = expected
        self.parameters = parameters
    }
    var testDescription: String { whereClause }
}

/// A WHERE clause on value, and which values SQL's three-valued logic keeps.
struct ValueCase: Sendable, CustomTestStringConvertible {
    let whereClause: String
    let keeps: @Sendable (Double) -> Bool
    /// The exact conditions, when the spelling is the obvious one.
    let spelled: [ValueCondition]?
    init(_ whereClause: String, spelled: [ValueCondition]? = nil, _ keeps: @escaping @Sendable (Double) -> Bool) {
        self.whereClause = whereClause
        self.keeps = keeps
        self.spelled = spelled
    }
    var testDescription: String { whereClause }
}

@Suite struct PlanTests {
    static let t0 = SQLFixtures.jan1
    static let t1 = SQLFixtures.jan1 + SQLFixtures.day

    /// Devices d1, d2, d3 with temp and hum, zones a and b, and x9 with attributes only.
    static let store: Store = {
        let store = try! SQLFixtures.store()
        var readings: [Reading] = []
        for d in ["d1", "d2", "d3"] {
            for s in ["temp", "hum"] { readings.append(Reading(deviceID: d, sensorType: s, timestamp: t0, value: 1)) }
        }
        try! store.write(readings)
        try! store.setAttributes(["zone": "a"], device: "d1")
        try! store.setAttributes(["zone": "b", "model": "TH-1"], device: "d2")
        try! store.setAttributes(["zone": "c"], device: "x9")
        return store
    }()

    static func plan(_ sql: String, _ parameters: [String: SQLValue] = [:]) throws -> Plan {
        let plans = try SQLFixtures.session(store).plans(sql, parameters: parameters)
        return try #require(plans.count == 1 ? plans[0] : nil)
    }

    static func selection(_ whereClause: String, _ parameters: [String: SQLValue] = [:]) throws -> Selection {
        guard case .scan(let p) = try plan("SELECT value FROM sensor_readings WHERE " + whereClause, parameters) else {
            Issue.record("not a scan")
            return Selection()
        }
        return p.selection
    }

    static func aggregatePlan(_ sql: String, _ parameters: [String: SQLValue] = [:]) throws -> AggregatePlan {
        guard case .aggregate(let p) = try plan(sql, parameters) else {
            Issue.record("not an aggregate plan: \(sql)")
            throw SQLError("not an aggregate plan")
        }
        return p
    }

    /// Value conditions compared with NaN equal to NaN.
    static func same(_ a: [ValueCondition], _ b: [ValueCondition]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.comparison == y.comparison && (x.value == y.value || (x.value.isNaN && y.value.isNaN))
        }
    }

    static func same(_ a: Selection, _ b: Selection) -> Bool {
        a.devices == b.devices && a.sensorTypes == b.sensorTypes && a.attributes == b.attributes && a.timeRange == b.timeRange
            && a.qualities == b.qualities && same(a.values, b.values)
    }

    // MARK: - The brief's example and WHERE -> Selection

    @Test func theExampleWhereClauseBecomesOneExactSelection() throws {
        let s = try Self.selection("""
            device_id IN ('a','b') AND timestamp >= '2026-01-01' AND timestamp < '2026-01-02' AND value > 5 AND quality <> 'bad'
            """)
        let expected = Selection(devices: .oneOf(["a", "b"]), timeRange: TimeRange(from: Self.t0, until: Self.t1),
                                 qualities: [.good, .suspect], values: [ValueCondition(.greater, 5)])
        #expect(s == expected)
    }

    static let selectionCases: [SelectionCase] = [
        // Devices.
        SelectionCase("device_id = 'd1'", Selection(devices: .equals("d1"))),
        SelectionCase("'d1' = device_id", Selection(devices: .equals("d1"))),
        SelectionCase("device_id IN ('d2', 'd1', 'd2')", Selection(devices: .oneOf(["d1", "d2"]))),
        SelectionCase("device_id IN ('d1')", Selection(devices: .equals("d1"))),
        SelectionCase("device_id LIKE 'sen%'", Selection(devices: .prefix("sen"))),
        SelectionCase("device_id LIKE 'd1'", Selection(devices: .equals("d1"))),
        SelectionCase("device_id LIKE 'd\\%'", Selection(devices: .equals("d%"))),
        // Conditions that are not one symbolic filter are evaluated against the catalog
        // (d1, d2, d3 with readings; x9 with attributes only).
        SelectionCase("device_id <> 'd1'", Selection(devices: .oneOf(["d2", "d3", "x9"]))),
        SelectionCase("device_id NOT IN ('d1', 'd2')", Selection(devices: .oneOf(["d3", "x9"]))),
        SelectionCase("device_id > 'd1' AND device_id <= 'd3'", Selection(devices: .oneOf(["d2", "d3"]))),
        SelectionCase("device_id BETWEEN 'd2' AND 'x'", Selection(devices: .oneOf(["d2", "d3"]))),
        SelectionCase("device_id = 'd1' OR attr('zone') = 'b'", Selection(devices: .oneOf(["d1", "d2"]))),
        SelectionCase("attr('zone') IS NULL", Selection(devices: .oneOf(["d3"]))),
        SelectionCase("NOT (attr('zone') = 'a')", Selection(devices: .oneOf(["d2", "x9"]))),   // NULL <> 'a' is NULL: d3 is out
        SelectionCase("attr('zone') = 'a'", Selection(attributes: [AttributeFilter(key: "zone", values: ["a"])])),
        SelectionCase("attr('zone') IN ('b', 'a')", Selection(attributes: [AttributeFilter(key: "zone", values: ["a", "b"])])),
        SelectionCase("device_id = 'd1' AND attr('zone') = 'a' AND attr('model') = 'x'",
                      Selection(devices: .equals("d1"), attributes: [AttributeFilter(key: "zone", values: ["a"]),
                                                                     AttributeFilter(key: "model", values: ["x"])])),
        // Sensor types.
        SelectionCase("sensor_type = 'temp'", Selection(sensorTypes: .equals("temp"))),
        SelectionCase("sensor_type <> 'temp'", Selection(sensorTypes: .oneOf(["hum"]))),
        SelectionCase("sensor_type IN ('temp', 'hum') AND device_id = 'd2'", Selection(devices: .equals("d2"), sensorTypes: .oneOf(["hum", "temp"]))),
        // Time.
        SelectionCase("timestamp >= '2026-01-01' AND timestamp < '2026-01-02'", Selection(timeRange: TimeRange(from: t0, until: t1))),
        SelectionCase("time > '2026-01-01'", Selection(timeRange: TimeRange((t0 + 1)...Int64.max))),
        SelectionCase("timestamp <= '2026-01-02'", Selection(timeRange: TimeRange(Int64.min...t1))),
        SelectionCase("timestamp BETWEEN '2026-01-01' AND '2026-01-02'", Selection(timeRange: TimeRange(t0...t1))),
        SelectionCase("timestamp = 5", Selection(timeRange: TimeRange(5...5))),
        SelectionCase("timestamp IN (7, 7)", Selection(timeRange: TimeRange(7...7))),
        SelectionCase("NOT (timestamp < '2026-01-01')", Selection(timeRange: TimeRange(t0...Int64.max))),
        SelectionCase("timestamp >= '2026-01-02' AND timestamp < '2026-01-01'", Selection(timeRange: TimeRange(from: 0, until: 0))),
        SelectionCase("timestamp < 0 OR timestamp BETWEEN 0 AND 10", Selection(timeRange: TimeRange(Int64.min...10))),
        SelectionCase("timestamp >= now() - INTERVAL '1 day' AND timestamp < now()",
                      Selection(timeRange: TimeRange(from: t0 - 12 * SQLFixtures.hour, until: t0 + 12 * SQLFixtures.hour))),
        // PostgreSQL: '2026-01-31' + 1 month is 2026-02-28 (the day clamped to the month).
        SelectionCase("timestamp < '2026-01-31'::timestamp + INTERVAL '1 month'",
                      Selection(timeRange: TimeRange(Int64.min...(SQLFixtures.utc(2026, 2, 28) - 1)))),
        SelectionCase("timestamp < DATE '2024-03-31' - INTERVAL '1 month'",
                      Selection(timeRange: TimeRange(Int64.min...(SQLFixtures.utc(2024, 2, 29) - 1)))),
        SelectionCase("timestamp >= '2026-01-01 10:00:00+02:00'", Selection(timeRange: TimeRange((t0 + 8 * SQLFixtures.hour)...Int64.max))),
        SelectionCase("timestamp >= '2026-01-01T00:00:00.250Z'", Selection(timeRange: TimeRange((t0 + 250)...Int64.max))),
        SelectionCase("timestamp >= :t", Selection(timeRange: TimeRange(t0...Int64.max)), ["t": .timestamp(t0)]),
        SelectionCase("timestamp >= :t", Selection(timeRange: TimeRange((t0 - SQLFixtures.hour)...Int64.max)),
                      ["t": .text("2026-01-01T00:00:00+01:00")]),
        SelectionCase("timestamp < :t", Selection(timeRange: TimeRange(Int64.min...(-1001))), [":t": .integer(-1000)]),
        // Quality.
        SelectionCase("quality = 'good'", Selection(qualities: [.good])),
        SelectionCase("quality IN ('good', 'suspect')", Selection(qualities: [.good, .suspect])),
        SelectionCase("quality = 2", Selection(qualities: [.bad])),
        SelectionCase("quality NOT IN (0, 'BAD')", Selection(qualities: [.suspect])),
        // Constant conditions.
        SelectionCase("1 = 1 AND TRUE", Selection()),
        SelectionCase("FALSE", Selection(devices: .oneOf([]))),
        SelectionCase("NULL AND device_id = 'd1'", Selection(devices: .oneOf([]))),
        SelectionCase(":flag IS NULL", Selection(), ["flag": .null]),
    ]

    @Test(arguments: selectionCases)
    func whereClauseBecomesSelection(_ c: SelectionCase) throws {
        let s = try Self.selection(c.whereClause, c.parameters)
        #expect(Self.same(s, c.expected), "got \(s)")
    }

    /// Doubles to probe value conditions with: specials and the neighbours of the constants used.
    static let probes: [Double] = {
        var out: [Double] = [-.infinity, .infinity, .nan, 0, -0.0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for c in [1.0, 1.5, 2, 3, 5, 7, 10, 25.5] {
            for x in [c, -c] { out += [x, x.nextUp, x.nextDown] }
        }
        return out
    }()

    static let valueCases: [ValueCase] = [
        ValueCase("value > 5", spelled: [ValueCondition(.greater, 5)]) { !$0.isNaN ? $0 > 5 : true },
        ValueCase("value >= 5 AND value < 10", spelled: [ValueCondition(.greaterOrEqual, 5), ValueCondition(.less, 10)]) { $0 >= 5 && $0 < 10 },
        ValueCase("value BETWEEN 1 AND 2", spelled: [ValueCondition(.greaterOrEqual, 1), ValueCondition(.lessOrEqual, 2)]) { $0 >= 1 && $0 <= 2 },
        ValueCase("value <> 3", spelled: [ValueCondition(.notEqual, 3)]) { $0 != 3 },
        ValueCase("value != -1.5", spelled: [ValueCondition(.notEqual, -1.5)]) { $0 != -1.5 },
        ValueCase("value = 25.5", spelled: [ValueCondition(.equal, 25.5)]) { $0 == 25.5 },
        ValueCase("NOT (value <= 5)", spelled: [ValueCondition(.greater, 5)]) { $0.isNaN || $0 > 5 },
        ValueCase("value IN (7, 7.0)", spelled: [ValueCondition(.equal, 7)]) { $0 == 7 },
        ValueCase("value > 5 AND value > 7") { $0.isNaN || $0 > 7 },
        ValueCase("value > 1 OR value > 5") { $0.isNaN || $0 > 1 },
        ValueCase("value < 1 AND value > 5") { _ in false },
        ValueCase("value < 3 OR value = 3") { $0 <= 3 },
        ValueCase("NOT (value = 3 OR value = 5) AND value >= 3 AND value <= 5") { $0 > 3 && $0 < 5 },
        ValueCase("value >= -0.0 AND value <= 0") { $0 == 0 },
        // PostgreSQL orders NaN above every number, Infinity included, and NaN = NaN.
        ValueCase("value = 'NaN'") { $0.isNaN },
        ValueCase("value <> 'NaN'") { !$0.isNaN },
        ValueCase("value < 'NaN'") { !$0.isNaN },
        ValueCase("value > 'Infinity'") { $0.isNaN },
        ValueCase("value <= 'Infinity'") { !$0.isNaN },
        ValueCase("value > '-Infinity' AND value < 'Infinity'") { $0.isFinite },
        ValueCase("value IS NOT NULL") { _ in true },
        ValueCase("value IS NULL") { _ in false },
        ValueCase("value > NULL") { _ in false },
    ]

    @Test(arguments: valueCases)
    func valueConditionsKeepExactlyWhatSQLKeeps(_ c: ValueCase) throws {
        let s = try Self.selection(c.whereClause)
        for x in Self.probes {
            // An empty device list (a NULL or FALSE condition) keeps nothing either.
            let kept = s.values.allSatisfy { $0.holds(x) } && s.devices != .oneOf([])
            #expect(kept == c.keeps(x), "\(x) with \(s.values)")
        }
        if let spelled = c.spelled { #expect(Self.same(s.values, spelled), "\(s.values)") }
    }

    @Test func orAcrossColumnsIsRejectedWithAClearMessage() {
        let error = SQLFixtures.error { try Self.plan("SELECT value FROM sensor_readings WHERE device_id = 'd1' OR value > 5") }
        #expect(error?.message == "OR combines conditions on device_id and value, which cannot be mapped exactly onto a selection: "
                + "the WHERE clause must be an AND of conditions that each concern one column")
        #expect(error?.column == 58)
        // Within one column OR is fine, and device_id with attr() is one column (the device).
        #expect(SQLFixtures.error { try Self.plan("SELECT value FROM sensor_readings WHERE (value < 0 OR value > 5) AND value > 1") } == nil)
        #expect(SQLFixtures.error { try Self.plan("SELECT value FROM sensor_readings WHERE device_id = 'd1' OR attr('zone') = 'b'") } == nil)
    }

    // MARK: - SELECT -> Aggregation

    @Test func theSeedQueryBecomesItsAggregation() throws {
        let p = try Self.aggregatePlan("""
            SELECT device_id, time_bucket('1 hour', timestamp) AS bucket,
                   AVG(value) AS avg_value, MIN(value) AS min_value, MAX(value) AS max_value, COUNT(*) AS sample_count
            FROM sensor_readings
            WHERE timestamp >= :start_time AND timestamp < :end_time AND device_id = :device_id
            GROUP BY device_id, bucket ORDER BY bucket
            """, ["start_time": .text("2026-01-01"), "end_time": .text("2026-01-02"), "device_id": .text("sensor-00042")])
        var q = Aggregation(aggregates: [.avg, .min, .max, .count])
        q.selection.devices = .equals("sensor-00042")
        q.selection.timeRange = TimeRange(from: Self.t0, until: Self.t1)
        q.bucket = TimeBucket(.fixed(SQLFixtures.hour))
        q.groupBy = [.device]
        q.order = [SortKey(.bucket)]
        #expect(p.aggregation == q)
        #expect(p.outputs == [.device, .bucket, .aggregate(0), .aggregate(1), .aggregate(2), .aggregate(3)])
        #expect(p.columns == [SQLColumn(name: "device_id", type: .text), SQLColumn(name: "bucket", type: .timestamp),
                              SQLColumn(name: "avg_value", type: .real), SQLColumn(name: "min_value", type: .real),
                              SQLColumn(name: "max_value", type: .real), SQLColumn(name: "sample_count", type: .integer)])
        #expect(!p.oneRowWhenEmpty && !p.empty)
    }

    @Test func everyAggregateNameMapsToItsAggregate() throws {
        let p = try Self.aggregatePlan("""
            SELECT count(*), count(value), sum(value), avg(value), min(value), max(value), first(value, timestamp), last(value, time),
                   stddev(value), stddev_samp(value), stddev_pop(value), variance(value), var_samp(value), var_pop(value), spread(value)
            FROM sensor_readings
            """)
        #expect(p.aggregation.aggregates == [.count, .count, .sum, .avg, .min, .max, .first, .last, .stddev, .stddev, .stddevPopulation,
                                             .variance, .variance, .variancePopulation, .spread])
        #expect(p.columns.map(\.name) == ["count", "count", "sum", "avg", "min", "max", "first", "last", "stddev", "stddev_samp",
                                          "stddev_pop", "variance", "var_samp", "var_pop", "spread"])
        #expect(p.aggregation.bucket == nil && p.aggregation.groupBy == [] && p.oneRowWhenEmpty)
    }

    @Test(arguments: [
        ("time_bucket('15 minutes', timestamp)", TimeBucket(.fixed(15 * SQLFixtures.minute))),
        ("time_bucket(INTERVAL '1 week', time)", TimeBucket(.fixed(7 * SQLFixtures.day))),
        ("time_bucket('1 month', timestamp)", TimeBucket(.months(1))),
        ("time_bucket('3 months', timestamp)", TimeBucket(.months(3))),
        ("time_bucket('1 year', timestamp)", TimeBucket(.months(12))),
        ("time_bucket('2 years 6 months', timestamp)", TimeBucket(.months(30))),
        ("time_bucket('1 hour', timestamp, '2000-01-01 00:05')", TimeBucket(.fixed(SQLFixtures.hour), origin: SQLFixtures.utc(2000, 1, 1, 0, 5))),
        ("time_bucket('1 week', timestamp, TIMESTAMP '2017-12-31')", TimeBucket(.fixed(7 * SQLFixtures.day), origin: SQLFixtures.utc(2017, 12, 31))),
        ("time_bucket('1 hour', timestamp, INTERVAL '15 minutes')", TimeBucket(.fixed(SQLFixtures.hour), offset: 15 * SQLFixtures.minute)),
        ("time_bucket('5 minutes', timestamp, '-150 seconds')", TimeBucket(.fixed(5 * SQLFixtures.minute), offset: -150_000)),
        ("time_bucket('1 day', timestamp, origin => '1969-12-31 06:00')", TimeBucket(.fixed(SQLFixtures.day), origin: SQLFixtures.utc(1969, 12, 31, 6))),
        ("time_bucket('1 day', timestamp, \"offset\" => INTERVAL '-2 hours')", TimeBucket(.fixed(SQLFixtures.day), offset: -2 * SQLFixtures.hour)),
        ("time_bucket(bucket_width => '1 month', ts => timestamp, origin => '2000-03-01')", TimeBucket(.months(1), origin: SQLFixtures.utc(2000, 3, 1))),
    ] as [(String, TimeBucket)])
    func timeBucketArgumentsBecomeTheTimeBucket(_ call: String, _ bucket: TimeBucket) throws {
        let p = try Self.aggregatePlan("SELECT \(call) AS b, count(*) FROM sensor_readings GROUP BY b")
        #expect(p.aggregation.bucket == bucket)
        #expect(p.aggregation.gapfill == nil)
    }

    @Test func gapfillWithFillsBecomesGapfill() throws {
        let p = try Self.aggregatePlan("""
            SELECT time_bucket_gapfill('1 hour', timestamp) AS b, device_id, locf(avg(value)), interpolate(max(value)), count(*)
            FROM sensor_readings WHERE timestamp >= '2026-01-01' AND timestamp < '2026-01-02' AND device_id = 'd1'
            GROUP BY b, device_id ORDER BY b
            """)
        var q = Aggregation(aggregates: [.avg, .max, .count])
        q.selection = Selection(devices: .equals("d1"), timeRange: TimeRange(from: Self.t0, until: Self.t1))
        q.bucket = TimeBucket(.fixed(SQLFixtures.hour))
        q.groupBy = [.device]
        q.gapfill = Gapfill(start: nil, finish: nil, fills: [.locf, .interpolate, .null])
        q.order = [SortKey(.bucket)]
        #expect(p.aggregation == q)
        #expect(p.columns.map(\.name) == ["b", "device_id", "locf", "interpolate", "count"])

        let explicit = try Self.aggregatePlan("""
            SELECT time_bucket_gapfill('1 hour', timestamp, '2026-01-01', finish => '2026-01-02') AS b, avg(value)
            FROM sensor_readings GROUP BY b
            """)
        #expect(explicit.aggregation.gapfill == Gapfill(start: Self.t0, finish: Self.t1, fills: [.null]))
        #expect(explicit.aggregation.selection == Selection())

        // A WHERE that selects no time at all: no rows (TimescaleDB infers an empty range).
        let empty = try Self.aggregatePlan("""
            SELECT time_bucket_gapfill('1 hour', timestamp) AS b, avg(value) FROM sensor_readings
            WHERE timestamp >= '2026-01-02' AND timestamp < '2026-01-01' GROUP BY b
            """)
        #expect(empty.empty)
    }

    @Test func orderLimitAndOffsetMapOntoTheAggregation() throws {
        // ORDER BY an aggregate that is not selected: it is computed, not shown.
        let p = try Self.aggregatePlan("SELECT device_id FROM sensor_readings GROUP BY device_id ORDER BY max(value) DESC, 1 LIMIT 3 OFFSET 2")
        #expect(p.aggregation.aggregates == [.max])
        #expect(p.aggregation.order == [SortKey(.aggregate(0), ascending: false), SortKey(.device)])
        #expect(p.aggregation.limit == 3 && p.aggregation.offset == 2)
        #expect(p.outputs == [.device])
        // GROUP BY without aggregates: the groups that have points (count computed, not shown).
        let groups = try Self.aggregatePlan("SELECT sensor_type FROM sensor_readings GROUP BY 1 LIMIT ALL")
        #expect(groups.aggregation.aggregates == [.count] && groups.aggregation.groupBy == [.sensorType] && groups.aggregation.limit == nil)
        // Output names win in ORDER BY; input columns win in GROUP BY (PostgreSQL).
        let named = try Self.aggregatePlan("SELECT sensor_type AS device_id, avg(value) AS a FROM sensor_readings GROUP BY sensor_type ORDER BY device_id DESC, a")
        #expect(named.aggregation.order == [SortKey(.sensorType, ascending: false), SortKey(.aggregate(0))])
    }

    // MARK: - Latest values and raw scans

    @Test func lastPerDeviceBecomesALatestPlan() throws {
        guard case .latest(let p) = try Self.plan("SELECT device_id, last(value, timestamp) FROM sensor_readings GROUP BY device_id") else {
            Issue.record("not a latest plan")
            return
        }
        #expect(p == LatestPlan(selection: Selection(), perSeries: false, outputs: [.device, .value],
                                columns: [SQLColumn(name: "device_id", type: .text), SQLColumn(name: "last", type: .real)],
                                order: [], limit: nil, offset: 0))
        guard case .latest(let s) = try Self.plan("""
            SELECT device_id, sensor_type, last(value, timestamp) AS v, max(timestamp) AS at FROM sensor_readings
            WHERE device_id LIKE 'd%' AND timestamp < '2026-01-02' GROUP BY device_id, sensor_type ORDER BY at DESC LIMIT 2
            """) else {
            Issue.record("not a latest plan")
            return
        }
        #expect(s == LatestPlan(selection: Selection(devices: .prefix("d"), timeRange: TimeRange(Int64.min...(Self.t1 - 1))), perSeries: true,
                                outputs: [.device, .sensor, .value, .timestamp],
                                columns: [SQLColumn(name: "device_id", type: .text), SQLColumn(name: "sensor_type", type: .text),
                                          SQLColumn(name: "v", type: .real), SQLColumn(name: "at", type: .timestamp)],
                                order: [LatestPlan.OrderKey(output: .timestamp, ascending: false)], limit: 2, offset: 0))
        // A condition on value or a bucket needs the points: an aggregation.
        #expect(try Self.aggregatePlan("SELECT device_id, last(value, timestamp) FROM sensor_readings WHERE value > 0 GROUP BY device_id")
                    .aggregation.aggregates == [.last])
        #expect(try Self.aggregatePlan("SELECT device_id, last(value, timestamp), time_bucket('1 day', timestamp) AS d FROM sensor_readings GROUP BY device_id, d")
                    .aggregation.bucket == TimeBucket(.fixed(SQLFixtures.day)))
    }

    @Test func rawSelectBecomesAScan() throws {
        guard case .scan(let p) = try Self.plan("SELECT *, attr('zone') AS z FROM sensor_readings WHERE sensor_type = 'temp' ORDER BY value DESC, z LIMIT 5 OFFSET 1") else {
            Issue.record("not a scan")
            return
        }
        #expect(p.outputs == [.device, .sensor, .timestamp, .value, .quality, .attribute("zone")])
        #expect(p.columns.map(\.name) == ["device_id", "sensor_type", "timestamp", "value", "quality", "z"])
        #expect(p.columns.map(\.type) == [.text, .text, .timestamp, .real, .text, .text])
        // PostgreSQL: NULLS FIRST when descending, LAST when ascending.
        #expect(p.order == [ScanPlan.OrderKey(output: .value, ascending: false, nullsFirst: true),
                            ScanPlan.OrderKey(output: .attribute("zone"), ascending: true, nullsFirst: false)])
        #expect(p.selection == Selection(sensorTypes: .equals("temp")))
        #expect(p.limit == 5 && p.offset == 1)
    }

    // MARK: - Statements other than SELECT

    @Test func insertBecomesReadings() throws {
        guard case .insert(let readings) = try Self.plan("""
            INSERT INTO sensor_readings (value, timestamp, sensor_type, device_id, quality)
            VALUES (21.5, '2026-01-01T00:00:01.5Z', 'temp', 'd1', 'suspect'), ('NaN', -5, 'hum', 'd2', 2), (-0.25, :t, 't', 'd', 0)
            """, ["t": .timestamp(42)]) else {
            Issue.record("not an insert")
            return
        }
        #expect(readings == [
            Reading(deviceID: "d1", sensorType: "temp", timestamp: Self.t0 + 1_500, value: 21.5, quality: .suspect),
            Reading(deviceID: "d2", sensorType: "hum", timestamp: -5, value: .nan, quality: .bad),
            Reading(deviceID: "d", sensorType: "t", timestamp: 42, value: -0.25, quality: .good),
        ])
        guard case .insert(let plain) = try Self.plan("INSERT INTO sensor_readings VALUES ('d1', 'temp', 0, 1)") else { return }
        #expect(plain == [Reading(deviceID: "d1", sensorType: "temp", timestamp: 0, value: 1)])
    }

    @Test func deleteBecomesSelection() throws {
        guard case .delete(let s) = try Self.plan("DELETE FROM sensor_readings WHERE device_id = 'd1' AND timestamp < '2026-01-01'") else {
            Issue.record("not a delete")
            return
        }
        #expect(s == Selection(devices: .equals("d1"), timeRange: TimeRange(Int64.min...(Self.t0 - 1))))
        guard case .delete(let all) = try Self.plan("DELETE FROM sensor_readings") else { return }
        #expect(all == Selection())
    }

    @Test(arguments: [
        ("UPDATE devices SET zone='a' WHERE device_id='d1'", ["d1"], [Plan.Attribute(key: "zone", value: "a")]),
        ("UPDATE devices SET zone = NULL, floor = 3 WHERE device_id IN ('d2', 'd1')", ["d1", "d2"],
         [Plan.Attribute(key: "zone", value: nil), Plan.Attribute(key: "floor", value: "3")]),
        // Devices named by = or IN need not exist yet; other conditions pick from the catalog.
        ("UPDATE devices SET zone = 'z' WHERE device_id = 'new-device'", ["new-device"], [Plan.Attribute(key: "zone", value: "z")]),
        ("UPDATE devices SET model = 'TH-2' WHERE attr('zone') = 'a' OR attr('zone') = 'c'", ["d1", "x9"],
         [Plan.Attribute(key: "model", value: "TH-2")]),
        ("UPDATE devices SET model = 'TH-2' WHERE device_id LIKE 'd%' AND attr('zone') IS NULL", ["d3"],
         [Plan.Attribute(key: "model", value: "TH-2")]),
    ] as [(String, [String], [Plan.Attribute])])
    func updateDevicesBecomesSetAttributes(_ sql: String, _ devices: [String], _ attributes: [Plan.Attribute]) throws {
        guard case .updateDevices(let d, let a) = try Self.plan(sql) else {
            Issue.record("not an update")
            return
        }
        #expect(d == devices)
        #expect(a == attributes)
    }

    @Test func explainAndShowWrapTheirPlans() throws {
        guard case .explain(.aggregate(let p)) = try Self.plan("EXPLAIN SELECT avg(value) FROM sensor_readings WHERE device_id = 'd1'") else {
            Issue.record("not an explained aggregate")
            return
        }
        #expect(p.aggregation == Aggregation(selection: Selection(devices: .equals("d1")), aggregates: [.avg]))
        guard case .show(.partitions) = try Self.plan("show partitions") else {
            Issue.record("not SHOW PARTITIONS")
            return
        }
    }
}
