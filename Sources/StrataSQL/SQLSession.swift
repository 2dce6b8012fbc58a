// The entry point of StrataSQL: statement text in, results out. A session
// parses one statement, plans it (SelectPlanner, SelectionMapper and the
// statement planners below: every statement becomes one call of the public
// Strata API), runs it (Executor), then goes on to the next statement, so
// `INSERT ...; SELECT ...` sees its own insert and a failing statement leaves
// the ones before it applied, as sqlite3 and psql do.
//
// Thread safety: a session holds no mutable state; it can be shared by
// threads, each statement runs on the calling thread.

import Foundation
import Strata

/// Runs StrataSQL statements against a ``Strata/Store``.
///
/// One table, `sensor_readings`, with columns `device_id`, `sensor_type`,
/// `timestamp` (alias `time`), `value`, `quality` and device attributes as
/// `attr('zone')`. SELECT supports TimescaleDB's `time_bucket` and
/// `time_bucket_gapfill` (with `locf` and `interpolate`), the aggregates
/// count, sum, avg, min, max, first, last, stddev, variance (and their
/// `_samp`/`_pop` spellings) and spread, WHERE conditions that select by
/// device, sensor type, attribute, time, value and quality, GROUP BY,
/// ORDER BY, LIMIT and OFFSET. Also INSERT, DELETE, `EXPLAIN SELECT`,
/// `SHOW DEVICES | SENSORS | PARTITIONS` and `UPDATE devices SET key = 'value'`.
/// What the dialect cannot express is rejected with an ``SQLError`` pointing
/// at the token, never answered approximately.
///
/// ```swift
/// let session = SQLSession(store: store)
/// let rows = try session.execute("""
///     SELECT device_id, time_bucket('1 hour', timestamp) AS bucket,
///            AVG(value) AS avg_value, MIN(value) AS min_value, MAX(value) AS max_value, COUNT(*) AS sample_count
///     FROM sensor_readings
///     WHERE timestamp >= :start_time AND timestamp < :end_time AND device_id = :device_id
///     GROUP BY device_id, bucket ORDER BY bucket
///     """, parameters: ["start_time": .text("2026-01-01"), "end_time": .text("2026-01-02"),
///                       "device_id": .text("sensor-00042")])[0].rows
/// ```
public final class SQLSession: Sendable {
    /// The store statements run against.
    public let store: Store
    private let clock: @Sendable () -> Int64

    /// A session over `store`. `now` gives `now()` in the store's units
    /// (default: the system clock); it is read once per statement.
    ///
    /// ```swift
    /// let fixed = SQLSession(store: store, now: { 1_767_225_600_000 })   // now() is 2026-01-01T00:00:00Z
    /// ```
    public init(store: Store, now: (@Sendable () -> Int64)? = nil) {
        self.store = store
        let resolution = store.resolution
        clock = now ?? { SQLSession.systemNow(resolution) }
    }

    /// Runs the statements of `sql` (separated by `;`) and returns their results in order.
    ///
    /// Named parameters (`:device_id`) take their values from `parameters`
    /// (keys with or without the colon). Text where a timestamp is expected is
    /// parsed as ISO-8601. A failing statement throws; the statements before it
    /// have run.
    ///
    /// ```swift
    /// let results = try session.execute("""
    ///     INSERT INTO sensor_readings VALUES ('d1', 'temperature', '2026-01-01T00:00:00Z', 21.5);
    ///     SELECT count(*) FROM sensor_readings WHERE device_id = :d
    ///     """, parameters: ["d": .text("d1")])
    /// print(results[0].message!, results[1].rows[0][0])   // inserted 1 row, 1
    /// ```
    public func execute(_ sql: String, parameters: [String: SQLValue] = [:]) throws(SQLError) -> [SQLResult] {
        var results: [SQLResult] = []
        try execute(sql, parameters: parameters) { results.append($0) }
        return results
    }

