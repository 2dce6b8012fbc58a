import Testing
@testable import Strata
import StrataTestSupport

// TimeBucket against TimescaleDB's time_bucket: the table of test cases in the research notes
// (TimescaleDB test/expected/timestamp.out and computed cases), run in every resolution where the
// dates fit, plus Int64 extremes, offsets, origins, interval parsing and a property test.

@Suite struct TimeBucketTests {
    // MARK: - Fixtures

    /// Unix time of "YYYY-MM-DD[THH:MM:SS[.fraction]][Z]" (UTC) in `res` units, rounded down;
    /// nil outside Int64. Its own calendar code (year by year), independent of the one under test.
    static func unix(_ iso: String, _ res: TimestampResolution) -> Int64? {
        let parts = iso.filter { $0 != "Z" }.split(separator: "T")
        let ymd = parts[0].split(separator: "-").map { Int64($0)! }
        let (y, mo, d) = (ymd[0], ymd[1], ymd[2])
        var (h, mi, s, nanos): (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
        if parts.count > 1 {
            let hms = parts[1].split(separator: ":")
            (h, mi) = (Int64(hms[0])!, Int64(hms[1])!)
            let sec = hms[2].split(separator: ".")
            s = Int64(sec[0])!
            if sec.count > 1 { nanos = Int64(sec[1] + String(repeating: "0", count: 9 - sec[1].count))! }
        }
        func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        var days: Int64 = 0
        if y >= 1970 { for year in 1970..<y { days += isLeap(year) ? 366 : 365 } }
        else { for year in y..<1970 { days -= isLeap(year) ? 366 : 365 } }
        let monthDays: [Int64] = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        days += monthDays.prefix(Int(mo - 1)).reduce(0, +) + d - 1
        let seconds = days * 86_400 + h * 3_600 + mi * 60 + s
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: res.unitsPerSecond)
        let (t, overflow2) = whole.addingReportingOverflow(nanos / (1_000_000_000 / res.unitsPerSecond))
        return overflow || overflow2 ? nil : t
    }

    @Test func dateHelperAgreesWithKnownInstants() {
        #expect(Self.unix("1970-01-01", .milliseconds) == 0)
        #expect(Self.unix("2000-01-03T00:00:00Z", .milliseconds) == TimeBucket.defaultOriginSeconds * 1_000)
        #expect(Self.unix("2000-01-03", .milliseconds) == 946_857_600_000)
        #expect(Self.unix("2011-01-02T01:01:01.111", .milliseconds) == 1_293_930_061_111)
        #expect(Self.unix("1969-12-31T23:59:59.999999", .microseconds) == -1)
        #expect(Self.unix("1900-01-01", .nanoseconds) == -2_208_988_800_000_000_000)
        #expect(Self.unix("1600-01-01", .nanoseconds) == nil)
        #expect(TimeBucket.Civil.daysFromCivil(year: 0, month: 3, day: 1) == -719_468)   // Hinnant's anchor
        #expect(TimeBucket.Civil.civilFromDays(-719_469) == (0, 2, 29))                  // 1 BC was a leap year
    }

    /// One row of the notes' §6.1 table: width and offset in interval syntax, origin and times in ISO form.
    struct Case: Sendable, CustomTestStringConvertible {
        let n: Int, width: String, origin: String?, offset: String?, input: String, expected: String
        init(_ n: Int, _ width: String, origin: String? = nil, offset: String? = nil, _ input: String, _ expected: String) {
            (self.n, self.width, self.origin, self.offset, self.input, self.expected) = (n, width, origin, offset, input, expected)
        }
        var testDescription: String { "#\(n) \(width) \(origin.map { "origin \($0) " } ?? "")\(offset.map { "offset \($0) " } ?? "")\(input)" }
    }

