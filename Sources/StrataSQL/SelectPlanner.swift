// SELECT -> Plan. An aggregating SELECT (aggregates or GROUP BY) becomes one
// Aggregation: group columns are a time bucket, device_id and sensor_type;
// every other select item must be an aggregate of `value` (optionally wrapped
// in locf/interpolate under time_bucket_gapfill), as PostgreSQL requires every
// non-aggregate item to be grouped. GROUP BY of last(value, timestamp) per
// device (or series) without a bucket or point filters becomes Store.latest.
// Anything else is a raw scan.
//
// Name resolution follows PostgreSQL: GROUP BY names are input columns first,
// then output names; ORDER BY names are output names first, then input
// columns; integers in both are 1-based select-list positions.
//
// time_bucket semantics are TimescaleDB's (Strata's TimeBucket); gap filling
// infers start/finish from the WHERE clause as TimescaleDB's
// infer_gapfill_boundary does (>= X: X, > X: X + 1, < Y: Y, <= Y: Y + 1) —
// here from the exact time range the WHERE maps to.
//
// Thread safety: a value built per statement.

import Strata

struct SelectPlanner {
    let scope: Scope
    let mapper: SelectionMapper

    private var constants: Constants { scope.constants }
    private var resolution: TimestampResolution { constants.resolution }

    /// A time_bucket or time_bucket_gapfill call, evaluated.
    struct BucketSpec: Sendable {
        var bucket: TimeBucket
        var gapfill: Bool
        var start: Int64?
        var finish: Int64?
        var position: SourcePosition

        func same(_ o: BucketSpec) -> Bool {
            bucket == o.bucket && gapfill == o.gapfill && start == o.start && finish == o.finish
        }
    }

    /// What an aggregating select item measures.
    enum Measure: Sendable, Equatable {
        case aggregate(Aggregate, Fill)
        /// max(timestamp): only answered by the latest-value path.
        case maxTimestamp
    }

    enum Group: Sendable {
        case bucket(BucketSpec)
        case device, sensor
    }

    enum ItemKind: Sendable {
        case group(Group)
        case measure(Measure, SourcePosition)
    }

    // MARK: - Entry

    func plan(_ s: SelectStatement) throws(SQLFailure) -> Plan {
        let isAggregate = !s.groupBy.isEmpty || s.items.contains { containsAggregate($0.expr) }
            || s.orderBy.contains { containsAggregate($0.expr) }
        return isAggregate ? try planAggregate(s) : .scan(try planScan(s))
    }

    private func containsAggregate(_ e: Expr) -> Bool {
        e.contains {
            if case .call(let c) = $0.kind { return Scope.aggregateNames.contains(c.name) || c.name == "locf" || c.name == "interpolate" }
            return false
        }
    }

    /// PostgreSQL's name for an unaliased column.
    static func defaultName(_ e: Expr) -> String {
        switch e.kind {
        case .column(let ref): return ref.name
        case .call(let c): return c.name
        case .cast(let inner, let type):
            if case .column = inner.kind { return defaultName(inner) }
            return type.rawValue
        case .typed(let type, _): return type.rawValue
        default: return "?column?"
        }
    }

    // MARK: - time_bucket