    /// Runs the statements of `sql`, handing each result to `body` as soon as
    /// its statement has run (the shell prints the results before a failing statement).
    ///
    /// ```swift
    /// try session.execute("SHOW DEVICES; SHOW SENSORS") { result in print(result.rows.count) }
    /// ```
    public func execute(_ sql: String, parameters: [String: SQLValue] = [:], _ body: (SQLResult) -> Void) throws(SQLError) {
        let source = SourceText(sql)
        var parser = Parser(Lexer.tokens(source))
        do throws(SQLFailure) {
            while let statement = try parser.nextStatement() {
                let context = Context(store: store, constants: Constants(resolution: store.resolution, parameters: parameters, now: clock()))
                let plan = try context.plan(statement)
                body(try Executor(store: store, context: context).run(plan))
            }
        } catch {
            throw source.error(error)
        }
    }

    /// The plans of `sql`'s statements, without running them (tests check the mapping onto the API).
    func plans(_ sql: String, parameters: [String: SQLValue] = [:]) throws(SQLError) -> [Plan] {
        let source = SourceText(sql)
        var parser = Parser(Lexer.tokens(source))
        var out: [Plan] = []
        do throws(SQLFailure) {
            while let statement = try parser.nextStatement() {
                let context = Context(store: store, constants: Constants(resolution: store.resolution, parameters: parameters, now: clock()))
                out.append(try context.plan(statement))
            }
        } catch {
            throw source.error(error)
        }
        return out
    }

    /// Keywords, for completion.
    public static let keywords: [String] = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "AND", "OR", "NOT", "IN", "BETWEEN",
        "LIKE", "IS", "NULL", "AS", "INSERT", "INTO", "VALUES", "DELETE", "UPDATE", "SET", "EXPLAIN", "SHOW", "DEVICES", "SENSORS",
        "PARTITIONS", "INTERVAL", "TIMESTAMP", "NULLS", "FIRST", "LAST", "sensor_readings", "devices",
    ]

    /// Functions, for completion.
    public static let functions: [String] = [
        "time_bucket", "time_bucket_gapfill", "locf", "interpolate", "count", "sum", "avg", "min", "max", "first", "last", "stddev",
        "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "spread", "attr", "now",
    ]

    /// Columns of sensor_readings, for completion.
    public static let columns: [String] = ["device_id", "sensor_type", "timestamp", "time", "value", "quality"]

    /// The system clock in `resolution`'s units.
    static func systemNow(_ resolution: TimestampResolution) -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let perSecond = resolution.unitsPerSecond
        return Int64(ts.tv_sec) * perSecond + Int64(ts.tv_nsec) / (1_000_000_000 / perSecond)
    }
}

/// What one statement plans with: the store's catalog and the statement's constants.
struct Context {
    let store: Store
    let constants: Constants

    var resolution: TimestampResolution { constants.resolution }

    func scope(alias: String?) -> Scope { Scope(constants: constants, tableAlias: alias) }

    func mapper(alias: String?, at p: SourcePosition, purpose: SelectionMapper.Purpose) -> SelectionMapper {
        SelectionMapper(scope: scope(alias: alias), catalog: Catalog(store: store, position: p), purpose: purpose)
    }

    func plan(_ statement: Statement) throws(SQLFailure) -> Plan {
        switch statement {
        case .select(let s):
            return try selectPlan(s)
        case .explain(let s, _):
            return .explain(try selectPlan(s))
        case .insert(let s):
            return .insert(try InsertPlanner(constants: constants).readings(s))
        case .delete(let s):
            return .delete(try mapper(alias: s.tableAlias, at: s.position, purpose: .delete).selection(s.whereClause))
        case .update(let s):
            guard let w = s.whereClause else {
                throw SQLFailure("UPDATE devices needs a WHERE clause naming the devices (WHERE device_id = '...')", at: s.position)
            }
            var attributes: [Plan.Attribute] = []
            for a in s.assignments {
                if attributes.contains(where: { $0.key == a.key }) {
                    throw SQLFailure("attribute '\(a.key)' is set twice", at: a.position)
                }
                if ["device_id", "sensor_type", "timestamp", "time", "value", "quality"].contains(a.key) {
                    throw SQLFailure("'\(a.key)' is a column of sensor_readings, not a device attribute", at: a.position)
                }
                attributes.append(Plan.Attribute(key: a.key, value: constants.text(try constants.evaluate(a.value))))
            }
            let devices = try mapper(alias: "devices", at: s.position, purpose: .updateDevices).updatedDevices(w)
            return .updateDevices(devices: devices, attributes: attributes)
        case .show(let kind, _):
            return .show(kind)
        }
    }

