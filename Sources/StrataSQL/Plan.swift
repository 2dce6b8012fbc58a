// What a statement becomes before it runs: one call of the public Strata API
// (aggregate, latest, scan, write, delete, setAttributes, partitions) plus
// what the SQL layer does with its answer (naming columns, ordering raw rows).
// Tests check plans directly (SQLSession.plan), so the mapping from SQL onto
// Aggregation and Selection is visible and exact.
//
// Thread safety: value types.

import Strata

enum Plan: Sendable {
    /// One `Store.aggregate` call.
    case aggregate(AggregatePlan)
    /// One `Store.latest` call (last(value, timestamp) per device or series).
    case latest(LatestPlan)
    /// One `Store.scan` cursor, rows ordered and limited here.
    case scan(ScanPlan)
    /// The plan run, with its Explain as rows.
    indirect case explain(Plan)
    /// One `Store.write` batch.
    case insert([Reading])
    /// One `Store.delete`.
    case delete(Selection)
    /// `Store.setAttributes` for each device.
    case updateDevices(devices: [String], attributes: [Attribute])
    /// SHOW DEVICES / SENSORS / PARTITIONS.
    case show(ShowKind)

    struct Attribute: Sendable, Hashable {
        var key: String
        /// nil removes the attribute.
        var value: String?
    }

    var kind: SQLStatementKind {
        switch self {
        case .aggregate, .latest, .scan: .select
        case .explain: .explain
        case .insert: .insert
        case .delete: .delete
        case .updateDevices: .update
        case .show: .show
        }
    }
}

/// An aggregating SELECT: the Aggregation, and which of its parts each column shows.
struct AggregatePlan: Sendable, Equatable {
    enum Output: Sendable, Hashable {
        case bucket, device, sensor
        /// The aggregate at this index of `aggregation.aggregates`.
        case aggregate(Int)
    }

    var aggregation: Aggregation
    var outputs: [Output]
    var columns: [SQLColumn]
    /// PostgreSQL answers an aggregate without GROUP BY with one row even over no points
    /// (count 0, other aggregates NULL); Strata returns no row, so the SQL layer adds it.
    var oneRowWhenEmpty: Bool
    /// Gap filling infers its range from a WHERE that selects no time at all: no rows,
    /// as TimescaleDB answers `WHERE t >= now() AND t < now() - '1 hour'`.
    var empty = false
}

/// GROUP BY device_id [, sensor_type] with only last(value, timestamp) (and max(timestamp)):
/// answered by `Store.latest` without scanning history. Rows and order are those the
/// equivalent Aggregation gives (ties in last(): the last series by sensor type).
struct LatestPlan: Sendable, Equatable {
    enum Output: Sendable, Hashable {
        case device, sensor
        /// last(value, timestamp)
        case value
        /// max(timestamp)
        case timestamp
    }

    struct OrderKey: Sendable, Hashable {
        var output: Output
        var ascending: Bool
    }

    var selection: Selection
    /// Grouped by device and sensor type (one row per series); else by device.
    var perSeries: Bool
    var outputs: [Output]
    var columns: [SQLColumn]
    var order: [OrderKey]
    var limit: Int?
    var offset: Int
}

/// A raw SELECT: a Selection scanned in name order, then ordered and limited here.
struct ScanPlan: Sendable, Equatable {
    enum Output: Sendable, Hashable {
        case device, sensor, timestamp, value, quality
        case attribute(String)
        case bucket(TimeBucket)
    }

    struct OrderKey: Sendable, Hashable {
        var output: Output
        var ascending: Bool
        var nullsFirst: Bool
    }

    var selection: Selection
    var outputs: [Output]
    var columns: [SQLColumn]
    /// Empty: the scan's order (device_id, sensor_type, timestamp).
    var order: [OrderKey]
    var limit: Int?
    var offset: Int
}

// MARK: - EXPLAIN text

