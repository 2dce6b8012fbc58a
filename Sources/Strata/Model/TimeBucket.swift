// TimescaleDB's `time_bucket`, in a store's timestamp units (UTC only).
//
// Semantics follow timescale/timescaledb src/time_bucket.c
// (@ 1e3200be7db529560d12a0a2323ed962e8614301): `TIME_BUCKET_TS` for fixed widths,
// `bucket_month` for month widths, and sql/time_bucket.sql's offset variant
// `time_bucket(w, ts - offset) + offset` (@ 20ec6914c073a51d6e866d2c2142b7ca898b518d).
// Expected values come from test/expected/timestamp.out and timescale/docs api/time_bucket.md.
//
//   fixed width w:  start = origin + floor((t - origin) / w) * w
//                   origin defaults to 2000-01-03T00:00:00Z (a Monday, so weeks start on Monday)
//   months m:       i = year * 12 + month - 1 of the UTC date of t (the origin's likewise, 2000-01
//                   by default; the origin's day and time are ignored, as in `bucket_month`)
//                   start = first day of month (o + floor((i - o) / m) * m), 00:00 UTC
//   offset:         start(t) = bucket(t - offset) + offset
//
// Where this differs from TimescaleDB, and why:
// - Arithmetic is exact in 128 bits; the only error is a bucket start outside Int64.
//   TimescaleDB also refuses a few timestamps within one width of its range ends whose
//   intermediate `ts - shift` overflows; here they get their (representable) bucket.
// - `offset` is a fixed amount of timestamp units. TimescaleDB also accepts an interval with
//   months as offset (calendar arithmetic); Strata has no such offset.
// - Years before 1 AD use astronomical numbering (1 BC = year 0) with floor division, like
//   TimescaleDB's later normalisation of negative month indexes.
//
// Thread safety: value types, no shared state.

/// A `time_bucket` width, origin and offset with TimescaleDB's semantics, in a store's timestamp units.
///
/// ```swift
/// let hourly = TimeBucket(.fixed(3_600_000))                 // milliseconds store
/// try hourly.start(of: 1_294_030_861_111, resolution: .milliseconds)   // 2011-01-03T05:01:01.111Z
/// // -> 1_294_030_800_000                                        2011-01-03T05:00:00Z
/// let quarters = TimeBucket(.months(3))                      // Jan, Apr, Jul, Oct
/// let sundayWeeks = TimeBucket(.fixed(7 * 86_400_000), offset: -86_400_000)
/// ```
public struct TimeBucket: Sendable, Hashable, CustomStringConvertible {
    /// How wide a bucket is: a fixed duration, or a number of calendar months.
    ///
    /// ```swift
    /// let day = TimeBucket.Width.fixed(86_400_000)   // 1 day in a milliseconds store
    /// let year = TimeBucket.Width.months(12)
    /// ```
    public enum Width: Sendable, Hashable {
        /// A fixed width in timestamp units (> 0): seconds, hours, days and weeks are fixed.
        case fixed(Int64)
        /// A number of calendar months (> 0), in UTC: months and years.
        case months(Int)
    }

    /// The bucket width.
    ///
    /// ```swift
    /// var b = TimeBucket(.fixed(60_000)); b.width = .months(1)
    /// ```
    public var width: Width
    /// Where buckets are aligned, in timestamp units since the Unix epoch; nil: TimescaleDB's
    /// default (2000-01-03T00:00:00Z, a Monday, for fixed widths; month 2000-01 for months).
    ///
    /// For month widths only the origin's UTC year and month count.
    /// ```swift
    /// let fiscalYears = TimeBucket(.months(12), origin: 962_409_600_000)   // 2000-07-01
    /// ```
    public var origin: Int64?
    /// Buckets shifted by this many timestamp units (TimescaleDB's `offset`: time_bucket(w, t - offset) + offset).
    ///
    /// ```swift
    /// let daysFrom6AM = TimeBucket(.fixed(86_400_000), offset: 6 * 3_600_000)
    /// ```
    public var offset: Int64

