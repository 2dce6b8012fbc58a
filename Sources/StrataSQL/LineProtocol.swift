import Strata

/// Reads and writes readings in InfluxDB's line protocol
/// (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/):
///
///     measurement[,tag=value...] field=value[,field=value...] [timestamp]
///
/// The measurement is the sensor type, the `device_id` tag the device, the
/// `value` field the value (a float, or an integer with an `i` suffix), an
/// optional `quality` field (`"good"`, `"suspect"`, `"bad"`, or 0i, 1i, 2i).
/// Other tags and fields are ignored. The timestamp is an integer in the
/// given precision (nanoseconds by default, as InfluxDB's), converted to the
/// store's units; a line without one is an error (a store keeps history, not
/// the time of import). Escapes follow InfluxDB: `\,`, `\ ` and `\=` in
/// tags, `\,` and `\ ` in the measurement, `\"` in strings, `\\` for a
/// backslash (before any other character a backslash is itself). `#` starts a
/// comment line.
///
/// ```swift
/// var reader = LineProtocolReader(precision: .nanoseconds, resolution: .milliseconds)
/// let r = try reader.reading(from: "temperature,device_id=sensor-1 value=21.5 1767225600000000000", line: 1)
/// ```
public struct LineProtocolReader: Sendable {
    /// The unit of the timestamps in the input.
    public enum Precision: String, Sendable, CaseIterable {
        case seconds = "s", milliseconds = "ms", microseconds = "us", nanoseconds = "ns"

        /// Timestamp units per second: 1, 1 000, 1 000 000 or 1 000 000 000.
        public var perSecond: Int64 {
            switch self {
            case .seconds: 1
            case .milliseconds: 1_000
            case .microseconds: 1_000_000
            case .nanoseconds: 1_000_000_000
            }
        }
    }

    /// The unit of the lines' timestamps.
    public let precision: Precision
    /// The store's resolution, which timestamps are converted to.
    public let resolution: TimestampResolution
    private var names: [[UInt8]: String] = [:]

    /// A reader of timestamps in `precision` for a store of `resolution`.
    public init(precision: Precision = .nanoseconds, resolution: TimestampResolution) {
        self.precision = precision
        self.resolution = resolution
    }

    /// The reading on one line, or nil for a blank or comment line.
    public mutating func reading(from text: String, line: Int) throws(ReadingsCSVReader.Failure) -> Reading? {
        var text = text
        let result = text.withUTF8 { b in Result { () throws(ReadingsCSVReader.Failure) -> Reading? in try reading(from: b, line: line) } }
        return try result.get()
    }

