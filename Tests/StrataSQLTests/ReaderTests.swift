// The import readers: ReadingsCSVReader (a header naming the columns, RFC 4180
// quoting) and LineProtocolReader (InfluxDB line protocol: measurement =
// sensor type, tag device_id, field value, precisions, escapes), each with the
// lines they must refuse and the line number they must name.

@testable import StrataSQL
import Strata
import StrataTestSupport
import Testing

@Suite struct ReaderTests {
    typealias F = SQLFixtures

    static func csv(_ header: String, _ line: String, resolution: TimestampResolution = .milliseconds) throws -> Reading {
        var reader = try ReadingsCSVReader(header: header, resolution: resolution)
        return try reader.reading(from: line, line: 2)
    }

    // MARK: - CSV

    @Test(arguments: [
        ("device_id,sensor_type,timestamp,value", "d1,temp,2026-01-01T00:00:00Z,21.5"),
        ("value,timestamp,sensor_type,device_id", "21.5,2026-01-01T00:00:00Z,temp,d1"),
        ("Device_ID,SENSOR_TYPE,Time,Value,Quality,unit", "d1,temp,1767225600000,21.5,good,C"),
        ("ts,device,sensor,value", "2026-01-01 00:00,d1,temp,21.5"),
        ("timestamp_s,device_id,sensor_type,value", "1767225600,d1,temp,21.5"),
        ("device_id,sensor_type,timestamp_ms,value", "d1,temp,1767225600000,2.15e1"),
        ("device_id,sensor_type,timestamp_us,value", "d1,temp,1767225600000000,21.5"),
        ("device_id,sensor_type,timestamp_ns,value", "d1,temp,1767225600000000000,21.5"),
        ("\"device_id\",\"sensor_type\",\"timestamp\",\"value\"", "\"d1\",\"temp\",\"2026-01-01 01:00:00+01:00\",\"21.5\""),
        ("device_id,sensor_type,timestamp,value", " d1 , temp ,\t1767225600000 , 21.5 \r"),
    ])
    func csvColumnsAreFoundByHeaderName(_ header: String, _ line: String) throws {
        #expect(try Self.csv(header, line) == Reading(deviceID: "d1", sensorType: "temp", timestamp: F.jan1, value: 21.5))
    }

    @Test func csvQuotedFieldsKeepCommasQuotesAndSpaces() throws {
        let header = "device_id,sensor_type,timestamp,value"
        #expect(try Self.csv(header, "\"site 7, room 2\",temp,0,1").deviceID == "site 7, room 2")
        #expect(try Self.csv(header, "\"say \"\"hi\"\"\",temp,0,1").deviceID == "say \"hi\"")
        #expect(try Self.csv(header, "\" padded \",temp,0,1").deviceID == " padded ")
        #expect(try Self.csv(header, "d,\"t\",\"-5\",\"-0.5\"") == Reading(deviceID: "d", sensorType: "t", timestamp: -5, value: -0.5))
    }

    @Test func csvTimestampUnitsScaleToTheStore() throws {
        // Coarser units multiply; the store's unit is kept as is.
        #expect(try Self.csv("device_id,sensor_type,timestamp_ms,value", "d,t,5,1", resolution: .microseconds).timestamp == 5_000)
        #expect(try Self.csv("device_id,sensor_type,timestamp_s,value", "d,t,-2,1", resolution: .nanoseconds).timestamp == -2_000_000_000)
        #expect(try Self.csv("device_id,sensor_type,timestamp,value", "d,t,5,1", resolution: .nanoseconds).timestamp == 5)
        // ISO text is read in the store's resolution.
        #expect(try Self.csv("device_id,sensor_type,timestamp,value", "d,t,1970-01-01T00:00:00.000001Z,1", resolution: .microseconds).timestamp == 1)
    }

