// StrataSQL: the SQL dialect of Strata (TimescaleDB-like), parsed here.
//
// One table, `sensor_readings`, with the columns
//   device_id    text        the device (a series is device_id + sensor_type)
//   sensor_type  text
//   timestamp    timestamp   (also `time`) in the store's units, UTC
//   value        real        PostgreSQL float8 semantics: NaN = NaN, NaN above every number
//   quality      text        'good' | 'suspect' | 'bad' (also 0 | 1 | 2 in conditions and INSERT)
// and device attributes as `attr('zone')` (text, NULL when the device has none).
// A second name, `devices`, is only for UPDATE devices SET ...
//
// Lexical: identifiers are case-insensitive; "double quoted" identifiers keep
// their case (as in PostgreSQL); strings are 'single quoted' ('' for a quote);
// comments are -- to the end of the line and /* ... */ (nesting); parameters
// are :name; statements are separated by ';' (a trailing ';' is optional).
//
// Statements:
//   SELECT item [, ...] FROM sensor_readings [[AS] alias]
//       [WHERE condition] [GROUP BY g [, ...]] [ORDER BY o [ASC|DESC] [NULLS FIRST|LAST] [, ...]]
//       [LIMIT n | ALL] [OFFSET n]
//     item: column | * | attr('key') | time_bucket(...) | time_bucket_gapfill(...)
//           | aggregate | locf(aggregate) | interpolate(aggregate)      [[AS] alias]
//     time_bucket(width, timestamp [, origin | offset] [, origin => ts] [, "offset" => interval])
//       width: INTERVAL '1 hour' | '15 minutes' | '1 day' | '7 days' | '1 week' | '1 month' | '3 months' | '1 year' ...
//     time_bucket_gapfill(width, timestamp [, start [, finish]] [, start => ts] [, finish => ts]
//                         [, origin => ts] [, "offset" => interval]); start/finish inferred from WHERE.
//     aggregates (over `value`): count(*), count(value), sum, avg, min, max, first(value, timestamp),
//       last(value, timestamp), stddev, stddev_samp, stddev_pop, variance, var_samp, var_pop, spread;
//       max(timestamp) next to last(value, timestamp) when grouped by device_id only (latest values).
//     g: device_id | sensor_type | time_bucket(...) | an alias | a 1-based position
//     o: a column | an alias | a position | an aggregate
//   EXPLAIN SELECT ...
//   INSERT INTO sensor_readings [(device_id, sensor_type, timestamp, value [, quality])] VALUES (...), ...
//   DELETE FROM sensor_readings [WHERE condition on device_id, sensor_type, attr() and timestamp]
//   UPDATE devices SET key = 'text' | NULL [, ...] WHERE device_id = '...' | device_id IN (...) | ...
//   SHOW DEVICES | SHOW SENSORS | SHOW PARTITIONS
//
// Conditions: = != <> < <= > >= [NOT] IN (...) [NOT] BETWEEN a AND b [NOT] LIKE 'prefix%'
// IS [NOT] NULL, AND, OR, NOT, parentheses. Constants: 'text', numbers, NULL, TRUE, FALSE,
// :parameters, now() (also CURRENT_TIMESTAMP), INTERVAL '...', TIMESTAMP '...', x::type,
// CAST(x AS type), + - * / % on constants (timestamp +- interval uses calendar months).
// The WHERE clause must be an AND of conditions that each concern one column (OR, NOT and
// parentheses freely within one column; device_id and attr() both count as "the device"),
// because it maps exactly onto a Strata `Selection`; see SelectionMapper.swift.
//
// Not supported, and rejected with a message naming the construct: joins, subqueries,
// set operations, DISTINCT, HAVING, window functions, CASE, FILTER, expressions over
// aggregates, aggregates of expressions, other tables.
//
// The parser is recursive descent with a bound on nesting (`maxDepth`), so no input
// crashes it: the fuzzer's 10,000 parentheses get an error, not a stack overflow.
//
// Thread safety: a value used by one statement list.

/// Parses statements one at a time from the token list of a whole text.
struct Parser {
    /// Deepest nesting of parentheses, NOT, unary minus and expression trees.
    static let maxDepth = 100

    private let tokens: [Token]
    private var index = 0
    private var depth = 0

    init(_ tokens: [Token]) {
        self.tokens = tokens
    }

