// WHERE -> Selection, exactly or not at all.
//
// A Strata `Selection` is an AND of per-column filters: devices (a NameFilter
// and attribute filters), sensor types, one time range, a set of qualities and
// value conditions. So the WHERE clause must be an AND of conditions that each
// concern one column; within a column, AND, OR, NOT, IN, BETWEEN and LIKE
// combine freely. device_id and attr('key') are both properties of the device,
// so `device_id = 'a' OR attr('zone') = 'z'` is one (device) condition.
//
// Each column's conditions are evaluated exactly, with SQL's three-valued logic:
// - device_id, sensor_type, attr(): `= 'x'` is NameFilter.equals, `IN (...)` oneOf,
//   `LIKE 'p%'` prefix; anything else is evaluated against the store's catalog
//   (Store.series(), Store.deviceAttributes()) to the exact set of names (oneOf).
//   `attr(k) = 'v'` / `attr(k) IN (...)` become AttributeFilters.
// - timestamp: a set of ranges over Int64, which must be ONE range (else an error).
// - value: a set of ranges in PostgreSQL's float8 order (NaN above every number),
//   which must be one range or all but one value (`!=`), as ValueConditions.
// - quality: a subset of {good, suspect, bad}.
// Anything that cannot be mapped exactly (OR across columns, two time ranges, a union
// of value ranges, a comparison of two columns) is an error at the offending operator.
//
// Thread safety: values built per statement; the catalog cache is per statement.

import Strata

/// The columns of sensor_readings as conditions and select items name them.
enum TableColumn: Hashable, Sendable {
    case device, sensor, timestamp, value, quality
    case attribute(String)

    var name: String {
        switch self {
        case .device: "device_id"
        case .sensor: "sensor_type"
        case .timestamp: "timestamp"
        case .value: "value"
        case .quality: "quality"
        case .attribute(let k): "attr('\(k)')"
        }
    }

    /// What a condition on the column selects.
    var dimension: Dimension {
        switch self {
        case .device, .attribute: .device
        case .sensor: .sensor
        case .timestamp: .time
        case .value: .value
        case .quality: .quality
        }
    }

    enum Dimension: Hashable, Sendable {
        case device, sensor, time, value, quality
    }
}

/// Column resolution and constants of one statement.
struct Scope: Sendable {
    let constants: Constants
    /// The table's alias, if the statement gave one.
    let tableAlias: String?

    static let aggregateNames: Set<String> = [
        "count", "sum", "avg", "min", "max", "first", "last", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp",
        "var_pop", "spread",
    ]

    func resolve(_ ref: ColumnRef, at p: SourcePosition) throws(SQLFailure) -> TableColumn {
        if let q = ref.qualifier, q != "sensor_readings" && q != tableAlias {
            throw SQLFailure("unknown table or alias '\(q)'", at: p)
        }
        switch ref.name {
        case "device_id": return .device
        case "sensor_type": return .sensor
        case "timestamp", "time": return .timestamp
        case "value": return .value
        case "quality": return .quality
        default:
            let hint = ref.name.lowercased() != ref.name && ["device_id", "sensor_type", "timestamp", "time", "value", "quality"].contains(ref.name.lowercased())
                ? " (quoted names are case-sensitive)" : ""
            throw SQLFailure("unknown column '\(ref.name)'\(hint); the columns are device_id, sensor_type, timestamp (or time), value, quality and attr('key')",
                             at: p)
        }
    }

    /// The key of `attr('key')`.
    func attributeKey(_ call: Call) throws(SQLFailure) -> String {
        guard call.arguments.count == 1, !call.star, call.arguments[0].name == nil else {
            throw SQLFailure("attr() takes one argument, the attribute's name: attr('zone')", at: call.position)
        }
        let arg = call.arguments[0].value
        guard case .text(let key) = try constants.evaluate(arg) else {
            throw SQLFailure("attr() takes the attribute's name as a string: attr('zone')", at: arg.position)
        }
        return key
    }

    /// The column `e` is (a column reference or attr('k')), nil when it holds no column;
    /// an error when it is an expression over a column.
    func column(_ e: Expr, context: String = "WHERE") throws(SQLFailure) -> TableColumn? {
        switch e.kind {
        case .column(let ref): return try resolve(ref, at: e.position)
        case .call(let call) where call.name == "attr": return .attribute(try attributeKey(call))
        default:
            if let bad = firstColumnOrAggregate(e) {
                if case .call(let c) = bad.kind, Self.aggregateNames.contains(c.name) {
                    throw SQLFailure("aggregate functions are not allowed in \(context)", at: bad.position)
                }
                throw SQLFailure("conditions must compare a column with a constant; expressions over columns are not supported",
                                 at: e.position)
            }
            return nil
        }
    }