    func bucketSpec(_ call: Call, at p: SourcePosition) throws(SQLFailure) -> BucketSpec {
        let gapfill = call.name == "time_bucket_gapfill"
        guard !call.star else { throw SQLFailure("\(call.name)(*) is not valid", at: p) }
        var positional: [Expr] = []
        var named: [String: (Expr, SourcePosition)] = [:]
        for a in call.arguments {
            if let name = a.name {
                guard named[name] == nil else { throw SQLFailure("argument '\(name)' is given twice", at: a.namePosition) }
                named[name] = (a.value, a.namePosition)
            } else {
                guard named.isEmpty else { throw SQLFailure("positional argument cannot follow named argument", at: a.value.position) }
                positional.append(a.value)
            }
        }
        let usage = gapfill ? "time_bucket_gapfill(width, timestamp [, start [, finish]])" : "time_bucket(width, timestamp [, origin or offset])"
        func take(_ index: Int, _ name: String) throws(SQLFailure) -> Expr? {
            let byName = named.removeValue(forKey: name)
            if index < positional.count {
                if let byName { throw SQLFailure("argument '\(name)' is given twice", at: byName.1) }
                return positional[index]
            }
            return byName?.0
        }
        guard let widthExpr = try take(0, "bucket_width"), let tsExpr = try take(1, "ts") else {
            throw SQLFailure("\(call.name) needs a width and the timestamp column: \(usage)", at: p)
        }
        // Width.
        let widthValue = try constants.evaluate(widthExpr)
        switch widthValue {
        case .interval, .text: break
        default: throw SQLFailure("\(call.name) width must be an interval such as '1 hour', found \(widthValue.typeName)", at: widthExpr.position)
        }
        let interval = try constants.interval(widthValue, at: widthExpr.position)
        let width: TimeBucket.Width
        do throws(StrataError) {
            width = try interval.bucketWidth()
        } catch {
            throw SQLFailure(error.reason, at: widthExpr.position)
        }
        guard try scope.column(tsExpr, context: "time_bucket") == .timestamp else {
            throw SQLFailure("\(call.name)'s second argument must be the timestamp column", at: tsExpr.position)
        }
        var spec = BucketSpec(bucket: TimeBucket(width), gapfill: gapfill, start: nil, finish: nil, position: p)
        func setOrigin(_ e: Expr) throws(SQLFailure) {
            guard let o = try constants.timestamp(e, what: "an origin timestamp") else { throw SQLFailure("origin cannot be NULL", at: e.position) }
            spec.bucket.origin = o
        }
        func setOffset(_ c: Constant, at q: SourcePosition) throws(SQLFailure) {
            let i = try constants.interval(c, at: q)
            guard i.months == 0 else { throw SQLFailure("offsets with months are not supported (a Strata offset is a fixed duration)", at: q) }
            spec.bucket.offset = i.units
        }
        if gapfill {
            if let e = try take(2, "start") { spec.start = try constants.timestamp(e, what: "a start timestamp") }
            if let e = try take(3, "finish") { spec.finish = try constants.timestamp(e, what: "a finish timestamp") }
            if positional.count > 4 { throw SQLFailure("too many arguments: \(usage)", at: positional[4].position) }
        } else {
            if positional.count > 3 { throw SQLFailure("too many arguments: \(usage)", at: positional[3].position) }
            if positional.count == 3 {
                // The third positional argument: an interval is an offset, a timestamp an origin (TimescaleDB's overloads).
                let e = positional[2]
                let c = try constants.evaluate(e)
                switch c {
                case .interval: try setOffset(c, at: e.position)
                case .text(let s) where (try? SQLTimestamp.parse(s, resolution: resolution)) == nil && parseIntervalQuietly(s) != nil:
                    try setOffset(c, at: e.position)
                case .text(let s) where (try? SQLTimestamp.parse(s, resolution: resolution)) == nil:
                    throw SQLFailure("'\(s)' is neither an origin timestamp nor an offset interval (time zones are not supported: Strata buckets in UTC)",
                                     at: e.position)
                default: try setOrigin(e)
                }
            }
        }
        if let (e, _) = named.removeValue(forKey: "origin") { try setOrigin(e) }
        if let (e, q) = named.removeValue(forKey: "offset") { try setOffset(try constants.evaluate(e), at: q) }
        if let (_, q) = named.removeValue(forKey: "timezone") {
            throw SQLFailure("time zones are not supported: Strata buckets in UTC", at: q)
        }
        if let (name, (_, q)) = named.first {
            throw SQLFailure("\(call.name) has no argument named '\(name)'", at: q)
        }
        do throws(StrataError) {
            try spec.bucket.validate(resolution: resolution)
        } catch {
            throw SQLFailure(error.reason, at: p)
        }
        return spec
    }