    /// Words that end an expression or a select item, so they are never taken as a bare alias.
    static let reserved: Set<String> = [
        "all", "and", "as", "asc", "between", "by", "case", "cast", "cross", "desc", "distinct", "else", "end", "except",
        "false", "fetch", "filter", "for", "from", "full", "group", "having", "ilike", "in", "inner", "intersect", "into",
        "is", "join", "left", "like", "limit", "natural", "not", "null", "nulls", "offset", "on", "or", "order", "over",
        "returning", "right", "select", "set", "similar", "then", "true", "union", "using", "values", "when", "where",
        "window", "with",
    ]

    // MARK: - Tokens

    private var current: Token { tokens[index] }
    private func peek(_ k: Int = 1) -> Token { tokens[min(index + k, tokens.count - 1)] }

    /// Moves past the current token; a lexing error token throws when reached.
    private mutating func advance() throws(SQLFailure) -> Token {
        let t = current
        if t.kind == .error { throw SQLFailure(t.text, at: t.position) }
        if t.kind != .end { index += 1 }
        return t
    }

    /// Throws the lexer's error when the current token is one.
    private func checkLexed() throws(SQLFailure) {
        if current.kind == .error { throw SQLFailure(current.text, at: current.position) }
    }

    private mutating func accept(word: String) throws(SQLFailure) -> Bool {
        try checkLexed()
        guard current.isWord(word) else { return false }
        _ = try advance()
        return true
    }

    private mutating func accept(symbol: String) throws(SQLFailure) -> Bool {
        try checkLexed()
        guard current.isSymbol(symbol) else { return false }
        _ = try advance()
        return true
    }

    private mutating func expect(word: String, _ what: String? = nil) throws(SQLFailure) {
        guard try accept(word: word) else {
            throw SQLFailure("expected \(what ?? word.uppercased()), found \(current.quoted)", at: current.position)
        }
    }

    private mutating func expect(symbol: String, _ what: String? = nil) throws(SQLFailure) {
        guard try accept(symbol: symbol) else {
            throw SQLFailure("expected \(what ?? "'\(symbol)'"), found \(current.quoted)", at: current.position)
        }
    }

    /// "<what> is not supported" (`plural`: "are") at `p` or the current token.
    private func unsupported(_ what: String, plural: Bool = false, at p: SourcePosition? = nil) -> SQLFailure {
        SQLFailure("\(what) \(plural ? "are" : "is") not supported", at: p ?? current.position)
    }

    /// An identifier (unquoted: lowercased; quoted: as written), or nil.
    private mutating func acceptName(allowReserved: Bool) throws(SQLFailure) -> (String, SourcePosition)? {
        try checkLexed()
        let t = current
        switch t.kind {
        case .identifier:
            if !allowReserved && Self.reserved.contains(t.text.lowercased()) { return nil }
            _ = try advance()
            return (t.text.lowercased(), t.position)
        case .quotedIdentifier:
            _ = try advance()
            return (t.text, t.position)
        default:
            return nil
        }
    }

    private mutating func enter() throws(SQLFailure) {
        depth += 1
        if depth > Self.maxDepth {
            throw SQLFailure("expression is nested too deeply (more than \(Self.maxDepth) levels)", at: current.position)
        }
    }

    private mutating func leave() { depth -= 1 }

    private func make(_ kind: Expr.Kind, _ p: SourcePosition) throws(SQLFailure) -> Expr {
        let e = Expr(kind, at: p)
        if e.depth > Self.maxDepth {
            throw SQLFailure("expression is nested too deeply (more than \(Self.maxDepth) levels)", at: p)
        }
        return e
    }

    // MARK: - Statements

    /// The next statement, or nil at the end of the text. Empty statements (`;;`) are skipped.
    mutating func nextStatement() throws(SQLFailure) -> Statement? {
        while try accept(symbol: ";") {}
        try checkLexed()
        if current.kind == .end { return nil }
        let statement = try parseStatement()
        try checkLexed()
        if current.kind != .end && !current.isSymbol(";") {
            throw SQLFailure("unexpected \(current.quoted) after the end of the statement", at: current.position)
        }
        return statement
    }