    /// A bucket of `width`, aligned at `origin` (TimescaleDB's default when nil) and shifted by `offset`.
    ///
    /// ```swift
    /// let fiveMinutes = TimeBucket(.fixed(300_000), offset: 120_000)   // :02, :07, :12, ...
    /// ```
    public init(_ width: Width, origin: Int64? = nil, offset: Int64 = 0) {
        self.width = width
        self.origin = origin
        self.offset = offset
    }

    /// The start of the bucket holding `t`; `.invalidArgument` ("timestamp out of range", naming t) when it falls outside Int64.
    ///
    /// A width that is not positive throws `.invalidArgument` ("period must be greater than 0").
    /// ```swift
    /// let week = TimeBucket(.fixed(7 * 86_400_000))
    /// try week.start(of: 0, resolution: .milliseconds)   // -345_600_000: Monday 1969-12-29
    /// ```
    public func start(of t: Int64, resolution: TimestampResolution) throws(StrataError) -> Int64 {
        try checkWidth()
        guard let s = Int64(exactly: bucketStart(holding: t, resolution: resolution, after: 0)) else {
            throw StrataError(.invalidArgument, "timestamp out of range: the bucket of \(t) for \(self) starts outside the Int64 range")
        }
        return s
    }

    /// The start of the bucket after the one starting at `start` (nil when past Int64.max).
    ///
    /// When `start` is not a bucket start, the bucket after the one holding it. Nil also for a
    /// width that is not positive. Month buckets step by calendar months (then add the offset).
    /// ```swift
    /// TimeBucket(.months(1)).next(after: 1_706_745_600_000, resolution: .milliseconds)
    /// // 2024-02-01 -> 1_709_251_200_000 (2024-03-01)
    /// ```
    public func next(after start: Int64, resolution: TimestampResolution) -> Int64? {
        guard (try? checkWidth()) != nil else { return nil }
        return Int64(exactly: bucketStart(holding: start, resolution: resolution, after: 1))
    }

    /// Checks the width (> 0) and, for months, that origin/offset are representable; throws `.invalidArgument`.
    ///
    /// For months: the first instant of the origin's month, and that instant plus `offset`
    /// (the bucket boundary the grid is anchored at), must lie in the Int64 range.
    /// ```swift
    /// try TimeBucket(.fixed(0)).validate(resolution: .milliseconds)   // throws: period must be greater than 0
    /// ```
    public func validate(resolution: TimestampResolution) throws(StrataError) {
        try checkWidth()
        guard case .months = width else { return }
        let day = Int128(resolution.unitsPerSecond) * 86_400
        guard let first = Civil.firstDay(ofMonthIndex: originMonth(unitsPerDay: day)), Int64(exactly: Int128(first) * day) != nil else {
            throw StrataError(.invalidArgument, "origin \(origin.map(String.init) ?? "default"): its month starts outside the timestamp range")
        }
        guard Int64(exactly: Int128(first) * day + Int128(offset)) != nil else {
            throw StrataError(.invalidArgument, "offset \(offset) moves the origin's month start outside the timestamp range")
        }
    }

    /// A short human-readable form, for logs: width, then origin and offset when set.
    ///
    /// ```swift
    /// TimeBucket(.months(3), offset: 1_000).description   // "time_bucket(3 months, offset 1000)"
    /// ```
    public var description: String {
        var s: String
        switch width {
        case .fixed(let w): s = "\(w) units"
        case .months(let m): s = m == 1 ? "1 month" : "\(m) months"
        }
        if let origin { s += ", origin \(origin)" }
        if offset != 0 { s += ", offset \(offset)" }
        return "time_bucket(\(s))"
    }

    // MARK: - Arithmetic (exact, in 128 bits: every Int64 input and result fits with room to spare)

