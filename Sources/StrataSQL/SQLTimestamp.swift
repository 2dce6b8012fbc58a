// ISO-8601 timestamps <-> store units, UTC only, and the calendar arithmetic
// SQL needs (timestamp + INTERVAL '1 month' clamps the day like PostgreSQL's
// timestamp_pl_interval). No Foundation: proleptic Gregorian conversions after
// Howard Hinnant's days_from_civil / civil_from_days
// (https://howardhinnant.github.io/date_algorithms.html), day 0 = 1970-01-01.
//
// Thread safety: pure functions.

import Strata

/// Timestamps as text: ISO-8601 and the usual SQL spellings, in a store's units, UTC.
///
/// ```swift
/// let t = try SQLTimestamp.parse("2026-01-01 10:00", resolution: .milliseconds)   // 1_767_261_600_000
/// SQLTimestamp.format(t, resolution: .milliseconds)                                // "2026-01-01T10:00:00Z"
/// SQLTimestamp.format(t + 123, resolution: .milliseconds)                          // "2026-01-01T10:00:00.123Z"
/// ```
public enum SQLTimestamp {
    /// Parses `'2026-01-01'`, `'2026-01-01 10:00'`, `'2026-01-01T10:00:00'`,
    /// `'2026-01-01T10:00:00.123Z'`, `'2026-01-01 10:00:00+02:00'` (also `+0200`, `+02`,
    /// ` UTC`) into `resolution`'s units since the Unix epoch, UTC. Without a zone the text
    /// is UTC. Fractional seconds may have up to 9 digits; digits finer than the
    /// resolution must be zero (a timestamp is never rounded). Years are 4 digits, or
    /// signed with more (`+12345-01-01`, `-0001-01-01`), as ``format(_:resolution:)`` writes them.
    ///
    /// Throws an ``SQLError`` without a position naming the text and the problem.
    /// ```swift
    /// try SQLTimestamp.parse("2026-01-01T10:00:00.5+01:00", resolution: .milliseconds)   // 1_767_258_000_500
    /// try SQLTimestamp.parse("2026-02-30", resolution: .milliseconds)                     // throws: day 30 ...
    /// ```
    public static func parse(_ text: String, resolution: TimestampResolution) throws(SQLError) -> Int64 {
        do throws(TimestampProblem) {
            var parser = TimestampParser(text, resolution: resolution)
            return try parser.parse()
        } catch {
            throw SQLError("invalid timestamp '\(text)': \(error.text)")
        }
    }