    private mutating func parseStatement() throws(SQLFailure) -> Statement {
        let t = current
        switch t.word {
        case "select": return .select(try parseSelect())
        case "explain":
            _ = try advance()
            _ = try accept(word: "analyze")
            guard current.isWord("select") else {
                throw SQLFailure("EXPLAIN supports SELECT statements only, found \(current.quoted)", at: current.position)
            }
            return .explain(try parseSelect(), at: t.position)
        case "insert": return .insert(try parseInsert())
        case "delete": return .delete(try parseDelete())
        case "update": return .update(try parseUpdate())
        case "show":
            _ = try advance()
            let what = current
            guard let w = what.word, let kind = ShowKind(rawValue: w) else {
                throw SQLFailure("expected DEVICES, SENSORS or PARTITIONS after SHOW, found \(what.quoted)", at: what.position)
            }
            _ = try advance()
            return .show(kind, at: t.position)
        case "with": throw unsupported("common table expressions (WITH)", plural: true)
        case "create", "drop", "alter", "truncate", "begin", "commit", "rollback", "grant", "copy", "vacuum":
            throw SQLFailure("\(t.text.uppercased()) is not supported: StrataSQL has SELECT, INSERT, DELETE, UPDATE devices, SHOW and EXPLAIN",
                             at: t.position)
        default:
            throw SQLFailure("expected a statement (SELECT, INSERT, DELETE, UPDATE, SHOW or EXPLAIN), found \(t.quoted)", at: t.position)
        }
    }

    private mutating func parseSelect() throws(SQLFailure) -> SelectStatement {
        let start = try advance().position   // SELECT
        if current.isWord("distinct") { throw unsupported("SELECT DISTINCT") }
        _ = try accept(word: "all")
        var items: [SelectStatement.Item] = []
        repeat {
            items.append(try parseSelectItem())
        } while try accept(symbol: ",")
        if current.kind == .end || current.isSymbol(";") {
            throw SQLFailure("expected FROM sensor_readings", at: current.position)
        }
        try expect(word: "from", "FROM or ','")
        let alias = try parseTable(expected: "sensor_readings")
        var statement = SelectStatement(position: start, items: items, tableAlias: alias, whereClause: nil, groupBy: [], orderBy: [],
                                        limit: nil, offset: nil)
        if try accept(word: "where") { statement.whereClause = try parseExpression() }
        if try accept(word: "group") {
            try expect(word: "by")
            repeat {
                statement.groupBy.append(try parseExpression())
            } while try accept(symbol: ",")
        }
        if current.isWord("having") { throw unsupported("HAVING") }
        if current.isWord("window") { throw unsupported("window functions", plural: true) }
        if try accept(word: "order") {
            try expect(word: "by")
            repeat {
                let e = try parseExpression()
                var item = SelectStatement.OrderItem(expr: e, ascending: true, nullsFirst: nil, nullsPosition: nil)
                if try accept(word: "desc") { item.ascending = false } else { _ = try accept(word: "asc") }
                if current.isWord("using") { throw unsupported("ORDER BY ... USING") }
                if current.isWord("nulls") {
                    item.nullsPosition = current.position
                    _ = try advance()
                    if try accept(word: "first") { item.nullsFirst = true } else {
                        try expect(word: "last", "FIRST or LAST")
                        item.nullsFirst = false
                    }
                }
                statement.orderBy.append(item)
            } while try accept(symbol: ",")
        }
        // LIMIT and OFFSET in either order, as PostgreSQL accepts them.
        while true {
            if statement.limit == nil, try accept(word: "limit") {
                statement.limit = try accept(word: "all") ? try make(.literal(.null), current.position) : try parseExpression()
            } else if statement.offset == nil, try accept(word: "offset") {
                statement.offset = try parseExpression()
                if !(try accept(word: "rows")) { _ = try accept(word: "row") }
            } else {
                break
            }
        }
        if let w = current.word {
            switch w {
            case "union", "intersect", "except": throw unsupported("set operations (\(w.uppercased()))", plural: true)
            case "fetch": throw SQLFailure("FETCH is not supported; use LIMIT", at: current.position)
            case "for": throw unsupported("SELECT ... FOR UPDATE")
            case "where", "group", "order", "limit", "offset":
                throw SQLFailure("\(w.uppercased()) is out of place: clauses go in the order WHERE, GROUP BY, ORDER BY, LIMIT, OFFSET",
                                 at: current.position)
            default: break
            }
        }
        return statement
    }