    private func parseIntervalQuietly(_ s: String) -> Interval? {
        try? Interval.parse(s, resolution: resolution)
    }

    // MARK: - Aggregates

    /// The measure of an aggregate call (possibly in locf/interpolate); nil when `e` is not one.
    func measure(_ e: Expr) throws(SQLFailure) -> Measure? {
        guard case .call(let call) = e.kind else { return nil }
        if call.name == "locf" || call.name == "interpolate" {
            let fill: Fill = call.name == "locf" ? .locf : .interpolate
            guard let first = call.arguments.first, first.name == nil, !call.star else {
                throw SQLFailure("\(call.name)() takes an aggregate, such as \(call.name)(avg(value))", at: e.position)
            }
            if call.arguments.count > 1 {
                throw SQLFailure(call.name == "locf"
                                 ? "locf's prev and treat_null_as_missing arguments are not supported (Strata carries the value from before the range itself)"
                                 : "interpolate's prev and next arguments are not supported (Strata finds the neighbours outside the range itself)",
                                 at: call.arguments[1].namePosition)
            }
            guard let inner = try measure(first.value), case .aggregate(let a, .null) = inner else {
                throw SQLFailure("\(call.name)() takes an aggregate, such as \(call.name)(avg(value))", at: first.value.position)
            }
            return .aggregate(a, fill)
        }
        guard Scope.aggregateNames.contains(call.name) else { return nil }
        let name = call.name
        if call.star {
            guard name == "count" else { throw SQLFailure("\(name)(*) is not valid; only count(*) takes *", at: e.position) }
            return .aggregate(.count, .null)
        }
        for a in call.arguments {
            if a.name != nil { throw SQLFailure("\(name)() takes no named arguments", at: a.namePosition) }
            if containsAggregate(a.value) { throw SQLFailure("aggregate function calls cannot be nested", at: a.value.position) }
        }
        let args = call.arguments.map(\.value)
        func argumentColumn(_ i: Int) throws(SQLFailure) -> TableColumn? {
            let arg = args[i]
            switch arg.kind {
            case .column, .call: break
            default:
                if scope.firstColumnOrAggregate(arg) != nil {
                    throw SQLFailure("aggregates of expressions are not supported; aggregate the value column itself", at: arg.position)
                }
                return nil
            }
            return try scope.column(arg, context: "aggregate arguments")
        }
        switch name {
        case "count":
            guard args.count == 1, let c = try argumentColumn(0) else {
                throw SQLFailure("count() takes * or a column: count(*), count(value)", at: e.position)
            }
            if case .attribute = c { throw SQLFailure("count(attr(...)) is not supported; use count(*)", at: args[0].position) }
            return .aggregate(.count, .null)
        case "first", "last":
            guard args.count == 2, try argumentColumn(0) == .value, try argumentColumn(1) == .timestamp else {
                throw SQLFailure("\(name)() takes the value and the timestamp: \(name)(value, timestamp)", at: e.position)
            }
            return .aggregate(name == "first" ? .first : .last, .null)
        default:
            guard args.count == 1 else { throw SQLFailure("\(name)() takes one argument: \(name)(value)", at: e.position) }
            let c = try argumentColumn(0)
            if name == "max" && c == .timestamp { return .maxTimestamp }
            guard c == .value else {
                throw SQLFailure("\(name)() applies to the value column: \(name)(value)"
                                 + (c == .timestamp ? " (of the timestamp, only max(timestamp) next to last(value, timestamp) is supported)" : ""),
                                 at: args[0].position)
            }
            let aggregate: Aggregate
            switch name {
            case "sum": aggregate = .sum
            case "avg": aggregate = .avg
            case "min": aggregate = .min
            case "max": aggregate = .max
            case "stddev", "stddev_samp": aggregate = .stddev
            case "stddev_pop": aggregate = .stddevPopulation
            case "variance", "var_samp": aggregate = .variance
            case "var_pop": aggregate = .variancePopulation
            default: aggregate = .spread
            }
            return .aggregate(aggregate, .null)
        }
    }

