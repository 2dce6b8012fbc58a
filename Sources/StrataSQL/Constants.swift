// Constant expressions: literals, parameters, now(), INTERVAL / TIMESTAMP
// literals, casts and arithmetic, evaluated once per statement. Column
// conditions compare a column with one of these (SelectionMapper), and
// time_bucket's width, origin and offset, LIMIT, INSERT values and UPDATE
// values are constants too.
//
// Types follow PostgreSQL where it matters: integer arithmetic is checked
// (an overflow is an error, not a wrap), integer division truncates,
// timestamp + interval adds calendar months first (the day clamped to the
// month's length) then the fixed part, as timestamp_pl_interval does.
//
// Thread safety: a value built per statement.

import Strata

/// A constant's value.
enum Constant: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case timestamp(Int64)
    case interval(Interval)
    case boolean(Bool)

    var typeName: String {
        switch self {
        case .null: "NULL"
        case .integer: "an integer"
        case .real: "a real number"
        case .text: "text"
        case .timestamp: "a timestamp"
        case .interval: "an interval"
        case .boolean: "a boolean"
        }
    }

    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let v): self = .integer(v)
        case .real(let v): self = .real(v)
        case .text(let v): self = .text(v)
        case .timestamp(let v): self = .timestamp(v)
        }
    }
}

/// PostgreSQL's float8 input: numbers, NaN, Infinity, -Infinity (any case, surrounding spaces allowed).
func parseDouble(_ text: String) -> Double? {
    var s = Substring(text)
    while s.first == " " { s.removeFirst() }
    while s.last == " " { s.removeLast() }
    switch s.lowercased() {
    case "nan": return .nan
    case "infinity", "+infinity", "inf", "+inf": return .infinity
    case "-infinity", "-inf": return -.infinity
    default: break
    }
    guard let first = s.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
    return Double(s)
}

/// Evaluates the constant expressions of one statement.
struct Constants: Sendable {
    let resolution: TimestampResolution
    let parameters: [String: SQLValue]
    /// now(), fixed for the statement (PostgreSQL's is fixed for the transaction).
    let now: Int64

    /// Function names the dialect knows (for "cannot be used here" rather than "unknown function").
    static let knownFunctions: Set<String> = [
        "time_bucket", "time_bucket_gapfill", "locf", "interpolate", "count", "sum", "avg", "min", "max", "first", "last",
        "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "spread", "attr", "now",
    ]

    func evaluate(_ e: Expr) throws(SQLFailure) -> Constant {
        switch e.kind {
        case .literal(let l):
            switch l {
            case .null: return .null
            case .integer(let v): return .integer(v)
            case .real(let v): return .real(v)
            case .string(let s): return .text(s)
            case .boolean(let b): return .boolean(b)
            }
        case .parameter(let name):
            if let v = parameters[name] ?? parameters[":" + name] { return Constant(v) }
            if let v = parameters.first(where: { $0.key.lowercased() == name.lowercased() })?.value { return Constant(v) }
            throw SQLFailure("no value for parameter :\(name)", at: e.position)
        case .typed(let type, let text):
            return try cast(.text(text), to: type, at: e.position)
        case .cast(let inner, let type):
            return try cast(try evaluate(inner), to: type, at: e.position)
        case .call(let call):
            guard call.name == "now" else {
                if Self.knownFunctions.contains(call.name) { throw SQLFailure("\(call.name)() cannot be used here", at: e.position) }
                throw SQLFailure("unknown function '\(call.name)'", at: e.position)
            }
            guard call.arguments.isEmpty, !call.star else { throw SQLFailure("now() takes no arguments", at: e.position) }
            return .timestamp(now)
        case .negate(let inner):
            switch try evaluate(inner) {
            case .null: return .null
            case .integer(let v):
                guard v != .min else { throw SQLFailure("integer out of range", at: e.position) }
                return .integer(-v)
            case .real(let v): return .real(-v)
            case .interval(let i): return .interval(Interval(months: -i.months, units: -i.units))
            case let other: throw SQLFailure("cannot negate \(other.typeName)", at: e.position)
            }
        case .binary(let op, let l, let r) where !op.isComparison:
            return try arithmetic(op, try evaluate(l), try evaluate(r), at: e.position)
        case .column(let c):
            throw SQLFailure("column \(c.name) cannot be used here; a constant is expected", at: e.position)
        case .star:
            throw SQLFailure("'*' cannot be used here", at: e.position)
        default:
            if let b = try truth(e) { return .boolean(b) }
            return .null
        }
    }