    private mutating func parseSelectItem() throws(SQLFailure) -> SelectStatement.Item {
        try checkLexed()
        if current.isSymbol("*") {
            let p = try advance().position
            return SelectStatement.Item(expr: try make(.star(qualifier: nil), p), alias: nil)
        }
        let e = try parseExpression()
        if try accept(word: "as") {
            guard let (alias, _) = try acceptName(allowReserved: true) else {
                throw SQLFailure("expected an alias after AS, found \(current.quoted)", at: current.position)
            }
            return SelectStatement.Item(expr: e, alias: alias)
        }
        if let (alias, _) = try acceptName(allowReserved: false) {
            return SelectStatement.Item(expr: e, alias: alias)
        }
        return SelectStatement.Item(expr: e, alias: nil)
    }

    /// `name [[AS] alias]` after FROM/INTO/UPDATE: checks the table and returns the alias.
    private mutating func parseTable(expected: String, allowAlias: Bool = true) throws(SQLFailure) -> String? {
        try checkLexed()
        if current.isSymbol("(") {
            throw SQLFailure(peek().isWord("select") ? "subqueries are not supported" : "expected the table \(expected), found '('",
                             at: current.position)
        }
        guard var (name, p) = try acceptName(allowReserved: false) else {
            throw SQLFailure("expected the table \(expected), found \(current.quoted)", at: current.position)
        }
        if try accept(symbol: ".") {   // schema.table: only the table name matters
            guard let (table, tp) = try acceptName(allowReserved: true) else {
                throw SQLFailure("expected a table name after '.', found \(current.quoted)", at: current.position)
            }
            (name, p) = (table, tp)
        }
        guard name == expected else {
            let hint = expected == "sensor_readings"
                ? (name == "devices" ? "; device attributes are listed by SHOW DEVICES" : "; the table is sensor_readings")
                : "; attributes are set with UPDATE devices SET ..."
            throw SQLFailure("unknown table '\(name)'\(hint)", at: p)
        }
        var alias: String?
        if allowAlias {
            if try accept(word: "as") {
                guard let (a, _) = try acceptName(allowReserved: true) else {
                    throw SQLFailure("expected an alias after AS, found \(current.quoted)", at: current.position)
                }
                alias = a
            } else if let (a, _) = try acceptName(allowReserved: false) {
                alias = a
            }
        }
        try checkLexed()
        if current.isSymbol(",") { throw unsupported("joins", plural: true) }
        if let w = current.word, ["join", "inner", "left", "right", "full", "cross", "natural"].contains(w) { throw unsupported("joins", plural: true) }
        return alias
    }

    private mutating func parseInsert() throws(SQLFailure) -> InsertStatement {
        let start = try advance().position   // INSERT
        try expect(word: "into")
        _ = try parseTable(expected: "sensor_readings", allowAlias: false)
        var statement = InsertStatement(position: start, columns: nil, rows: [])
        if try accept(symbol: "(") {
            var columns: [(name: String, position: SourcePosition)] = []
            repeat {
                guard let (name, p) = try acceptName(allowReserved: true) else {
                    throw SQLFailure("expected a column name, found \(current.quoted)", at: current.position)
                }
                columns.append((name, p))
            } while try accept(symbol: ",")
            try expect(symbol: ")", "',' or ')'")
            statement.columns = columns
        }
        if current.isWord("select") { throw unsupported("INSERT ... SELECT") }
        if current.isWord("default") { throw unsupported("DEFAULT VALUES") }
        try expect(word: "values")
        repeat {
            let p = current.position
            try expect(symbol: "(")
            var values: [Expr] = []
            repeat {
                values.append(try parseExpression())
            } while try accept(symbol: ",")
            try expect(symbol: ")", "',' or ')'")
            statement.rows.append((values, p))
        } while try accept(symbol: ",")
        if current.isWord("on") { throw unsupported("ON CONFLICT (a reading written again replaces the stored one)") }
        if current.isWord("returning") { throw unsupported("RETURNING") }
        return statement
    }

    private mutating func parseDelete() throws(SQLFailure) -> DeleteStatement {
        let start = try advance().position   // DELETE
        try expect(word: "from")
        let alias = try parseTable(expected: "sensor_readings")
        if current.isWord("using") { throw unsupported("joins", plural: true) }
        var statement = DeleteStatement(position: start, tableAlias: alias, whereClause: nil)
        if try accept(word: "where") { statement.whereClause = try parseExpression() }
        if current.isWord("returning") { throw unsupported("RETURNING") }
        return statement
    }