    /// `2026-01-01T10:00:00Z`, with a fraction only when it is not zero: 3, 6 or 9 digits,
    /// as few as represent it exactly (".123", ".123456", ".123456789"). Always UTC.
    /// Years outside 0...9999 are signed (`+12345-...`, `-0001-...`).
    ///
    /// ```swift
    /// SQLTimestamp.format(0, resolution: .nanoseconds)              // "1970-01-01T00:00:00Z"
    /// SQLTimestamp.format(1_500, resolution: .microseconds)         // "1970-01-01T00:00:00.001500Z"
    /// ```
    public static func format(_ t: Int64, resolution: TimestampResolution) -> String {
        let ups = resolution.unitsPerSecond
        // Remainder first: `t - floorDiv(t, ups) * ups` overflows near Int64.min
        // (regression: fuzz-sql, `timestamp != '1013-01-01'` printed the range from Int64.min).
        let r = t % ups
        let fraction = r < 0 ? r + ups : r
        let seconds = t / ups - (r < 0 ? 1 : 0)
        let days = Calendar.floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let date = Calendar.civil(fromDays: days)
        var s = yearText(date.year) + "-" + pad(date.month, 2) + "-" + pad(date.day, 2)
        s += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if fraction != 0 {
            let nanos = fraction * (1_000_000_000 / ups)
            if nanos % 1_000_000 == 0 {
                s += "." + pad(nanos / 1_000_000, 3)
            } else if nanos % 1_000 == 0 {
                s += "." + pad(nanos / 1_000, 6)
            } else {
                s += "." + pad(nanos, 9)
            }
        }
        return s + "Z"
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let digits = String(v)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func yearText(_ year: Int64) -> String {
        if year < 0 { return "-" + pad(-year, 4) }
        if year > 9999 { return "+" + String(year) }
        return pad(year, 4)
    }

    /// `t` plus `interval` with PostgreSQL's order: calendar months first (the day clamped
    /// to the month's length), then the fixed part. Nil when the result leaves Int64.
    static func add(_ interval: Interval, to t: Int64, resolution: TimestampResolution) -> Int64? {
        var t = t
        if interval.months != 0 {
            let perDay = resolution.unitsPerSecond * 86_400
            let days = Calendar.floorDiv(t, perDay)
            let withinDay = t - days * perDay
            let date = Calendar.civil(fromDays: days)
            let monthIndex = date.year * 12 + (date.month - 1) + Int64(interval.months)
            let year = Calendar.floorDiv(monthIndex, 12), month = monthIndex - year * 12 + 1
            guard abs(year) < 1_000_000 else { return nil }
            let day = min(date.day, Calendar.daysIn(month: month, year: year))
            let (scaled, o1) = Calendar.days(year: year, month: month, day: day).multipliedReportingOverflow(by: perDay)
            let (sum, o2) = scaled.addingReportingOverflow(withinDay)
            guard !o1, !o2 else { return nil }
            t = sum
        }
        let (r, o) = t.addingReportingOverflow(interval.units)
        return o ? nil : r
    }

    /// A duration in store units as text: "1 day", "2 days 3 hours", "90 ms" (SHOW PARTITIONS).
    static func duration(_ units: Int64, resolution: TimestampResolution) -> String {
        guard units != 0 else { return "0" }
        let nanosPerUnit = 1_000_000_000 / resolution.unitsPerSecond
        var rest = units.magnitude
        var parts: [String] = []
        let steps: [(String, UInt64)] = [("day", 86_400_000_000_000), ("hour", 3_600_000_000_000), ("minute", 60_000_000_000),
                                         ("second", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1)]
        for (name, nanos) in steps where nanos >= UInt64(nanosPerUnit) {
            let size = nanos / UInt64(nanosPerUnit)
            let n = rest / size
            rest -= n * size
            if n > 0 { parts.append(name.count > 2 ? "\(n) \(name)\(n == 1 ? "" : "s")" : "\(n) \(name)") }
        }
        return (units < 0 ? "-" : "") + parts.joined(separator: " ")
    }
}

/// Proleptic Gregorian calendar arithmetic (Hinnant's algorithms), day 0 = 1970-01-01.
enum Calendar {
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q
    }

