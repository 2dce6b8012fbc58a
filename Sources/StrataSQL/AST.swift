// The syntax tree the parser builds and the planner reads. Every node keeps
// the position of the token to blame in an error: an operator for binary
// nodes, the name for calls and columns, the token itself for literals.
//
// Thread safety: value types.

/// An expression, with its position and its depth (the parser bounds the depth,
/// so every recursive walk over a tree is bounded too).
struct Expr: Sendable {
    indirect enum Kind: Sendable {
        /// A column reference: `value`, `r.value`, `"value"`.
        case column(ColumnRef)
        case literal(Literal)
        /// `:name`
        case parameter(String)
        /// `INTERVAL '1 hour'`, `TIMESTAMP '2026-01-01'`
        case typed(TypeName, String)
        /// `name(args)`, `count(*)`
        case call(Call)
        /// `*` (select lists and count(*) only)
        case star(qualifier: String?)
        case negate(Expr)
        case not(Expr)
        /// Arithmetic and comparisons.
        case binary(BinaryOperator, Expr, Expr)
        /// `a AND b AND c`, with the position of each AND.
        case and([Expr], operators: [SourcePosition])
        /// `a OR b OR c`, with the position of each OR.
        case or([Expr], operators: [SourcePosition])
        case inList(Expr, [Expr], negated: Bool)
        case between(Expr, low: Expr, high: Expr, negated: Bool)
        case like(Expr, pattern: Expr, negated: Bool)
        case isNull(Expr, negated: Bool)
        case cast(Expr, TypeName)
    }

    var kind: Kind
    var position: SourcePosition
    let depth: Int

    init(_ kind: Kind, at position: SourcePosition) {
        self.kind = kind
        self.position = position
        depth = 1 + Self.children(of: kind).reduce(0) { max($0, $1.depth) }
    }

    static func children(of kind: Kind) -> [Expr] {
        switch kind {
        case .column, .literal, .parameter, .typed, .star: return []
        case .call(let c): return c.arguments.map(\.value)
        case .negate(let e), .not(let e), .isNull(let e, _), .cast(let e, _): return [e]
        case .binary(_, let a, let b), .like(let a, let b, _): return [a, b]
        case .and(let list, _), .or(let list, _): return list
        case .inList(let e, let list, _): return [e] + list
        case .between(let e, let lo, let hi, _): return [e, lo, hi]
        }
    }

    var children: [Expr] { Self.children(of: kind) }

    /// True when any node of the tree satisfies `predicate`.
    func contains(where predicate: (Expr) -> Bool) -> Bool {
        predicate(self) || children.contains { $0.contains(where: predicate) }
    }
}

/// A column as written: its name (lowercased unless quoted) and an optional table qualifier.
struct ColumnRef: Sendable, Hashable {
    var name: String
    var qualifier: String?
}

enum Literal: Sendable {
    case null
    /// Digits with an optional leading minus, converted where it is used.
    case integer(Int64)
    case real(Double)
    case string(String)
    case boolean(Bool)
}

/// Types of `::type`, `CAST(x AS type)` and typed literals.
enum TypeName: String, Sendable {
    case timestamp, interval, text, integer, real, date
}

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", concat = "||"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: true
        default: false
        }
    }

    /// The comparison with its sides swapped (`5 < value` is `value > 5`).
    var flipped: BinaryOperator {
        switch self {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        default: self
        }
    }
}

/// A function call.
struct Call: Sendable {
    /// Lowercased (unless quoted).
    var name: String
    var arguments: [Argument]
    /// `count(*)`
    var star: Bool
    /// Position of the name.
    var position: SourcePosition
}

/// A call argument, positional or named (`origin => '2000-01-01'`).
struct Argument: Sendable {
    var name: String?
    var value: Expr
    var namePosition: SourcePosition
}

// MARK: - Statements

enum Statement: Sendable {
    case select(SelectStatement)
    case explain(SelectStatement, at: SourcePosition)
    case insert(InsertStatement)
    case delete(DeleteStatement)
    case update(UpdateStatement)
    case show(ShowKind, at: SourcePosition)
}

struct SelectStatement: Sendable {
    struct Item: Sendable {
        var expr: Expr
        var alias: String?
    }

    struct OrderItem: Sendable {
        var expr: Expr
        var ascending: Bool
        /// NULLS FIRST (true) / LAST (false), nil when not given.
        var nullsFirst: Bool?
        /// Position of NULLS when given.
        var nullsPosition: SourcePosition?
    }

    var position: SourcePosition
    var items: [Item]
    /// The table's alias (`FROM sensor_readings r`), if any.
    var tableAlias: String?
    var whereClause: Expr?
    var groupBy: [Expr]
    var orderBy: [OrderItem]
    var limit: Expr?
    var offset: Expr?
}

struct InsertStatement: Sendable {
    var position: SourcePosition
    /// Columns as given (nil: the table's order).
    var columns: [(name: String, position: SourcePosition)]?
    var rows: [(values: [Expr], position: SourcePosition)]
}

struct DeleteStatement: Sendable {
    var position: SourcePosition
    var tableAlias: String?
    var whereClause: Expr?
}

struct UpdateStatement: Sendable {
    var position: SourcePosition
    var assignments: [(key: String, value: Expr, position: SourcePosition)]
    var whereClause: Expr?
}

enum ShowKind: String, Sendable {
    case devices, sensors, partitions
}
