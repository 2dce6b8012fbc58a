// The values, columns and results StrataSQL hands back: what a statement
// returns to the shell, to an ingestion service or to a test.
//
// Thread safety: value types, no shared state.

import Strata

/// One value of a result row, or a parameter bound to a statement.
///
/// Timestamps count units of the store's ``TimestampResolution`` since the
/// Unix epoch (UTC), like ``Reading/timestamp``.
///
/// ```swift
/// let parameters: [String: SQLValue] = [
///     "device_id": .text("sensor-00042"),
///     "start_time": .timestamp(1_767_225_600_000),
///     "end_time": .text("2026-01-02T00:00:00Z"),   // ISO text works where a timestamp is expected
/// ]
/// ```
///
/// Equality treats every NaN as equal to every NaN (PostgreSQL's float order)
/// and -0.0 as equal to 0.0, so rows holding NaN compare equal to themselves.
public enum SQLValue: Sendable, Hashable, CustomStringConvertible {
    /// SQL NULL: an aggregate over no points, a gap-filled bucket, a missing attribute.
    case null
    /// A whole number (counts, sizes).
    case integer(Int64)
    /// A double (values and most aggregates), bit-exact.
    case real(Double)
    /// Text (names, qualities, attributes).
    case text(String)
    /// A timestamp in the store's units since the Unix epoch.
    case timestamp(Int64)

    /// Equal kinds with equal payloads; reals compare as PostgreSQL does (NaN = NaN, -0.0 = 0.0).
    public static func == (a: SQLValue, b: SQLValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.integer(let x), .integer(let y)): return x == y
        case (.real(let x), .real(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.text(let x), .text(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.timestamp(let x), .timestamp(let y)): return x == y
        default: return false
        }
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .integer(let x): hasher.combine(1); hasher.combine(x)
        case .real(let x):
            hasher.combine(2)
            if x.isNaN { hasher.combine(UInt64.max) } else { hasher.combine(x == 0 ? 0.0 : x) }
        case .text(let x): hasher.combine(3); for b in x.utf8 { hasher.combine(b) }
        case .timestamp(let x): hasher.combine(4); hasher.combine(x)
        }
    }

    /// A short form for logs and test failures: `NULL`, `42`, `25.5`, `'text'`, `timestamp 1767225600000`.
    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let x): String(x)
        case .real(let x): NumberText.real(x)
        case .text(let x): "'" + x + "'"
        case .timestamp(let x): "timestamp \(x)"
        }
    }
}

/// The type of a result column.
///
/// ```swift
/// SQLColumn(name: "avg", type: .real)
/// ```
public enum SQLType: Sendable, Hashable {
    /// Names, qualities, attributes, plan lines.
    case text
    /// Counts and sizes.
    case integer
    /// Values and aggregates other than count.
    case real
    /// Timestamps and time buckets (rendered as ISO-8601 UTC).
    case timestamp
}

/// A result column: its name (the alias, else PostgreSQL's default name) and type.
///
/// ```swift
/// let column = SQLColumn(name: "bucket", type: .timestamp)
/// ```
public struct SQLColumn: Sendable, Hashable {
    /// The column's name, for example `avg_value` or `time_bucket`.
    public var name: String
    /// The column's type.
    public var type: SQLType

    /// Creates a column.
    public init(name: String, type: SQLType) {
        self.name = name
        self.type = type
    }
}

/// What kind of statement produced a result.
///
/// ```swift
/// if result.kind == .select { chart(result) }
/// ```
public enum SQLStatementKind: String, Sendable, Hashable, CaseIterable {
    /// `SELECT ...`
    case select
    /// `EXPLAIN SELECT ...`
    case explain
    /// `INSERT INTO sensor_readings ...`
    case insert
    /// `DELETE FROM sensor_readings ...`
    case delete
    /// `SHOW DEVICES | SENSORS | PARTITIONS`
    case show
    /// `UPDATE devices SET ...`
    case update
}

/// The result of one statement: rows with their columns, or a message.
///
/// ```swift
/// let result = try session.execute("SELECT count(*) FROM sensor_readings")[0]
/// print(result.columns[0].name, result.rows[0][0])   // count 360
/// let inserted = try session.execute("INSERT INTO sensor_readings VALUES ('d', 't', 0, 1.5)")[0]
/// print(inserted.message!)                           // inserted 1 row
/// ```
public struct SQLResult: Sendable {
    /// The columns (empty for statements without rows).
    public var columns: [SQLColumn]
    /// The rows, each with one value per column.
    public var rows: [[SQLValue]]
    /// For statements without rows: "inserted 3 rows", "deleted points of 2 series", "set 2 attributes of sensor-1".
    public var message: String?
    /// The statement's kind, for callers that chart or time results.
    public var kind: SQLStatementKind

    /// Creates a result.
    public init(columns: [SQLColumn] = [], rows: [[SQLValue]] = [], message: String? = nil, kind: SQLStatementKind) {
        self.columns = columns
        self.rows = rows
        self.message = message
        self.kind = kind
    }
}