    static let cases: [Case] = [
        .init(1, "1 second", "2011-01-02T01:01:01.111", "2011-01-02T01:01:01Z"),
        .init(2, "1 millisecond", "2011-01-02T01:01:01.111", "2011-01-02T01:01:01.111Z"),
        .init(3, "2 seconds", "2011-01-02T01:01:01.111", "2011-01-02T01:01:00Z"),
        .init(4, "2 minutes", "2011-01-02T01:01:01.111", "2011-01-02T01:00:00Z"),
        .init(5, "5 minutes", "1970-01-01T00:59:59.999999", "1970-01-01T00:55:00Z"),
        .init(6, "5 minutes", "1970-01-01T01:05:00", "1970-01-01T01:05:00Z"),
        .init(7, "15 minutes", "2024-03-10T10:14:59.999999", "2024-03-10T10:00:00Z"),
        .init(8, "15 minutes", "2024-03-10T10:15:00", "2024-03-10T10:15:00Z"),
        .init(9, "1 hour", "2011-01-02T01:01:01.111", "2011-01-02T01:00:00Z"),
        .init(10, "1 hour", "1969-12-31T23:59:59.999999", "1969-12-31T23:00:00Z"),
        .init(11, "2 hours", "2011-01-02T01:01:01.111", "2011-01-02T00:00:00Z"),
        .init(12, "1 day", "2011-01-02T01:01:01", "2011-01-02T00:00:00Z"),
        .init(13, "1 day", "1969-12-31T23:59:59", "1969-12-31T00:00:00Z"),
        .init(14, "1 day", "1900-03-01T12:00:00", "1900-03-01T00:00:00Z"),
        .init(15, "2 days", "2011-01-02T01:01:01", "2011-01-01T00:00:00Z"),
        .init(16, "2 days", "2011-01-03T01:01:01", "2011-01-03T00:00:00Z"),
        .init(17, "2 days", "2000-01-02T23:59:59", "2000-01-01T00:00:00Z"),
        .init(18, "7 days", "2018-09-16T00:00:00", "2018-09-10T00:00:00Z"),
        .init(19, "7 days", "2018-09-17T00:00:00", "2018-09-17T00:00:00Z"),
        .init(20, "7 days", "2018-09-23T00:00:00", "2018-09-17T00:00:00Z"),
        .init(21, "7 days", "1999-12-31T23:59:59", "1999-12-27T00:00:00Z"),
        .init(22, "7 days", "2000-01-03T00:00:00", "2000-01-03T00:00:00Z"),
        .init(23, "7 days", "1970-01-01T00:00:00", "1969-12-29T00:00:00Z"),
        .init(24, "7 days", "1969-12-28T12:00:00", "1969-12-22T00:00:00Z"),
        .init(25, "7 days", "1900-01-01T00:00:00", "1900-01-01T00:00:00Z"),
        .init(26, "7 days", "3018-09-22T00:00:00", "3018-09-21T00:00:00Z"),
        .init(27, "100 days", "1970-01-01T00:00:00", "1969-11-21T00:00:00Z"),
        .init(28, "7 days", origin: "2000-01-01", "1999-12-31T23:59:59", "1999-12-25T00:00:00Z"),
        .init(29, "7 days", origin: "1970-01-01", "1999-12-31T23:59:59", "1999-12-30T00:00:00Z"),
        .init(30, "7 days", origin: "3018-09-13", "1999-12-31T23:59:59", "1999-12-26T00:00:00Z"),
        .init(31, "7 days", origin: "2000-01-01", "3018-09-12T00:00:00", "3018-09-12T00:00:00Z"),
        .init(32, "1 hour", origin: "2024-01-01T00:30:00", "2024-05-05T10:29:59", "2024-05-05T09:30:00Z"),
        .init(33, "1 hour", origin: "2024-01-01T00:30:00", "2024-05-05T10:30:00", "2024-05-05T10:30:00Z"),
        .init(34, "15 minutes", origin: "2030-01-01T00:05:00", "1965-06-01T00:07:00", "1965-06-01T00:05:00Z"),
        .init(35, "5 minutes", offset: "2 min", "2011-01-02T01:01:59.999999", "2011-01-02T00:57:00Z"),
        .init(36, "5 minutes", offset: "2 min", "2011-01-02T01:02:00", "2011-01-02T01:02:00Z"),
        .init(37, "5 minutes", offset: "-2 min", "2011-01-02T01:02:59.999999", "2011-01-02T00:58:00Z"),
        .init(38, "5 minutes", offset: "-2 min", "2011-01-02T01:03:00", "2011-01-02T01:03:00Z"),
        .init(39, "1 day", offset: "6 hours", "2024-01-01T05:59:59", "2023-12-31T06:00:00Z"),
        .init(40, "1 day", offset: "-3 hours", "1969-12-31T20:00:00", "1969-12-30T21:00:00Z"),
        .init(41, "7 days", offset: "-1 day", "2024-01-07T12:00:00", "2024-01-07T00:00:00Z"),
        .init(42, "1 hour", offset: "25 hours", "2024-01-01T10:00:00", "2024-01-01T10:00:00Z"),
        .init(43, "1 month", "1990-01-03T00:00:00", "1990-01-01T00:00:00Z"),
        .init(44, "2 months", "1990-04-03T00:00:00", "1990-03-01T00:00:00Z"),
        .init(45, "3 months", "1990-06-03T00:00:00", "1990-04-01T00:00:00Z"),
        .init(46, "3 months", origin: "2000-02-01", "1990-01-03T00:00:00", "1989-11-01T00:00:00Z"),
        .init(47, "2 months", origin: "2000-02-01", "1990-01-03T00:00:00", "1989-12-01T00:00:00Z"),
        .init(48, "3 months", origin: "2000-02-01", "1990-04-03T00:00:00", "1990-02-01T00:00:00Z"),
        .init(49, "1 month", "2024-02-29T23:59:59.999999", "2024-02-01T00:00:00Z"),
        .init(50, "1 month", "1969-12-31T23:59:59.999999", "1969-12-01T00:00:00Z"),
        .init(51, "3 months", "2024-08-15T10:00:00", "2024-07-01T00:00:00Z"),
        .init(52, "3 months", "1969-11-30T00:00:00", "1969-10-01T00:00:00Z"),
        .init(53, "1 year", "2024-07-04T12:34:56", "2024-01-01T00:00:00Z"),
        .init(54, "1 year", "1969-07-20T20:17:40", "1969-01-01T00:00:00Z"),
        .init(55, "1 year", "1999-12-31T23:59:59.999999", "1999-01-01T00:00:00Z"),
        .init(56, "1 year", origin: "2000-07-01", "2024-03-15T00:00:00", "2023-07-01T00:00:00Z"),
        .init(57, "1 month", origin: "2000-01-15", "2024-03-10T00:00:00", "2024-03-01T00:00:00Z"),
        .init(58, "5 years", "1955-05-05T00:00:00", "1955-01-01T00:00:00Z"),
        .init(59, "2 months", offset: "14 days", "1999-12-01T00:00:00", "1999-11-15T00:00:00Z"),
        .init(60, "2 months", offset: "14 days", "2000-01-15T00:00:00", "2000-01-15T00:00:00Z"),
        .init(61, "1 month", offset: "6 hours", "2024-03-01T03:00:00", "2024-02-01T06:00:00Z"),
        .init(62, "1 month", offset: "-6 hours", "2024-03-31T12:00:00", "2024-02-29T18:00:00Z"),
        // #63 (offset '1 month', calendar arithmetic) has no equivalent: `offset` is fixed units.
        // #64 and #65 (errors) are in `widthErrors` below.
    ]