    /// Regression: finer units were divided with truncation toward zero, so a reading 1 ns before
    /// the epoch landed at 1970-01-01T00:00:00.000 (a later millisecond, second and day) while
    /// the line-protocol reader floors it to 1969-12-31T23:59:59.999.
    @Test func csvTimestampsInFinerUnitsBeforeTheEpochWereTruncatedTowardZero() throws {
        let ns = "device_id,sensor_type,timestamp_ns,value"
        #expect(try Self.csv(ns, "d,t,-1,1").timestamp == -1)
        #expect(try Self.csv(ns, "d,t,-1000000,1").timestamp == -1)
        #expect(try Self.csv(ns, "d,t,-1000001,1").timestamp == -2)
        #expect(try Self.csv(ns, "d,t,1999999,1").timestamp == 1)
        #expect(try Self.csv("device_id,sensor_type,timestamp_us,value", "d,t,-1500,1").timestamp == -2)
        // The same instants through line protocol.
        var lp = LineProtocolReader(precision: .nanoseconds, resolution: .milliseconds)
        for raw in [-1, -1_000_000, -1_000_001, 1_999_999] as [Int64] {
            #expect(try lp.reading(from: "t,device_id=d value=1 \(raw)", line: 1)?.timestamp == (try Self.csv(ns, "d,t,\(raw),1").timestamp))
        }
    }