    /// The first column reference, attr() or aggregate call inside `e`.
    func firstColumnOrAggregate(_ e: Expr) -> Expr? {
        switch e.kind {
        case .column: return e
        case .call(let c) where c.name == "attr" || Self.aggregateNames.contains(c.name): return e
        default:
            for child in e.children { if let f = firstColumnOrAggregate(child) { return f } }
            return nil
        }
    }
}

/// The store's catalog, loaded at most once per statement.
final class Catalog {
    private let store: Store
    private let position: SourcePosition
    private var keys: [SeriesKey]?
    private var attributeList: [(device: String, attributes: [String: String])]?

    init(store: Store, position: SourcePosition) {
        self.store = store
        self.position = position
    }

    func series() throws(SQLFailure) -> [SeriesKey] {
        if let keys { return keys }
        let k = try engine(position) { () throws(StrataError) in try store.series() }
        keys = k
        return k
    }

    func attributes() throws(SQLFailure) -> [(device: String, attributes: [String: String])] {
        if let attributeList { return attributeList }
        let a = try engine(position) { () throws(StrataError) in try store.deviceAttributes() }
        attributeList = a
        return a
    }

    /// Every device with series or attributes, by bytes.
    func devices() throws(SQLFailure) -> [String] {
        Self.uniqueSorted(try series().map(\.deviceID) + (try attributes()).map(\.device))
    }

    /// Every sensor type, by bytes.
    func sensors() throws(SQLFailure) -> [String] {
        Self.uniqueSorted(try series().map(\.sensorType))
    }

    /// Attributes by device (keyed by the name's bytes: names are never normalized).
    func attributesByDevice() throws(SQLFailure) -> [[UInt8]: [String: String]] {
        var out: [[UInt8]: [String: String]] = [:]
        for (d, a) in try attributes() { out[Array(d.utf8)] = a }
        return out
    }

    static func uniqueSorted(_ names: [String]) -> [String] {
        var seen = Set<[UInt8]>()
        return names.filter { seen.insert(Array($0.utf8)).inserted }.sorted(by: NameOrder.precedes)
    }
}

/// Runs a store call, wrapping a StrataError as a failure at `position`.
func engine<T>(_ position: SourcePosition, _ body: () throws(StrataError) -> T) throws(SQLFailure) -> T {
    do throws(StrataError) {
        return try body()
    } catch {
        throw SQLFailure(error.description, at: position)
    }
}

/// A condition on names (device_id, sensor_type, attr()), evaluated per device or sensor.
indirect enum NamePredicate: Sendable {
    case constant(Bool?)
    case compare(TableColumn, BinaryOperator, String?)
    case prefix(TableColumn, String)
    case isNull(TableColumn)
    case not(NamePredicate)
    case and([NamePredicate])
    case or([NamePredicate])

    /// SQL truth for one device (or sensor) name with the device's attributes.
    func evaluate(_ name: String, attributes: [String: String]) -> Bool? {
        func value(_ c: TableColumn) -> String? {
            if case .attribute(let k) = c { return attributes[k] }
            return name
        }
        switch self {
        case .constant(let b): return b
        case .compare(let c, let op, let s):
            guard let v = value(c), let s else { return nil }
            return Constants.holds(op, NameOrder.compare(v, s))
        case .prefix(let c, let p):
            guard let v = value(c) else { return nil }
            return v.utf8.starts(with: p.utf8)
        case .isNull(let c): return value(c) == nil
        case .not(let p): return p.evaluate(name, attributes: attributes).map { !$0 }
        case .and(let list):
            var result: Bool? = true
            for p in list {
                let v = p.evaluate(name, attributes: attributes)
                if v == false { return false }
                if v == nil { result = nil }
            }
            return result
        case .or(let list):
            var result: Bool? = false
            for p in list {
                let v = p.evaluate(name, attributes: attributes)
                if v == true { return true }
                if v == nil { result = nil }
            }
            return result
        }
    }
}

/// A LIKE pattern StrataSQL accepts: a literal, or a literal prefix and one final %.
enum LikePattern: Equatable {
    case exact(String)
    case prefix(String)

