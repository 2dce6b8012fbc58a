// time_bucket and time_bucket_gapfill through SQL, with expected values
// written out from TimescaleDB's documentation
// (docs.timescale.com: time_bucket, "About time buckets", time_bucket_ng,
// time_bucket_gapfill; timescale/docs api/*.md) and from TimescaleDB's own
// regression output for time_bucket (timescale/timescaledb
// test/expected/timestamp.out), microsecond inputs kept in a microsecond store.
// Where a case is not from those sources it says how it was computed.

@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

/// One time_bucket call and timestamps with the bucket each must fall in.
struct BucketCase: Sendable, CustomTestStringConvertible {
    let source: String
    let call: String
    let pairs: [(String, String)]
    let resolution: TimestampResolution
    init(_ source: String, _ call: String, _ pairs: [(String, String)], _ resolution: TimestampResolution = .milliseconds) {
        self.source = source
        self.call = call
        self.pairs = pairs
        self.resolution = resolution
    }
    var testDescription: String { "\(source): \(call)" }
}

@Suite struct TimeBucketSQLTests {
    typealias F = SQLFixtures

    static let cases: [BucketCase] = [
        // Default origin 2000-01-03 (a Monday) for fixed widths.
        BucketCase("About time buckets: 2-week buckets count from 2000-01-03", "time_bucket('2 weeks', timestamp)",
                   [("2020-04-24", "2020-04-13")]),
        BucketCase("timestamp.out", "time_bucket(INTERVAL '1 day', timestamp)", [("2011-01-02 01:01:01", "2011-01-02")]),
        BucketCase("timestamp.out", "time_bucket(INTERVAL '2 day ', timestamp)",
                   [("2011-01-01 01:01:01", "2011-01-01"), ("2011-01-02 01:01:01", "2011-01-01"),
                    ("2011-01-03 01:01:01", "2011-01-03"), ("2011-01-04 01:01:01", "2011-01-03")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '1 millisecond', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 01:01:01.111")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '1 second', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 01:01:01")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '1 minute', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 01:01:00")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '1 hour', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 01:00:00")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '2 millisecond', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 01:01:01.110")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '2 second', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 01:01:00")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '2 minute', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 01:00:00")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '2 hour', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-02 00:00:00")]),
        BucketCase("timestamp.out int_def", "time_bucket(INTERVAL '2 day', timestamp)", [("2011-01-02 01:01:01.111", "2011-01-01")]),
        BucketCase("timestamp.out", "time_bucket(INTERVAL '5 minute', timestamp)",
                   [("1970-01-01 00:59:59.999999", "1970-01-01 00:55"), ("1970-01-01 01:01:00", "1970-01-01 01:00"),
                    ("1970-01-01 01:04:59.999999", "1970-01-01 01:00"), ("1970-01-01 01:05:00", "1970-01-01 01:05")], .microseconds),
        BucketCase("timestamp.out", "time_bucket(INTERVAL '5 minute', timestamp)",
                   [("2011-01-02 01:04:59.999999", "2011-01-02 01:00"), ("2011-01-02 01:05:00", "2011-01-02 01:05"),
                    ("2011-01-02 01:09:59.999999", "2011-01-02 01:05"), ("2011-01-02 01:10:00", "2011-01-02 01:10")], .microseconds),
        // Offsets (the third positional argument as an interval, and "offset" =>).
        BucketCase("timestamp.out offset with interval", "time_bucket(INTERVAL '5 minute', timestamp, INTERVAL '2 minutes')",
                   [("2011-01-02 01:01:59.999999", "2011-01-02 00:57"), ("2011-01-02 01:02:00", "2011-01-02 01:02"),
                    ("2011-01-02 01:06:59.999999", "2011-01-02 01:02"), ("2011-01-02 01:07:00", "2011-01-02 01:07")], .microseconds),
        BucketCase("timestamp.out negative offset", "time_bucket(INTERVAL '5 minute', timestamp, - INTERVAL '2 minutes')",
                   [("2011-01-02 01:02:59.999", "2011-01-02 00:58"), ("2011-01-02 01:03:00", "2011-01-02 01:03"),
                    ("2011-01-02 01:07:59.999", "2011-01-02 01:03"), ("2011-01-02 01:08:00", "2011-01-02 01:08")]),
        // The docs' rounding example: time_bucket('5 minutes', time, '-2.5 minutes') + '2.5 minutes' gives
        // 01:05, 01:05, 01:05, 01:10, 01:00 (timestamp.out); here the bucket starts, 2.5 minutes earlier.
        BucketCase("timestamp.out rounding version", "time_bucket('5 minutes', timestamp, \"offset\" => '-150 seconds')",
                   [("2011-01-02 01:05:01", "2011-01-02 01:02:30"), ("2011-01-02 01:07:29", "2011-01-02 01:02:30"),
                    ("2011-01-02 01:02:30", "2011-01-02 01:02:30"), ("2011-01-02 01:07:30", "2011-01-02 01:07:30"),
                    ("2011-01-02 01:02:29", "2011-01-02 00:57:30")]),
        BucketCase("timestamp.out 4 day with 2 day offset", "time_bucket(INTERVAL '4 day', timestamp, INTERVAL '2 day')",
                   [("2017-11-06", "2017-11-03"), ("2017-11-07", "2017-11-07"), ("2017-11-10", "2017-11-07"), ("2017-11-11", "2017-11-11")]),
        BucketCase("timestamp.out 4 day", "time_bucket(INTERVAL '4 day', timestamp)",
                   [("2017-11-04", "2017-11-01"), ("2017-11-05", "2017-11-05"), ("2017-11-08", "2017-11-05"), ("2017-11-09", "2017-11-09")]),
        // Weeks start on Monday by default; 1000 years later they still align.
        BucketCase("timestamp.out weeks", "time_bucket(INTERVAL '1 week', timestamp)",
                   [("2018-09-16", "2018-09-10"), ("2018-09-17", "2018-09-17"), ("2018-09-23", "2018-09-17"), ("2018-09-24", "2018-09-24"),
                    ("3018-09-14", "3018-09-14"), ("3018-09-20", "3018-09-14"), ("3018-09-21", "3018-09-21"), ("3018-09-22", "3018-09-21")]),
        // Origins (timestamp.out, "check functions with origin", timestamp without time zone).
        BucketCase("timestamp.out no_epoch", "time_bucket(INTERVAL '1 week', timestamp)", originTable(0)),
        BucketCase("timestamp.out always_true", "time_bucket(INTERVAL '1 week', timestamp, timestamp '2000-01-03 00:00:00')", originTable(0)),
        BucketCase("timestamp.out pg_epoch", "time_bucket(INTERVAL '1 week', timestamp, timestamp '2000-01-01 00:00:00+00')", originTable(1)),
        BucketCase("timestamp.out unix_epoch", "time_bucket(INTERVAL '1 week', timestamp, origin => '1970-01-01')", originTable(2)),
        BucketCase("timestamp.out custom_1", "time_bucket(INTERVAL '1 week', timestamp, TIMESTAMP '3018-09-13')", originTable(3)),
        BucketCase("timestamp.out custom_2", "time_bucket(INTERVAL '1 week', timestamp, origin => '3018-09-14')", originTable(4)),
        BucketCase("time_bucket_ng docs: origin 2000-01-03 is a Monday", "time_bucket('1 week', timestamp, origin => '2000-01-03')",
                   [("2021-08-26", "2021-08-23")]),
        BucketCase("time_bucket docs: weeks from Sunday 2017-12-31", "time_bucket('1 week', timestamp, TIMESTAMP '2017-12-31')",
                   [("2017-12-30", "2017-12-24"), ("2017-12-31", "2017-12-31"), ("2018-01-02 23:00", "2017-12-31")]),
        // Months and years: default origin 2000-01-01.
        BucketCase("time_bucket_ng docs", "time_bucket('3 month', timestamp)", [("2021-08-01", "2021-07-01")]),
        BucketCase("time_bucket_ng docs", "time_bucket('1 year', timestamp)", [("2021-08-01", "2021-01-01")]),
        BucketCase("time_bucket_ng docs: 100 years from origin 1900-01-01", "time_bucket('100 years', timestamp, origin => '1900-01-01')",
                   [("1988-05-08", "1900-01-01")]),
        // By hand from the definition (month index floor-divided from the origin's month).
        BucketCase("by hand: months before 1970 and before the origin", "time_bucket('1 month', timestamp)",
                   [("1969-07-15 12:00", "1969-07-01"), ("1969-12-31 23:59:59.999", "1969-12-01"), ("1970-01-01", "1970-01-01"),
                    ("2024-02-29 23:00", "2024-02-01")]),
        BucketCase("by hand: quarters before 1970", "time_bucket('3 months', timestamp)",
                   [("1969-12-31 23:59:59.999", "1969-10-01"), ("1969-03-31", "1969-01-01"), ("1988-05-08", "1988-04-01")]),
        BucketCase("by hand: 100 years from the default origin 2000-01-01", "time_bucket('100 years', timestamp)", [("1988-05-08", "1900-01-01")]),
        BucketCase("by hand: quarters from February", "time_bucket('3 months', timestamp, origin => '2000-02-01')",
                   [("2021-08-01", "2021-08-01"), ("2021-07-31", "2021-05-01"), ("1969-12-31", "1969-11-01")]),
        BucketCase("by hand: bucket(t - offset) + offset for months", "time_bucket('1 month', timestamp, \"offset\" => INTERVAL '1 day')",
                   [("2021-08-01", "2021-07-02"), ("2021-08-02", "2021-08-02")]),
        // Fixed widths before 1970 (floor, not truncation).
        BucketCase("by hand: before 1970", "time_bucket('1 hour', timestamp)",
                   [("1969-12-31 23:59:59.999", "1969-12-31 23:00"), ("1969-12-31 22:00", "1969-12-31 22:00")]),
        BucketCase("by hand: 1970-01-01 was a Thursday", "time_bucket('1 week', timestamp)",
                   [("1970-01-01", "1969-12-29"), ("1969-12-28 23:59", "1969-12-22")]),
    ]

    /// Rows of timestamp.out's origin table: time, then no_epoch, pg_epoch, unix_epoch, custom_1, custom_2.
    static func originTable(_ column: Int) -> [(String, String)] {
        let table: [[String]] = [
            ["1999-12-31 23:59:59", "1999-12-27", "1999-12-25", "1999-12-30", "1999-12-26", "1999-12-27"],
            ["2000-01-01", "1999-12-27", "2000-01-01", "1999-12-30", "1999-12-26", "1999-12-27"],
            ["2000-01-02 23:59:59", "1999-12-27", "2000-01-01", "1999-12-30", "2000-01-02", "1999-12-27"],
            ["2000-01-03", "2000-01-03", "2000-01-01", "1999-12-30", "2000-01-02", "2000-01-03"],
            ["2000-01-02", "1999-12-27", "2000-01-01", "1999-12-30", "2000-01-02", "1999-12-27"],
            ["3018-09-12", "3018-09-07", "3018-09-12", "3018-09-10", "3018-09-06", "3018-09-07"],
            ["3018-09-13", "3018-09-07", "3018-09-12", "3018-09-10", "3018-09-13", "3018-09-07"],
            ["3018-09-14", "3018-09-14", "3018-09-12", "3018-09-10", "3018-09-13", "3018-09-14"],
            ["3018-09-15", "3018-09-14", "3018-09-12", "3018-09-10", "3018-09-13", "3018-09-14"],
        ]
        return table.map { ($0[0], $0[column + 1]) }
    }

    /// Each timestamp's bucket, through a raw SELECT and through GROUP BY.
    @Test(arguments: cases)
    func timeBucketMatchesTimescaleDB(_ c: BucketCase) throws {
        let r = c.resolution
        let store = try F.store(resolution: r)
        let pairs = c.pairs.map { (F.units($0.0, r), F.units($0.1, r)) }
        try store.write(pairs.map { Reading(deviceID: "d", sensorType: "v", timestamp: $0.0, value: 1) })
        let session = F.session(store)
        let raw = try session.execute("SELECT timestamp, \(c.call) AS b FROM sensor_readings")[0].rows
        let expected = pairs.sorted { $0.0 < $1.0 }.map { [SQLValue.timestamp($0.0), .timestamp($0.1)] }
        #expect(raw == expected)
        // GROUP BY the bucket: one row per distinct bucket with its count.
        var counts: [Int64: Int64] = [:]
        for (_, b) in pairs { counts[b, default: 0] += 1 }
        let grouped = try session.execute("SELECT \(c.call) AS b, count(*) FROM sensor_readings GROUP BY b ORDER BY b")[0].rows
        #expect(grouped == counts.keys.sorted().map { [.timestamp($0), .integer(counts[$0]!)] })
        try store.close()
    }

    /// timestamp.out: time_bucket of a timestamptz is taken at UTC ('+01' is an hour earlier in UTC).
    @Test func zonedTimestampsAreBucketedAtUTC() throws {
        let store = try F.store()
        try store.write([F.utc(2011, 1, 2, 1, 1, 1), F.utc(2011, 1, 2, 0, 1, 1), F.utc(2011, 1, 1, 23, 1, 1)].map {
            Reading(deviceID: "d", sensorType: "v", timestamp: $0, value: 1)
        })
        let session = F.session(store)
        for (text, hour, day) in [("2011-01-02 01:01:01", F.utc(2011, 1, 2, 1), F.utc(2011, 1, 2)),
                                  ("2011-01-02 01:01:01+01", F.utc(2011, 1, 2, 0), F.utc(2011, 1, 2)),
                                  ("2011-01-02 01:01:01+02", F.utc(2011, 1, 1, 23), F.utc(2011, 1, 1))] {
            let rows = try session.execute("""
                SELECT time_bucket(INTERVAL '1 hour', timestamp), time_bucket(INTERVAL '1 day', timestamp) FROM sensor_readings
                WHERE timestamp = '\(text)'::timestamp with time zone
                """)[0].rows
            #expect(rows == [[.timestamp(hour), .timestamp(day)]], "\(text)")
        }
        try store.close()
    }

    // MARK: - time_bucket_gapfill

    /// The docs' sample data: device 1 has daily averages 5, 7, 8, 9 on 2019-01-11, -13, -15 and -16;
    /// now() is 2019-01-17 00:00 UTC (the docs print the same buckets at +01).
    static func docsStore() throws -> (Store, SQLSession) {
        let store = try F.store(partition: F.day)
        var readings: [Reading] = []
        for (day, values) in [(11, [4.0, 6.0]), (13, [7.0]), (15, [8.0]), (16, [8.5, 9.5])] {
            for (i, v) in values.enumerated() {
                readings.append(Reading(deviceID: "1", sensorType: "metric", timestamp: F.utc(2019, 1, day, 6 + 6 * i), value: v))
            }
        }
        // A reading from before the week and one from today: outside the WHERE range.
        readings.append(Reading(deviceID: "1", sensorType: "metric", timestamp: F.utc(2019, 1, 9, 12), value: 100))
        readings.append(Reading(deviceID: "1", sensorType: "metric", timestamp: F.utc(2019, 1, 17, 1), value: 200))
        try store.write(readings)
        return (store, F.session(store, now: F.utc(2019, 1, 17)))
    }

    static let docsDays = (10...16).map { F.utc(2019, 1, $0) }

    @Test func gapfillLeavesEmptyDaysNull() throws {
        let (store, session) = try Self.docsStore()
        let rows = try session.execute("""
            SELECT time_bucket_gapfill('1 day', time) AS day, device_id, avg(value) AS value
            FROM sensor_readings
            WHERE time > now() - INTERVAL '1 week' AND time < now()
            GROUP BY day, device_id
            ORDER BY day
            """)[0].rows
        let values: [SQLValue] = [.null, .real(5), .null, .real(7), .null, .real(8), .real(9)]
        #expect(rows == zip(Self.docsDays, values).map { [.timestamp($0), .text("1"), $1] })
        try store.close()
    }

    @Test func locfCarriesThePreviousValueForward() throws {
        let (store, session) = try Self.docsStore()
        let rows = try session.execute("""
            SELECT time_bucket_gapfill('1 day', time) AS day, device_id, avg(value) AS value, locf(avg(value))
            FROM sensor_readings
            WHERE time > now() - INTERVAL '1 week' AND time < now()
            GROUP BY day, device_id
            ORDER BY day
            """)[0]
        #expect(rows.columns.map(\.name) == ["day", "device_id", "value", "locf"])
        // The docs leave 2019-01-10 empty (their data starts on the 11th); here a reading on the 9th,
        // before the range, is carried in, as TimescaleDB's locf(avg(value), prev => ...) would.
        let locf: [SQLValue] = [.real(100), .real(5), .real(5), .real(7), .real(7), .real(8), .real(9)]
        #expect(rows.rows.map { $0[3] } == locf)
        #expect(rows.rows.map { $0[2] } == [.null, .real(5), .null, .real(7), .null, .real(8), .real(9)])
        try store.close()
    }

    @Test func interpolateFillsLinearly() throws {
        let (store, session) = try Self.docsStore()
        let rows = try session.execute("""
            SELECT time_bucket_gapfill('1 day', time) AS day, device_id, avg(value) AS value, interpolate(avg(value))
            FROM sensor_readings
            WHERE time > now() - INTERVAL '1 week' AND time < now()
            GROUP BY day, device_id
            ORDER BY day
            """)[0].rows
        // Docs: 5, 6, 7, 7.5, 8, 9 from the 11th; the 10th lies between the 9th (100, outside the range) and the 11th (5).
        let interpolated: [SQLValue] = [.real(52.5), .real(5), .real(6), .real(7), .real(7.5), .real(8), .real(9)]
        #expect(rows.map { $0[3] } == interpolated)
        try store.close()
    }

    /// infer_gapfill_boundary: `>= X` starts at X, `> X` at X + 1, `< Y` finishes at Y, `<= Y` at Y + 1;
    /// buckets run from the one holding start while they begin before finish.
    @Test(arguments: [
        ("timestamp >= '2026-01-01 01:00' AND timestamp < '2026-01-01 04:00'", [1, 2, 3]),
        ("timestamp >= '2026-01-01 00:59:59.999' AND timestamp < '2026-01-01 04:00'", [0, 1, 2, 3]),
        ("timestamp > '2026-01-01 00:59:59.999' AND timestamp < '2026-01-01 04:00'", [1, 2, 3]),
        ("timestamp >= '2026-01-01 01:00' AND timestamp <= '2026-01-01 04:00'", [1, 2, 3, 4]),
        ("timestamp >= '2026-01-01 01:00' AND timestamp <= '2026-01-01 03:59:59.999'", [1, 2, 3]),
        ("timestamp >= '2026-01-01 01:00' AND timestamp < '2026-01-01 04:00:00.001'", [1, 2, 3, 4]),
        ("timestamp BETWEEN '2026-01-01 01:00' AND '2026-01-01 03:00'", [1, 2, 3]),
        ("timestamp >= '2026-01-01 01:30' AND timestamp < '2026-01-01 02:30'", [1, 2]),
    ] as [(String, [Int64])])
    func gapfillRangeIsInferredFromWhere(_ whereClause: String, _ hours: [Int64]) throws {
        let store = try F.store()
        try store.write([Reading(deviceID: "d", sensorType: "v", timestamp: F.jan1 + 2 * F.hour + 5, value: 42)])
        let rows = try F.session(store).execute("""
            SELECT time_bucket_gapfill('1 hour', timestamp) AS b, max(value) FROM sensor_readings WHERE \(whereClause) GROUP BY b
            """)[0].rows
        // Without group columns every bucket is present, empty ones NULL; the point sits in hour 2.
        #expect(rows == hours.map { [.timestamp(F.jan1 + $0 * F.hour), $0 == 2 ? .real(42) : .null] })
        try store.close()
    }

    @Test func locfAndInterpolateUseNeighboursOutsideTheRange() throws {
        let store = try F.store()
        // Points exactly at bucket starts one hour before and four hours after the range start.
        try store.write([Reading(deviceID: "d", sensorType: "v", timestamp: F.jan1 - F.hour, value: 10),
                         Reading(deviceID: "d", sensorType: "v", timestamp: F.jan1 + 4 * F.hour, value: 50)])
        let session = F.session(store)
        let rows = try session.execute("""
            SELECT time_bucket_gapfill('1 hour', timestamp) AS b, min(value), locf(min(value)), interpolate(min(value))
            FROM sensor_readings WHERE timestamp >= '2026-01-01' AND timestamp < '2026-01-01 04:00' GROUP BY b
            """)[0].rows
        // By hand: interpolation between (-1 h, 10) and (4 h, 50) is 10 + 8 per hour.
        #expect(rows.map { $0[0] } == (0..<4).map { .timestamp(F.jan1 + Int64($0) * F.hour) })
        #expect(rows.map { $0[1] } == [.null, .null, .null, .null])
        #expect(rows.map { $0[2] } == [.real(10), .real(10), .real(10), .real(10)])
        for (row, v) in zip(rows, [18.0, 26, 34, 42]) { #expect(ReferenceStore.agree(row[3].double, v, exact: false), "\(row)") }

        // Per device: a group is present when it has points in the range.
        try store.write([Reading(deviceID: "d", sensorType: "v", timestamp: F.jan1 + 2 * F.hour, value: 30)])
        let grouped = try session.execute("""
            SELECT time_bucket_gapfill('1 hour', timestamp) AS b, device_id, min(value), locf(min(value)), interpolate(min(value))
            FROM sensor_readings WHERE timestamp >= '2026-01-01' AND timestamp < '2026-01-01 04:00' GROUP BY b, device_id
            """)[0].rows
        #expect(grouped.map { $0[2] } == [.null, .null, .real(30), .null])
        #expect(grouped.map { $0[3] } == [.real(10), .real(10), .real(30), .real(30)])
        // Between (-1 h, 10) and (2 h, 30), then (2 h, 30) and (4 h, 50).
        for (row, v) in zip(grouped, [10 + 20.0 / 3, 10 + 40.0 / 3, 30, 40]) {
            #expect(ReferenceStore.agree(row[4].double, v, exact: false), "\(row)")
        }
        try store.close()
    }

    /// time_bucket_gapfill docs: "Values outside of start and finish pass through but no gap filling
    /// is done outside of the specified range."
    @Test func explicitStartAndFinishFillOnlyTheirRange() throws {
        let store = try F.store()
        try store.write([F.jan1 - 2 * F.hour, F.jan1 + F.hour, F.jan1 + 6 * F.hour].map {
            Reading(deviceID: "d", sensorType: "v", timestamp: $0, value: Double($0 / F.hour - F.jan1 / F.hour))
        })
        let rows = try F.session(store).execute("""
            SELECT time_bucket_gapfill('1 hour', timestamp, '2026-01-01', '2026-01-01 03:00') AS b, sum(value) FROM sensor_readings GROUP BY b
            """)[0].rows
        #expect(rows == [[.timestamp(F.jan1 - 2 * F.hour), .real(-2)], [.timestamp(F.jan1), .null], [.timestamp(F.jan1 + F.hour), .real(1)],
                         [.timestamp(F.jan1 + 2 * F.hour), .null], [.timestamp(F.jan1 + 6 * F.hour), .real(6)]])
        try store.close()
    }

    @Test func gapfillByMonthAndPerDevice() throws {
        let store = try F.store()
        try store.write([Reading(deviceID: "a", sensorType: "v", timestamp: F.utc(2026, 2, 14), value: 3),
                         Reading(deviceID: "b", sensorType: "v", timestamp: F.utc(2026, 4, 1), value: 4)])
        let rows = try F.session(store).execute("""
            SELECT device_id, time_bucket_gapfill('1 month', timestamp) AS m, count(*) FROM sensor_readings
            WHERE timestamp >= '2026-01-01' AND timestamp < '2026-05-01' GROUP BY device_id, m ORDER BY device_id, m
            """)[0].rows
        let months = (1...4).map { F.utc(2026, $0, 1) }
        // Gap rows are NULL (count too: the fill is per aggregate, as in TimescaleDB).
        #expect(rows == months.map { [.text("a"), .timestamp($0), $0 == F.utc(2026, 2, 1) ? .integer(1) : .null] }
                + months.map { [.text("b"), .timestamp($0), $0 == F.utc(2026, 4, 1) ? .integer(1) : .null] })
        try store.close()
    }
}