    /// 2000-01-03T00:00:00Z in seconds since the Unix epoch: TimescaleDB's `JAN_3_2000`.
    static let defaultOriginSeconds: Int64 = 946_857_600

    private func checkWidth() throws(StrataError) {
        let positive = switch width {
        case .fixed(let w): w > 0
        case .months(let m): m > 0
        }
        guard positive else { throw StrataError(.invalidArgument, "period must be greater than 0 (\(self))") }
    }

    /// The month index (year * 12 + month - 1) month buckets align at: the origin's UTC month, or 2000-01.
    private func originMonth(unitsPerDay day: Int128) -> Int128 {
        Int128(origin.map { Civil.monthIndex(ofDay: Int64(floorDiv(Int128($0), day))) } ?? Civil.defaultOriginMonth)
    }

    /// The start of the bucket `after` buckets past the one holding `t`, possibly outside Int64.
    private func bucketStart(holding t: Int64, resolution: TimestampResolution, after: Int128) -> Int128 {
        switch width {
        case .fixed(let w):
            let w = Int128(w)
            let o = Int128(origin ?? Self.defaultOriginSeconds * resolution.unitsPerSecond) + Int128(offset)
            return o + (floorDiv(Int128(t) - o, w) + after) * w
        case .months(let m):
            let day = Int128(resolution.unitsPerSecond) * 86_400
            let shifted = Int128(t) - Int128(offset)   // |shifted| < 2^64, so days fit Int64
            let ti = Int128(Civil.monthIndex(ofDay: Int64(floorDiv(shifted, day))))
            let oi = originMonth(unitsPerDay: day)
            let m = Int128(m)
            let r = oi + (floorDiv(ti - oi, m) + after) * m
            // A month index this far out starts far beyond Int64 at any resolution.
            guard let first = Civil.firstDay(ofMonthIndex: r) else { return r < 0 ? Int128(Int64.min) - 1 : Int128(Int64.max) + 1 }
            return Int128(first) * day + Int128(offset)
        }
    }

    /// Proleptic Gregorian calendar conversions, after Howard Hinnant's `days_from_civil` and
    /// `civil_from_days` ("chrono-Compatible Low-Level Date Algorithms",
    /// https://howardhinnant.github.io/date_algorithms.html). Day 0 is 1970-01-01.
    enum Civil {
        /// Month 2000-01 as a month index (year * 12 + month - 1).
        static let defaultOriginMonth: Int64 = 2000 * 12

        /// Days since 1970-01-01 of year `y`, month `m` (1...12), day `d` (1...31).
        static func daysFromCivil(year y: Int64, month m: Int64, day d: Int64) -> Int64 {
            let y = m <= 2 ? y - 1 : y
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400                                  // [0, 399]
            let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1  // [0, 365], March first
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy          // [0, 146096]
            return era * 146_097 + doe - 719_468
        }

        /// The date of day `z` since 1970-01-01 (|z| below about 10^15).
        static func civilFromDays(_ z: Int64) -> (year: Int64, month: Int64, day: Int64) {
            let z = z + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097                                          // [0, 146096]
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365     // [0, 399]
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)                    // [0, 365]
            let mp = (5 * doy + 2) / 153                                         // [0, 11], March = 0
            let d = doy - (153 * mp + 2) / 5 + 1
            let m = mp < 10 ? mp + 3 : mp - 9
            return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
        }

        /// year * 12 + month - 1 of the UTC date of day `z`.
        static func monthIndex(ofDay z: Int64) -> Int64 {
            let date = civilFromDays(z)
            return date.year * 12 + date.month - 1
        }

        /// Days since 1970-01-01 of the first of month index `r`; nil beyond ±10^9 years.
        static func firstDay(ofMonthIndex r: Int128) -> Int64? {
            let year = floorDiv(r, 12)
            guard let y = Int64(exactly: year), abs(y) <= 1_000_000_000 else { return nil }
            return daysFromCivil(year: y, month: Int64(r - year * 12) + 1, day: 1)
        }
    }
}

