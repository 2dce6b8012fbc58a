#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Strata

/// Reads readings from CSV text, a chunk of bytes at a time (the shell's
/// `.import`, `strata import`): a header line names the columns, then one
/// reading per line.
///
/// Columns (by header name, any order, case-insensitive): `device_id`,
/// `sensor_type`, `timestamp` (also `time`, `ts`; `timestamp_ms`,
/// `timestamp_us`, `timestamp_ns` and `timestamp_s` for integers in that unit),
/// `value`, and optionally `quality` (`good`, `suspect`, `bad` or 0, 1, 2;
/// empty: good). Other columns are ignored. Timestamps are integers in the
/// store's units (or the unit the column name gives) or ISO-8601 text.
/// Fields may be quoted (RFC 4180: `"a,b"`, `""` for a quote); a quoted field
/// may not span lines. Blank lines are skipped.
///
/// ```swift
/// var reader = try ReadingsCSVReader(header: "device_id,sensor_type,timestamp,value", resolution: .milliseconds)
/// let r = try reader.reading(from: "sensor-1,temperature,2026-01-01T00:00:00Z,21.5", line: 2)
/// ```
///
/// Names are interned: a device id or sensor type seen before costs no
/// allocation, so a reader keeps up with the write path (millions of lines a second).
public struct ReadingsCSVReader: Sendable {
    /// What went wrong on which line.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// 1-based line number in the file.
        public var line: Int
        /// What is wrong with the line.
        public var reason: String
        /// The line's text (cut at 200 characters).
        public var text: String
        /// `line N: reason: text`.
        public var description: String { "line \(line): \(reason): \(text)" }
    }

    private enum Unit: Sendable { case store, scaled(Int64, divide: Bool) }
    private let device: Int, sensor: Int, time: Int, value: Int, quality: Int?
    private let unit: Unit
    private let columns: Int
    private let resolution: TimestampResolution
    private var names: [[UInt8]: String] = [:]

    /// Reads the header line; throws when a required column is missing.
    public init(header: String, resolution: TimestampResolution) throws(Failure) {
        self.resolution = resolution
        // A UTF-8 byte order mark (Excel's "CSV UTF-8") is not part of the first column's name.
        var bytes = Array(header.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let fields = Self.split(bytes).map { String(decoding: $0, as: UTF8.self).lowercased() }
        func index(_ names: [String]) -> Int? { fields.firstIndex { names.contains($0) } }
        func required(_ names: [String]) throws(Failure) -> Int {
            guard let i = index(names) else {
                throw Failure(line: 1, reason: "the header has no \(names[0]) column (it has \(fields.joined(separator: ", ")))", text: header)
            }
            return i
        }
        device = try required(["device_id", "device"])
        sensor = try required(["sensor_type", "sensor"])
        value = try required(["value"])
        quality = index(["quality"])
        let units: [(String, Int64)] = [("timestamp_s", 1), ("timestamp_ms", 1000), ("timestamp_us", 1_000_000), ("timestamp_ns", 1_000_000_000)]
        if let i = index(["timestamp", "time", "ts"]) {
            time = i
            unit = .store
        } else if let (name, perSecond) = units.first(where: { fields.contains($0.0) }) {
            time = fields.firstIndex(of: name)!
            let store = Int64(resolution.unitsPerSecond)
            unit = perSecond <= store ? .scaled(store / perSecond, divide: false) : .scaled(perSecond / store, divide: true)
        } else {
            throw Failure(line: 1, reason: "the header has no timestamp column (timestamp, time, ts or timestamp_ms/_us/_ns/_s)", text: header)
        }
        columns = fields.count
    }

    /// The reading on one line (`line` is its 1-based number, for errors).
    public mutating func reading(from text: String, line: Int) throws(Failure) -> Reading {
        var text = text
        let result = text.withUTF8 { bytes in Result { () throws(Failure) -> Reading in try reading(from: bytes, line: line) } }
        return try result.get()
    }

    /// The reading on one line of bytes (without its line break).
    public mutating func reading(from bytes: UnsafeBufferPointer<UInt8>, line: Int) throws(Failure) -> Reading {
        func fail(_ reason: String) -> Failure {
            Failure(line: line, reason: reason, text: String(decoding: UnsafeBufferPointer(rebasing: bytes.prefix(200)), as: UTF8.self))
        }
        let fields = Self.split(bytes)
        guard fields.count >= columns else { throw fail("\(fields.count) fields; the header names \(columns)") }
        let d = intern(fields[device]), s = intern(fields[sensor])
        guard !d.isEmpty, !s.isEmpty else { throw fail("empty device_id or sensor_type") }
        let t = try timestamp(fields[time], fail)
        guard let v = Self.double(fields[value]) else { throw fail("value \(Self.text(fields[value])) is not a number") }
        var q = Quality.good
        if let qi = quality {
            switch Self.text(fields[qi]).lowercased() {
            case "", "good", "0": q = .good
            case "suspect", "1": q = .suspect
            case "bad", "2": q = .bad
            case let other: throw fail("quality \(other) is not good, suspect, bad, 0, 1 or 2")
            }
        }
        return Reading(deviceID: d, sensorType: s, timestamp: t, value: v, quality: q)
    }

    private mutating func intern(_ field: [UInt8]) -> String {
        if let s = names[field] { return s }
        let s = String(decoding: field, as: UTF8.self)
        if names.count < 1_000_000 { names[field] = s }
        return s
    }

    private func timestamp(_ field: [UInt8], _ fail: (String) -> Failure) throws(Failure) -> Int64 {
        if let n = Self.integer(field) {
            switch unit {
            case .store: return n
            case .scaled(let k, let divide):
                // Floor, not truncation: a reading 1 ns before the epoch is at -1 ms, not 0
                // (as LineProtocolReader converts it; `/` rounds negative times toward zero).
                if divide { return n / k - (n % k < 0 ? 1 : 0) }
                let (r, overflow) = n.multipliedReportingOverflow(by: k)
                guard !overflow else { throw fail("timestamp \(n) is out of range") }
                return r
            }
        }
        do {
            return try SQLTimestamp.parse(Self.text(field), resolution: resolution)
        } catch {
            throw fail("timestamp \(Self.text(field)) is neither an integer nor ISO-8601")
        }
    }

    static func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    /// Fields of a CSV line (RFC 4180 quotes; no line breaks inside).
    static func split<C: Collection>(_ line: C) -> [[UInt8]] where C.Element == UInt8 {
        var out: [[UInt8]] = []
        var field: [UInt8] = []
        var quoted = false
        var i = line.startIndex
        var wasQuoted = false
        while i != line.endIndex {
            let c = line[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    let n = line.index(after: i)
                    if n != line.endIndex && line[n] == UInt8(ascii: "\"") {
                        field.append(c)
                        i = n
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == UInt8(ascii: ",") {
                out.append(wasQuoted ? field : trim(field))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            } else if c == UInt8(ascii: "\"") && field.allSatisfy({ $0 == 32 }) {
                quoted = true
                wasQuoted = true
                field.removeAll(keepingCapacity: true)
            } else if c != UInt8(ascii: "\r") {
                field.append(c)
            }
            i = line.index(after: i)
        }
        out.append(wasQuoted ? field : trim(field))
        return out
    }

    private static func trim(_ f: [UInt8]) -> [UInt8] {
        guard let a = f.firstIndex(where: { $0 != 32 && $0 != 9 }), let b = f.lastIndex(where: { $0 != 32 && $0 != 9 }) else { return [] }
        return a == 0 && b == f.count - 1 ? f : Array(f[a...b])
    }

    /// A decimal integer (optional sign), or nil.
    static func integer(_ f: [UInt8]) -> Int64? {
        guard !f.isEmpty else { return nil }
        var i = 0
        var negative = false
        if f[0] == UInt8(ascii: "-") || f[0] == UInt8(ascii: "+") {
            negative = f[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < f.count else { return nil }
        var n: Int64 = 0
        while i < f.count {
            let d = f[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            n = s
            i += 1
        }
        return n
    }

    /// A float as C's strtod reads it (correctly rounded), also NaN and infinities; nil for anything else.
    static func double(_ f: [UInt8]) -> Double? {
        guard !f.isEmpty, f.count < 512 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: f.count + 1) { buf -> Double? in
            for (k, c) in f.enumerated() { buf[k] = CChar(bitPattern: c) }
            buf[f.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(buf.baseAddress!, &end)
            guard let end, end - buf.baseAddress! == f.count else { return nil }
            // strtod also reads hexadecimal floats; accept decimal spellings, nan and inf only.
            if f.contains(where: { $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "X") }) { return nil }
            return v
        }
    }
}