    /// Regression: a header starting with a UTF-8 byte order mark (as Excel writes "CSV UTF-8")
    /// was refused: "the header has no device_id column (it has \u{FEFF}device_id, ...)".
    @Test func csvHeaderStartingWithAByteOrderMarkWasRejected() throws {
        #expect(try Self.csv("\u{FEFF}device_id,sensor_type,timestamp,value", "d1,temp,1767225600000,21.5")
                == Reading(deviceID: "d1", sensorType: "temp", timestamp: F.jan1, value: 21.5))
    }

    @Test(arguments: [("", Quality.good), ("good", .good), ("Suspect", .suspect), ("BAD", .bad), ("0", .good), ("1", .suspect), ("2", .bad)])
    func csvQualities(_ text: String, _ quality: Quality) throws {
        #expect(try Self.csv("device_id,sensor_type,timestamp,value,quality", "d,t,0,1,\(text)").quality == quality)
    }

    @Test(arguments: [("NaN", Double.nan), ("nan", .nan), ("inf", .infinity), ("-Infinity", -.infinity), ("1e3", 1000), ("-0", -0.0),
                      ("0.1", 0.1), ("2.2250738585072014e-308", 2.2250738585072014e-308)])
    func csvValues(_ text: String, _ value: Double) throws {
        let v = try Self.csv("device_id,sensor_type,timestamp,value", "d,t,0,\(text)").value
        #expect(v.bitPattern == value.bitPattern || (v.isNaN && value.isNaN))
    }

    @Test(arguments: [
        ("d1,temp,0", "3 fields; the header names 5"),
        (",temp,0,1,", "empty device_id or sensor_type"),
        ("d1,,0,1,", "empty device_id or sensor_type"),
        ("d1,temp,yesterday,1,", "timestamp yesterday is neither an integer nor ISO-8601"),
        ("d1,temp,2026-02-30,1,", "timestamp 2026-02-30 is neither an integer nor ISO-8601"),
        ("d1,temp,0,warm,", "value warm is not a number"),
        ("d1,temp,0,0x10,", "value 0x10 is not a number"),
        ("d1,temp,0,,", "value  is not a number"),
        ("d1,temp,0,1,great", "quality great is not good, suspect, bad, 0, 1 or 2"),
        ("", "1 fields; the header names 5"),
    ])
    func csvBadLinesNameTheirLine(_ line: String, _ reason: String) throws {
        var reader = try ReadingsCSVReader(header: "device_id,sensor_type,timestamp,value,quality", resolution: .milliseconds)
        _ = try reader.reading(from: "ok,temp,0,1,good", line: 6)
        do {
            _ = try reader.reading(from: line, line: 7)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.line == 7)
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(error.text == line)
            #expect(error.description == "line 7: \(error.reason): \(line)")
        }
    }

    @Test func csvOverflowingTimestampsAreRefused() throws {
        var reader = try ReadingsCSVReader(header: "device_id,sensor_type,timestamp_s,value", resolution: .nanoseconds)
        #expect(throws: ReadingsCSVReader.Failure.self) { try reader.reading(from: "d,t,9223372037,1", line: 3) }
        #expect(try reader.reading(from: "d,t,9223372036,1", line: 4).timestamp == 9_223_372_036_000_000_000)
    }

    @Test(arguments: [
        ("sensor_type,timestamp,value", "device_id"),
        ("device_id,timestamp,value", "sensor_type"),
        ("device_id,sensor_type,timestamp", "value"),
        ("device_id,sensor_type,value,when", "timestamp"),
    ])
    func csvHeaderWithoutARequiredColumnIsRefused(_ header: String, _ missing: String) {
        do {
            _ = try ReadingsCSVReader(header: header, resolution: .milliseconds)
            Issue.record("accepted \(header)")
        } catch {
            #expect(error.line == 1)
            #expect(error.reason.contains("the header has no \(missing) column"), "\(error.reason)")
        }
    }

    // MARK: - Line protocol

    static func lp(_ line: String, _ precision: LineProtocolReader.Precision = .nanoseconds,
                   resolution: TimestampResolution = .milliseconds) throws(ReadingsCSVReader.Failure) -> Reading? {
        var reader = LineProtocolReader(precision: precision, resolution: resolution)
        return try reader.reading(from: line, line: 9)
    }

    @Test func lineProtocolMapsMeasurementTagAndField() throws {
        #expect(try Self.lp("temperature,device_id=sensor-1 value=21.5 1767225600000000000")
                == Reading(deviceID: "sensor-1", sensorType: "temperature", timestamp: F.jan1, value: 21.5))
        // Other tags and fields are ignored; integers take an i (or u) suffix.
        #expect(try Self.lp("t,site=x,device_id=d,unit=C other=3,value=2i,flag=true 1000000")
                == Reading(deviceID: "d", sensorType: "t", timestamp: 1, value: 2))
        #expect(try Self.lp("t,device_id=d value=7u 0")?.value == 7)
        #expect(try Self.lp("t,device_id=d value=-1.5e-3   42000000  ")?.value == -0.0015)
        #expect(try Self.lp("t,device_id=d note=\"a \\\"b\\\" c, d=e\",value=1 0")?.value == 1)
    }

    @Test(arguments: [
        (LineProtocolReader.Precision.nanoseconds, "1767225600123456789", TimestampResolution.milliseconds, F.jan1 + 123),
        (.microseconds, "1767225600123456", .milliseconds, F.jan1 + 123),
        (.milliseconds, "1767225600123", .milliseconds, F.jan1 + 123),
        (.seconds, "1767225600", .milliseconds, F.jan1),
        (.seconds, "-1", .milliseconds, -1_000),
        (.nanoseconds, "-1", .milliseconds, -1),
        (.nanoseconds, "-1000000", .milliseconds, -1),
        (.microseconds, "-1", .microseconds, -1),
        (.milliseconds, "-1", .nanoseconds, -1_000_000),
        (.seconds, "2", .microseconds, 2_000_000),
        (.nanoseconds, "999", .microseconds, 0),
    ] as [(LineProtocolReader.Precision, String, TimestampResolution, Int64)])
    func lineProtocolPrecisions(_ precision: LineProtocolReader.Precision, _ raw: String, _ resolution: TimestampResolution, _ t: Int64) throws {
        #expect(try Self.lp("t,device_id=d value=1 \(raw)", precision, resolution: resolution)?.timestamp == t)
    }

    @Test func lineProtocolEscapes() throws {
        // Measurement: \, and \space; tag values: \, \space and \=.
        let r = try Self.lp("air\\ temp\\,c,device_id=site\\,7\\ a\\=b value=1 0")
        #expect(r?.sensorType == "air temp,c")
        #expect(r?.deviceID == "site,7 a=b")
    }

    /// Regression: every backslash was taken as an escape, so `C:\temp` read as `C:temp`. InfluxDB
    /// (line protocol reference, "Escaping backslashes"): a backslash escapes the element's special
    /// characters and a backslash; `\`, `\\` read as `\`; `\\\`, `\\\\` as `\\`; `\\\\\`, `\\\\\\` as `\\\`.
    @Test func lineProtocolBackslashesBeforeOrdinaryCharactersWereDropped() throws {
        for (written, read) in [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3)] {
            let slashes = String(repeating: "\\", count: written)
            let r = try Self.lp("m\(slashes)x,device_id=C:\(slashes)temp value=1 0")
            #expect(r?.deviceID == "C:" + String(repeating: "\\", count: read) + "temp", "\(written) backslashes")
            #expect(r?.sensorType == "m" + String(repeating: "\\", count: read) + "x", "\(written) backslashes")
        }
        // Escaped specials still are, and \= is special in tags but not in the measurement.
        let r = try Self.lp("a\\=b,device_id=x\\=y\\,z value=1 0")
        #expect(r?.sensorType == "a\\=b" && r?.deviceID == "x=y,z")
    }

    /// Names ending in a backslash or holding one before a comma are written so they read back.
    @Test func lineProtocolWritesBackslashesDoubled() {
        let r = Reading(deviceID: "a\\,b", sensorType: "ends\\", timestamp: 1, value: 2)
        #expect(LineProtocolReader.line(r, precision: .milliseconds, resolution: .milliseconds)! == "ends\\\\,device_id=a\\\\\\,b value=2.0 1")
    }

    /// Regression: line() wrapped a timestamp that does not fit the precision (a ms store's
    /// year 2300 in nanoseconds, as the shell exported it); now it gives nil, the shell
    /// exports at a coarser precision and says so, and negative times round down.
    @Test func lineProtocolExportBeyondTheNanosecondRange() throws {
        let r = Reading(deviceID: "d", sensorType: "t", timestamp: F.utc(2300, 1, 1), value: 1)
        #expect(LineProtocolReader.line(r, precision: .nanoseconds, resolution: .milliseconds) == nil)
        var reader = LineProtocolReader(precision: .microseconds, resolution: .milliseconds)
        let line = try #require(LineProtocolReader.line(r, precision: .microseconds, resolution: .milliseconds))
        #expect(try reader.reading(from: line, line: 1) == r)
        let early = Reading(deviceID: "d", sensorType: "t", timestamp: -1, value: 1)
        #expect(LineProtocolReader.line(early, precision: .seconds, resolution: .milliseconds)!.hasSuffix(" -1"))
    }

    @Test func lineProtocolQuality() throws {
        #expect(try Self.lp("t,device_id=d value=1,quality=\"bad\" 0")?.quality == .bad)
        #expect(try Self.lp("t,device_id=d quality=1i,value=1 0")?.quality == .suspect)
        #expect(try Self.lp("t,device_id=d value=1 0")?.quality == .good)
    }

    @Test(arguments: ["", "   ", "# a comment", "  # indented comment", "\r"])
    func lineProtocolSkipsBlankAndCommentLines(_ line: String) throws {
        #expect(try Self.lp(line) == nil)
    }

    @Test(arguments: [
        ("t value=1 0", "no device_id tag"),
        ("t,site=x value=1 0", "no device_id tag"),
        ("t,device_id value=1 0", "tag device_id has no value"),
        (",device_id=d value=1 0", "no measurement"),
        ("t,device_id=d", "no fields"),
        ("t,device_id=d value 0", "field value has no value"),
        ("t,device_id=d value=abc 0", "value abc is not a number"),
        ("t,device_id=d value=\"1\" 0", "is not a number"),
        ("t,device_id=d other=1 0", "no value field"),
        ("t,device_id=d value=1", "no timestamp"),
        ("t,device_id=d value=1 12x", "timestamp 12x is not an integer"),
        ("t,device_id=d value=1,note=\"open 0", "unterminated string field"),
        ("t,device_id=d value=1,quality=\"great\" 0", "quality great is not good, suspect or bad"),
    ])
    func lineProtocolBadLinesNameTheirLine(_ line: String, _ reason: String) {
        do {
            _ = try Self.lp(line)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.line == 9)
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(error.text == line)
        }
    }

    @Test func lineProtocolOverflowIsRefused() {
        #expect(throws: ReadingsCSVReader.Failure.self) { try Self.lp("t,device_id=d value=1 9223372037", .seconds, resolution: .nanoseconds) }
    }

    /// Readings written as lines read back as the same readings (escapes, qualities, negative times).
    @Test func lineProtocolRoundTrip() throws {
        var rng = SplitMix64(seed: 8)
        let names = ["plain", "with space", "com,ma", "eq=uals", "back\\slash", "ünï", "ends\\", "a\\,b", "two\\\\"]
        for precision in LineProtocolReader.Precision.allCases where precision != .seconds {
            var reader = LineProtocolReader(precision: precision, resolution: .milliseconds)
            for i in 0..<500 {
                let r = Reading(deviceID: names[Int(rng.next() % UInt64(names.count))], sensorType: names[Int(rng.next() % UInt64(names.count))],
                                timestamp: Int64(rng.next() % 4_000_000_000_000) - 2_000_000_000_000,
                                value: Double(Int64(rng.next() % 2_000_001) - 1_000_000) / 1000, quality: Quality(rawValue: UInt8(rng.next() % 3))!)
                let line = try #require(LineProtocolReader.line(r, precision: precision, resolution: .milliseconds))
                #expect(try reader.reading(from: line, line: i) == r, "\(line)")
            }
        }
    }
}