/// Division rounding toward negative infinity (Swift's `/` truncates toward zero); `b > 0`.
private func floorDiv<T: BinaryInteger>(_ a: T, _ b: T) -> T {
    let q = a / b
    return a % b < 0 ? q - 1 : q
}

/// A PostgreSQL-style interval: months plus a fixed amount in timestamp units.
///
/// ```swift
/// let i = try Interval.parse("2 hours 30 minutes", resolution: .milliseconds)
/// // Interval(months: 0, units: 9_000_000); try i.bucketWidth() == .fixed(9_000_000)
/// ```
public struct Interval: Sendable, Hashable {
    /// Calendar months (a year is 12).
    ///
    /// ```swift
    /// try Interval.parse("1 year", resolution: .milliseconds).months   // 12
    /// ```
    public var months: Int
    /// The fixed part (weeks, days, hours, ...), in timestamp units.
    ///
    /// ```swift
    /// try Interval.parse("1 day", resolution: .milliseconds).units   // 86_400_000
    /// ```
    public var units: Int64

    /// An interval of `months` calendar months plus `units` timestamp units.
    ///
    /// ```swift
    /// let quarter = Interval(months: 3)
    /// ```
    public init(months: Int = 0, units: Int64 = 0) {
        self.months = months
        self.units = units
    }