    // MARK: - Conversions

    /// A timestamp from a timestamp, an integer (store units) or ISO text; nil for NULL.
    func timestamp(_ e: Expr, what: String = "a timestamp") throws(SQLFailure) -> Int64? {
        try timestamp(try evaluate(e), at: e.position, what: what)
    }

    func timestamp(_ c: Constant, at p: SourcePosition, what: String = "a timestamp") throws(SQLFailure) -> Int64? {
        switch c {
        case .null: return nil
        case .timestamp(let t), .integer(let t): return t
        case .text(let s): return try parseTimestamp(s, at: p)
        case .real(let d):
            guard let t = Int64(exactly: d) else { throw SQLFailure("expected \(what), found the real number \(NumberText.real(d))", at: p) }
            return t
        default: throw SQLFailure("expected \(what), found \(c.typeName)", at: p)
        }
    }

    func parseTimestamp(_ s: String, at p: SourcePosition) throws(SQLFailure) -> Int64 {
        do throws(SQLError) {
            return try SQLTimestamp.parse(s, resolution: resolution)
        } catch {
            throw SQLFailure(error.message, at: p)
        }
    }

    func interval(_ c: Constant, at p: SourcePosition) throws(SQLFailure) -> Interval {
        switch c {
        case .interval(let i): return i
        case .text(let s): return try parseInterval(s, at: p)
        default: throw SQLFailure("expected an interval such as INTERVAL '1 hour', found \(c.typeName)", at: p)
        }
    }

    func parseInterval(_ s: String, at p: SourcePosition) throws(SQLFailure) -> Interval {
        do throws(StrataError) {
            return try Interval.parse(s, resolution: resolution)
        } catch {
            throw SQLFailure(error.reason, at: p)
        }
    }

    /// A double from a number or text ('NaN', 'Infinity', '21.5'); nil for NULL.
    func double(_ c: Constant, at p: SourcePosition, what: String = "a number") throws(SQLFailure) -> Double? {
        switch c {
        case .null: return nil
        case .real(let d): return d
        case .integer(let i): return Double(i)
        case .text(let s):
            guard let d = parseDouble(s) else { throw SQLFailure("invalid number '\(s)'", at: p) }
            return d
        default: throw SQLFailure("expected \(what), found \(c.typeName)", at: p)
        }
    }

    /// An integer (LIMIT, OFFSET); nil for NULL.
    func integer(_ e: Expr, what: String) throws(SQLFailure) -> Int64? {
        switch try evaluate(e) {
        case .null: return nil
        case .integer(let i): return i
        case .real(let d) where Int64(exactly: d) != nil: return Int64(exactly: d)
        case .text(let s) where Int64(s) != nil: return Int64(s)
        case let c: throw SQLFailure("\(what) must be an integer, found \(c.typeName)", at: e.position)
        }
    }

    /// Text of any constant (UPDATE devices values); nil for NULL.
    func text(_ c: Constant) -> String? {
        switch c {
        case .null: return nil
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .real(let d): return NumberText.real(d)
        case .timestamp(let t): return SQLTimestamp.format(t, resolution: resolution)
        case .interval(let i): return i.months != 0 ? "\(i.months) months \(i.units) units" : SQLTimestamp.duration(i.units, resolution: resolution)
        case .boolean(let b): return b ? "true" : "false"
        }
    }

    // MARK: - Operators

    private func cast(_ c: Constant, to type: TypeName, at p: SourcePosition) throws(SQLFailure) -> Constant {
        if case .null = c { return .null }
        switch type {
        case .timestamp:
            return .timestamp(try timestamp(c, at: p)!)
        case .date:
            let t = try timestamp(c, at: p)!
            let perDay = resolution.unitsPerSecond * 86_400
            return .timestamp(Calendar.floorDiv(t, perDay) * perDay)
        case .interval:
            return .interval(try interval(c, at: p))
        case .text:
            return .text(text(c) ?? "")
        case .real:
            guard let d = try double(c, at: p) else { return .null }
            return .real(d)
        case .integer:
            switch c {
            case .integer: return c
            case .timestamp(let t): return .integer(t)
            case .boolean(let b): return .integer(b ? 1 : 0)
            default:
                guard let d = try double(c, at: p) else { return .null }
                // PostgreSQL rounds half away from zero when casting float8 to an integer.
                guard d.isFinite, let i = Int64(exactly: d.rounded(.toNearestOrAwayFromZero)) else {
                    throw SQLFailure("integer out of range", at: p)
                }
                return .integer(i)
            }
        }
    }