    /// A select item of an aggregating SELECT: a group column or a measure.
    private func classifyAggregateItem(_ e: Expr) throws(SQLFailure) -> ItemKind {
        if let m = try measure(e) { return .measure(m, e.position) }
        switch e.kind {
        case .star:
            throw SQLFailure("* cannot be selected with aggregates; name the group columns and aggregates", at: e.position)
        case .column(let ref):
            switch try scope.resolve(ref, at: e.position) {
            case .device: return .group(.device)
            case .sensor: return .group(.sensor)
            case .timestamp:
                throw SQLFailure("column \(ref.name) must appear in the GROUP BY clause or be used in an aggregate function (group by a time_bucket(...))",
                                 at: e.position)
            case let c:
                throw SQLFailure("column \(c.name) must appear in the GROUP BY clause or be used in an aggregate function", at: e.position)
            }
        case .call(let call) where call.name == "time_bucket" || call.name == "time_bucket_gapfill":
            return .group(.bucket(try bucketSpec(call, at: e.position)))
        case .call(let call) where call.name == "attr":
            throw SQLFailure("attr() cannot be selected in an aggregate query (Strata groups by time bucket, device_id and sensor_type)", at: e.position)
        default:
            if containsAggregate(e) {
                throw SQLFailure("expressions over aggregates are not supported (such as avg(value) * 2); select the aggregate itself", at: e.position)
            }
            if case .call(let call) = e.kind, !Constants.knownFunctions.contains(call.name) {
                throw SQLFailure("unknown function '\(call.name)'", at: e.position)
            }
            throw SQLFailure("an aggregate query selects group columns (time_bucket(...), device_id, sensor_type) and aggregates only", at: e.position)
        }
    }

    private func groupName(_ g: Group) -> String {
        switch g {
        case .bucket(let b): b.gapfill ? "time_bucket_gapfill(...)" : "time_bucket(...)"
        case .device: "device_id"
        case .sensor: "sensor_type"
        }
    }

    /// The select item an output name (alias or default name) refers to, if exactly one.
    private func outputItem(_ name: String, _ s: SelectStatement, clause: String, at p: SourcePosition) throws(SQLFailure) -> Int? {
        let matches = s.items.indices.filter { (s.items[$0].alias ?? Self.defaultName(s.items[$0].expr)) == name }
        if matches.count > 1 { throw SQLFailure("\(clause) \"\(name)\" is ambiguous", at: p) }
        return matches.first
    }

    private func position(_ e: Expr, count: Int, clause: String) throws(SQLFailure) -> Int? {
        guard case .literal(.integer(let k)) = e.kind else { return nil }
        guard k >= 1 && k <= Int64(count) else { throw SQLFailure("\(clause) position \(k) is not in select list", at: e.position) }
        return Int(k) - 1
    }

    private static let inputColumns: Set<String> = ["device_id", "sensor_type", "timestamp", "time", "value", "quality"]