    /// Parses a PostgreSQL-style interval such as "1 hour", "15 minutes", "7 days", "2 weeks",
    /// "3 months", "1 year" or "2 hours 30 minutes" into `resolution`'s units.
    ///
    /// Each part is an integer amount (optionally negative, with a leading '-') and a unit,
    /// case-insensitive, singular or plural: microsecond/us/usec, millisecond/ms/msec,
    /// second/sec/s, minute/min/m, hour/hr/h, day/d, week/w, month/mon, year/yr/y.
    /// The amount may touch its unit ("15min"); a unit may appear once. A day is 24 hours and a
    /// week 7 days; a year is 12 months. Errors are `.invalidArgument` naming the text and the
    /// problem: an empty text, an unknown unit, a fraction ("1.5 hours"), a clock time
    /// ("12:00:00"), an amount out of range, or an amount finer than `resolution` that is not a
    /// whole number of its units ("1 microsecond" in a milliseconds store; "1000 us" is fine).
    /// ```swift
    /// try Interval.parse("15 minutes", resolution: .milliseconds)     // units: 900_000
    /// try Interval.parse("1 microsecond", resolution: .milliseconds)  // throws: finer than the resolution
    /// ```
    public static func parse(_ text: String, resolution: TimestampResolution) throws(StrataError) -> Interval {
        func fail(_ problem: String) -> StrataError {
            StrataError(.invalidArgument, "invalid interval \"\(text)\": \(problem)")
        }
        var tokens = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)[...]
        guard !tokens.isEmpty else { throw fail("it is empty") }
        var result = Interval()
        var seen: Set<String> = []
        while let token = tokens.popFirst() {
            let isDigit: (Character) -> Bool = { $0 >= "0" && $0 <= "9" }
            let digitsStart = token.hasPrefix("-") ? token.index(after: token.startIndex) : token.startIndex
            let digitsEnd = token[digitsStart...].firstIndex(where: { !isDigit($0) }) ?? token.endIndex
            guard digitsEnd > digitsStart else { throw fail("expected an integer amount, found \"\(token)\"") }
            let number = token[..<digitsEnd]
            var unitName = String(token[digitsEnd...])
            if unitName.hasPrefix(".") || unitName.hasPrefix(",") { throw fail("fractional amounts are not supported (\"\(token)\")") }
            if unitName.hasPrefix(":") { throw fail("clock times are not supported (\"\(token)\"); write \"12 hours\"") }
            if unitName.isEmpty {
                guard let next = tokens.popFirst() else { throw fail("\"\(token)\" has no unit") }
                unitName = next
            }
            guard let unit = Unit(unitName) else { throw fail("unknown unit \"\(unitName)\"") }
            guard seen.insert(unit.name).inserted else { throw fail("\(unit.name) is given twice") }
            guard let amount = Int64(number) else { throw fail("amount \(number) is out of range") }
            switch unit.size {
            case .months(let perUnit):
                guard let a = Int(exactly: amount) else { throw fail("too many months") }
                let (m, o1) = a.multipliedReportingOverflow(by: perUnit)
                let (sum, o2) = result.months.addingReportingOverflow(m)
                guard !o1, !o2 else { throw fail("too many months") }
                result.months = sum
            case .nanoseconds(let perUnit):
                let nanosPerTick = 1_000_000_000 / resolution.unitsPerSecond
                let ticks: Int64
                if perUnit % nanosPerTick == 0 {
                    let (v, o) = amount.multipliedReportingOverflow(by: perUnit / nanosPerTick)
                    guard !o else { throw fail("\(amount) \(unit.name)(s) is out of range") }
                    ticks = v
                } else {
                    let ratio = nanosPerTick / perUnit   // units and resolutions are powers of ten apart
                    guard amount % ratio == 0 else {
                        throw fail("\(amount) \(unit.name)(s) is finer than the store's \(resolution) resolution")
                    }
                    ticks = amount / ratio
                }
                let (sum, o) = result.units.addingReportingOverflow(ticks)
                guard !o else { throw fail("the total is out of range") }
                result.units = sum
            }
        }
        return result
    }

    /// The bucket width of this interval: months only -> .months, no months -> .fixed; both -> error
    /// "month intervals cannot have day or time component" (TimescaleDB's message); zero or negative -> error.
    ///
    /// ```swift
    /// try Interval(months: 3).bucketWidth()              // .months(3)
    /// try Interval(months: 1, units: 1).bucketWidth()    // throws
    /// ```
    public func bucketWidth() throws(StrataError) -> TimeBucket.Width {
        if months != 0 && units != 0 {
            throw StrataError(.invalidArgument, "month intervals cannot have day or time component")
        }
        if months > 0 { return .months(months) }
        if months == 0 && units > 0 { return .fixed(units) }
        throw StrataError(.invalidArgument, "period must be greater than 0")
    }

    /// A unit name of `parse` and its size.
    private struct Unit {
        enum Size { case nanoseconds(Int64), months(Int) }
        let name: String
        let size: Size

        init?(_ spelling: String) {
            let plural: Set<String> = ["microsecond", "usec", "millisecond", "msec", "second", "sec", "minute", "min",
                                       "hour", "hr", "day", "week", "month", "mon", "year", "yr"]
            let s = spelling.hasSuffix("s") && plural.contains(String(spelling.dropLast())) ? String(spelling.dropLast()) : spelling
            switch s {
            case "microsecond", "us", "usec": (name, size) = ("microsecond", .nanoseconds(1_000))
            case "millisecond", "ms", "msec": (name, size) = ("millisecond", .nanoseconds(1_000_000))
            case "second", "sec", "s": (name, size) = ("second", .nanoseconds(1_000_000_000))
            case "minute", "min", "m": (name, size) = ("minute", .nanoseconds(60_000_000_000))
            case "hour", "hr", "h": (name, size) = ("hour", .nanoseconds(3_600_000_000_000))
            case "day", "d": (name, size) = ("day", .nanoseconds(86_400_000_000_000))
            case "week", "w": (name, size) = ("week", .nanoseconds(604_800_000_000_000))
            case "month", "mon": (name, size) = ("month", .months(1))
            case "year", "yr", "y": (name, size) = ("year", .months(12))
            default: return nil
            }
        }
    }
}
