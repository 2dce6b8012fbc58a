// The lexer: statement text -> tokens with their line and column. It never
// fails by throwing: a problem (an unterminated string or comment, a bad
// number, a stray character) becomes a final `.error` token at the place it
// starts, so the statements before it still run (SQLSession runs statements
// as it parses them).
//
// Thread safety: a value used by one parse.

/// One token and where it starts.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// A name or keyword as written (`text`); compare through `word` (lowercased).
        case identifier
        /// A double-quoted identifier; `text` is its content, case kept.
        case quotedIdentifier
        /// A single-quoted string; `text` is its content with '' unescaped.
        case string
        /// Digits only (the parser applies a leading minus before converting to Int64).
        case integer
        /// A number with a fraction or an exponent.
        case real(Double)
        /// `:name`; `text` is the name.
        case parameter
        /// An operator or punctuation: ( ) , ; . * + - / % = < > <= >= <> != => :: := ||
        case symbol
        /// The end of the text.
        case end
        /// A lexing failure; `text` is the message.
        case error
    }

    var kind: Kind
    var text: String
    var position: SourcePosition

    /// The lowercased text of an unquoted identifier (nil otherwise): keywords are matched through it.
    var word: String? { kind == .identifier ? text.lowercased() : nil }

    func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
    func isWord(_ w: String) -> Bool { word == w }

    /// How the token reads in an error message.
    var quoted: String {
        switch kind {
        case .end: "the end of the statement"
        case .string: "'\(text)'"
        case .quotedIdentifier: "\"\(text)\""
        case .parameter: ":\(text)"
        default: "'\(text)'"
        }
    }
}

enum Lexer {
    /// The tokens of `source`, ending with `.end`, or with `.error` at the first problem.
    static func tokens(_ source: SourceText) -> [Token] {
        var lexer = Scanner(source.scalars)
        var out: [Token] = []
        while true {
            let t = lexer.next()
            out.append(t)
            if t.kind == .end || t.kind == .error { return out }
        }
    }

    private struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        var lineStart = 0

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        var position: SourcePosition { SourcePosition(offset: i, line: line, column: i - lineStart + 1) }
        func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

        mutating func advance() {
            if s[i] == "\n" {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }

        static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { $0 >= "0" && $0 <= "9" } ?? false }
        static func isIdentifierStart(_ c: Unicode.Scalar?) -> Bool {
            guard let c else { return false }
            if c == "_" || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") { return true }
            return c.value >= 0x80 && c.properties.isAlphabetic
        }
        static func isIdentifierPart(_ c: Unicode.Scalar?) -> Bool {
            isIdentifierStart(c) || isDigit(c) || c == "$"
        }

        func token(_ kind: Token.Kind, _ text: String, _ p: SourcePosition) -> Token { Token(kind: kind, text: text, position: p) }
        func text(_ from: Int, _ to: Int) -> String { String(String.UnicodeScalarView(s[from..<to])) }

        /// Skips whitespace and comments; a token when a comment is unterminated.
        mutating func skipTrivia() -> Token? {
            while let c = peek() {
                if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" {
                    advance()
                } else if c == "-" && peek(1) == "-" {
                    while let d = peek(), d != "\n" { advance() }
                } else if c == "/" && peek(1) == "*" {
                    // Block comments nest, as in PostgreSQL.
                    let start = position
                    advance(); advance()
                    var depth = 1
                    while depth > 0 {
                        guard let d = peek() else { return token(.error, "unterminated comment", start) }
                        if d == "/" && peek(1) == "*" {
                            depth += 1
                            advance()
                        } else if d == "*" && peek(1) == "/" {
                            depth -= 1
                            advance()
                        }
                        advance()
                    }
                } else {
                    break
                }
            }
            return nil
        }

        mutating func next() -> Token {
            if let failure = skipTrivia() { return failure }
            let p = position
            guard let c = peek() else { return token(.end, "", p) }
            if c == "'" { return quoted("'", kind: .string, p) }
            if c == "\"" {
                let t = quoted("\"", kind: .quotedIdentifier, p)
                if t.kind == .quotedIdentifier && t.text.isEmpty { return token(.error, "zero-length quoted identifier", p) }
                return t
            }
            if Self.isDigit(c) || (c == "." && Self.isDigit(peek(1))) { return number(p) }
            if Self.isIdentifierStart(c) {
                let start = i
                while Self.isIdentifierPart(peek()) { advance() }
                return token(.identifier, text(start, i), p)
            }
            if c == ":" {
                if peek(1) == ":" { advance(); advance(); return token(.symbol, "::", p) }
                if peek(1) == "=" { advance(); advance(); return token(.symbol, "=>", p) }  // PostgreSQL's older `name := value`
                if Self.isIdentifierStart(peek(1)) || Self.isDigit(peek(1)) {
                    advance()
                    let start = i
                    while Self.isIdentifierPart(peek()) { advance() }
                    return token(.parameter, text(start, i), p)
                }
                return token(.error, "unexpected ':' (parameters are written :name)", p)
            }
            let two = peek(1).map { String(c) + String($0) }
            if let two, ["<=", ">=", "<>", "!=", "=>", "||"].contains(two) {
                advance(); advance()
                return token(.symbol, two, p)
            }
            if "(),;.*+-/%=<>".unicodeScalars.contains(c) {
                advance()
                return token(.symbol, String(c), p)
            }
            let shown = c.value < 0x20 || c.value == 0x7F ? "U+" + String(c.value, radix: 16, uppercase: true) : String(c)
            return token(.error, "unexpected character '\(shown)'", p)
        }

        /// A quoted string or identifier; the quote doubled inside stands for itself.
        mutating func quoted(_ q: Unicode.Scalar, kind: Token.Kind, _ p: SourcePosition) -> Token {
            advance()
            var content = String.UnicodeScalarView()
            while true {
                guard let d = peek() else {
                    return token(.error, q == "'" ? "unterminated string literal" : "unterminated quoted identifier", p)
                }
                advance()
                if d == q {
                    if peek() == q {
                        content.append(q)
                        advance()
                        continue
                    }
                    return token(kind, String(content), p)
                }
                content.append(d)
            }
        }

        mutating func number(_ p: SourcePosition) -> Token {
            let start = i
            var isReal = false
            while Self.isDigit(peek()) { advance() }
            if peek() == "." && peek(1) != "." {
                isReal = true
                advance()
                while Self.isDigit(peek()) { advance() }
            }
            if peek() == "e" || peek() == "E" {
                if Self.isDigit(peek(1)) || ((peek(1) == "+" || peek(1) == "-") && Self.isDigit(peek(2))) {
                    isReal = true
                    advance()
                    if peek() == "+" || peek() == "-" { advance() }
                    while Self.isDigit(peek()) { advance() }
                } else {
                    advance()
                    return token(.error, "invalid number '\(text(start, i))': the exponent has no digits", p)
                }
            }
            if Self.isIdentifierPart(peek()) || peek() == "." {
                while Self.isIdentifierPart(peek()) || peek() == "." { advance() }
                return token(.error, "trailing junk after numeric literal '\(text(start, i))'", p)
            }
            let literal = text(start, i)
            if isReal {
                guard let v = Double(literal), v.isFinite else { return token(.error, "number '\(literal)' is out of range", p) }
                return token(.real(v), literal, p)
            }
            return token(.integer, literal, p)
        }
    }
}