    private func resolveGroup(_ g: Expr, _ s: SelectStatement, _ kinds: [ItemKind]) throws(SQLFailure) -> Group {
        func fromItem(_ i: Int) throws(SQLFailure) -> Group {
            switch kinds[i] {
            case .group(let group): return group
            case .measure: throw SQLFailure("aggregate functions are not allowed in GROUP BY", at: g.position)
            }
        }
        if let i = try position(g, count: s.items.count, clause: "GROUP BY") { return try fromItem(i) }
        switch g.kind {
        case .column(let ref):
            // PostgreSQL: in GROUP BY, an input column wins over an output name.
            if ref.qualifier != nil || Self.inputColumns.contains(ref.name) {
                switch try scope.resolve(ref, at: g.position) {
                case .device: return .device
                case .sensor: return .sensor
                case .timestamp:
                    let shadowed = s.items.contains { $0.alias == ref.name } ? " (as in PostgreSQL, the column \(ref.name) wins over the alias)" : ""
                    throw SQLFailure("GROUP BY \(ref.name) would group by raw timestamps, which is not supported; group by a time_bucket(...)\(shadowed)",
                                     at: g.position)
                case let c:
                    throw SQLFailure("cannot GROUP BY \(c.name): the group columns are a time bucket, device_id and sensor_type", at: g.position)
                }
            }
            if let i = try outputItem(ref.name, s, clause: "GROUP BY", at: g.position) { return try fromItem(i) }
            _ = try scope.resolve(ref, at: g.position)   // unknown column
            throw SQLFailure("unknown column '\(ref.name)'", at: g.position)
        case .call(let call) where call.name == "time_bucket" || call.name == "time_bucket_gapfill":
            return .bucket(try bucketSpec(call, at: g.position))
        case .call(let call) where call.name == "attr":
            throw SQLFailure("cannot GROUP BY attr(...): the group columns are a time bucket, device_id and sensor_type", at: g.position)
        default:
            if containsAggregate(g) { throw SQLFailure("aggregate functions are not allowed in GROUP BY", at: g.position) }
            throw SQLFailure("GROUP BY supports time_bucket(...), device_id, sensor_type, select aliases and positions", at: g.position)
        }
    }

    // MARK: - Aggregating SELECT

