// Runs a Plan: one call of the public Strata API, and what SQL adds to its
// answer (column values, PostgreSQL's one row for an aggregate over nothing,
// ordering and limiting raw rows and latest values, SHOW tables, EXPLAIN's
// lines). Raw SELECTs without ORDER BY stream from the cursor and stop at
// LIMIT; with ORDER BY they sort every selected row (memory grows with the
// result, as in any database without an index on the sort key).
//
// Thread safety: a value used by one statement.

import Strata

struct Executor {
    let store: Store
    let context: Context

    private var resolution: TimestampResolution { context.resolution }

    func run(_ plan: Plan) throws(SQLFailure) -> SQLResult {
        switch plan {
        case .aggregate(let p):
            return try aggregate(p).result
        case .latest(let p):
            return try latest(p)
        case .scan(let p):
            return try scan(p).result
        case .explain(let inner):
            return try explain(inner)
        case .insert(let readings):
            try call { () throws(StrataError) in try store.write(readings) }
            return SQLResult(message: "inserted \(readings.count) row\(readings.count == 1 ? "" : "s")", kind: .insert)
        case .delete(let selection):
            let n = try call { () throws(StrataError) in try store.delete(selection) }
            return SQLResult(message: "deleted the selected points of \(n) series", kind: .delete)
        case .updateDevices(let devices, let attributes):
            var changes: [String: String?] = [:]
            for a in attributes { changes[a.key] = .some(a.value) }
            for d in devices {
                try call { () throws(StrataError) in try store.setAttributes(changes, device: d) }
            }
            return SQLResult(message: "set \(attributes.count) attribute\(attributes.count == 1 ? "" : "s") of \(devices.count) device\(devices.count == 1 ? "" : "s")",
                             kind: .update)
        case .show(let kind):
            return try show(kind)
        }
    }

    private func call<T>(_ body: () throws(StrataError) -> T) throws(SQLFailure) -> T {
        try engine(.none, body)
    }

    // MARK: - SELECT

    private func aggregate(_ p: AggregatePlan) throws(SQLFailure) -> (result: SQLResult, explain: Explain) {
        var rows: [[SQLValue]] = []
        var explain = Explain()
        if !p.empty {
            let answer = try call { () throws(StrataError) in try store.aggregate(p.aggregation) }
            explain = answer.explain
            rows.reserveCapacity(answer.rows.count)
            for r in answer.rows {
                rows.append(p.outputs.map { out in
                    switch out {
                    case .bucket: return r.bucket.map(SQLValue.timestamp) ?? .null
                    case .device: return r.deviceID.map(SQLValue.text) ?? .null
                    case .sensor: return r.sensorType.map(SQLValue.text) ?? .null
                    case .aggregate(let i): return Self.aggregateValue(r.values[i], p.aggregation.aggregates[i])
                    }
                })
            }
        }
        // PostgreSQL: an aggregate without GROUP BY answers one row even over no points.
        if rows.isEmpty && p.oneRowWhenEmpty && p.aggregation.offset == 0 && (p.aggregation.limit ?? 1) > 0 {
            rows.append(p.outputs.map { out in
                if case .aggregate(let i) = out, p.aggregation.aggregates[i] == .count { return .integer(0) }
                return .null
            })
        }
        return (SQLResult(columns: p.columns, rows: rows, kind: .select), explain)
    }

    static func aggregateValue(_ v: Double?, _ a: Aggregate) -> SQLValue {
        guard let v else { return .null }
        if a == .count, let i = Int64(exactly: v) { return .integer(i) }
        return .real(v)
    }