    private mutating func parseUpdate() throws(SQLFailure) -> UpdateStatement {
        let start = try advance().position   // UPDATE
        try checkLexed()
        if let w = current.word, w == "sensor_readings" {
            throw SQLFailure("readings cannot be updated (write them again with INSERT: the last write wins); "
                             + "UPDATE devices SET key = 'value' sets device attributes", at: current.position)
        }
        _ = try parseTable(expected: "devices", allowAlias: false)
        try expect(word: "set")
        var statement = UpdateStatement(position: start, assignments: [], whereClause: nil)
        repeat {
            try checkLexed()
            if current.isSymbol("(") { throw unsupported("SET (a, b) = (...)") }
            guard let (key, p) = try acceptName(allowReserved: true) else {
                throw SQLFailure("expected an attribute name, found \(current.quoted)", at: current.position)
            }
            try expect(symbol: "=")
            statement.assignments.append((key, try parseExpression(), p))
        } while try accept(symbol: ",")
        if try accept(word: "where") { statement.whereClause = try parseExpression() }
        if current.isWord("from") { throw unsupported("UPDATE ... FROM") }
        return statement
    }

    // MARK: - Expressions

    mutating func parseExpression() throws(SQLFailure) -> Expr {
        try enter()
        defer { leave() }
        return try parseOr()
    }

    private mutating func parseOr() throws(SQLFailure) -> Expr {
        let first = try parseAnd()
        var list = [first], ops: [SourcePosition] = []
        while current.isWord("or") {
            ops.append(try advance().position)
            list.append(try parseAnd())
        }
        return list.count == 1 ? first : try make(.or(list, operators: ops), ops[0])
    }

    private mutating func parseAnd() throws(SQLFailure) -> Expr {
        let first = try parseNot()
        var list = [first], ops: [SourcePosition] = []
        while current.isWord("and") {
            ops.append(try advance().position)
            list.append(try parseNot())
        }
        return list.count == 1 ? first : try make(.and(list, operators: ops), ops[0])
    }

    private mutating func parseNot() throws(SQLFailure) -> Expr {
        try checkLexed()
        guard current.isWord("not") else { return try parseComparison() }
        let p = try advance().position
        try enter()
        defer { leave() }
        return try make(.not(try parseNot()), p)
    }

    private mutating func parseComparison() throws(SQLFailure) -> Expr {
        let left = try parseAdditive()
        try checkLexed()
        let t = current
        if t.kind == .symbol, let op = BinaryOperator(rawValue: t.text == "!=" ? "<>" : t.text), op.isComparison {
            _ = try advance()
            let right = try parseAdditive()
            try checkLexed()
            if current.kind == .symbol, let next = BinaryOperator(rawValue: current.text == "!=" ? "<>" : current.text), next.isComparison {
                throw SQLFailure("comparisons cannot be chained; combine them with AND", at: current.position)
            }
            return try make(.binary(op, left, right), t.position)
        }
        if t.isWord("is") {
            _ = try advance()
            let negated = try accept(word: "not")
            if current.isWord("distinct") { throw unsupported("IS DISTINCT FROM") }
            guard try accept(word: "null") else {
                throw SQLFailure("expected NULL after IS\(negated ? " NOT" : ""), found \(current.quoted) (IS TRUE and the like are not supported)",
                                 at: current.position)
            }
            return try make(.isNull(left, negated: negated), t.position)
        }
        var negated = false
        var opToken = t
        if t.isWord("not"), let w = peek().word, ["in", "between", "like", "ilike", "similar"].contains(w) {
            _ = try advance()
            negated = true
            opToken = current
        }
        switch opToken.word {
        case "in":
            _ = try advance()
            try expect(symbol: "(", "'(' after IN")
            if current.isWord("select") { throw unsupported("subqueries", plural: true) }
            var list: [Expr] = []
            repeat {
                list.append(try parseExpression())
            } while try accept(symbol: ",")
            try expect(symbol: ")", "',' or ')'")
            return try make(.inList(left, list, negated: negated), opToken.position)
        case "between":
            _ = try advance()
            if current.isWord("symmetric") { throw unsupported("BETWEEN SYMMETRIC") }
            let low = try parseAdditive()
            try expect(word: "and", "AND in BETWEEN")
            let high = try parseAdditive()
            return try make(.between(left, low: low, high: high, negated: negated), opToken.position)
        case "like":
            _ = try advance()
            let pattern = try parseAdditive()
            if current.isWord("escape") { throw unsupported("LIKE ... ESCAPE") }
            return try make(.like(left, pattern: pattern, negated: negated), opToken.position)
        case "ilike": throw SQLFailure("ILIKE is not supported (names compare by their bytes); use LIKE 'prefix%'", at: opToken.position)
        case "similar": throw SQLFailure("SIMILAR TO is not supported; use LIKE 'prefix%'", at: opToken.position)
        default: return left
        }
    }