    private func planAggregate(_ s: SelectStatement) throws(SQLFailure) -> Plan {
        var kinds: [ItemKind] = []
        for item in s.items { kinds.append(try classifyAggregateItem(item.expr)) }

        // Groups.
        var bucket: BucketSpec?
        var groupBy: GroupBy = []
        for g in s.groupBy {
            switch try resolveGroup(g, s, kinds) {
            case .bucket(let b):
                if let existing = bucket, !existing.same(b) {
                    throw SQLFailure("only one time bucket per query: GROUP BY has two different ones", at: g.position)
                }
                bucket = b
            case .device: groupBy.insert(.device)
            case .sensor: groupBy.insert(.sensorType)
            }
        }
        for (item, kind) in zip(s.items, kinds) {
            guard case .group(let g) = kind else { continue }
            let grouped: Bool
            switch g {
            case .bucket(let b): grouped = bucket.map { $0.same(b) } ?? false
            case .device: grouped = groupBy.contains(.device)
            case .sensor: grouped = groupBy.contains(.sensorType)
            }
            if !grouped {
                throw SQLFailure("\(groupName(g)) must appear in the GROUP BY clause or be used in an aggregate function", at: item.expr.position)
            }
        }

        // Measures: the select list's, then ORDER BY's that are not selected.
        var measures: [(Measure, SourcePosition)] = []
        var outputs: [MeasureOrGroup] = []
        for kind in kinds {
            switch kind {
            case .group(.bucket): outputs.append(.bucket)
            case .group(.device): outputs.append(.device)
            case .group(.sensor): outputs.append(.sensor)
            case .measure(let m, let p):
                outputs.append(.measure(measures.count))
                measures.append((m, p))
            }
        }
        var order: [(OrderTarget, Bool)] = []
        for o in s.orderBy {
            let target = try orderTarget(o, s, kinds, outputs: outputs, measures: &measures)
            switch target {
            case .bucket:
                guard bucket != nil else { throw SQLFailure("ORDER BY a time bucket needs it in GROUP BY", at: o.expr.position) }
            case .device:
                guard groupBy.contains(.device) else { throw SQLFailure("ORDER BY device_id needs GROUP BY device_id", at: o.expr.position) }
            case .sensor:
                guard groupBy.contains(.sensorType) else { throw SQLFailure("ORDER BY sensor_type needs GROUP BY sensor_type", at: o.expr.position) }
            case .measure:
                if let nullsFirst = o.nullsFirst, nullsFirst == o.ascending {
                    throw SQLFailure("NULLS \(nullsFirst ? "FIRST" : "LAST") with \(o.ascending ? "ASC" : "DESC") is not supported for aggregates "
                                     + "(PostgreSQL's default is supported: NULLS LAST ascending, NULLS FIRST descending)", at: o.nullsPosition ?? o.expr.position)
                }
            }
            order.append((target, o.ascending))
        }
        let gapfill = bucket?.gapfill ?? false
        for (m, p) in measures {
            if case .aggregate(_, let fill) = m, fill != .null, !gapfill {
                throw SQLFailure("\(fill == .locf ? "locf" : "interpolate")() needs time_bucket_gapfill(...) in the same query", at: p)
            }
        }

        let selection = try mapper.selection(s.whereClause)
        let limit = try limitValue(s.limit, "LIMIT")
        let offset = try limitValue(s.offset, "OFFSET") ?? 0

        // The latest-value path: last(value, timestamp) per device or series, nothing else.
        let onlyLatest = !measures.isEmpty && measures.allSatisfy { $0.0 == .aggregate(.last, .null) || $0.0 == .maxTimestamp }
        if bucket == nil, groupBy.contains(.device), onlyLatest, selection.qualities.count == 3, selection.values.isEmpty {
            return .latest(latestPlan(s, outputs, measures, order, selection, groupBy, limit, offset))
        }
        if let (_, p) = measures.first(where: { $0.0 == .maxTimestamp }) {
            throw SQLFailure("max(timestamp) is supported only next to last(value, timestamp), grouped by device_id [and sensor_type], "
                             + "without a time bucket or conditions on value or quality (it is answered from the newest reading of each series)",
                             at: p)
        }

        var q = Aggregation(selection: selection, aggregates: [])
        q.groupBy = groupBy
        q.bucket = bucket?.bucket
        var fills: [Fill] = []
        for (m, _) in measures {
            guard case .aggregate(let a, let fill) = m else { continue }
            q.aggregates.append(a)
            fills.append(fill)
        }
        if q.aggregates.isEmpty {   // GROUP BY without aggregates: groups with points
            q.aggregates = [.count]
            fills = [.null]
        }
        var empty = false
        if let b = bucket, b.gapfill {
            q.gapfill = Gapfill(start: b.start, finish: b.finish, fills: fills)
            let r = selection.timeRange
            if r.isEmpty && (b.start == nil || b.finish == nil) {
                empty = true
            } else if b.start == nil && r.lowerBound == .min {
                throw SQLFailure("missing time_bucket_gapfill argument: could not infer start from WHERE clause "
                                 + "(add WHERE timestamp >= ... or a start argument)", at: b.position)
            } else if b.finish == nil && r.upperBound == .max {
                throw SQLFailure("missing time_bucket_gapfill argument: could not infer finish from WHERE clause "
                                 + "(add WHERE timestamp < ... or a finish argument)", at: b.position)
            }
        }
        q.order = order.map { target, ascending in
            switch target {
            case .bucket: SortKey(.bucket, ascending: ascending)
            case .device: SortKey(.device, ascending: ascending)
            case .sensor: SortKey(.sensorType, ascending: ascending)
            case .measure(let i): SortKey(.aggregate(i), ascending: ascending)   // measures are all aggregates here
            }
        }
        q.limit = limit
        q.offset = offset
        var columns: [SQLColumn] = []
        var planOutputs: [AggregatePlan.Output] = []
        for (item, out) in zip(s.items, outputs) {
            let name = item.alias ?? Self.defaultName(item.expr)
            switch out {
            case .bucket: planOutputs.append(.bucket); columns.append(SQLColumn(name: name, type: .timestamp))
            case .device: planOutputs.append(.device); columns.append(SQLColumn(name: name, type: .text))
            case .sensor: planOutputs.append(.sensor); columns.append(SQLColumn(name: name, type: .text))
            case .measure(let i):
                planOutputs.append(.aggregate(i))
                columns.append(SQLColumn(name: name, type: q.aggregates[i] == .count ? .integer : .real))
            }
        }
        return .aggregate(AggregatePlan(aggregation: q, outputs: planOutputs, columns: columns,
                                        oneRowWhenEmpty: bucket == nil && groupBy.isEmpty, empty: empty))
    }