    private func latest(_ p: LatestPlan) throws(SQLFailure) -> SQLResult {
        let readings = try call { () throws(StrataError) in try store.latest(p.selection) }
        var picked: [Reading] = []
        if p.perSeries {
            picked = readings
        } else {
            // The newest reading of each device; on a tie the last series by sensor type,
            // as last(value, timestamp) over the device's points answers.
            for r in readings {
                if let last = picked.last, NameOrder.same(last.deviceID, r.deviceID) {
                    if r.timestamp >= last.timestamp { picked[picked.count - 1] = r }
                } else {
                    picked.append(r)
                }
            }
        }
        var rows = picked.map { r in
            p.outputs.map { out -> SQLValue in
                switch out {
                case .device: .text(r.deviceID)
                case .sensor: .text(r.sensorType)
                case .value: .real(r.value)
                case .timestamp: .timestamp(r.timestamp)
                }
            }
        }
        if !p.order.isEmpty {
            let keys = p.order.map { key in (output: key.output, ascending: key.ascending) }
            let values = picked.map { r in
                keys.map { k -> SQLValue in
                    switch k.output {
                    case .device: .text(r.deviceID)
                    case .sensor: .text(r.sensorType)
                    case .value: .real(r.value)
                    case .timestamp: .timestamp(r.timestamp)
                    }
                }
            }
            let order = Array(rows.indices).sorted { a, b in
                for (i, k) in keys.enumerated() {
                    let c = Self.compare(values[a][i], values[b][i], nullsFirst: !k.ascending)
                    if c != 0 { return k.ascending ? c < 0 : c > 0 }
                }
                return a < b
            }
            rows = order.map { rows[$0] }
        }
        return SQLResult(columns: p.columns, rows: Self.window(rows, offset: p.offset, limit: p.limit), kind: .select)
    }

    private func scan(_ p: ScanPlan) throws(SQLFailure) -> (result: SQLResult, explain: Explain) {
        var cursor = try call { () throws(StrataError) in try store.scan(p.selection) }
        let needsAttributes = p.outputs.contains { if case .attribute = $0 { true } else { false } }
            || p.order.contains { if case .attribute = $0.output { true } else { false } }
        let attributes = needsAttributes
            ? try Catalog(store: store, position: .none).attributesByDevice() : [:]
        // Sort keys that are not selected are computed into extra trailing columns.
        var outputs = p.outputs
        var keyColumns: [Int] = []
        for key in p.order {
            if let i = outputs.firstIndex(of: key.output) {
                keyColumns.append(i)
            } else {
                keyColumns.append(outputs.count)
                outputs.append(key.output)
            }
        }
        let streaming = p.order.isEmpty
        var skipped = 0
        var rows: [[SQLValue]] = []
        if streaming && p.limit == 0 { return (SQLResult(columns: p.columns, rows: [], kind: .select), cursor.explain) }
        reading: while let run = try call({ () throws(StrataError) in try cursor.next() }) {
            let device = SQLValue.text(run.key.deviceID)
            let sensor = SQLValue.text(run.key.sensorType)
            let deviceAttributes = needsAttributes ? attributes[Array(run.key.deviceID.utf8)] ?? [:] : [:]
            for i in 0..<run.count {
                if streaming && skipped < p.offset {
                    skipped += 1
                    continue
                }
                var row: [SQLValue] = []
                row.reserveCapacity(outputs.count)
                for out in outputs {
                    switch out {
                    case .device: row.append(device)
                    case .sensor: row.append(sensor)
                    case .timestamp: row.append(.timestamp(run.timestamps[i]))
                    case .value: row.append(.real(run.values[i]))
                    case .quality: row.append(.text(run.qualities[i].description))
                    case .attribute(let k): row.append(deviceAttributes[k].map(SQLValue.text) ?? .null)
                    case .bucket(let b):
                        let t = run.timestamps[i]
                        row.append(.timestamp(try call { () throws(StrataError) in try b.start(of: t, resolution: resolution) }))
                    }
                }
                rows.append(row)
                if streaming, let limit = p.limit, rows.count >= limit { break reading }
            }
        }
        if !streaming {
            let order = Array(rows.indices).sorted { a, b in
                for (k, column) in zip(p.order, keyColumns) {
                    let c = Self.compare(rows[a][column], rows[b][column], nullsFirst: k.nullsFirst == k.ascending)
                    if c != 0 { return k.ascending ? c < 0 : c > 0 }
                }
                return a < b
            }
            rows = Self.window(order.map { Array(rows[$0].prefix(p.outputs.count)) }, offset: p.offset, limit: p.limit)
        }
        return (SQLResult(columns: p.columns, rows: rows, kind: .select), cursor.explain)
    }

