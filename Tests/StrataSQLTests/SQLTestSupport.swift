// Shared fixtures of the StrataSQL tests: stores on an in-memory file system,
// sessions with a fixed clock, calendar arithmetic written independently of
// the code under test, and a way to catch SQLError from typed-throwing calls.

@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

enum SQLFixtures {
    static let second: Int64 = 1_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    /// 2026-01-01T00:00:00Z in milliseconds (the seed's start_time).
    static let jan1: Int64 = 1_767_225_600_000

    /// A fresh millisecond store on its own in-memory file system. Automatic compaction
    /// and age-based flushes are off so two reads of the same data agree to the bit.
    static func store(partition: Int64? = nil, blockRows: Int = 64, memtableBytes: Int = 1 << 20,
                      resolution: TimestampResolution? = nil) throws -> Store {
        var options = StoreFixtures.options(InMemoryFileSystem(), memtableBytes: memtableBytes, blockRows: blockRows)
        options.partitionDuration = partition
        options.memtableMaxAge = nil
        options.compactionTrigger = 0
        options.resolution = resolution
        return try Store(at: "/sql", options: options)
    }

    /// A session whose now() is `now` (default 2026-01-01T12:00:00Z).
    static func session(_ store: Store, now: Int64 = jan1 + 12 * hour) -> SQLSession {
        SQLSession(store: store, now: { now })
    }

    /// Milliseconds since the epoch of a UTC date and time, counted naively (year by year,
    /// month by month) so it shares nothing with SQLTimestamp's or TimeBucket's arithmetic.
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0,
                    ms: Int = 0) -> Int64 {
        func leap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        let monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var days = 0
        if year >= 1970 {
            for y in 1970..<year { days += leap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { days -= leap(y) ? 366 : 365 }
        }
        for m in 1..<month { days += monthDays[m - 1] + (m == 2 && leap(year) ? 1 : 0) }
        days += day - 1
        let seconds = ((Int64(days) * 24 + Int64(hour)) * 60 + Int64(minute)) * 60 + Int64(second)
        return seconds * 1_000 + Int64(ms)
    }

    /// `YYYY-MM-DD[ HH:MM[:SS[.fraction]]]` (UTC) in `resolution`'s units, via `utc` (not SQLTimestamp).
    static func units(_ text: String, _ resolution: TimestampResolution = .milliseconds) -> Int64 {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        let date = parts[0].split(separator: "-").map { Int($0)! }
        var clock = [0, 0, 0]
        var fraction = Substring("")
        if parts.count > 1 {
            let time = parts[1].split(separator: ".", maxSplits: 1)
            for (i, c) in time[0].split(separator: ":").enumerated() { clock[i] = Int(c)! }
            if time.count > 1 { fraction = time[1] }
        }
        let seconds = utc(date[0], date[1], date[2], clock[0], clock[1], clock[2]) / 1_000
        let digits = String(resolution.unitsPerSecond).count - 1   // 3, 6 or 9
        let padded = fraction + String(repeating: "0", count: max(0, digits - fraction.count))
        precondition(padded.count == digits, "\(text) is finer than \(resolution)")
        return seconds * resolution.unitsPerSecond + (Int64(padded) ?? 0)
    }

    /// The SQLError `body` throws, or nil (anything else thrown is an issue).
    static func error<T>(_ body: () throws -> T) -> SQLError? {
        do {
            _ = try body()
            return nil
        } catch let error as SQLError {
            return error
        } catch {
            Issue.record("not an SQLError: \(error)")
            return nil
        }
    }

    /// 1-based line and column (in Unicode scalars) of the `occurrence`-th `marker` in `text`.
    static func position(of marker: String, occurrence: Int = 1, in text: String) -> (line: Int, column: Int)? {
        let s = Array(text.unicodeScalars), m = Array(marker.unicodeScalars)
        guard !m.isEmpty, s.count >= m.count else { return nil }
        var seen = 0
        for i in 0...(s.count - m.count) where Array(s[i..<(i + m.count)]) == m {
            seen += 1
            guard seen == occurrence else { continue }
            var line = 1, lineStart = 0
            for k in 0..<i where s[k] == "\n" {
                line += 1
                lineStart = k + 1
            }
            return (line, i - lineStart + 1)
        }
        return nil
    }

    /// The rows of an AggregationResult as StrataSQL would show `outputs` of them.
    static func rows(_ rows: [AggregateRow], _ outputs: [AggregatePlan.Output], _ aggregates: [Aggregate]) -> [[SQLValue]] {
        rows.map { r in
            outputs.map { out -> SQLValue in
                switch out {
                case .bucket: return r.bucket.map(SQLValue.timestamp) ?? .null
                case .device: return r.deviceID.map(SQLValue.text) ?? .null
                case .sensor: return r.sensorType.map(SQLValue.text) ?? .null
                case .aggregate(let i):
                    guard let v = r.values[i] else { return .null }
                    return aggregates[i] == .count ? .integer(Int64(v)) : .real(v)
                }
            }
        }
    }
}

extension SQLValue {
    /// The payload as a Double (reals, integers), nil otherwise.
    var double: Double? {
        switch self {
        case .real(let d): d
        case .integer(let i): Double(i)
        default: nil
        }
    }
}
