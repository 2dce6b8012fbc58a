// ResultFormatter's four formats, checked against outputs written out by hand
// (aligned table, RFC 4180 CSV, JSON per RFC 8259 with NaN and infinities as
// strings, sqlite3's line mode); NumberText's shortest round-trip spelling; and
// SQLTimestamp's ISO-8601 text, both directions.

@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

@Suite struct FormatterTests {
    typealias F = SQLFixtures

    static let small = SQLResult(
        columns: [SQLColumn(name: "name", type: .text), SQLColumn(name: "v", type: .real), SQLColumn(name: "n", type: .integer)],
        rows: [[.text("a"), .real(25.5), .integer(3)], [.text("long name"), .null, .integer(12)]],
        kind: .select)

    static func formatter(_ format: ResultFormat, headers: Bool = true, integerTimestamps: Bool = false,
                          resolution: TimestampResolution = .milliseconds) -> ResultFormatter {
        ResultFormatter(format: format, headers: headers, resolution: resolution, integerTimestamps: integerTimestamps)
    }

    // MARK: - Table

    @Test func tableAlignsTextLeftAndNumbersRight() {
        #expect(Self.formatter(.table).render(Self.small) == """
            +-----------+------+----+
            | name      | v    | n  |
            +-----------+------+----+
            | a         | 25.5 |  3 |
            | long name | NULL | 12 |
            +-----------+------+----+
            (2 rows)
            """)
    }

    @Test func tableWithoutHeadersIsAsWideAsItsCells() {
        let result = SQLResult(columns: [SQLColumn(name: "a_long_column_name", type: .text)], rows: [[.text("x")]], kind: .select)
        #expect(Self.formatter(.table, headers: false).render(result) == """
            +---+
            | x |
            +---+
            (1 row)
            """)
    }

    @Test func emptyTableShowsItsHeader() {
        let result = SQLResult(columns: [SQLColumn(name: "count", type: .integer)], rows: [], kind: .select)
        #expect(Self.formatter(.table).render(result) == """
            +-------+
            | count |
            +-------+
            (0 rows)
            """)
    }

    @Test func tableShowsControlCharactersEscaped() {
        let result = SQLResult(columns: [SQLColumn(name: "d", type: .text)], rows: [[.text("a\nb\tc\u{1}")]], kind: .select)
        #expect(Self.formatter(.table).render(result) == """
            +--------------+
            | d            |
            +--------------+
            | a\\nb\\tc\\u{1} |
            +--------------+
            (1 row)
            """)
    }

    @Test func statementsWithoutRowsRenderTheirMessage() {
        let result = SQLResult(message: "inserted 3 rows", kind: .insert)
        for format in ResultFormat.allCases { #expect(Self.formatter(format).render(result) == "inserted 3 rows") }
    }

    // MARK: - CSV

    @Test func csvWithHeaderAndEmptyNulls() {
        #expect(Self.formatter(.csv).render(Self.small) == "name,v,n\na,25.5,3\nlong name,,12")
        #expect(Self.formatter(.csv, headers: false).render(Self.small) == "a,25.5,3\nlong name,,12")
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rhere", "\"cr\rhere\""),
        (" padded", "\" padded\""),
        ("padded ", "\"padded \""),
        ("", ""),
        ("café ✓", "café ✓"),
    ])
    func csvQuotesFieldsThatNeedIt(_ text: String, _ field: String) {
        let result = SQLResult(columns: [SQLColumn(name: "t", type: .text)], rows: [[.text(text)]], kind: .select)
        #expect(Self.formatter(.csv, headers: false).render(result) == field)
    }

    @Test func csvNumbersAndTimestamps() {
        let result = SQLResult(
            columns: [SQLColumn(name: "t", type: .timestamp), SQLColumn(name: "x", type: .real), SQLColumn(name: "y,z", type: .real)],
            rows: [[.timestamp(F.jan1 + 1_500), .real(.nan), .real(.infinity)], [.timestamp(-1), .real(-.infinity), .real(-0.0)]],
            kind: .select)
        #expect(Self.formatter(.csv).render(result) == """
            t,x,"y,z"
            2026-01-01T00:00:01.500Z,NaN,Infinity
            1969-12-31T23:59:59.999Z,-Infinity,-0
            """)
        #expect(Self.formatter(.csv, integerTimestamps: true).render(result) == """
            t,x,"y,z"
            1767225601500,NaN,Infinity
            -1,-Infinity,-0
            """)
    }

    // MARK: - JSON

    @Test func jsonOneObjectPerRow() {
        #expect(Self.formatter(.json).render(Self.small) == """
            [
            {"name":"a","v":25.5,"n":3},
            {"name":"long name","v":null,"n":12}
            ]
            """)
        #expect(Self.formatter(.json).render(SQLResult(columns: Self.small.columns, rows: [], kind: .select)) == "[]")
    }

    @Test func jsonSpellsNonFiniteNumbersAsStringsAndEscapesText() {
        let result = SQLResult(
            columns: [SQLColumn(name: "we\"ird", type: .text), SQLColumn(name: "x", type: .real), SQLColumn(name: "t", type: .timestamp)],
            rows: [[.text("q\" b\\ n\n r\r t\t c\u{1} e\u{1F} é"), .real(.nan), .timestamp(0)],
                   [.text(""), .real(-.infinity), .timestamp(1)],
                   [.null, .real(.infinity), .null]],
            kind: .select)
        #expect(Self.formatter(.json).render(result) == #"""
            [
            {"we\"ird":"q\" b\\ n\n r\r t\t c\u0001 e\u001f é","x":"NaN","t":"1970-01-01T00:00:00Z"},
            {"we\"ird":"","x":"-Infinity","t":"1970-01-01T00:00:00.001Z"},
            {"we\"ird":null,"x":"Infinity","t":null}
            ]
            """#)
        #expect(Self.formatter(.json, integerTimestamps: true).render(result).contains(#""t":1}"#))
    }

    // MARK: - Line mode

    @Test func lineModeRightAlignsNames() {
        #expect(Self.formatter(.line).render(Self.small) == """
            name = a
               v = 25.5
               n = 3

            name = long name
               v = NULL
               n = 12
            """)
    }

    // MARK: - Numbers

    @Test(arguments: [
        (25.5, "25.5"), (0.1 + 0.2, "0.30000000000000004"), (25.0, "25"), (-0.0, "-0"), (0.0, "0"), (1e16, "1e+16"),
        (5e-05, "5e-05"), (-1.5, "-1.5"), (.nan, "NaN"), (.infinity, "Infinity"), (-.infinity, "-Infinity"),
        (123456789.0, "123456789"), (0.1, "0.1"), (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    ] as [(Double, String)])
    func numbersPrintAsTheShortestTextThatReadsBack(_ value: Double, _ text: String) {
        #expect(NumberText.real(value) == text)
        #expect(F.formatterText(.real(value)) == text)
    }

    @Test func randomBitPatternsReadBackBitExact() {
        for d in Generate.randomBits(count: 100_000, seed: 99) + Generate.specialDoubles {
            let text = NumberText.real(d)
            guard let back = Double(text) else {
                Issue.record("\(text) does not parse")
                continue
            }
            if d.isNaN {
                #expect(back.isNaN && text == "NaN")
            } else {
                #expect(back.bitPattern == d.bitPattern, "\(text)")
            }
        }
    }

    // MARK: - Timestamps as text

    @Test(arguments: [
        (Int64(0), TimestampResolution.milliseconds, "1970-01-01T00:00:00Z"),
        (F.jan1 + 123, .milliseconds, "2026-01-01T00:00:00.123Z"),
        (F.jan1 + 100, .milliseconds, "2026-01-01T00:00:00.100Z"),
        (-1, .milliseconds, "1969-12-31T23:59:59.999Z"),
        (1_500, .microseconds, "1970-01-01T00:00:00.001500Z"),
        (1, .nanoseconds, "1970-01-01T00:00:00.000000001Z"),
        (-1, .nanoseconds, "1969-12-31T23:59:59.999999999Z"),
        (F.utc(2024, 2, 29, 23, 59, 59), .milliseconds, "2024-02-29T23:59:59Z"),
        (F.utc(1900, 3, 1), .milliseconds, "1900-03-01T00:00:00Z"),
        (253_402_300_800_000, .milliseconds, "+10000-01-01T00:00:00Z"),   // ISO 8601 expanded year
        (-62_198_755_200_000, .milliseconds, "-0001-01-01T00:00:00Z"),    // astronomical year -1 (2 BC)
    ] as [(Int64, TimestampResolution, String)])
    func timestampsFormatAsISO8601(_ t: Int64, _ resolution: TimestampResolution, _ text: String) throws {
        #expect(SQLTimestamp.format(t, resolution: resolution) == text)
        #expect(try SQLTimestamp.parse(text, resolution: resolution) == t)
        #expect(Self.formatter(.csv, resolution: resolution).text(.timestamp(t)) == text)
    }

    @Test(arguments: [
        ("2026-01-01", F.jan1),
        ("2026-01-01 10:00", F.jan1 + 10 * F.hour),
        ("2026-01-01T10:00:00", F.jan1 + 10 * F.hour),
        ("2026-01-01t10:00:00z", F.jan1 + 10 * F.hour),
        ("2026-01-01T10:00:00.5+01:00", F.jan1 + 9 * F.hour + 500),
        ("2026-01-01 10:00:00+0200", F.jan1 + 8 * F.hour),
        ("2026-01-01 10:00:00-02", F.jan1 + 12 * F.hour),
        ("2026-01-01 10:00:00 UTC", F.jan1 + 10 * F.hour),
        ("  2026-01-01 10:00:00,250Z  ", F.jan1 + 10 * F.hour + 250),
        ("2026-1-2", F.jan1 + F.day),
        ("1969-12-31 23:59:59.999", -1),
    ] as [(String, Int64)])
    func timestampTextParses(_ text: String, _ t: Int64) throws {
        #expect(try SQLTimestamp.parse(text, resolution: .milliseconds) == t)
    }

    @Test(arguments: ["", "2026", "2026-13-01", "2026-02-29", "2026-01-01 24:00", "2026-01-01 10:60", "2026-01-01T", "26-01-01",
                      "2026-01-01 10:00:00.0001", "2026-01-01 10:00+16:00", "yesterday", "2026-01-01 10:00 CET"])
    func badTimestampTextIsRefused(_ text: String) {
        let error = F.error { try SQLTimestamp.parse(text, resolution: .milliseconds) }
        #expect(error?.message.hasPrefix("invalid timestamp '\(text)'") == true)
    }

    @Test func formattedTimestampsReadBackAtEveryResolution() throws {
        var rng = SplitMix64(seed: 5)
        for resolution in TimestampResolution.allCases {
            let ups = resolution.unitsPerSecond
            // Years 1 to 9999 (4-digit years); nanoseconds cover 1677 to 2262, every Int64.
            let years: ClosedRange<Int64>? = resolution == .nanoseconds ? nil : (-62_135_596_800 * ups)...(253_402_300_799 * ups)
            for _ in 0..<2_000 {
                let t = years.map { $0.lowerBound + Int64(rng.next() % UInt64($0.upperBound - $0.lowerBound)) } ?? Int64(bitPattern: rng.next())
                let text = SQLTimestamp.format(t, resolution: resolution)
                #expect(try SQLTimestamp.parse(text, resolution: resolution) == t, "\(text)")
            }
        }
    }

    /// Regression: parsing multiplied the seconds by the resolution in Int64 before adding the
    /// fraction, so the earliest nanosecond timestamp, as format() writes it, was "out of range".
    @Test func theEarliestNanosecondTimestampDidNotParseBack() throws {
        #expect(try SQLTimestamp.parse("1677-09-21T00:12:43.145224192Z", resolution: .nanoseconds) == .min)
        #expect(try SQLTimestamp.parse("2262-04-11T23:47:16.854775807Z", resolution: .nanoseconds) == .max)
        for t in [Int64.min, Int64.min + 1, Int64.max] {
            #expect(try SQLTimestamp.parse(SQLTimestamp.format(t, resolution: .nanoseconds), resolution: .nanoseconds) == t)
        }
        // One nanosecond further is out of range at either end.
        #expect(F.error { try SQLTimestamp.parse("1677-09-21T00:12:43.145224191Z", resolution: .nanoseconds) }?.message.contains("out of range") == true)
        #expect(F.error { try SQLTimestamp.parse("2262-04-11T23:47:16.854775808Z", resolution: .nanoseconds) }?.message.contains("out of range") == true)
    }
}

extension SQLFixtures {
    /// A value as a CSV cell shows it in a millisecond store.
    static func formatterText(_ value: SQLValue) -> String {
        ResultFormatter(format: .csv, resolution: .milliseconds).text(value)
    }
}