    /// Parses with PostgreSQL's default escape character, backslash.
    static func parse(_ pattern: String, at p: SourcePosition) throws(SQLFailure) -> LikePattern {
        var literal = String.UnicodeScalarView()
        var scalars = pattern.unicodeScalars.makeIterator()
        var isPrefix = false
        func reject() -> SQLFailure {
            SQLFailure("LIKE supports only a literal prefix followed by one % (such as 'sensor-%'); '\(pattern)' is not supported", at: p)
        }
        while let c = scalars.next() {
            if isPrefix { throw reject() }
            switch c {
            case "\\":
                guard let next = scalars.next() else { throw SQLFailure("LIKE pattern must not end with escape character", at: p) }
                literal.append(next)
            case "%": isPrefix = true
            case "_": throw reject()
            default: literal.append(c)
            }
        }
        return isPrefix ? .prefix(String(literal)) : .exact(String(literal))
    }
}

/// The devices a WHERE clause picks, before the catalog is consulted.
struct DeviceChoice {
    /// From a single `device_id = / IN / LIKE 'p%'` condition (else .any).
    var filter: NameFilter = .any
    /// From `attr(k) = 'v'` / `attr(k) IN (...)` conditions.
    var attributes: [AttributeFilter] = []
    /// Every other device condition, evaluated against the catalog.
    var rest: [NamePredicate] = []
}

struct SelectionMapper {
    enum Purpose {
        case query, delete, updateDevices
    }

    let scope: Scope
    let catalog: Catalog
    let purpose: Purpose

    private var constants: Constants { scope.constants }

    /// The exact selection of `whereClause` (nil: everything).
    func selection(_ whereClause: Expr?) throws(SQLFailure) -> Selection {
        let parts = try split(whereClause)
        var s = Selection()
        s.devices = try devices(parts.device)
        s.attributes = parts.device.attributes
        s.sensorTypes = try sensors(parts.sensor)
        s.timeRange = parts.time
        s.qualities = parts.qualities
        s.values = parts.values
        if parts.nothing { s.devices = .oneOf([]) }
        return s
    }

    /// The devices an UPDATE devices statement changes: the names given by `=` / IN
    /// (even devices without readings yet), else the catalog's devices that match.
    func updatedDevices(_ whereClause: Expr) throws(SQLFailure) -> [String] {
        let parts = try split(whereClause)
        if parts.nothing { return [] }
        let d = parts.device
        if d.attributes.isEmpty && d.rest.isEmpty {
            switch d.filter {
            case .equals(let name): return [name]
            case .oneOf(let names): return names
            default: break
            }
        }
        guard case .oneOf(let names) = try devices(d, force: true) else { return [] }
        let attrs = try catalog.attributesByDevice()
        return names.filter { name in
            let a = attrs[Array(name.utf8)] ?? [:]
            return d.attributes.allSatisfy { f in a[f.key].map { v in f.values.contains { NameOrder.same($0, v) } } ?? false }
        }
    }

    private struct Parts {
        var device = DeviceChoice()
        var sensor = DeviceChoice()
        var time = TimeRange.all
        var qualities = Set(Quality.allCases)
        var values: [ValueCondition] = []
        /// A constant FALSE or NULL condition: nothing is selected.
        var nothing = false
    }

    private func split(_ whereClause: Expr?) throws(SQLFailure) -> Parts {
        var parts = Parts()
        guard let whereClause else { return parts }
        var byDimension: [TableColumn.Dimension: [Expr]] = [:]
        var order: [TableColumn.Dimension] = []
        for c in Self.conjuncts(whereClause) {
            guard let (dimension, column) = try dimension(of: c) else {
                if try constants.truth(c) != true { parts.nothing = true }
                continue
            }
            switch (purpose, dimension) {
            case (.delete, .value), (.delete, .quality):
                throw SQLFailure("DELETE selects by device_id, sensor_type, attr() and timestamp only; a condition on \(column.name) is not supported",
                                 at: c.position)
            case (.updateDevices, .sensor), (.updateDevices, .time), (.updateDevices, .value), (.updateDevices, .quality):
                throw SQLFailure("UPDATE devices selects devices by device_id and attr() only; a condition on \(column.name) is not supported",
                                 at: c.position)
            default: break
            }
            if byDimension[dimension] == nil { order.append(dimension) }
            byDimension[dimension, default: []].append(c)
        }
        for dimension in order {
            let list = byDimension[dimension]!
            switch dimension {
            case .device: parts.device = try nameChoice(list, column: .device)
            case .sensor: parts.sensor = try nameChoice(list, column: .sensor)
            case .time: parts.time = try timeRange(list)
            case .value: parts.values = try valueConditions(list)
            case .quality: parts.qualities = try qualities(list)
            }
        }
        return parts
    }