    enum MeasureOrGroup {
        case bucket, device, sensor
        case measure(Int)
    }

    enum OrderTarget {
        case bucket, device, sensor
        case measure(Int)
    }

    private func orderTarget(_ o: SelectStatement.OrderItem, _ s: SelectStatement, _ kinds: [ItemKind], outputs: [MeasureOrGroup],
                             measures: inout [(Measure, SourcePosition)]) throws(SQLFailure) -> OrderTarget {
        func fromOutput(_ i: Int) -> OrderTarget {
            switch outputs[i] {
            case .bucket: .bucket
            case .device: .device
            case .sensor: .sensor
            case .measure(let m): .measure(m)
            }
        }
        let e = o.expr
        if let i = try position(e, count: s.items.count, clause: "ORDER BY") { return fromOutput(i) }
        if case .column(let ref) = e.kind {
            // PostgreSQL: in ORDER BY, an output name wins over an input column.
            if ref.qualifier == nil, let i = try outputItem(ref.name, s, clause: "ORDER BY", at: e.position) { return fromOutput(i) }
            switch try scope.resolve(ref, at: e.position) {
            case .device: return .device
            case .sensor: return .sensor
            case let c:
                throw SQLFailure("ORDER BY \(c.name): an aggregate query orders by group columns and aggregates", at: e.position)
            }
        }
        if let m = try measure(e) {
            if let i = measures.firstIndex(where: { $0.0 == m }) { return .measure(i) }
            measures.append((m, e.position))
            return .measure(measures.count - 1)
        }
        if case .call(let call) = e.kind, call.name == "time_bucket" || call.name == "time_bucket_gapfill" {
            _ = try bucketSpec(call, at: e.position)
            return .bucket
        }
        if containsAggregate(e) {
            throw SQLFailure("expressions over aggregates are not supported (such as avg(value) * 2)", at: e.position)
        }
        throw SQLFailure("ORDER BY supports group columns, aggregates, aliases and positions in an aggregate query", at: e.position)
    }

    private func latestPlan(_ s: SelectStatement, _ outputs: [MeasureOrGroup], _ measures: [(Measure, SourcePosition)],
                            _ order: [(OrderTarget, Bool)], _ selection: Selection, _ groupBy: GroupBy, _ limit: Int?, _ offset: Int) -> LatestPlan {
        func output(_ m: Int) -> LatestPlan.Output { measures[m].0 == .maxTimestamp ? .timestamp : .value }
        var columns: [SQLColumn] = []
        var planOutputs: [LatestPlan.Output] = []
        for (item, out) in zip(s.items, outputs) {
            let name = item.alias ?? Self.defaultName(item.expr)
            let o: LatestPlan.Output
            switch out {
            case .bucket, .device: o = .device
            case .sensor: o = .sensor
            case .measure(let i): o = output(i)
            }
            planOutputs.append(o)
            columns.append(SQLColumn(name: name, type: o == .value ? .real : (o == .timestamp ? .timestamp : .text)))
        }
        let keys = order.map { target, ascending -> LatestPlan.OrderKey in
            switch target {
            case .bucket, .device: LatestPlan.OrderKey(output: .device, ascending: ascending)
            case .sensor: LatestPlan.OrderKey(output: .sensor, ascending: ascending)
            case .measure(let i): LatestPlan.OrderKey(output: output(i), ascending: ascending)
            }
        }
        return LatestPlan(selection: selection, perSeries: groupBy.contains(.sensorType), outputs: planOutputs, columns: columns,
                          order: keys, limit: limit, offset: offset)
    }

