// The dialect's surface: a corpus of valid statements that must plan, and a
// corpus of invalid ones that must fail with a message naming the problem and
// a position pointing at the token to blame (line and column computed here
// from where the token sits in the text, not taken from the parser).

@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

/// A statement that must plan, and the kind of statement it is.
struct ValidStatement: Sendable, CustomTestStringConvertible {
    let sql: String
    let kind: SQLStatementKind
    init(_ sql: String, _ kind: SQLStatementKind = .select) {
        self.sql = sql
        self.kind = kind
    }
    var testDescription: String { sql.count > 90 ? String(sql.prefix(90)) + "..." : sql }
}

/// A statement that must fail: a fragment of the message and the token it points at
/// (its `occurrence`-th appearance in the text).
struct InvalidStatement: Sendable, CustomTestStringConvertible {
    let sql: String
    let fragment: String
    let token: String
    let occurrence: Int
    init(_ sql: String, _ fragment: String, at token: String, _ occurrence: Int = 1) {
        self.sql = sql
        self.fragment = fragment
        self.token = token
        self.occurrence = occurrence
    }
    /// The token "the end of the statement": one column after the last character.
    static let end = "<end>"
    var testDescription: String { (sql.count > 70 ? String(sql.prefix(70)) + "..." : sql) + " -> " + fragment }
}

@Suite struct ParserTests {
    /// Two devices with two sensors each, one with attributes: enough catalog for every mapping.
    static let store: Store = {
        let store = try! SQLFixtures.store()
        let t = SQLFixtures.jan1
        try! store.write([
            Reading(deviceID: "d1", sensorType: "temp", timestamp: t, value: 20),
            Reading(deviceID: "d1", sensorType: "hum", timestamp: t, value: 40),
            Reading(deviceID: "d2", sensorType: "temp", timestamp: t + 1, value: 21),
            Reading(deviceID: "sensor-3", sensorType: "hum", timestamp: t + 2, value: 41),
        ])
        try! store.setAttributes(["zone": "a"], device: "d1")
        return store
    }()

    static let parameters: [String: SQLValue] = [
        "start_time": .text("2026-01-01"), "end_time": .text("2026-01-02"), "device_id": .text("d1"),
        "t": .timestamp(SQLFixtures.jan1), "n": .integer(5), ":v": .real(1.5),
    ]