    /// The top-level AND's operands (nested ANDs flattened).
    static func conjuncts(_ e: Expr) -> [Expr] {
        if case .and(let list, _) = e.kind { return list.flatMap { conjuncts($0) } }
        return [e]
    }

    // MARK: - Which column a condition concerns

    /// The dimension of a condition and a column naming it; nil for a condition without columns.
    private func dimension(of e: Expr) throws(SQLFailure) -> (TableColumn.Dimension, TableColumn)? {
        switch e.kind {
        case .and(let list, let ops), .or(let list, let ops):
            var found: (TableColumn.Dimension, TableColumn)?
            for (i, x) in list.enumerated() {
                guard let d = try dimension(of: x) else { continue }
                if let f = found, f.0 != d.0 {
                    let word: String
                    if case .or = e.kind { word = "OR" } else { word = "AND" }
                    throw SQLFailure("\(word) combines conditions on \(f.1.name) and \(d.1.name), which cannot be mapped exactly onto a selection: "
                                     + "the WHERE clause must be an AND of conditions that each concern one column", at: ops[i - 1])
                }
                if found == nil { found = d }
            }
            return found
        case .not(let x):
            return try dimension(of: x)
        case .binary(let op, let l, let r) where op.isComparison:
            let lc = try scope.column(l), rc = try scope.column(r)
            if let lc, let rc {
                throw SQLFailure("comparing two columns (\(lc.name) and \(rc.name)) is not supported; compare a column with a constant", at: e.position)
            }
            guard let c = lc ?? rc else { return nil }
            if c == .quality && !(op == .equal || op == .notEqual) {
                throw SQLFailure("quality supports =, <>, IN and NOT IN (it is one of 'good', 'suspect', 'bad')", at: e.position)
            }
            return (c.dimension, c)
        case .inList(let x, let list, _):
            for item in list where try scope.column(item) != nil {
                throw SQLFailure("IN lists must hold constants", at: item.position)
            }
            guard let c = try scope.column(x) else { return nil }
            return (c.dimension, c)
        case .between(let x, let lo, let hi, _):
            for bound in [lo, hi] where try scope.column(bound) != nil {
                throw SQLFailure("BETWEEN bounds must be constants", at: bound.position)
            }
            guard let c = try scope.column(x) else { return nil }
            if c == .quality { throw SQLFailure("quality supports =, <>, IN and NOT IN (it is one of 'good', 'suspect', 'bad')", at: e.position) }
            return (c.dimension, c)
        case .like(let x, let pattern, _):
            if try scope.column(pattern) != nil { throw SQLFailure("LIKE patterns must be constants", at: pattern.position) }
            guard let c = try scope.column(x) else { return nil }
            switch c {
            case .device, .sensor, .attribute: return (c.dimension, c)
            default: throw SQLFailure("LIKE applies to device_id, sensor_type and attr(), not to \(c.name)", at: e.position)
            }
        case .isNull(let x, _):
            guard let c = try scope.column(x) else { return nil }
            return (c.dimension, c)
        case .column(let ref):
            let c = try scope.resolve(ref, at: e.position)
            throw SQLFailure("\(c.name) is not a condition; compare it with a constant", at: e.position)
        case .call(let call) where call.name == "attr":
            throw SQLFailure("attr() is not a condition; compare it, e.g. attr('zone') = 'zone-a'", at: e.position)
        default:
            if try scope.column(e) != nil {
                throw SQLFailure("expected a condition", at: e.position)
            }
            return nil
        }
    }

    /// A comparison as (column, operator, constant), the column on the left.
    private func comparison(_ op: BinaryOperator, _ l: Expr, _ r: Expr) throws(SQLFailure) -> (TableColumn, BinaryOperator, Expr)? {
        if let c = try scope.column(l) { return (c, op, r) }
        if let c = try scope.column(r) { return (c, op.flipped, l) }
        return nil
    }