    private func arithmetic(_ op: BinaryOperator, _ a: Constant, _ b: Constant, at p: SourcePosition) throws(SQLFailure) -> Constant {
        if case .null = a { return .null }
        if case .null = b { return .null }
        func fail() -> SQLFailure { SQLFailure("operator \(op.rawValue) does not apply to \(a.typeName) and \(b.typeName)", at: p) }
        func checked(_ r: (Int64, Bool)) throws(SQLFailure) -> Constant {
            guard !r.1 else { throw SQLFailure("integer out of range", at: p) }
            return .integer(r.0)
        }
        func shifted(_ t: Int64, _ i: Interval) throws(SQLFailure) -> Constant {
            guard let r = SQLTimestamp.add(i, to: t, resolution: resolution) else { throw SQLFailure("timestamp out of range", at: p) }
            return .timestamp(r)
        }
        if op == .concat { return .text((text(a) ?? "") + (text(b) ?? "")) }
        switch (a, b) {
        case (.integer(let x), .integer(let y)):
            switch op {
            case .add: return try checked(x.addingReportingOverflow(y))
            case .subtract: return try checked(x.subtractingReportingOverflow(y))
            case .multiply: return try checked(x.multipliedReportingOverflow(by: y))
            case .divide, .modulo:
                guard y != 0 else { throw SQLFailure("division by zero", at: p) }
                return op == .divide ? try checked(x.dividedReportingOverflow(by: y)) : try checked(x.remainderReportingOverflow(dividingBy: y))
            default: throw fail()
            }
        case (.integer, .real), (.real, .integer), (.real, .real):
            let x = try double(a, at: p)!, y = try double(b, at: p)!
            switch op {
            case .add: return .real(x + y)
            case .subtract: return .real(x - y)
            case .multiply: return .real(x * y)
            case .divide:
                guard y != 0 else { throw SQLFailure("division by zero", at: p) }
                return .real(x / y)
            default: throw fail()
            }
        case (.timestamp(let t), .interval(let i)), (.interval(let i), .timestamp(let t)):
            if op == .add { return try shifted(t, i) }
            if op == .subtract, case .timestamp = a { return try shifted(t, Interval(months: -i.months, units: -i.units)) }
            throw fail()
        case (.text(let s), .interval(let i)):
            let t = try parseTimestamp(s, at: p)
            if op == .add { return try shifted(t, i) }
            if op == .subtract { return try shifted(t, Interval(months: -i.months, units: -i.units)) }
            throw fail()
        case (.timestamp(let x), .timestamp(let y)):
            guard op == .subtract else { throw fail() }
            let (d, o) = x.subtractingReportingOverflow(y)
            guard !o else { throw SQLFailure("interval out of range", at: p) }
            return .interval(Interval(units: d))
        case (.interval(let x), .interval(let y)):
            guard op == .add || op == .subtract else { throw fail() }
            let sign: Int64 = op == .add ? 1 : -1
            let (u, o) = x.units.addingReportingOverflow(sign * y.units)
            guard !o else { throw SQLFailure("interval out of range", at: p) }
            return .interval(Interval(months: x.months + Int(sign) * y.months, units: u))
        case (.interval(let i), .integer(let n)), (.integer(let n), .interval(let i)):
            guard op == .multiply else { throw fail() }
            let (u, o1) = i.units.multipliedReportingOverflow(by: n)
            let (m, o2) = i.months.multipliedReportingOverflow(by: Int(n))
            guard !o1, !o2 else { throw SQLFailure("interval out of range", at: p) }
            return .interval(Interval(months: m, units: u))
        case (.timestamp, .integer), (.integer, .timestamp):
            throw SQLFailure("operator \(op.rawValue) does not apply to a timestamp and an integer; write INTERVAL '...'", at: p)
        default:
            throw fail()
        }
    }

    // MARK: - Constant conditions