    private func limitValue(_ e: Expr?, _ clause: String) throws(SQLFailure) -> Int? {
        guard let e, let v = try constants.integer(e, what: clause) else { return nil }
        guard v >= 0 else { throw SQLFailure("\(clause) must not be negative", at: e.position) }
        return Int(clamping: v)
    }

    // MARK: - Raw SELECT

    private func planScan(_ s: SelectStatement) throws(SQLFailure) -> ScanPlan {
        var outputs: [ScanPlan.Output] = []
        var columns: [SQLColumn] = []
        func add(_ o: ScanPlan.Output, _ name: String) {
            outputs.append(o)
            let type: SQLType
            switch o {
            case .timestamp, .bucket: type = .timestamp
            case .value: type = .real
            default: type = .text
            }
            columns.append(SQLColumn(name: name, type: type))
        }
        for item in s.items {
            let e = item.expr
            if case .star(let q) = e.kind {
                if let q, q != "sensor_readings" && q != scope.tableAlias { throw SQLFailure("unknown table or alias '\(q)'", at: e.position) }
                for (o, n) in [(ScanPlan.Output.device, "device_id"), (.sensor, "sensor_type"), (.timestamp, "timestamp"), (.value, "value"),
                               (.quality, "quality")] { add(o, n) }
                continue
            }
            add(try scanOutput(e), item.alias ?? Self.defaultName(e))
        }
        var order: [ScanPlan.OrderKey] = []
        for o in s.orderBy {
            let e = o.expr
            var output: ScanPlan.Output
            if let i = try position(e, count: outputs.count, clause: "ORDER BY") {
                output = outputs[i]
            } else if case .column(let ref) = e.kind, ref.qualifier == nil,
                      let i = try outputIndex(ref.name, columns, outputs, at: e.position) {
                output = outputs[i]
            } else {
                output = try scanOutput(e)
            }
            order.append(ScanPlan.OrderKey(output: output, ascending: o.ascending, nullsFirst: o.nullsFirst ?? !o.ascending))
        }
        return ScanPlan(selection: try mapper.selection(s.whereClause), outputs: outputs, columns: columns, order: order,
                        limit: try limitValue(s.limit, "LIMIT"), offset: try limitValue(s.offset, "OFFSET") ?? 0)
    }

    /// ORDER BY name -> output index by output name (PostgreSQL: output names first).
    private func outputIndex(_ name: String, _ columns: [SQLColumn], _ outputs: [ScanPlan.Output], at p: SourcePosition) throws(SQLFailure) -> Int? {
        let matches = columns.indices.filter { columns[$0].name == name }
        if Set(matches.map { outputs[$0] }).count > 1 { throw SQLFailure("ORDER BY \"\(name)\" is ambiguous", at: p) }
        return matches.first
    }

    private func scanOutput(_ e: Expr) throws(SQLFailure) -> ScanPlan.Output {
        switch e.kind {
        case .column(let ref):
            switch try scope.resolve(ref, at: e.position) {
            case .device: return .device
            case .sensor: return .sensor
            case .timestamp: return .timestamp
            case .value: return .value
            case .quality: return .quality
            case .attribute(let k): return .attribute(k)
            }
        case .call(let call) where call.name == "attr":
            return .attribute(try scope.attributeKey(call))
        case .call(let call) where call.name == "time_bucket":
            return .bucket(try bucketSpec(call, at: e.position).bucket)
        case .call(let call) where call.name == "time_bucket_gapfill":
            throw SQLFailure("time_bucket_gapfill needs GROUP BY and aggregates", at: e.position)
        case .call(let call) where !Constants.knownFunctions.contains(call.name):
            throw SQLFailure("unknown function '\(call.name)'", at: e.position)
        case .star:
            throw SQLFailure("* is only valid as a select item", at: e.position)
        default:
            throw SQLFailure("only columns, attr('key') and time_bucket(...) can be selected without aggregates", at: e.position)
        }
    }
}