    private func hasColumn(_ e: Expr) -> Bool { scope.firstColumnOrAggregate(e) != nil }

    // MARK: - Names: device_id, attr(), sensor_type

    private func text(_ e: Expr, for column: TableColumn) throws(SQLFailure) -> String? {
        let c = try constants.evaluate(e)
        switch c {
        case .null: return nil
        case .text(let s): return s
        case .integer, .real:
            if case .attribute = column { return constants.text(c) }
            fallthrough
        default:
            throw SQLFailure("\(column.name) is text; compare it with a string such as 'sensor-1', not \(c.typeName)", at: e.position)
        }
    }

    private func nameChoice(_ conjuncts: [Expr], column: TableColumn) throws(SQLFailure) -> DeviceChoice {
        var choice = DeviceChoice()
        var haveFilter = false
        for c in conjuncts {
            if !haveFilter, let f = try symbolicFilter(c) {
                choice.filter = f
                haveFilter = true
            } else if let a = try attributeFilter(c) {
                choice.attributes.append(a)
            } else {
                choice.rest.append(try namePredicate(c))
            }
        }
        return choice
    }

    /// `col = 'x'`, `col IN ('a', 'b')`, `col LIKE 'p%'` on device_id or sensor_type as a NameFilter.
    private func symbolicFilter(_ e: Expr) throws(SQLFailure) -> NameFilter? {
        switch e.kind {
        case .binary(.equal, let l, let r):
            guard let (c, _, k) = try comparison(.equal, l, r), c == .device || c == .sensor, let s = try text(k, for: c) else { return nil }
            return .equals(s)
        case .inList(let x, let list, negated: false):
            guard let c = try scope.column(x), c == .device || c == .sensor else { return nil }
            var names: [String] = []
            for item in list { if let s = try text(item, for: c) { names.append(s) } }
            let unique = Catalog.uniqueSorted(names)
            return unique.count == 1 ? .equals(unique[0]) : .oneOf(unique)
        case .like(let x, let pattern, negated: false):
            guard let c = try scope.column(x), c == .device || c == .sensor else { return nil }
            guard let s = try text(pattern, for: c) else { return nil }
            switch try LikePattern.parse(s, at: e.position) {
            case .exact(let name): return .equals(name)
            case .prefix(let p): return .prefix(p)
            }
        default:
            return nil
        }
    }

    /// `attr(k) = 'v'` / `attr(k) IN (...)` as an AttributeFilter.
    private func attributeFilter(_ e: Expr) throws(SQLFailure) -> AttributeFilter? {
        switch e.kind {
        case .binary(.equal, let l, let r):
            guard let (c, _, k) = try comparison(.equal, l, r), case .attribute(let key) = c, let v = try text(k, for: c) else { return nil }
            return AttributeFilter(key: key, values: [v])
        case .inList(let x, let list, negated: false):
            guard let c = try scope.column(x), case .attribute(let key) = c else { return nil }
            var values: [String] = []
            for item in list { if let v = try text(item, for: c) { values.append(v) } }
            return AttributeFilter(key: key, values: Catalog.uniqueSorted(values))
        default:
            return nil
        }
    }

    private func namePredicate(_ e: Expr) throws(SQLFailure) -> NamePredicate {
        if !hasColumn(e) { return .constant(try constants.truth(e)) }
        switch e.kind {
        case .and(let list, _): return .and(try list.map { (x) throws(SQLFailure) in try namePredicate(x) })
        case .or(let list, _): return .or(try list.map { (x) throws(SQLFailure) in try namePredicate(x) })
        case .not(let x): return .not(try namePredicate(x))
        case .binary(let op, let l, let r):
            guard let (c, op, k) = try comparison(op, l, r) else { return .constant(try constants.truth(e)) }
            return .compare(c, op, try text(k, for: c))
        case .inList(let x, let list, let negated):
            let c = try scope.column(x)!
            var items: [NamePredicate] = []
            for item in list { items.append(.compare(c, .equal, try text(item, for: c))) }
            return negated ? .not(.or(items)) : .or(items)
        case .between(let x, let lo, let hi, let negated):
            let c = try scope.column(x)!
            let p = NamePredicate.and([.compare(c, .greaterOrEqual, try text(lo, for: c)), .compare(c, .lessOrEqual, try text(hi, for: c))])
            return negated ? .not(p) : p
        case .like(let x, let pattern, let negated):
            let c = try scope.column(x)!
            guard let s = try text(pattern, for: c) else { return .constant(nil) }
            let p: NamePredicate
            switch try LikePattern.parse(s, at: e.position) {
            case .exact(let name): p = .compare(c, .equal, name)
            case .prefix(let prefix): p = .prefix(c, prefix)
            }
            return negated ? .not(p) : p
        case .isNull(let x, let negated):
            let c = try scope.column(x)!
            return negated ? .not(.isNull(c)) : .isNull(c)
        default:
            throw SQLFailure("expected a condition", at: e.position)
        }
    }