    /// Days since 1970-01-01 of `year`-`month`-`day`.
    static func days(year y: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of day `z` since 1970-01-01.
    static func civil(fromDays z: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }

    static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(month m: Int64, year y: Int64) -> Int64 {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Why a timestamp text did not parse (wrapped into an SQLError naming the text).
struct TimestampProblem: Error {
    var text: String
}

/// A hand-written scanner for the accepted timestamp spellings.
private struct TimestampParser {
    let chars: [Unicode.Scalar]
    let resolution: TimestampResolution
    var i = 0
    static let expected = "expected YYYY-MM-DD[ HH:MM[:SS[.fraction]]][Z|+HH:MM]"

    init(_ text: String, resolution: TimestampResolution) {
        var scalars = Array(text.unicodeScalars)
        while let f = scalars.first, f == " " || f == "\t" || f == "\n" || f == "\r" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" || l == "\n" || l == "\r" { scalars.removeLast() }
        chars = scalars
        self.resolution = resolution
    }

    var atEnd: Bool { i >= chars.count }
    var current: Unicode.Scalar? { atEnd ? nil : chars[i] }

    static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { $0 >= "0" && $0 <= "9" } ?? false }

    /// Digits (at least `min`, at most `max`) as a number.
    mutating func number(min: Int, max: Int) throws(TimestampProblem) -> Int64 {
        var v: Int64 = 0, n = 0
        while n < max, Self.isDigit(current) {
            v = v * 10 + Int64(chars[i].value - 48)
            i += 1
            n += 1
        }
        guard n >= min else { throw TimestampProblem(text: Self.expected) }
        return v
    }

    mutating func expect(_ c: Unicode.Scalar) throws(TimestampProblem) {
        guard current == c else { throw TimestampProblem(text: Self.expected) }
        i += 1
    }

    mutating func skipSpaces() { while current == " " { i += 1 } }

    mutating func parse() throws(TimestampProblem) -> Int64 {
        guard !chars.isEmpty else { throw TimestampProblem(text: "it is empty") }
        // Year: 4 digits, or a sign and 4 to 6 digits.
        var year: Int64
        if current == "+" || current == "-" {
            let negative = current == "-"
            i += 1
            year = try number(min: 4, max: 6)
            if negative { year = -year }
        } else {
            year = try number(min: 4, max: 4)
        }
        try expect("-")
        let month = try number(min: 1, max: 2)
        try expect("-")
        let day = try number(min: 1, max: 2)
        guard (1...12).contains(month) else { throw TimestampProblem(text: "month \(month) is out of range") }
        guard day >= 1 && day <= Calendar.daysIn(month: month, year: year) else {
            throw TimestampProblem(text: "day \(day) does not exist in \(year)-\(SQLTimestamp.pad(month, 2))")
        }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, nanos: Int64 = 0
        var zoneSeconds: Int64 = 0
        if current == "T" || current == "t" || current == " " {
            if current == " " { skipSpaces() } else {
                i += 1
                guard Self.isDigit(current) else { throw TimestampProblem(text: Self.expected) }
            }
            if Self.isDigit(current) {
                hour = try number(min: 1, max: 2)
                try expect(":")
                minute = try number(min: 2, max: 2)
                if current == ":" {
                    i += 1
                    second = try number(min: 2, max: 2)
                    if current == "." || current == "," {
                        i += 1
                        var digits = 0
                        guard Self.isDigit(current) else { throw TimestampProblem(text: Self.expected) }
                        while Self.isDigit(current) {
                            let d = Int64(chars[i].value - 48)
                            if digits < 9 {
                                nanos = nanos * 10 + d
                            } else if d != 0 {
                                throw TimestampProblem(text: "fractional seconds finer than nanoseconds")
                            }
                            digits += 1
                            i += 1
                        }
                        for _ in digits..<max(digits, 9) { nanos *= 10 }
                    }
                }
                guard hour <= 23 else { throw TimestampProblem(text: "hour \(hour) is out of range") }
                guard minute <= 59 else { throw TimestampProblem(text: "minute \(minute) is out of range") }
                guard second <= 59 else { throw TimestampProblem(text: "second \(second) is out of range") }
            }
            zoneSeconds = try zone()
        }
        guard atEnd else { throw TimestampProblem(text: Self.expected) }
        let nanosPerUnit = 1_000_000_000 / resolution.unitsPerSecond
        guard nanos % nanosPerUnit == 0 else {
            throw TimestampProblem(text: "fractional seconds finer than the store's \(resolution) resolution")
        }
        let days = Calendar.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - zoneSeconds
        // In 128 bits: the seconds of the earliest nanosecond timestamp (1677-09-21T00:12:43.145224192Z,
        // what format(Int64.min) writes) leave Int64 before its fraction brings them back.
        guard let t = Int64(exactly: Int128(seconds) * Int128(resolution.unitsPerSecond) + Int128(nanos / nanosPerUnit)) else {
            throw TimestampProblem(text: "out of range for a \(resolution) timestamp")
        }
        return t
    }

    /// An optional zone: Z, UTC, GMT, +HH, +HHMM, +HH:MM (spaces before it allowed); seconds east of UTC.
    mutating func zone() throws(TimestampProblem) -> Int64 {
        skipSpaces()
        guard let c = current else { return 0 }
        if c == "Z" || c == "z" {
            i += 1
            return 0
        }
        let rest = String(String.UnicodeScalarView(chars[i...])).uppercased()
        if rest == "UTC" || rest == "GMT" {
            i = chars.count
            return 0
        }
        guard c == "+" || c == "-" else { throw TimestampProblem(text: Self.expected) }
        i += 1
        let hours = try number(min: 2, max: 2)
        var minutes: Int64 = 0
        if current == ":" { i += 1 }
        if Self.isDigit(current) { minutes = try number(min: 2, max: 2) }
        guard hours <= 15, minutes <= 59 else { throw TimestampProblem(text: "zone offset out of range") }
        let s = hours * 3600 + minutes * 60
        return c == "-" ? -s : s
    }
}