enum PlanText {
    static func lines(_ plan: Plan, resolution: TimestampResolution) -> [String] {
        switch plan {
        case .aggregate(let p):
            let q = p.aggregation
            var out = ["plan: aggregate (Store.aggregate)"] + selection(q.selection, resolution: resolution)
            out.append("aggregates: " + q.aggregates.map(name).joined(separator: ", "))
            if let b = q.bucket { out.append("bucket: \(b)") }
            var groups: [String] = []
            if q.bucket != nil { groups.append("bucket") }
            if q.groupBy.contains(.device) { groups.append("device_id") }
            if q.groupBy.contains(.sensorType) { groups.append("sensor_type") }
            if !groups.isEmpty { out.append("group by: " + groups.joined(separator: ", ")) }
            if let g = q.gapfill {
                out.append("gap fill: start \(g.start.map { SQLTimestamp.format($0, resolution: resolution) } ?? "from WHERE"), finish "
                           + "\(g.finish.map { SQLTimestamp.format($0, resolution: resolution) } ?? "from WHERE"), fills "
                           + g.fills.map { "\($0)" }.joined(separator: ", "))
            }
            if !q.order.isEmpty {
                out.append("order: " + q.order.map { k in
                    let c: String
                    switch k.column {
                    case .bucket: c = "bucket"
                    case .device: c = "device_id"
                    case .sensorType: c = "sensor_type"
                    case .aggregate(let i): c = name(q.aggregates[i])
                    }
                    return c + (k.ascending ? " asc" : " desc")
                }.joined(separator: ", "))
            }
            if q.limit != nil || q.offset != 0 { out.append("limit: \(q.limit.map(String.init) ?? "all"), offset: \(q.offset)") }
            return out
        case .latest(let p):
            var out = ["plan: latest (Store.latest: the newest reading of each series, no scan of history)"]
            out += selection(p.selection, resolution: resolution)
            out.append("group by: " + (p.perSeries ? "device_id, sensor_type" : "device_id"))
            return out
        case .scan(let p):
            var out = ["plan: scan (Store.scan, in device_id, sensor_type, timestamp order)"] + selection(p.selection, resolution: resolution)
            if !p.order.isEmpty { out.append("order: sorted in StrataSQL") }
            if p.limit != nil || p.offset != 0 { out.append("limit: \(p.limit.map(String.init) ?? "all"), offset: \(p.offset)") }
            return out
        case .explain(let inner): return lines(inner, resolution: resolution)
        case .insert(let r): return ["plan: write \(r.count) readings (Store.write)"]
        case .delete(let s): return ["plan: delete (Store.delete)"] + selection(s, resolution: resolution)
        case .updateDevices(let d, let a): return ["plan: set \(a.count) attributes of \(d.count) devices (Store.setAttributes)"]
        case .show(let k): return ["plan: show \(k.rawValue)"]
        }
    }

    static func name(_ a: Aggregate) -> String {
        switch a {
        case .stddevPopulation: "stddev_pop"
        case .variancePopulation: "var_pop"
        default: a.rawValue
        }
    }

    static func filter(_ f: NameFilter) -> String {
        switch f {
        case .any: "any"
        case .equals(let s): "'\(s)'"
        case .oneOf(let list): "one of (" + list.map { "'\($0)'" }.joined(separator: ", ") + ")"
        case .prefix(let p): "prefix '\(p)'"
        }
    }

    static func selection(_ s: Selection, resolution: TimestampResolution) -> [String] {
        var out = ["devices: " + filter(s.devices)]
        for a in s.attributes { out.append("attribute: \(a.key) in (" + a.values.map { "'\($0)'" }.joined(separator: ", ") + ")") }
        out.append("sensor types: " + filter(s.sensorTypes))
        let r = s.timeRange
        if r.isEmpty {
            out.append("time: none")
        } else if r != .all {
            let from = r.lowerBound == .min ? "-infinity" : SQLTimestamp.format(r.lowerBound, resolution: resolution)
            let through = r.upperBound == .max ? "infinity" : SQLTimestamp.format(r.upperBound, resolution: resolution)
            out.append("time: [\(from), \(through)]")
        }
        if s.qualities.count < 3 {
            out.append("qualities: " + Quality.allCases.filter { s.qualities.contains($0) }.map(\.description).joined(separator: ", "))
        }
        if !s.values.isEmpty {
            out.append("values: " + s.values.map { "\($0.comparison.rawValue) \(NumberText.real($0.value))" }.joined(separator: ", "))
        }
        return out
    }
}