    private mutating func parseAdditive() throws(SQLFailure) -> Expr {
        var left = try parseMultiplicative()
        while current.kind == .symbol, let op = ["+": BinaryOperator.add, "-": .subtract, "||": .concat][current.text] {
            let p = try advance().position
            left = try make(.binary(op, left, try parseMultiplicative()), p)
        }
        return left
    }

    private mutating func parseMultiplicative() throws(SQLFailure) -> Expr {
        var left = try parseUnary()
        while current.kind == .symbol, let op = ["*": BinaryOperator.multiply, "/": .divide, "%": .modulo][current.text] {
            let p = try advance().position
            left = try make(.binary(op, left, try parseUnary()), p)
        }
        return left
    }

    private mutating func parseUnary() throws(SQLFailure) -> Expr {
        try checkLexed()
        if current.isSymbol("-") || current.isSymbol("+") {
            let sign = try advance()
            // -9223372036854775808 must be read as one literal.
            if sign.text == "-" && current.kind == .integer {
                let t = try advance()
                guard let v = Int64("-" + t.text) else { throw SQLFailure("integer -\(t.text) is out of range", at: sign.position) }
                return try parsePostfix(try make(.literal(.integer(v)), sign.position))
            }
            try enter()
            defer { leave() }
            let operand = try parseUnary()
            return sign.text == "-" ? try make(.negate(operand), sign.position) : operand
        }
        return try parsePostfix(try parsePrimary())
    }

    private mutating func parsePostfix(_ e: Expr) throws(SQLFailure) -> Expr {
        var e = e
        while current.isSymbol("::") {
            let p = try advance().position
            e = try make(.cast(e, try parseType()), p)
        }
        return e
    }

    private mutating func parseType() throws(SQLFailure) -> TypeName {
        try checkLexed()
        let t = current
        guard let w = t.word else { throw SQLFailure("expected a type name, found \(t.quoted)", at: t.position) }
        _ = try advance()
        switch w {
        case "timestamp", "timestamptz":
            var zoned = try accept(word: "with")
            if !zoned { zoned = try accept(word: "without") }
            if zoned {
                try expect(word: "time")
                try expect(word: "zone")
            }
            return .timestamp
        case "interval": return .interval
        case "date": return .date
        case "text", "varchar": return .text
        case "int", "integer", "int2", "int4", "int8", "bigint", "smallint": return .integer
        case "real", "float", "float4", "float8", "numeric", "decimal": return .real
        case "double":
            try expect(word: "precision")
            return .real
        default: throw SQLFailure("unknown type '\(t.text)'", at: t.position)
        }
    }

    private mutating func parsePrimary() throws(SQLFailure) -> Expr {
        try checkLexed()
        let t = current
        switch t.kind {
        case .integer:
            _ = try advance()
            guard let v = Int64(t.text) else { throw SQLFailure("integer \(t.text) is out of range", at: t.position) }
            return try make(.literal(.integer(v)), t.position)
        case .real(let v):
            _ = try advance()
            return try make(.literal(.real(v)), t.position)
        case .string:
            _ = try advance()
            return try make(.literal(.string(t.text)), t.position)
        case .parameter:
            _ = try advance()
            return try make(.parameter(t.text), t.position)
        case .symbol where t.text == "(":
            if peek().isWord("select") { throw unsupported("subqueries", plural: true, at: t.position) }
            _ = try advance()
            try enter()
            defer { leave() }
            let e = try parseOr()
            try expect(symbol: ")", "')'")
            return e
        case .symbol where t.text == "*":
            _ = try advance()
            return try make(.star(qualifier: nil), t.position)
        case .identifier, .quotedIdentifier:
            return try parseName()
        case .end:
            throw SQLFailure("expected an expression, found the end of the statement", at: t.position)
        default:
            throw SQLFailure("expected an expression, found \(t.quoted)", at: t.position)
        }
    }

