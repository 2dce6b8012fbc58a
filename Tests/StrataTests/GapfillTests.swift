import Testing
@testable import Strata
import StrataTestSupport

/// time_bucket_gapfill, locf and interpolate: TimescaleDB's own test cases
/// (tsl/test/expected/gapfill.out), through a store. Where TimescaleDB takes
/// `prev`/`next` expressions for values outside the range, these tests write
/// the points outside the range and expect Strata to find them.
@Suite struct GapfillTests {
    /// A store holding `points` of one series (timestamps in ms, a few ms apart).
    static func store(_ points: [(Int64, Double)], device: String = "d", _ fs: InMemoryFileSystem = InMemoryFileSystem()) throws -> Store {
        let store = try Store(at: "/g", options: StoreFixtures.options(fs))
        try store.write(points.map { Reading(deviceID: device, sensorType: "v", timestamp: $0.0, value: $0.1) })
        return store
    }

    static func query(width: Int64, _ aggregate: Aggregate = .min, start: Int64? = nil, finish: Int64? = nil, range: TimeRange = .all,
                      fill: Fill = .null, groupBy: GroupBy = []) -> Aggregation {
        var q = Aggregation(aggregates: [aggregate])
        q.bucket = TimeBucket(.fixed(width), origin: 0)
        q.selection.timeRange = range
        q.groupBy = groupBy
        q.gapfill = Gapfill(start: start, finish: finish, fills: [fill])
        return q
    }

    static func pairs(_ rows: [AggregateRow]) -> [String] {
        rows.map { "\($0.bucket!):\($0.values[0].map { v in v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) } ?? "NULL")" }
    }

    @Test func bucketsRunFromTheBucketOfStartWhileBeforeFinish() throws {
        let store = try Self.store([(11, 1), (22, 2)])
        let rows = try store.aggregate(Self.query(width: 10, start: 5, finish: 40)).rows
        #expect(rows.map(\.bucket) == [0, 10, 20, 30])
        try store.close()
    }

    @Test func rowsOutsideTheRangePassThroughAndGapsAreNull() throws {
        let store = try Self.store([(-10, 1), (10, 2), (11, 3), (12, 4), (22, 5), (30, 6), (66, 7)])
        let rows = try store.aggregate(Self.query(width: 10, start: 0, finish: 50)).rows
        #expect(Self.pairs(rows) == ["-10:1", "0:NULL", "10:2", "20:5", "30:6", "40:NULL", "60:7"])
        try store.close()
    }

    @Test func widthOneAroundNegativeTimes() throws {
        let store = try Self.store([(-1, -1), (1, 1), (3, 3), (6, 6)])
        let rows = try store.aggregate(Self.query(width: 1, start: 0, finish: 5)).rows
        #expect(Self.pairs(rows) == ["-1:-1", "0:NULL", "1:1", "2:NULL", "3:3", "4:NULL", "6:6"])
        try store.close()
    }

    @Test func withoutGroupColumnsAnEmptyResultStillHasEveryBucket() throws {
        let store = try Self.store([(100, 1)])
        let rows = try store.aggregate(Self.query(width: 1, .count, range: TimeRange(from: 0, until: 5))).rows
        #expect(Self.pairs(rows) == ["0:NULL", "1:NULL", "2:NULL", "3:NULL", "4:NULL"])  // count is null in gap rows
        // With group columns and no rows: no rows.
        let grouped = try store.aggregate(Self.query(width: 1, .count, range: TimeRange(from: 0, until: 5), groupBy: [.device])).rows
        #expect(grouped.isEmpty)
        try store.close()
    }

    @Test func startAndFinishComeFromTheTimeRange() throws {
        let store = try Self.store([(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)])
        let rows = try store.aggregate(Self.query(width: 1, range: TimeRange(-1...3))).rows
        #expect(rows.map(\.bucket) == [-1, 0, 1, 2, 3])
        #expect(throws: StrataError.self) { try store.aggregate(Self.query(width: 1)) }
        try store.close()
    }

    @Test func locfCarriesTheLastValue() throws {
        let store = try Self.store([(10, 9), (20, 3), (50, 6)])
        let rows = try store.aggregate(Self.query(width: 10, start: 0, finish: 51, fill: .locf)).rows
        #expect(Self.pairs(rows) == ["0:NULL", "10:9", "20:3", "30:3", "40:3", "50:6"])
        try store.close()
    }

