// How StrataSQL writes a double: the shortest text that reads back as the
// same double (Swift's description, Steele-White/Grisu-style shortest
// round-trip), with PostgreSQL's spellings where they differ: no ".0" on
// whole numbers (25, not 25.0), NaN, Infinity and -Infinity. So 25.5 prints
// as 25.5, never 25.499999999999996, and every printed value parses back
// bit-exact (tested for random bit patterns).
//
// Thread safety: pure functions.

enum NumberText {
    /// `25.5`, `25`, `-0`, `1e+16`, `5e-05`, `NaN`, `Infinity`, `-Infinity`.
    static func real(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        var s = d.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