    static let valid: [ValidStatement] = [
        // The seed query, verbatim.
        ValidStatement("""
            SELECT device_id, time_bucket('1 hour', timestamp) AS bucket,
                   AVG(value) AS avg_value, MIN(value) AS min_value, MAX(value) AS max_value, COUNT(*) AS sample_count
            FROM sensor_readings
            WHERE timestamp >= :start_time AND timestamp < :end_time AND device_id = :device_id
            GROUP BY device_id, bucket ORDER BY bucket
            """),
        // time_bucket: positional origin (text and TIMESTAMP), positional offset, named origin and "offset".
        ValidStatement("SELECT time_bucket('15 minutes', timestamp, '2000-01-01 00:05') AS b, avg(value) FROM sensor_readings GROUP BY b"),
        ValidStatement("SELECT time_bucket('1 week', timestamp, TIMESTAMP '2017-12-31') AS w, count(*) FROM sensor_readings GROUP BY w"),
        ValidStatement("SELECT time_bucket(INTERVAL '1 hour', timestamp, INTERVAL '15 minutes') AS b, sum(value) FROM sensor_readings GROUP BY b"),
        ValidStatement("SELECT time_bucket('5 minutes', timestamp, '-150 seconds'::interval) AS b, max(value) FROM sensor_readings GROUP BY 1"),
        ValidStatement("SELECT time_bucket('1 day', timestamp, origin => '2026-01-01 06:00') AS d, min(value) FROM sensor_readings GROUP BY d"),
        ValidStatement("SELECT time_bucket('1 hour', timestamp, \"offset\" => INTERVAL '30 minutes') AS h, count(value) FROM sensor_readings GROUP BY h"),
        ValidStatement("SELECT time_bucket('1 month', time) AS m, count(*) FROM sensor_readings GROUP BY m ORDER BY m DESC"),
        ValidStatement("SELECT time_bucket('3 months', time, origin => '2000-02-01') AS q, spread(value) FROM sensor_readings GROUP BY q"),
        // time_bucket_gapfill with locf and interpolate; start/finish from WHERE, positional and named.
        ValidStatement("""
            SELECT time_bucket_gapfill('1 hour', timestamp) AS b, device_id, avg(value), locf(avg(value)), interpolate(max(value))
            FROM sensor_readings WHERE timestamp >= '2026-01-01' AND timestamp < '2026-01-02' GROUP BY b, device_id ORDER BY b
            """),
        ValidStatement("SELECT time_bucket_gapfill('1 hour', timestamp, '2026-01-01', '2026-01-02') AS b, count(*) FROM sensor_readings GROUP BY b"),
        ValidStatement("""
            SELECT time_bucket_gapfill('10 minutes', timestamp, start => :t, finish => :t + INTERVAL '1 hour') AS b, locf(last(value, timestamp))
            FROM sensor_readings GROUP BY b
            """),
        // Every aggregate, with and without aliases.
        ValidStatement("""
            SELECT count(*), count(value), sum(value), avg(value), min(value), max(value), first(value, timestamp), last(value, time),
                   stddev(value), stddev_samp(value), stddev_pop(value), variance(value), var_samp(value), var_pop(value), spread(value)
            FROM sensor_readings
            """),
        ValidStatement("SELECT avg(value) a, max(value) AS \"Max\", sensor_type kind FROM sensor_readings GROUP BY kind"),
        // Comparisons.
        ValidStatement("SELECT value FROM sensor_readings WHERE value = 20"),
        ValidStatement("SELECT value FROM sensor_readings WHERE value != 20"),
        ValidStatement("SELECT value FROM sensor_readings WHERE value <> 20"),
        ValidStatement("SELECT value FROM sensor_readings WHERE value < 20 AND value >= -2.5"),
        ValidStatement("SELECT value FROM sensor_readings WHERE value <= 20 AND 1e1 < value"),
        ValidStatement("SELECT value FROM sensor_readings WHERE value > 'NaN' OR value = 'NaN'"),
        ValidStatement("SELECT value FROM sensor_readings WHERE device_id IN ('d1', 'd2') AND sensor_type NOT IN ('hum')"),
        ValidStatement("SELECT value FROM sensor_readings WHERE quality NOT IN ('bad') AND quality <> 1"),
        ValidStatement("SELECT value FROM sensor_readings WHERE timestamp BETWEEN '2026-01-01' AND '2026-01-02' AND value BETWEEN 1 AND 30"),
        ValidStatement("SELECT value FROM sensor_readings WHERE device_id LIKE 'sensor-%' OR device_id LIKE 'd%'"),
        ValidStatement("SELECT value FROM sensor_readings WHERE sensor_type NOT LIKE 'hu%'"),
        ValidStatement("SELECT value FROM sensor_readings WHERE (device_id = 'd1' OR device_id = 'd2') AND NOT (value > 10) AND NOT value < 0"),
        ValidStatement("SELECT device_id, attr('zone') FROM sensor_readings WHERE attr('zone') = 'a' OR device_id = 'd2'"),
        ValidStatement("SELECT avg(value) FROM sensor_readings WHERE attr('zone') IN ('a', 'b') AND attr('model') = 'x'"),
        ValidStatement("SELECT value FROM sensor_readings WHERE device_id IS NOT NULL AND TRUE AND 1 = 1"),
        // GROUP BY names, aliases and positions; ORDER BY ASC/DESC; LIMIT/OFFSET.
        ValidStatement("SELECT device_id, time_bucket('1 hour', timestamp), count(*) FROM sensor_readings GROUP BY 1, 2 ORDER BY 2 DESC, 1 ASC"),
        ValidStatement("SELECT sensor_type AS s, spread(value) FROM sensor_readings GROUP BY s ORDER BY s DESC LIMIT 10 OFFSET 1"),
        ValidStatement("SELECT device_id, avg(value) FROM sensor_readings GROUP BY device_id ORDER BY avg(value) DESC, count(*) LIMIT :n"),
        ValidStatement("SELECT * FROM sensor_readings ORDER BY timestamp DESC NULLS LAST OFFSET 5 LIMIT 10"),
        ValidStatement("SELECT r.device_id, r.value FROM sensor_readings AS r WHERE r.value > 1 ORDER BY r.value LIMIT ALL"),
        // Timestamps: ISO forms, integers, now(), INTERVAL arithmetic, casts, parameters.
        ValidStatement("SELECT value FROM sensor_readings WHERE timestamp >= '2026-01-01T00:00:00Z' AND timestamp < '2026-01-01 10:00:00+02:00'"),
        ValidStatement("SELECT value FROM sensor_readings WHERE timestamp >= 1767225600000 AND timestamp < TIMESTAMP '2026-01-02'"),
        ValidStatement("SELECT value FROM sensor_readings WHERE timestamp >= now() - INTERVAL '1 day' AND timestamp < now()"),
        ValidStatement("SELECT value FROM sensor_readings WHERE timestamp > CURRENT_TIMESTAMP - INTERVAL '2 hours' * 3"),
        ValidStatement("SELECT value FROM sensor_readings WHERE timestamp < '2026-01-31'::timestamp + INTERVAL '1 month'"),
        ValidStatement("SELECT value FROM sensor_readings WHERE timestamp >= CAST('2026-01-01' AS timestamp) AND value > :v"),
        ValidStatement("SELECT time_bucket('5 minutes', timestamp) AS b, value, quality FROM sensor_readings WHERE device_id = :device_id"),
        // Latest values.
        ValidStatement("SELECT device_id, last(value, timestamp), max(timestamp) FROM sensor_readings GROUP BY device_id"),
        ValidStatement("SELECT device_id, sensor_type, first(value, timestamp) FROM sensor_readings GROUP BY device_id, sensor_type"),
        ValidStatement("SELECT device_id, max(timestamp) AS newest FROM sensor_readings GROUP BY device_id ORDER BY newest DESC"),
        // Comments, several statements, case.
        ValidStatement("-- a comment\nselect VALUE /* block /* nested */ comment */ from SENSOR_READINGS where Device_ID = 'd1';"),
        ValidStatement("SHOW DEVICES; SHOW SENSORS;; SHOW PARTITIONS", .show),
        // Other statements.
        ValidStatement("INSERT INTO sensor_readings VALUES ('d9', 'temp', '2026-01-01T00:00:00Z', 21.5)", .insert),
        ValidStatement("""
            INSERT INTO sensor_readings (device_id, sensor_type, time, value, quality)
            VALUES ('d9', 'temp', 0, 'NaN', 'bad'), ('d9', 'temp', -1, -2.5e-3, 1), ('d9', 'hum', :t, 1, 'good')
            """, .insert),
        ValidStatement("INSERT INTO sensor_readings (value, timestamp, sensor_type, device_id) VALUES (1, now(), 't', 'd')", .insert),
        ValidStatement("DELETE FROM sensor_readings WHERE device_id = 'd9' AND timestamp < '2026-01-01'", .delete),
        ValidStatement("DELETE FROM sensor_readings", .delete),
        ValidStatement("EXPLAIN SELECT device_id, avg(value) FROM sensor_readings GROUP BY device_id", .explain),
        ValidStatement("SHOW PARTITIONS", .show),
        ValidStatement("UPDATE devices SET zone='a' WHERE device_id='d1'", .update),
        ValidStatement("UPDATE devices SET zone = NULL, model = 'TH-2' WHERE device_id IN ('d1', 'd2') OR attr('zone') = 'b'", .update),
    ]