    /// The truth of a condition without columns (`1 = 1`, `TRUE`, `:flag IS NULL`); nil is SQL NULL.
    func truth(_ e: Expr) throws(SQLFailure) -> Bool? {
        switch e.kind {
        case .literal(.boolean(let b)): return b
        case .literal(.null): return nil
        case .and(let list, _):
            var result: Bool? = true
            for x in list {
                let v = try truth(x)
                if v == false { return false }
                if v == nil { result = nil }
            }
            return result
        case .or(let list, _):
            var result: Bool? = false
            for x in list {
                let v = try truth(x)
                if v == true { return true }
                if v == nil { result = nil }
            }
            return result
        case .not(let x): return try truth(x).map { !$0 }
        case .isNull(let x, let negated):
            let isNull: Bool
            if case .null = try evaluate(x) { isNull = true } else { isNull = false }
            return isNull != negated
        case .binary(let op, let l, let r) where op.isComparison:
            guard let c = try compare(try evaluate(l), try evaluate(r), at: e.position) else { return nil }
            return Self.holds(op, c)
        case .between(let x, let lo, let hi, let negated):
            let v = try evaluate(x)
            let a = try compare(v, try evaluate(lo), at: e.position).map { $0 >= 0 }
            let b = try compare(v, try evaluate(hi), at: e.position).map { $0 <= 0 }
            let both: Bool? = (a == false || b == false) ? false : ((a == nil || b == nil) ? nil : true)
            return negated ? both.map { !$0 } : both
        case .inList(let x, let list, let negated):
            let v = try evaluate(x)
            var result: Bool? = false
            for item in list {
                guard let c = try compare(v, try evaluate(item), at: e.position) else { result = nil; continue }
                if c == 0 { result = true; break }
            }
            return negated ? result.map { !$0 } : result
        case .like(let x, let pattern, let negated):
            // Handled here, not left to evaluate(): evaluate's default comes back to truth()
            // (regression: fuzz-sql found `'a' LIKE 'x%'` recursing until the stack overflowed).
            let text = try evaluate(x)
            let p = try evaluate(pattern)
            if case .null = text { return nil }
            if case .null = p { return nil }
            guard case .text(let s) = text, case .text(let ps) = p else {
                throw SQLFailure("LIKE compares text with a text pattern", at: e.position)
            }
            let matched: Bool
            switch try LikePattern.parse(ps, at: pattern.position) {
            case .exact(let literal): matched = NameOrder.same(s, literal)
            case .prefix(let prefix): matched = s.utf8.starts(with: prefix.utf8)
            }
            return matched != negated
        default:
            switch try evaluate(e) {
            case .boolean(let b): return b
            case .null: return nil
            case let c: throw SQLFailure("expected a condition, found \(c.typeName)", at: e.position)
            }
        }
    }

    static func holds(_ op: BinaryOperator, _ c: Int) -> Bool {
        switch op {
        case .equal: c == 0
        case .notEqual: c != 0
        case .less: c < 0
        case .lessOrEqual: c <= 0
        case .greater: c > 0
        case .greaterOrEqual: c >= 0
        default: false
        }
    }

    /// -1, 0, 1, or nil when either side is NULL. Numbers in PostgreSQL's float order, text by bytes.
    func compare(_ a: Constant, _ b: Constant, at p: SourcePosition) throws(SQLFailure) -> Int? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case (.integer(let x), .integer(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.integer, .real), (.real, .integer), (.real, .real), (.text, .real), (.real, .text), (.text, .integer), (.integer, .text):
            if case .text = a, case .text = b { break }
            return ValueOrder.compare(try double(a, at: p)!, try double(b, at: p)!)
        case (.text(let x), .text(let y)): return NameOrder.compare(x, y)
        case (.timestamp, _), (_, .timestamp):
            let x = try timestamp(a, at: p)!, y = try timestamp(b, at: p)!
            return x == y ? 0 : (x < y ? -1 : 1)
        case (.boolean(let x), .boolean(let y)): return x == y ? 0 : (!x ? -1 : 1)
        default: break
        }
        throw SQLFailure("cannot compare \(a.typeName) with \(b.typeName)", at: p)
    }
}

/// PostgreSQL's float8 order: NaN equals NaN and is above every number; -0.0 equals 0.0.
enum ValueOrder {
    static func compare(_ a: Double, _ b: Double) -> Int {
        if a.isNaN { return b.isNaN ? 0 : 1 }
        if b.isNaN { return -1 }
        return a < b ? -1 : (a > b ? 1 : 0)
    }
}

/// Names compare by their UTF-8 bytes, as Strata compares them (PostgreSQL's "C" collation).
enum NameOrder {
    static func compare(_ a: String, _ b: String) -> Int {
        var i = a.utf8.makeIterator(), j = b.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    static func precedes(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }
}