    /// Rows `offset ..< offset + limit`.
    static func window(_ rows: [[SQLValue]], offset: Int, limit: Int?) -> [[SQLValue]] {
        let from = min(offset, rows.count)
        let to = limit.map { from + min($0, rows.count - from) } ?? rows.count
        return Array(rows[from..<to])
    }

    /// Three-way comparison for ORDER BY: nulls first when `nullsFirst` (in the ascending sense:
    /// a descending sort flips it), text by bytes, reals with NaN above every number.
    static func compare(_ a: SQLValue, _ b: SQLValue, nullsFirst: Bool) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return nullsFirst ? -1 : 1
        case (_, .null): return nullsFirst ? 1 : -1
        case (.integer(let x), .integer(let y)), (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.real(let x), .real(let y)): return ValueOrder.compare(x, y)
        case (.text(let x), .text(let y)): return NameOrder.compare(x, y)
        default: return 0
        }
    }

    // MARK: - EXPLAIN

    private func explain(_ plan: Plan) throws(SQLFailure) -> SQLResult {
        var lines = PlanText.lines(plan, resolution: resolution)
        switch plan {
        case .aggregate(let p):
            let (result, e) = try aggregate(p)
            lines.append("executed: \(result.rows.count) rows")
            lines += e.description.split(separator: "\n").map(String.init)
        case .scan(let p):
            let (result, e) = try scan(p)
            lines.append("executed: \(result.rows.count) rows")
            lines += e.description.split(separator: "\n").map(String.init)
        case .latest(let p):
            let result = try latest(p)
            lines.append("executed: \(result.rows.count) rows, from the newest reading kept for each series")
        default:
            break
        }
        return SQLResult(columns: [SQLColumn(name: "plan", type: .text)], rows: lines.map { [.text($0)] }, kind: .explain)
    }

    // MARK: - SHOW

    private func show(_ kind: ShowKind) throws(SQLFailure) -> SQLResult {
        let catalog = Catalog(store: store, position: .none)
        switch kind {
        case .devices:
            let series = try catalog.series()
            var perDevice: [[UInt8]: Int] = [:]
            for k in series { perDevice[Array(k.deviceID.utf8), default: 0] += 1 }
            let attributes = try catalog.attributesByDevice()
            let rows = try catalog.devices().map { d -> [SQLValue] in
                let key = Array(d.utf8)
                let a = attributes[key] ?? [:]
                let text = a.keys.sorted(by: NameOrder.precedes).map { "\($0)=\(a[$0]!)" }.joined(separator: ", ")
                return [.text(d), .integer(Int64(perDevice[key] ?? 0)), a.isEmpty ? .null : .text(text)]
            }
            return SQLResult(columns: [SQLColumn(name: "device_id", type: .text), SQLColumn(name: "series", type: .integer),
                                       SQLColumn(name: "attributes", type: .text)], rows: rows, kind: .show)
        case .sensors:
            var perSensor: [[UInt8]: Int] = [:]
            for k in try catalog.series() { perSensor[Array(k.sensorType.utf8), default: 0] += 1 }
            let rows = try catalog.sensors().map { s -> [SQLValue] in [.text(s), .integer(Int64(perSensor[Array(s.utf8)] ?? 0))] }
            return SQLResult(columns: [SQLColumn(name: "sensor_type", type: .text), SQLColumn(name: "devices", type: .integer)],
                             rows: rows, kind: .show)
        case .partitions:
            let partitions = try call { () throws(StrataError) in try store.partitions() }
            let rows = partitions.map { p -> [SQLValue] in
                [.timestamp(p.start), .text(p.isMixed ? "mixed" : SQLTimestamp.duration(p.duration, resolution: resolution)),
                 .integer(Int64(p.files.count)), .integer(Int64(p.points)), .integer(Int64(p.bytes)),
                 p.points > 0 ? .real((Double(p.bytes) / Double(p.points) * 1000).rounded() / 1000) : .null]
            }
            return SQLResult(columns: [SQLColumn(name: "start", type: .timestamp), SQLColumn(name: "duration", type: .text),
                                       SQLColumn(name: "files", type: .integer), SQLColumn(name: "points", type: .integer),
                                       SQLColumn(name: "bytes", type: .integer), SQLColumn(name: "bytes_per_point", type: .real)],
                             rows: rows, kind: .show)
        }
    }
}