    /// Every case in every resolution where its times fit Int64 (nanoseconds: 1677 to 2262).
    static let caseResolutions: [(Case, TimestampResolution)] = cases.flatMap { c in
        TimestampResolution.allCases.compactMap { res in
            [c.input, c.expected, c.origin ?? "2000-01-01"].allSatisfy { unix($0, res) != nil } ? (c, res) : nil
        }
    }

    // MARK: - The notes' table (§6.1)

    @Test(arguments: caseResolutions)
    func matchesTimescaleDB(_ c: Case, _ res: TimestampResolution) throws {
        let width = try Interval.parse(c.width, resolution: res).bucketWidth()
        let offset = try c.offset.map { try Interval.parse($0, resolution: res).units } ?? 0
        let bucket = TimeBucket(width, origin: c.origin.map { Self.unix($0, res)! }, offset: offset)
        try bucket.validate(resolution: res)
        let t = try #require(Self.unix(c.input, res)), expected = try #require(Self.unix(c.expected, res))
        let start = try bucket.start(of: t, resolution: res)
        #expect(start == expected, "got \(start), want \(expected) (\(c.expected))")
        #expect(try bucket.start(of: start, resolution: res) == start)   // a start is its own bucket
        let next = try #require(bucket.next(after: start, resolution: res))
        #expect(next > t)
        #expect(try bucket.start(of: next, resolution: res) == next)
        #expect(try bucket.start(of: next - 1, resolution: res) == start)   // the last unit of the bucket
    }