    /// An identifier in an expression: a keyword constant, a typed literal, a call or a column.
    private mutating func parseName() throws(SQLFailure) -> Expr {
        let t = current
        if let w = t.word {
            switch w {
            case "null": _ = try advance(); return try make(.literal(.null), t.position)
            case "true": _ = try advance(); return try make(.literal(.boolean(true)), t.position)
            case "false": _ = try advance(); return try make(.literal(.boolean(false)), t.position)
            case "interval", "timestamp", "timestamptz", "date":
                guard peek().kind == .string else { break }
                _ = try advance()
                let s = try advance()
                let type: TypeName = w == "interval" ? .interval : (w == "date" ? .date : .timestamp)
                return try make(.typed(type, s.text), t.position)
            case "current_timestamp", "localtimestamp":
                _ = try advance()
                return try make(.call(Call(name: "now", arguments: [], star: false, position: t.position)), t.position)
            case "cast" where peek().isSymbol("("):
                _ = try advance()
                _ = try advance()
                try enter()
                defer { leave() }
                let e = try parseOr()
                try expect(word: "as", "AS in CAST")
                let type = try parseType()
                try expect(symbol: ")")
                return try make(.cast(e, type), t.position)
            case "case": throw unsupported("CASE expressions", plural: true)
            case "exists", "select": throw unsupported("subqueries", plural: true)
            case "array": throw unsupported("arrays", plural: true)
            default: break
            }
            if Self.reserved.contains(w) && !peek().isSymbol("(") {
                throw SQLFailure("expected an expression, found \(t.quoted)", at: t.position)
            }
        }
        guard let (name, p) = try acceptName(allowReserved: true) else {
            throw SQLFailure("expected an expression, found \(t.quoted)", at: t.position)
        }
        if current.isSymbol("(") { return try parseCall(name, at: p) }
        if try accept(symbol: ".") {
            if current.isSymbol("*") {
                _ = try advance()
                return try make(.star(qualifier: name), p)
            }
            guard let (column, cp) = try acceptName(allowReserved: true) else {
                throw SQLFailure("expected a column name after '\(name).', found \(current.quoted)", at: current.position)
            }
            if current.isSymbol("(") { throw SQLFailure("unknown function '\(name).\(column)'", at: p) }
            return try make(.column(ColumnRef(name: column, qualifier: name)), cp)
        }
        return try make(.column(ColumnRef(name: name, qualifier: nil)), p)
    }

    private mutating func parseCall(_ name: String, at p: SourcePosition) throws(SQLFailure) -> Expr {
        _ = try advance()   // (
        try enter()
        defer { leave() }
        var call = Call(name: name, arguments: [], star: false, position: p)
        if current.isWord("distinct") { throw unsupported("DISTINCT in aggregates") }
        _ = try accept(word: "all")
        if current.isSymbol("*") && peek().isSymbol(")") {
            _ = try advance()
            call.star = true
        } else if !current.isSymbol(")") {
            repeat {
                try checkLexed()
                if current.kind == .identifier || current.kind == .quotedIdentifier, peek().isSymbol("=>") {
                    let (argName, np) = try acceptName(allowReserved: true)!
                    _ = try advance()   // =>
                    call.arguments.append(Argument(name: argName, value: try parseOr(), namePosition: np))
                } else {
                    let value = try parseOr()
                    if current.isWord("order") { throw unsupported("ORDER BY inside aggregates") }
                    call.arguments.append(Argument(name: nil, value: value, namePosition: value.position))
                }
            } while try accept(symbol: ",")
        }
        try expect(symbol: ")", "',' or ')'")
        if current.isWord("over") { throw SQLFailure("window functions are not supported", at: current.position) }
        if current.isWord("filter") { throw SQLFailure("aggregate FILTER clauses are not supported; use WHERE", at: current.position) }
        if current.isWord("within") { throw unsupported("WITHIN GROUP") }
        return try make(.call(call), p)
    }
}