    @Test(arguments: valid)
    func validStatementPlans(_ statement: ValidStatement) {
        let session = SQLFixtures.session(Self.store)
        do {
            let plans = try session.plans(statement.sql, parameters: Self.parameters)
            #expect(!plans.isEmpty)
            #expect(plans.allSatisfy { $0.kind == statement.kind })
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func theCorpusIsLargeEnough() {
        #expect(Self.valid.count >= 40)
        #expect(Self.invalid.count >= 40)
    }

    static let invalid: [InvalidStatement] = [
        // Constructs outside the dialect.
        InvalidStatement("SELECT * FROM sensor_readings a JOIN sensor_readings b ON a.device_id = b.device_id", "joins are not supported", at: "JOIN"),
        InvalidStatement("SELECT * FROM sensor_readings, sensor_readings", "joins are not supported", at: ","),
        InvalidStatement("SELECT * FROM (SELECT * FROM sensor_readings) s", "subqueries are not supported", at: "("),
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id IN (SELECT device_id FROM sensor_readings)",
                         "subqueries are not supported", at: "SELECT", 2),
        InvalidStatement("SELECT avg(value) OVER (PARTITION BY device_id) FROM sensor_readings", "window functions are not supported", at: "OVER"),
        InvalidStatement("SELECT device_id, avg(value) FROM sensor_readings GROUP BY device_id HAVING avg(value) > 1",
                         "HAVING is not supported", at: "HAVING"),
        InvalidStatement("SELECT DISTINCT device_id FROM sensor_readings", "SELECT DISTINCT is not supported", at: "DISTINCT"),
        InvalidStatement("SELECT count(DISTINCT device_id) FROM sensor_readings", "DISTINCT in aggregates is not supported", at: "DISTINCT"),
        InvalidStatement("SELECT device_id FROM sensor_readings UNION SELECT device_id FROM sensor_readings",
                         "set operations (UNION) are not supported", at: "UNION"),
        InvalidStatement("WITH x AS (SELECT 1) SELECT * FROM x", "common table expressions (WITH) are not supported", at: "WITH"),
        InvalidStatement("CREATE TABLE t (x int)", "CREATE is not supported", at: "CREATE"),
        InvalidStatement("DROP TABLE sensor_readings", "DROP is not supported", at: "DROP"),
        InvalidStatement("SELECT * FROM devices", "unknown table 'devices'", at: "devices"),
        InvalidStatement("UPDATE sensor_readings SET value = 1 WHERE device_id = 'd1'", "readings cannot be updated", at: "sensor_readings"),
        InvalidStatement("EXPLAIN DELETE FROM sensor_readings", "EXPLAIN supports SELECT statements only", at: "DELETE"),
        InvalidStatement("SHOW TABLES", "expected DEVICES, SENSORS or PARTITIONS after SHOW", at: "TABLES"),
        // Names.
        InvalidStatement("SELECT median(value) FROM sensor_readings", "unknown function 'median'", at: "median"),
        InvalidStatement("SELECT device_id, median(value) FROM sensor_readings GROUP BY device_id", "unknown function 'median'", at: "median"),
        InvalidStatement("SELECT humidity FROM sensor_readings", "unknown column 'humidity'", at: "humidity"),
        InvalidStatement("SELECT \"Value\" FROM sensor_readings", "quoted names are case-sensitive", at: "\"Value\""),
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id = \"d1\"", "unknown column 'd1'", at: "\"d1\""),
        InvalidStatement("SELECT x.value FROM sensor_readings r", "unknown table or alias 'x'", at: "value"),
        // Aggregation rules.
        InvalidStatement("SELECT sensor_type, avg(value) FROM sensor_readings GROUP BY device_id",
                         "sensor_type must appear in the GROUP BY clause", at: "sensor_type"),
        InvalidStatement("SELECT value, avg(value) FROM sensor_readings", "column value must appear in the GROUP BY clause", at: "value"),
        InvalidStatement("SELECT avg(value) * 2 FROM sensor_readings", "expressions over aggregates are not supported", at: "*"),
        InvalidStatement("SELECT avg(value + 1) FROM sensor_readings", "aggregates of expressions are not supported", at: "+"),
        InvalidStatement("SELECT max(min(value)) FROM sensor_readings", "aggregate function calls cannot be nested", at: "min"),
        InvalidStatement("SELECT first(value) FROM sensor_readings", "first() takes the value and the timestamp", at: "first"),
        InvalidStatement("SELECT sum(*) FROM sensor_readings", "only count(*) takes *", at: "sum"),
        InvalidStatement("SELECT count(*) FROM sensor_readings GROUP BY timestamp", "would group by raw timestamps", at: "timestamp"),
        InvalidStatement("SELECT count(*) FROM sensor_readings GROUP BY 3", "GROUP BY position 3 is not in select list", at: "3"),
        InvalidStatement("SELECT count(*) FROM sensor_readings GROUP BY attr('zone')", "cannot GROUP BY attr(...)", at: "attr"),
        InvalidStatement("SELECT min(timestamp) FROM sensor_readings", "min() applies to the value column", at: "timestamp"),
        InvalidStatement("SELECT max(timestamp) FROM sensor_readings", "max(timestamp) is supported only next to last(value, timestamp)",
                         at: "max"),
        // time_bucket and gap filling.
        InvalidStatement("SELECT time_bucket('1 fortnight', timestamp) AS b, count(*) FROM sensor_readings GROUP BY b",
                         "unknown unit \"fortnight\"", at: "'1 fortnight'"),
        InvalidStatement("SELECT time_bucket('1 month 2 days', timestamp) AS b, count(*) FROM sensor_readings GROUP BY b",
                         "month intervals cannot have day or time component", at: "'1 month 2 days'"),
        InvalidStatement("SELECT time_bucket('0 hours', timestamp) AS b, count(*) FROM sensor_readings GROUP BY b",
                         "period must be greater than 0", at: "'0 hours'"),
        InvalidStatement("SELECT time_bucket('1 hour', value) AS b, count(*) FROM sensor_readings GROUP BY b",
                         "second argument must be the timestamp column", at: "value"),
        InvalidStatement("SELECT time_bucket('1 hour', timestamp, timezone => 'Europe/Berlin') AS b, count(*) FROM sensor_readings GROUP BY b",
                         "time zones are not supported", at: "timezone"),
        InvalidStatement("SELECT time_bucket('1 hour', timestamp, 'Europe/Berlin') AS b, count(*) FROM sensor_readings GROUP BY b",
                         "neither an origin timestamp nor an offset interval", at: "'Europe/Berlin'"),
        InvalidStatement("SELECT time_bucket('1 hour', timestamp) AS b, locf(avg(value)) FROM sensor_readings GROUP BY b",
                         "locf() needs time_bucket_gapfill(...) in the same query", at: "locf"),
        InvalidStatement("SELECT time_bucket_gapfill('1 hour', timestamp) AS b, avg(value) FROM sensor_readings GROUP BY b",
                         "could not infer start from WHERE clause", at: "time_bucket_gapfill"),
        InvalidStatement("""
            SELECT time_bucket_gapfill('1 hour', timestamp) AS b, avg(value) FROM sensor_readings
            WHERE timestamp >= '2026-01-01' GROUP BY b
            """, "could not infer finish from WHERE clause", at: "time_bucket_gapfill"),
        InvalidStatement("SELECT time_bucket_gapfill('1 hour', timestamp) AS b, value FROM sensor_readings",
                         "time_bucket_gapfill needs GROUP BY and aggregates", at: "time_bucket_gapfill"),
        InvalidStatement("SELECT time_bucket('1 hour', timestamp) AS x, time_bucket('2 hours', timestamp) AS y, count(*) FROM sensor_readings GROUP BY x, y",
                         "only one time bucket per query", at: "y", 2),
        // WHERE clauses that cannot be mapped exactly onto a Selection.
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id = 'd1' OR value > 1", "OR combines conditions on device_id and value",
                         at: "OR"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE timestamp < '2026-01-01' OR timestamp > '2026-02-01'",
                         "timestamp conditions must select one time range", at: "OR"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value < 1 OR value > 5", "value conditions must select one range", at: "OR"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value NOT BETWEEN 1 AND 5", "value conditions must select one range", at: "BETWEEN"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value = timestamp", "comparing two columns", at: "="),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value * 2 > 10", "expressions over columns are not supported", at: "*"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE quality > 'good'", "quality supports =, <>, IN and NOT IN", at: ">"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE quality = 'perfect'", "unknown quality 'perfect'", at: "'perfect'"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id LIKE '%abc'", "LIKE supports only a literal prefix", at: "LIKE"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id ILIKE 'd%'", "ILIKE is not supported", at: "ILIKE"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE 1 < value < 5", "comparisons cannot be chained", at: "<", 2),
        InvalidStatement("SELECT value FROM sensor_readings WHERE attr('zone')", "attr() is not a condition", at: "attr"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id = 5", "device_id is text", at: "5"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > 'warm'", "invalid number 'warm'", at: "'warm'"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE avg(value) > 1", "aggregate functions are not allowed in WHERE", at: "avg"),
        // Constants.
        InvalidStatement("SELECT value FROM sensor_readings WHERE timestamp >= '2026-13-01'", "month 13 is out of range", at: "'2026-13-01'"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE timestamp >= '2026-01-01 10:00:00.0001'",
                         "finer than the store's milliseconds resolution", at: "'2026-01-01"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE timestamp >= now() - INTERVAL '1 fortnight'", "unknown unit", at: "INTERVAL"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE timestamp >= now() - 5", "does not apply to a timestamp and an integer", at: "-"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > 1 / 0", "division by zero", at: "/"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > 9223372036854775808", "integer 9223372036854775808 is out of range",
                         at: "9223372036854775808"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id = :dev", "no value for parameter :dev", at: ":dev"),
        InvalidStatement("SELECT * FROM sensor_readings LIMIT -1", "LIMIT must not be negative", at: "-1"),
        InvalidStatement("SELECT * FROM sensor_readings LIMIT 'ten'", "LIMIT must be an integer", at: "'ten'"),
        InvalidStatement("SELECT * FROM sensor_readings OFFSET -3", "OFFSET must not be negative", at: "-3"),
        // Lexing.
        InvalidStatement("SELECT value FROM sensor_readings WHERE device_id = 'abc", "unterminated string literal", at: "'abc"),
        InvalidStatement("SELECT value FROM sensor_readings /* never closed", "unterminated comment", at: "/*"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > 1e", "the exponent has no digits", at: "1e"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > 12abc", "trailing junk after numeric literal", at: "12abc"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > 1 ? 2", "unexpected character '?'", at: "?"),
        // Clause order and the end of the statement.
        InvalidStatement("SELECT * FROM sensor_readings ORDER BY value LIMIT 5 WHERE value > 1", "WHERE is out of place", at: "WHERE"),
        InvalidStatement("SELECT value FROM", "expected the table sensor_readings, found the end of the statement",
                         at: InvalidStatement.end),
        InvalidStatement("SELECT value, FROM sensor_readings", "expected an expression, found 'FROM'", at: "FROM"),
        InvalidStatement("SELECT value FROM sensor_readings WHERE", "expected an expression, found the end of the statement",
                         at: InvalidStatement.end),
        // INSERT, DELETE, UPDATE.
        InvalidStatement("INSERT INTO sensor_readings VALUES ('d1', 'temp', 0)", "INSERT has fewer expressions than target columns (3 of 4)",
                         at: "("),
        InvalidStatement("INSERT INTO sensor_readings VALUES ('d1', 'temp', 0, 1, 'good', 7)", "INSERT has more expressions than target columns",
                         at: "7"),
        InvalidStatement("INSERT INTO sensor_readings VALUES ('d1', 'temp', 0, NULL)", "value must not be NULL", at: "NULL"),
        InvalidStatement("INSERT INTO sensor_readings VALUES ('d1', 'temp', NULL, 1)", "timestamp must not be NULL", at: "NULL"),
        InvalidStatement("INSERT INTO sensor_readings VALUES ('d1', 'temp', 0, 1, 'great')", "unknown quality 'great'", at: "'great'"),
        InvalidStatement("INSERT INTO sensor_readings (device_id, sensor_type, timestamp, value, colour) VALUES ('d', 't', 0, 1, 2)",
                         "column 'colour' of sensor_readings does not exist", at: "colour"),
        InvalidStatement("INSERT INTO sensor_readings (device_id, sensor_type, value) VALUES ('d', 't', 1)", "timestamp is missing", at: "INSERT"),
        InvalidStatement("DELETE FROM sensor_readings WHERE value > 5", "DELETE selects by device_id, sensor_type, attr() and timestamp only", at: ">"),
        InvalidStatement("UPDATE devices SET zone = 'a'", "UPDATE devices needs a WHERE clause", at: "UPDATE"),
        InvalidStatement("UPDATE devices SET zone = 'a', zone = 'b' WHERE device_id = 'd1'", "attribute 'zone' is set twice", at: "zone", 2),
        InvalidStatement("UPDATE devices SET zone = 'a' WHERE timestamp > 0", "UPDATE devices selects devices by device_id and attr() only",
                         at: ">"),
        // Positions on later lines and in later statements.
        InvalidStatement("SELECT value\nFROM sensor_readings\nWHERE timestamp >= '2026-02-30'", "day 30 does not exist in 2026-02",
                         at: "'2026-02-30'"),
        InvalidStatement("SHOW DEVICES;\nSELECT nope FROM sensor_readings", "unknown column 'nope'", at: "nope"),
        // Nesting beyond Parser.maxDepth: parentheses, NOT, unary minus, calls and a deep arithmetic tree.
        InvalidStatement("SELECT value FROM sensor_readings WHERE " + String(repeating: "(", count: Parser.maxDepth + 50) + "value > 1"
                         + String(repeating: ")", count: Parser.maxDepth + 50), "nested too deeply", at: "(", Parser.maxDepth + 1),
        InvalidStatement("SELECT value FROM sensor_readings WHERE " + String(repeating: "NOT ", count: Parser.maxDepth + 50) + "value > 1",
                         "nested too deeply", at: "NOT", Parser.maxDepth + 1),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > " + String(repeating: "- ", count: Parser.maxDepth + 50) + "1",
                         "nested too deeply", at: "-", Parser.maxDepth + 1),
        InvalidStatement("SELECT value FROM sensor_readings WHERE timestamp > " + String(repeating: "now(", count: Parser.maxDepth + 50)
                         + String(repeating: ")", count: Parser.maxDepth + 50), "nested too deeply", at: "now", Parser.maxDepth + 1),
        InvalidStatement("SELECT value FROM sensor_readings WHERE value > " + Array(repeating: "1", count: Parser.maxDepth + 50).joined(separator: " + "),
                         "nested too deeply", at: "+", Parser.maxDepth),
    ]

    @Test(arguments: invalid)
    func invalidStatementFailsAtItsToken(_ statement: InvalidStatement) throws {
        let session = SQLFixtures.session(Self.store)
        let error = try #require(SQLFixtures.error { try session.plans(statement.sql, parameters: Self.parameters) },
                                 "planned without error")
        #expect(error.message.contains(statement.fragment), "message: \(error.message)")
        let expected = statement.token == InvalidStatement.end
            ? (line: statement.sql.split(separator: "\n", omittingEmptySubsequences: false).count,
               column: (statement.sql.split(separator: "\n", omittingEmptySubsequences: false).last.map { $0.unicodeScalars.count } ?? 0) + 1)
            : try #require(SQLFixtures.position(of: statement.token, occurrence: statement.occurrence, in: statement.sql))
        #expect(error.line == expected.line && error.column == expected.column,
                "points at \(error.line):\(error.column), expected \(expected.line):\(expected.column)\n\(error)")
        let lines = statement.sql.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(error.sourceLine == String(lines[expected.line - 1]))
    }