    /// The device filter: the symbolic one, narrowed by the other conditions against the catalog.
    private func devices(_ d: DeviceChoice, force: Bool = false) throws(SQLFailure) -> NameFilter {
        guard !d.rest.isEmpty || force else { return d.filter }
        let attrs = try catalog.attributesByDevice()
        let all = NamePredicate.and(d.rest)
        return .oneOf(try catalog.devices().filter { name in
            d.filter.matches(name) && all.evaluate(name, attributes: attrs[Array(name.utf8)] ?? [:]) == true
        })
    }

    private func sensors(_ s: DeviceChoice) throws(SQLFailure) -> NameFilter {
        guard !s.rest.isEmpty else { return s.filter }
        let all = NamePredicate.and(s.rest)
        return .oneOf(try catalog.sensors().filter { s.filter.matches($0) && all.evaluate($0, attributes: [:]) == true })
    }

    // MARK: - Ranges: timestamp, value, quality

    /// The truth of a condition over one ordered column, as range sets. `key` converts a
    /// constant to the domain (nil: NULL). `split` gets the position of the first operator
    /// whose result is more than one range.
    private func truth<B>(_ e: Expr, domain: ClosedRange<B>, key: (Expr) throws(SQLFailure) -> B?,
                          split: inout SourcePosition?) throws(SQLFailure) -> Truth<B> {
        if !hasColumn(e) { return Truth(constant: try constants.truth(e), domain: domain) }
        let result: Truth<B>
        switch e.kind {
        case .and(let list, _), .or(let list, _):
            var acc: Truth<B>?
            var isAnd = false
            if case .and = e.kind { isAnd = true }
            for x in list {
                let t = try truth(x, domain: domain, key: key, split: &split)
                acc = acc.map { isAnd ? $0.and(t) : $0.or(t) } ?? t
            }
            result = acc!
        case .not(let x):
            result = try truth(x, domain: domain, key: key, split: &split).negated
        case .binary(let op, let l, let r):
            guard let (_, op, k) = try comparison(op, l, r) else { return Truth(constant: try constants.truth(e), domain: domain) }
            result = Self.compare(op, try key(k), domain: domain)
        case .inList(_, let list, let negated):
            var acc = Truth<B>(constant: false, domain: domain)
            for item in list { acc = acc.or(Self.compare(.equal, try key(item), domain: domain)) }
            result = negated ? acc.negated : acc
        case .between(_, let lo, let hi, let negated):
            let t = Self.compare(.greaterOrEqual, try key(lo), domain: domain).and(Self.compare(.lessOrEqual, try key(hi), domain: domain))
            result = negated ? t.negated : t
        case .isNull(_, let negated):
            result = Truth(constant: negated, domain: domain)   // these columns are never NULL
        default:
            throw SQLFailure("expected a condition", at: e.position)
        }
        if result.yes.ranges.count > 1 && split == nil { split = e.position }
        return result
    }

    /// `column op k` over the domain; NULL everywhere when k is NULL.
    static func compare<B>(_ op: BinaryOperator, _ k: B?, domain: ClosedRange<B>) -> Truth<B> {
        guard let k else { return Truth(constant: nil, domain: domain) }
        let set: RangeSet<B>
        switch op {
        case .equal: set = RangeSet([k...k])
        case .notEqual: set = RangeSet([k...k]).complement(in: domain)
        case .less: set = k == domain.lowerBound ? .empty : RangeSet([domain.lowerBound...(k - 1)])
        case .lessOrEqual: set = RangeSet([domain.lowerBound...k])
        case .greater: set = k == domain.upperBound ? .empty : RangeSet([(k + 1)...domain.upperBound])
        default: set = RangeSet([k...domain.upperBound])
        }
        return Truth(set, domain: domain)
    }