    @Test func eachSection6CaseRunsInMilliseconds() {
        #expect(Set(Self.caseResolutions.filter { $0.1 == .milliseconds }.map { $0.0.n }) == Set(1...62))
        #expect(Self.caseResolutions.count > 2 * Self.cases.count)
    }

    // MARK: - Integer semantics and Int64 extremes (§6.2: origin 0 behaves like the integer variant)

    struct IntegerCase: Sendable, CustomTestStringConvertible {
        let width: Int64, offset: Int64, t: Int64, expected: Int64?   // nil: out of range
        var testDescription: String { "w \(width) offset \(offset) t \(t)" }
    }

    static let integerCases: [IntegerCase] = {
        var rows: [IntegerCase] = []
        let table: [(Int64, [Int64], [Int64])] = [
            (0, [-11, -10, -9, -1, 0, 1, 99, 100, 109, 110], [-20, -10, -10, -10, 0, 0, 90, 100, 100, 110]),
            (2, [-9, -8, -7, 1, 2, 3, 101, 102, 111, 112], [-18, -8, -8, -8, 2, 2, 92, 102, 102, 112]),
            (-2, [-13, -12, -11, -3, -2, -1, 97, 98, 107, 108], [-22, -12, -12, -12, -2, -2, 88, 98, 98, 108]),
        ]
        for (offset, ts, want) in table { for (t, e) in zip(ts, want) { rows.append(.init(width: 10, offset: offset, t: t, expected: e)) } }
        rows += [
            .init(width: 10, offset: 0, t: .min, expected: nil),
            .init(width: 10, offset: 0, t: -9_223_372_036_854_775_801, expected: nil),
            .init(width: 10, offset: 0, t: -9_223_372_036_854_775_800, expected: -9_223_372_036_854_775_800),
            .init(width: 10, offset: 0, t: -9_223_372_036_854_775_799, expected: -9_223_372_036_854_775_800),
            .init(width: 10, offset: 0, t: .max, expected: 9_223_372_036_854_775_800),
            .init(width: 1000, offset: 1, t: -9_223_372_036_854_775_000, expected: nil),
            .init(width: 1000, offset: .max, t: .min, expected: nil),
            .init(width: .max, offset: 0, t: .max, expected: .max),
            .init(width: .max, offset: 0, t: -1, expected: -Int64.max),
            .init(width: .max, offset: 0, t: .min, expected: nil),
            .init(width: 1, offset: .min, t: .min, expected: .min),
        ]
        return rows
    }()