    /// The reading on one line of bytes (without its line break), or nil for a blank or comment line.
    public mutating func reading(from b: UnsafeBufferPointer<UInt8>, line: Int) throws(ReadingsCSVReader.Failure) -> Reading? {
        func fail(_ reason: String) -> ReadingsCSVReader.Failure {
            ReadingsCSVReader.Failure(line: line, reason: reason, text: String(decoding: UnsafeBufferPointer(rebasing: b.prefix(200)), as: UTF8.self))
        }
        var i = 0
        while i < b.count && (b[i] == 32 || b[i] == 9) { i += 1 }
        if i == b.count || b[i] == UInt8(ascii: "#") || b[i] == 13 { return nil }

        /// Reads up to an unescaped stop byte; returns the unescaped bytes. As in InfluxDB, a
        /// backslash escapes only the element's special characters and a backslash (`\\` is `\`);
        /// before any other character it is a literal backslash (`C:\temp` stays `C:\temp`).
        func unescaped(_ stops: [UInt8], escapes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\\") && i + 1 < b.count && escapes.contains(b[i + 1]) {
                    out.append(b[i + 1])
                    i += 2
                    continue
                }
                if stops.contains(c) { break }
                out.append(c)
                i += 1
            }
            return out
        }
        let comma = UInt8(ascii: ","), space = UInt8(ascii: " "), equals = UInt8(ascii: "="), backslash = UInt8(ascii: "\\")
        // Escapable in the measurement: comma, space; in tag keys, tag values and field keys also =.
        let measurementEscapes = [comma, space, backslash], keyEscapes = [comma, equals, space, backslash]
        func token(_ stops: [UInt8]) -> [UInt8] { unescaped(stops, escapes: keyEscapes) }
        let measurement = unescaped([comma, space], escapes: measurementEscapes)
        guard !measurement.isEmpty else { throw fail("no measurement") }
        var device: [UInt8]?
        while i < b.count && b[i] == comma {
            i += 1
            let key = token([equals, comma, space])
            guard i < b.count, b[i] == equals else { throw fail("tag \(String(decoding: key, as: UTF8.self)) has no value") }
            i += 1
            let value = token([comma, space])
            if key == Array("device_id".utf8) { device = value }
        }
        guard let device, !device.isEmpty else { throw fail("no device_id tag") }
        guard i < b.count, b[i] == space else { throw fail("no fields") }
        while i < b.count && b[i] == space { i += 1 }
        var value: Double?
        var quality = Quality.good
        while true {
            let key = token([equals, comma, space])
            guard i < b.count, b[i] == equals else { throw fail("field \(String(decoding: key, as: UTF8.self)) has no value") }
            i += 1
            var raw: [UInt8] = []
            var isString = false
            if i < b.count && b[i] == UInt8(ascii: "\"") {
                isString = true
                i += 1
                while i < b.count && b[i] != UInt8(ascii: "\"") {
                    if b[i] == UInt8(ascii: "\\") && i + 1 < b.count { i += 1 }
                    raw.append(b[i])
                    i += 1
                }
                guard i < b.count else { throw fail("unterminated string field") }
                i += 1
            } else {
                raw = token([comma, space])
            }
            if key == Array("value".utf8) {
                guard !isString, let v = Self.number(raw) else { throw fail("value \(String(decoding: raw, as: UTF8.self)) is not a number") }
                value = v
            } else if key == Array("quality".utf8) {
                switch (isString, String(decoding: raw, as: UTF8.self)) {
                case (true, "good"), (false, "0i"), (false, "0"): quality = .good
                case (true, "suspect"), (false, "1i"), (false, "1"): quality = .suspect
                case (true, "bad"), (false, "2i"), (false, "2"): quality = .bad
                case (_, let other): throw fail("quality \(other) is not good, suspect or bad")
                }
            }
            if i < b.count && b[i] == comma {
                i += 1
                continue
            }
            break
        }
        guard let value else { throw fail("no value field") }
        while i < b.count && b[i] == space { i += 1 }
        var end = b.count
        while end > i && (b[end - 1] == space || b[end - 1] == 13) { end -= 1 }
        guard i < end else { throw fail("no timestamp") }
        guard let raw = ReadingsCSVReader.integer(Array(b[i..<end])) else {
            throw fail("timestamp \(String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self)) is not an integer")
        }
        let store = Int64(resolution.unitsPerSecond)
        var t = raw
        if precision.perSecond > store {
            t = raw / (precision.perSecond / store) - (raw % (precision.perSecond / store) < 0 ? 1 : 0)
        } else if precision.perSecond < store {
            let (m, overflow) = raw.multipliedReportingOverflow(by: store / precision.perSecond)
            guard !overflow else { throw fail("timestamp \(raw) is out of range") }
            t = m
        }
        return Reading(deviceID: intern(device), sensorType: intern(measurement), timestamp: t, value: value, quality: quality)
    }

    private mutating func intern(_ b: [UInt8]) -> String {
        if let s = names[b] { return s }
        let s = String(decoding: b, as: UTF8.self)
        if names.count < 1_000_000 { names[b] = s }
        return s
    }

    private static func number(_ raw: [UInt8]) -> Double? {
        if raw.last == UInt8(ascii: "i") || raw.last == UInt8(ascii: "u") {
            return ReadingsCSVReader.integer(Array(raw.dropLast())).map(Double.init)
        }
        return ReadingsCSVReader.double(raw)
    }

    /// One reading as a line (no trailing newline), timestamp in `precision`
    /// (rounded down when `precision` is coarser than the store's resolution);
    /// nil when the timestamp does not fit in `precision` (nanoseconds reach only
    /// the years 1677 to 2262), never a wrapped number.
    public static func line(_ r: Reading, precision: Precision = .nanoseconds, resolution: TimestampResolution) -> String? {
        func escape(_ s: String, _ specials: Set<Character>) -> String {
            var out = ""
            for c in s {
                if specials.contains(c) { out.append("\\") }
                out.append(c)
            }
            return out
        }
        let store = Int64(resolution.unitsPerSecond)
        let t: Int64
        if precision.perSecond >= store {
            let (product, overflow) = r.timestamp.multipliedReportingOverflow(by: precision.perSecond / store)
            guard !overflow else { return nil }
            t = product
        } else {
            let d = store / precision.perSecond
            t = r.timestamp / d - (r.timestamp % d < 0 ? 1 : 0)
        }
        // Backslashes are doubled so that one before a special character, or at the end, reads back as itself.
        var s = escape(r.sensorType, [",", " ", "\\"]) + ",device_id=" + escape(r.deviceID, [",", " ", "=", "\\"]) + " value=" + format(r.value)
        if r.quality != .good { s += ",quality=\"\(r.quality)\"" }
        return s + " \(t)"
    }

    /// Floats as line protocol writes them: shortest round-trip text.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return "\(v)"
    }
}