    private func timeRange(_ conjuncts: [Expr]) throws(SQLFailure) -> TimeRange {
        var split: SourcePosition?
        var yes = RangeSet([Int64.min...Int64.max])
        for c in conjuncts {
            yes = yes.intersection(try truth(c, domain: Int64.min...Int64.max, key: { (e) throws(SQLFailure) in try constants.timestamp(e) },
                                             split: &split).yes)
        }
        switch yes.ranges.count {
        case 0: return TimeRange(from: 0, until: 0)
        case 1: return TimeRange(yes.ranges[0])
        default:
            let shown = yes.ranges.prefix(2).map { r in
                "[\(SQLTimestamp.format(r.lowerBound, resolution: constants.resolution)), \(SQLTimestamp.format(r.upperBound, resolution: constants.resolution))]"
            }
            throw SQLFailure("timestamp conditions must select one time range; these select \(yes.ranges.count) (\(shown.joined(separator: ", "))"
                             + (yes.ranges.count > 2 ? ", ..." : "") + ")", at: split ?? conjuncts[0].position)
        }
    }

    private func valueConditions(_ conjuncts: [Expr]) throws(SQLFailure) -> [ValueCondition] {
        var split: SourcePosition?
        var yes = RangeSet([ValueKey.domain])
        let key = { (e: Expr) throws(SQLFailure) -> UInt64? in
            try constants.double(try constants.evaluate(e), at: e.position, what: "a number for value").map(ValueKey.key)
        }
        for c in conjuncts {
            yes = yes.intersection(try truth(c, domain: ValueKey.domain, key: key, split: &split).yes)
        }
        let r = yes.ranges
        if r.isEmpty { return [ValueCondition(.less, -.infinity)] }   // nothing is below -Infinity
        if r.count == 1 { return Self.conditions(r[0]) }
        if r.count == 2, r[0].lowerBound == ValueKey.min, r[1].upperBound == ValueKey.nan, r[0].upperBound + 2 == r[1].lowerBound {
            return [ValueCondition(.notEqual, ValueKey.value(r[0].upperBound + 1))]
        }
        throw SQLFailure("value conditions must select one range of values (or all but one value, with <>); these select \(r.count) ranges",
                         at: split ?? conjuncts[0].position)
    }

    /// ValueConditions for one range of keys, in the shorter of the equivalent spellings (`> 5`, not `>= 5.000000000000001`).
    static func conditions(_ r: ClosedRange<UInt64>) -> [ValueCondition] {
        if r.lowerBound == r.upperBound { return [ValueCondition(.equal, ValueKey.value(r.lowerBound))] }
        var out: [ValueCondition] = []
        if r.lowerBound != ValueKey.min {
            let inclusive = ValueKey.value(r.lowerBound), exclusive = ValueKey.value(r.lowerBound - 1)
            out.append(NumberText.real(exclusive).count < NumberText.real(inclusive).count
                       ? ValueCondition(.greater, exclusive) : ValueCondition(.greaterOrEqual, inclusive))
        }
        if r.upperBound != ValueKey.nan {
            let inclusive = ValueKey.value(r.upperBound), exclusive = ValueKey.value(r.upperBound + 1)
            out.append(NumberText.real(exclusive).count < NumberText.real(inclusive).count
                       ? ValueCondition(.less, exclusive) : ValueCondition(.lessOrEqual, inclusive))
        }
        return out
    }

    private func qualities(_ conjuncts: [Expr]) throws(SQLFailure) -> Set<Quality> {
        var split: SourcePosition?
        var yes = RangeSet<UInt8>([0...2])
        let key = { (e: Expr) throws(SQLFailure) -> UInt8? in
            let c = try constants.evaluate(e)
            switch c {
            case .null: return nil
            case .text(let s):
                if let q = Quality(name: s) { return q.rawValue }
            case .integer(let i):
                if let q = UInt8(exactly: i).flatMap(Quality.init(rawValue:)) { return q.rawValue }
            default: break
            }
            throw SQLFailure("unknown quality \(constants.text(c).map { "'\($0)'" } ?? c.typeName); qualities are 'good', 'suspect' and 'bad' (or 0, 1, 2)",
                             at: e.position)
        }
        for c in conjuncts {
            yes = yes.intersection(try truth(c, domain: UInt8(0)...UInt8(2), key: key, split: &split).yes)
        }
        var out = Set<Quality>()
        for r in yes.ranges { for q in r { out.insert(Quality(rawValue: q)!) } }
        return out
    }
}