    private func selectPlan(_ s: SelectStatement) throws(SQLFailure) -> Plan {
        let m = mapper(alias: s.tableAlias, at: s.position, purpose: .query)
        return try SelectPlanner(scope: m.scope, mapper: m).plan(s)
    }
}

/// INSERT -> readings, every value checked before anything is written.
struct InsertPlanner {
    let constants: Constants

    static let tableColumns: [TableColumn] = [.device, .sensor, .timestamp, .value, .quality]

    func readings(_ s: InsertStatement) throws(SQLFailure) -> [Reading] {
        var targets: [(TableColumn, SourcePosition)] = []
        if let columns = s.columns {
            for (name, p) in columns {
                let column: TableColumn
                switch name {
                case "device_id": column = .device
                case "sensor_type": column = .sensor
                case "timestamp", "time": column = .timestamp
                case "value": column = .value
                case "quality": column = .quality
                default:
                    throw SQLFailure("column '\(name)' of sensor_readings does not exist; INSERT takes device_id, sensor_type, timestamp, value and quality",
                                     at: p)
                }
                if targets.contains(where: { $0.0 == column }) {
                    throw SQLFailure("column '\(column.name)' specified more than once", at: p)
                }
                targets.append((column, p))
            }
            for required in [TableColumn.device, .sensor, .timestamp, .value] where !targets.contains(where: { $0.0 == required }) {
                throw SQLFailure("INSERT needs device_id, sensor_type, timestamp and value; \(required.name) is missing", at: s.position)
            }
        } else {
            targets = Self.tableColumns.map { ($0, s.position) }
        }
        var out: [Reading] = []
        out.reserveCapacity(s.rows.count)
        for (values, p) in s.rows {
            if values.count > targets.count {
                throw SQLFailure("INSERT has more expressions than target columns", at: values[targets.count].position)
            }
            if (s.columns != nil && values.count < targets.count) || values.count < 4 {
                throw SQLFailure("INSERT has fewer expressions than target columns (\(values.count) of \(s.columns == nil ? 4 : targets.count))", at: p)
            }
            var r = Reading(deviceID: "", sensorType: "", timestamp: 0, value: 0)
            for (e, (column, _)) in zip(values, targets) {
                let c = try constants.evaluate(e)
                switch column {
                case .device, .sensor:
                    guard case .text(let name) = c else {
                        throw SQLFailure("\(column.name) must be text, found \(c.typeName)", at: e.position)
                    }
                    do throws(StrataError) {
                        try SeriesKey.validate(name, field: column.name)
                    } catch {
                        throw SQLFailure(error.reason, at: e.position)
                    }
                    if column == .device { r.deviceID = name } else { r.sensorType = name }
                case .timestamp:
                    guard let t = try constants.timestamp(c, at: e.position) else {
                        throw SQLFailure("timestamp must not be NULL", at: e.position)
                    }
                    r.timestamp = t
                case .value:
                    guard let v = try constants.double(c, at: e.position, what: "a number for value") else {
                        throw SQLFailure("value must not be NULL", at: e.position)
                    }
                    r.value = v
                case .quality:
                    switch c {
                    case .text(let name):
                        guard let q = Quality(name: name) else {
                            throw SQLFailure("unknown quality '\(name)': good, suspect or bad", at: e.position)
                        }
                        r.quality = q
                    case .integer(let i):
                        guard let q = UInt8(exactly: i).flatMap(Quality.init(rawValue:)) else {
                            throw SQLFailure("unknown quality \(i): 0 (good), 1 (suspect) or 2 (bad)", at: e.position)
                        }
                        r.quality = q
                    default:
                        throw SQLFailure("quality must be 'good', 'suspect' or 'bad', found \(c.typeName)", at: e.position)
                    }
                case .attribute:
                    break
                }
            }
            out.append(r)
        }
        return out
    }
}