    @Test func locfCarriesAValueFromBeforeTheRange() throws {
        // TimescaleDB: locf(min(value), (SELECT 100)); here the 100 is a point before the range.
        let store = try Self.store([(-25, 100), (20, 9), (40, 6)])
        let q = Self.query(width: 10, range: TimeRange(from: 0, until: 70), fill: .locf)
        let rows = try store.aggregate(q).rows
        #expect(Self.pairs(rows) == ["0:100", "10:100", "20:9", "30:9", "40:6", "50:6", "60:6"])
        try store.close()
    }

    @Test func interpolateBetweenRows() throws {
        let store = try Self.store([(0, 1), (50, 6)])
        let rows = try store.aggregate(Self.query(width: 10, start: 0, finish: 51, fill: .interpolate)).rows
        #expect(Self.pairs(rows) == ["0:1", "10:2", "20:3", "30:4", "40:5", "50:6"])
        let falling = try Self.store([(0, -3), (50, 3)], InMemoryFileSystem())
        let values = try falling.aggregate(Self.query(width: 10, start: 0, finish: 51, fill: .interpolate)).rows.map { $0.values[0]! }
        #expect(zip(values, [-3, -1.8, -0.6, 0.6, 1.8, 3]).allSatisfy { abs($0 - $1) < 1e-12 })
        try store.close()
        try falling.close()
    }

    @Test func interpolateUsesTheNeighboursOutsideTheRange() throws {
        // TimescaleDB: interpolate(min(v), (SELECT (-10,-10)), (SELECT (20,10))), width 5, range 0-11.
        let store = try Self.store([(-10, -10), (5, 0), (20, 10)])
        let rows = try store.aggregate(Self.query(width: 5, range: TimeRange(from: 0, until: 11), fill: .interpolate)).rows
        #expect(rows.map(\.bucket) == [0, 5, 10])
        let v = rows.map { $0.values[0]! }
        #expect(abs(v[0] - (-10.0 / 3)) < 1e-12 && v[1] == 0 && abs(v[2] - 10.0 / 3) < 1e-12)
        try store.close()
    }

    @Test func neighboursAreFoundFarAwayAndPerGroup() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/g", options: StoreFixtures.options(fs))
        try store.write([
            Reading(deviceID: "a", sensorType: "v", timestamp: -90_000_000, value: 1),  // 25 h before
            Reading(deviceID: "a", sensorType: "v", timestamp: 30_000, value: 5),
            Reading(deviceID: "b", sensorType: "v", timestamp: -5_000, value: 7),
            Reading(deviceID: "b", sensorType: "v", timestamp: 50_000, value: 8),
        ])
        try store.flush()
        var q = Self.query(width: 10_000, .last, range: TimeRange(from: 0, until: 60_000), fill: .locf, groupBy: [.device])
        let rows = try store.aggregate(q).rows
        #expect(rows.filter { $0.deviceID == "a" }.map { $0.values[0]! } == [1, 1, 1, 5, 5, 5])
        #expect(rows.filter { $0.deviceID == "b" }.map { $0.values[0]! } == [7, 7, 7, 7, 7, 8])
        q.gapfill!.fills = [.null]
        #expect(try store.aggregate(q).rows.filter { $0.values[0] == nil }.count == 10)
        try store.close()
    }

    @Test func absurdGapFillsAreRefused() throws {
        let store = try Self.store([(0, 1)])
        let q = Self.query(width: 1, range: TimeRange(from: 0, until: 1 << 40))
        #expect(throws: StrataError.self) { try store.aggregate(q) }
        try store.close()
    }

    @Test func pureFunctionKeepsGroupsApart() {
        let rows = [ValueRow(bucket: 0, device: 1, sensor: .max, values: [1]), ValueRow(bucket: 20, device: 2, sensor: .max, values: [2])]
        let input = GapfillInput(buckets: [0, 10, 20], fills: [.locf], aggregates: 1, grouped: true, before: [:], after: [:])
        let out = Gapfiller.fill(rows, input)
        #expect(out.map(\.device) == [1, 1, 1, 2, 2, 2])
        #expect(out.map { $0.values[0] } == [1, 1, 1, nil, nil, 2])
    }
}