    @Test(arguments: integerCases)
    func integerVariantAndOverflow(_ c: IntegerCase) throws {
        let bucket = TimeBucket(.fixed(c.width), origin: 0, offset: c.offset)
        if let expected = c.expected {
            #expect(try bucket.start(of: c.t, resolution: .milliseconds) == expected)
        } else {
            #expect {
                _ = try bucket.start(of: c.t, resolution: .milliseconds)
            } throws: { e in
                let r = (e as? StrataError)?.reason ?? ""
                return r.contains("timestamp out of range") && r.contains("\(c.t)")
            }
        }
    }

    /// Extreme inputs never trap: a start is at most t, within one bucket of it, and its own bucket.
    @Test(arguments: TimestampResolution.allCases)
    func extremesNeverTrap(_ res: TimestampResolution) {
        let edges: [Int64] = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        let widths: [TimeBucket.Width] = [.fixed(1), .fixed(604_800_000), .fixed(.max), .months(1), .months(12), .months(.max)]
        for width in widths { for origin in [nil, Int64.min, 0, .max] { for offset in edges {
            let bucket = TimeBucket(width, origin: origin, offset: offset)
            _ = try? bucket.validate(resolution: res)
            for t in edges {
                let next = bucket.next(after: t, resolution: res)
                #expect(next.map { $0 > t } ?? true, "\(bucket) t \(t)")
                guard let s = try? bucket.start(of: t, resolution: res) else {
                    if case .fixed(let w) = width { #expect(t.subtractingReportingOverflow(w - 1).overflow, "\(bucket) t \(t)") }
                    continue
                }
                #expect(s <= t && (try? bucket.start(of: s, resolution: res)) == s, "\(bucket) t \(t)")
                if case .fixed(let w) = width { #expect(next.map { $0 - s == w } ?? true, "\(bucket) t \(t)") }
            }
        } } }
        // The last months in range: Int64.max's month starts in range, Int64.min's does not.
        #expect((try? TimeBucket(.months(1)).start(of: .max, resolution: res)) != nil)
        #expect(TimeBucket(.months(1)).next(after: .max, resolution: res) == nil)
        #expect(throws: StrataError.self) { try TimeBucket(.months(1)).start(of: .min, resolution: res) }
    }

    // MARK: - Calendar behaviour

    @Test(arguments: TimestampResolution.allCases)
    func weeksStartOnMondayBeforeAndAfterTheOrigin(_ res: TimestampResolution) throws {
        let day = 86_400 * res.unitsPerSecond
        let week = TimeBucket(.fixed(7 * day))
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let t = Int64.random(in: Self.unix("1700-01-01", res)!...Self.unix("2250-01-01", res)!, using: &rng)
            let s = try week.start(of: t, resolution: res)
            let days = s / day - (s % day < 0 ? 1 : 0)
            #expect(s % day == 0 && ((days % 7) + 7) % 7 == 4, "\(t)")   // 1970-01-05 (day 4) was a Monday
            #expect(t - s < 7 * day)
        }
    }

    @Test func monthOriginIgnoresDayAndTime() throws {
        let res = TimestampResolution.microseconds
        let plain = TimeBucket(.months(5), origin: Self.unix("2000-03-01", res))
        let midMonth = TimeBucket(.months(5), origin: Self.unix("2000-03-31T23:59:59.999999", res))
        for input in ["1969-01-01", "1999-12-31T23:59:59", "2000-03-01", "2024-06-15T10:00:00"] {
            let t = Self.unix(input, res)!
            #expect(try midMonth.start(of: t, resolution: res) == plain.start(of: t, resolution: res))
        }
        // The default origin is month 2000-01 (2000-01-03 for fixed widths).
        #expect(try TimeBucket(.months(7)).start(of: Self.unix("2000-08-01", res)!, resolution: res) == Self.unix("2000-08-01", res)!)
        #expect(try TimeBucket(.months(7), origin: Self.unix("2000-01-03", res)).start(of: Self.unix("2000-07-31", res)!, resolution: res)
            == Self.unix("2000-01-01", res)!)
    }

    @Test func nextStepsByCalendarMonthsThenAddsTheOffset() {
        let res = TimestampResolution.milliseconds, hour: Int64 = 3_600_000
        let monthly = TimeBucket(.months(1), offset: -6 * hour)   // buckets end 18:00 on the last day
        #expect(monthly.next(after: Self.unix("2024-02-29T18:00:00", res)!, resolution: res) == Self.unix("2024-03-31T18:00:00", res)!)
        #expect(TimeBucket(.months(12)).next(after: Self.unix("2023-01-01", res)!, resolution: res) == Self.unix("2024-01-01", res)!)
        #expect(TimeBucket(.fixed(0)).next(after: 0, resolution: res) == nil)
        // Not a bucket start: the bucket after the one holding it.
        #expect(TimeBucket(.fixed(hour)).next(after: Self.unix("2024-01-01T10:20:00", res)!, resolution: res) == Self.unix("2024-01-01T11:00:00", res)!)
    }

    // MARK: - Validation and errors (§6.1 #64, #65)

    static let widthErrors: [(String, String)] = [
        ("1 month 2 days", "month intervals cannot have day or time component"),
        ("1 year 1 day", "month intervals cannot have day or time component"),
        ("1 month 1 minute", "month intervals cannot have day or time component"),
        ("3 months 2 weeks", "month intervals cannot have day or time component"),
        ("0 hours", "period must be greater than 0"),
        ("-1 hour", "period must be greater than 0"),
        ("0 months", "period must be greater than 0"),
        ("-1 year", "period must be greater than 0"),
    ]

    @Test(arguments: widthErrors)
    func bucketWidthErrors(_ text: String, _ message: String) throws {
        let interval = try Interval.parse(text, resolution: .milliseconds)
        #expect { _ = try interval.bucketWidth() } throws: { ($0 as? StrataError)?.reason == message }
    }

    @Test(arguments: [TimeBucket(.fixed(0)), TimeBucket(.fixed(-5)), TimeBucket(.months(0)), TimeBucket(.months(-3))])
    func nonPositiveWidthsAreRejected(_ bucket: TimeBucket) {
        let isPeriodError: (any Error) -> Bool = { ($0 as? StrataError)?.reason.contains("period must be greater than 0") == true }
        #expect { try bucket.validate(resolution: .milliseconds) } throws: { isPeriodError($0) }
        #expect { _ = try bucket.start(of: 0, resolution: .milliseconds) } throws: { isPeriodError($0) }
    }

    @Test func monthOriginAndOffsetMustBeRepresentable() throws {
        try TimeBucket(.months(1), origin: 0, offset: -86_400_000).validate(resolution: .milliseconds)
        try TimeBucket(.fixed(1), origin: .min, offset: .max).validate(resolution: .nanoseconds)
        #expect(throws: StrataError.self) { try TimeBucket(.months(1), origin: .min).validate(resolution: .milliseconds) }
        #expect(throws: StrataError.self) { try TimeBucket(.months(1), offset: .max).validate(resolution: .milliseconds) }
        #expect(throws: StrataError.self) { try TimeBucket(.months(1), origin: -1, offset: .min).validate(resolution: .milliseconds) }
    }

    @Test func descriptionNamesWidthOriginAndOffset() {
        #expect(TimeBucket(.fixed(3_600_000)).description == "time_bucket(3600000 units)")
        #expect(TimeBucket(.months(1), origin: 0).description == "time_bucket(1 month, origin 0)")
        #expect(TimeBucket(.months(3), offset: -1_000).description == "time_bucket(3 months, offset -1000)")
    }

    // MARK: - Interval.parse

    static let spellings: [(String, TimestampResolution, Interval)] = [
        ("1 hour", .milliseconds, .init(units: 3_600_000)), ("15 minutes", .milliseconds, .init(units: 900_000)),
        ("1 day", .milliseconds, .init(units: 86_400_000)), ("7 days", .milliseconds, .init(units: 604_800_000)),
        ("2 weeks", .milliseconds, .init(units: 1_209_600_000)), ("1 month", .milliseconds, .init(months: 1)),
        ("3 months", .milliseconds, .init(months: 3)), ("1 year", .milliseconds, .init(months: 12)),
        ("2 hours 30 minutes", .milliseconds, .init(units: 9_000_000)), ("1 HOUR", .milliseconds, .init(units: 3_600_000)),
        ("1 microsecond", .microseconds, .init(units: 1)), ("3 us", .nanoseconds, .init(units: 3_000)),
        ("2 usecs", .microseconds, .init(units: 2)), ("1000 us", .milliseconds, .init(units: 1)),
        ("5 milliseconds", .milliseconds, .init(units: 5)), ("5 ms", .microseconds, .init(units: 5_000)),
        ("1 msec", .nanoseconds, .init(units: 1_000_000)), ("1 second", .milliseconds, .init(units: 1_000)),
        ("10 secs", .milliseconds, .init(units: 10_000)), ("1 s", .nanoseconds, .init(units: 1_000_000_000)),
        ("1 minute", .milliseconds, .init(units: 60_000)), ("5 mins", .milliseconds, .init(units: 300_000)),
        ("1 m", .milliseconds, .init(units: 60_000)), ("15min", .milliseconds, .init(units: 900_000)),
        ("2 hrs", .milliseconds, .init(units: 7_200_000)), ("1 h", .microseconds, .init(units: 3_600_000_000)),
        ("1h 30m", .milliseconds, .init(units: 5_400_000)), ("3 D", .milliseconds, .init(units: 259_200_000)),
        ("1 w", .milliseconds, .init(units: 604_800_000)), ("2 mons", .milliseconds, .init(months: 2)),
        ("1 mon", .milliseconds, .init(months: 1)), ("2 yrs", .milliseconds, .init(months: 24)),
        ("1 y", .milliseconds, .init(months: 12)), ("-2 minutes", .milliseconds, .init(units: -120_000)),
        ("1 year 2 months", .milliseconds, .init(months: 14)), ("1 month 2 days", .milliseconds, .init(months: 1, units: 172_800_000)),
        ("  1\thour  ", .milliseconds, .init(units: 3_600_000)), ("0 hours", .milliseconds, .init()),
    ]

    @Test(arguments: spellings)
    func parsesSpellings(_ text: String, _ res: TimestampResolution, _ expected: Interval) throws {
        #expect(try Interval.parse(text, resolution: res) == expected)
    }

    static let badIntervals: [(String, TimestampResolution, String)] = [
        ("", .milliseconds, "empty"), ("   ", .milliseconds, "empty"),
        ("1 fortnight", .milliseconds, "unknown unit \"fortnight\""), ("1.5 hours", .milliseconds, "fractional"),
        ("0.5 day", .milliseconds, "fractional"), ("hours", .milliseconds, "expected an integer amount"),
        ("1", .milliseconds, "has no unit"), ("-", .milliseconds, "expected an integer amount"),
        ("1 day 12:00:00", .milliseconds, "clock times"), ("1 hour 2 hours", .milliseconds, "hour is given twice"),
        ("1 h 1 hour", .milliseconds, "hour is given twice"), ("1 hour 1", .milliseconds, "has no unit"),
        ("1 microsecond", .milliseconds, "finer than the store's milliseconds resolution"),
        ("1500 us", .milliseconds, "finer than"), ("1 ns", .nanoseconds, "unknown unit"),
        ("99999999999999999999 ms", .milliseconds, "out of range"), ("9223372036854775807 weeks", .milliseconds, "out of range"),
        ("9223372036854775807 years", .milliseconds, "too many months"), ("+1 hour", .milliseconds, "expected an integer amount"),
        ("1 hours!", .milliseconds, "unknown unit"), ("١ hour", .milliseconds, "expected an integer amount"),
    ]

    @Test(arguments: badIntervals)
    func rejectsBadIntervals(_ text: String, _ res: TimestampResolution, _ problem: String) {
        #expect {
            _ = try Interval.parse(text, resolution: res)
        } throws: { e in
            guard let e = e as? StrataError, e.kind == .invalidArgument else { return false }
            return e.reason.contains("\"\(text)\"") && e.reason.contains(problem)
        }
    }

    @Test func intervalsBecomeWidths() throws {
        #expect(try Interval.parse("1 year", resolution: .milliseconds).bucketWidth() == .months(12))
        #expect(try Interval.parse("2 weeks", resolution: .nanoseconds).bucketWidth() == .fixed(1_209_600_000_000_000))
    }

    // MARK: - Property: start(of: t) <= t < next(after: start), and a start is its own bucket

    @Test(arguments: TimestampResolution.allCases)
    func startAndNextBracketEveryTimestamp(_ res: TimestampResolution) throws {
        var rng = SplitMix64(seed: 0x5EED + UInt64(res.rawValue))
        var checked = 0
        for i in 0..<20_000 {
            let t = i % 2 == 0 ? Int64.random(in: .min ... .max, using: &rng)
                : Int64.random(in: -5_000_000_000_000 ... 5_000_000_000_000, using: &rng) * (res.unitsPerSecond / 1_000)
            let width: TimeBucket.Width = switch rng.next() % 4 {
            case 0: .fixed(Int64.random(in: 1...100_000, using: &rng))
            case 1: .fixed(Int64.random(in: 1 ... .max, using: &rng))
            case 2: .months(Int.random(in: 1...1_200, using: &rng))
            default: .fixed(Int64.random(in: 1...10_000, using: &rng) * 86_400 * res.unitsPerSecond)
            }
            let origin: Int64? = rng.next() % 2 == 0 ? nil : Int64.random(in: .min ... .max, using: &rng) / 2
            let offset = rng.next() % 2 == 0 ? 0 : Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng)
            let bucket = TimeBucket(width, origin: origin, offset: offset)
            guard let s = try? bucket.start(of: t, resolution: res) else { continue }
            checked += 1
            #expect(s <= t, "\(bucket) t \(t)")
            #expect(try bucket.start(of: s, resolution: res) == s, "\(bucket) t \(t)")
            if let n = bucket.next(after: s, resolution: res) {
                #expect(t < n, "\(bucket) t \(t)")
                #expect(try bucket.start(of: n - 1, resolution: res) == s, "\(bucket) t \(t)")
            }
        }
        #expect(checked > 10_000)
    }
}
