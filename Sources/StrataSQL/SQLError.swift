// Errors: one public type carrying the message and where in the statement
// text it points, rendered with a caret under the offending token. Inside the
// module everything throws `SQLFailure` (message + position); `SQLSession`
// turns it into an `SQLError` with the line's text once, at the boundary.

/// An error of a statement: what is wrong and where.
///
/// `line` and `column` are 1-based and count Unicode scalars within the text
/// passed to ``SQLSession/execute(_:parameters:)`` (from its start when it holds
/// several statements); both are 0 when no token is to blame (a failing
/// ``SQLTimestamp/parse(_:resolution:)``). Errors of the storage engine
/// (``StrataError``) are wrapped with their message.
///
/// ```swift
/// do {
///     _ = try session.execute("SELECT median(value) FROM sensor_readings")
/// } catch {
///     print(error)
///     // error: unknown function 'median'
///     //   at line 1, column 8:
///     //   SELECT median(value) FROM sensor_readings
///     //          ^
/// }
/// ```
public struct SQLError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for example "unknown function 'median'".
    public var message: String
    /// 1-based line of the offending token (0 when none).
    public var line: Int
    /// 1-based column of the offending token (0 when none).
    public var column: Int
    /// The text of that line (empty when none).
    public var sourceLine: String

    /// Creates an error; `line` and `column` 0 when no position applies.
    public init(_ message: String, line: Int = 0, column: Int = 0, sourceLine: String = "") {
        self.message = message
        self.line = line
        self.column = column
        self.sourceLine = sourceLine
    }

    /// `error: <message>`, then when there is a position
    /// `  at line L, column C:`, the line's text and a caret under the token.
    public var description: String {
        var s = "error: " + message
        guard line > 0 else { return s }
        s += "\n  at line \(line), column \(column):\n  " + sourceLine + "\n  "
        // Keep tabs so the caret lines up under a tab-indented statement.
        var pad = ""
        for (i, scalar) in sourceLine.unicodeScalars.enumerated() where i < column - 1 {
            pad.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        if column - 1 > sourceLine.unicodeScalars.count {
            pad += String(repeating: " ", count: column - 1 - sourceLine.unicodeScalars.count)
        }
        return s + pad + "^"
    }
}

/// Where a token starts: offset in Unicode scalars from the start of the text, 1-based line and column.
struct SourcePosition: Sendable, Hashable {
    var offset: Int
    var line: Int
    var column: Int

    /// No position (errors not caused by a token).
    static let none = SourcePosition(offset: -1, line: 0, column: 0)
}

/// The module's internal error: a message and the position of the token to blame.
struct SQLFailure: Error, Sendable {
    var message: String
    var position: SourcePosition

    init(_ message: String, at position: SourcePosition) {
        self.message = message
        self.position = position
    }
}

/// Statement text split into lines, to render failures as ``SQLError``s.
struct SourceText: Sendable {
    let text: String
    let scalars: [Unicode.Scalar]

    init(_ text: String) {
        self.text = text
        scalars = Array(text.unicodeScalars)
    }

    /// The text of 1-based line `line`, without its line break.
    func line(_ line: Int) -> String {
        guard line > 0 else { return "" }
        var current = 1
        var out = String.UnicodeScalarView()
        for s in scalars {
            if s == "\n" {
                if current == line { break }
                current += 1
                continue
            }
            if current == line && s != "\r" { out.append(s) }
        }
        return String(out)
    }

    /// The public error for `failure`, with the line it points into.
    func error(_ failure: SQLFailure) -> SQLError {
        let p = failure.position
        guard p.line > 0 else { return SQLError(failure.message) }
        return SQLError(failure.message, line: p.line, column: p.column, sourceLine: line(p.line))
    }
}