    /// Running the invalid statements changes nothing and never traps.
    @Test func invalidStatementsRunNothing() throws {
        let store = try SQLFixtures.store()
        try store.write([Reading(deviceID: "d1", sensorType: "temp", timestamp: 0, value: 1)])
        let session = SQLFixtures.session(store)
        for statement in Self.invalid {
            let error = SQLFixtures.error { try session.execute(statement.sql, parameters: Self.parameters) }
            #expect(error != nil, "\(statement.sql)")
        }
        let rows = try session.execute("SELECT device_id, sensor_type, timestamp, value FROM sensor_readings")[0].rows
        #expect(rows == [[.text("d1"), .text("temp"), .timestamp(0), .real(1)]])
        #expect(try store.deviceAttributes().isEmpty)
    }

    // MARK: - Carets

    @Test func caretUnderTheUnknownFunction() {
        let session = SQLFixtures.session(Self.store)
        let error = SQLFixtures.error { try session.plans("SELECT median(value) FROM sensor_readings") }
        #expect(error?.description == """
            error: unknown function 'median'
              at line 1, column 8:
              SELECT median(value) FROM sensor_readings
                     ^
            """)
    }

    @Test func caretKeepsTabsOnTheThirdLine() {
        let session = SQLFixtures.session(Self.store)
        let error = SQLFixtures.error { try session.plans("SELECT value\nFROM sensor_readings\nWHERE\ttimestamp >= '2026-02-30'") }
        #expect(error?.line == 3 && error?.column == 20)
        #expect(error?.description == "error: invalid timestamp '2026-02-30': day 30 does not exist in 2026-02\n"
                + "  at line 3, column 20:\n"
                + "  WHERE\ttimestamp >= '2026-02-30'\n"
                + "  " + "     " + "\t" + String(repeating: " ", count: 13) + "^")
    }

    @Test func caretAfterTheLastTokenAtTheEnd() {
        let session = SQLFixtures.session(Self.store)
        let error = SQLFixtures.error { try session.plans("SELECT value FROM") }
        #expect(error?.column == 18)
        #expect(error?.description == """
            error: expected the table sensor_readings, found the end of the statement
              at line 1, column 18:
              SELECT value FROM
                               ^
            """)
    }

    @Test func errorWithoutPositionHasNoCaret() {
        let error = SQLFixtures.error { try SQLTimestamp.parse("2026-02-30", resolution: .milliseconds) }
        #expect(error?.line == 0 && error?.column == 0)
        #expect(error?.description == "error: invalid timestamp '2026-02-30': day 30 does not exist in 2026-02")
    }

    /// A failing statement leaves the ones before it applied, as psql does.
    @Test func statementsBeforeAFailureRun() throws {
        let store = try SQLFixtures.store()
        let session = SQLFixtures.session(store)
        var seen: [SQLResult] = []
        let error = SQLFixtures.error {
            try session.execute("INSERT INTO sensor_readings VALUES ('d', 't', 5, 1.5);\nSELECT nope FROM sensor_readings") { seen.append($0) }
        }
        #expect(error?.line == 2 && error?.column == 8)
        #expect(seen.map(\.message) == ["inserted 1 row"])
        #expect(try store.latest().map(\.value) == [1.5])
    }

    /// 10,000 parentheses (the fuzzer's favourite) are an error, not a stack overflow.
    @Test func tenThousandParenthesesAreAnError() {
        let session = SQLFixtures.session(Self.store)
        let sql = "SELECT value FROM sensor_readings WHERE " + String(repeating: "(", count: 10_000) + "value > 1" + String(repeating: ")", count: 10_000)
        #expect(SQLFixtures.error { try session.plans(sql) }?.message.contains("nested too deeply") == true)
        let unbalanced = String(repeating: "(", count: 10_000)
        #expect(SQLFixtures.error { try session.plans(unbalanced) } != nil)
    }

    /// Statements cut at every position plan or fail with an SQLError, never trap.
    @Test func everyPrefixOfTheValidCorpusPlansOrFails() {
        let session = SQLFixtures.session(Self.store)
        var failures = 0
        for statement in Self.valid where statement.kind == .select || statement.kind == .explain {
            let scalars = Array(statement.sql.unicodeScalars)
            for cut in stride(from: 0, to: scalars.count, by: 3) {
                let prefix = String(String.UnicodeScalarView(scalars[..<cut]))
                if let error = SQLFixtures.error({ try session.plans(prefix, parameters: Self.parameters) }) {
                    failures += 1
                    #expect(!error.message.isEmpty)
                    #expect(error.line >= 0 && error.column >= 0)
                }
            }
        }
        #expect(failures > 0)
    }
}
