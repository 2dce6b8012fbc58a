import Testing
import Strata

@Suite struct SeriesKeyTests {
    struct BadName: Sendable, CustomTestStringConvertible {
        let name: String
        let expect: String
        var testDescription: String { expect }
    }

    static let bad: [BadName] = [
        .init(name: "", expect: "is empty"),
        .init(name: String(repeating: "x", count: 256), expect: "256 bytes long"),
        .init(name: String(repeating: "é", count: 128), expect: "256 bytes long"),
        .init(name: "sensor\u{0}1", expect: "U+0000 at character 6"),
        .init(name: "line\nbreak", expect: "U+000A"),
        .init(name: "tab\there", expect: "U+0009"),
        .init(name: "del\u{7F}", expect: "U+007F"),
        .init(name: "c1\u{85}", expect: "U+0085"),
    ]

    @Test(arguments: bad)
    func invalidNamesAreRejectedWithAClearError(_ c: BadName) {
        for field in ["device_id", "sensor_type"] {
            let device = field == "device_id" ? c.name : "dev"
            let sensor = field == "sensor_type" ? c.name : "temp"
            #expect {
                _ = try SeriesKey(deviceID: device, sensorType: sensor)
            } throws: { error in
                guard let e = error as? StrataError else { return false }
                return e.kind == .invalidArgument && e.reason.contains(field) && e.reason.contains(c.expect)
            }
        }
    }

    @Test(arguments: ["sensor-00042", "A-node1", "PT08.S1(CO)", "温度计", "x", String(repeating: "y", count: 255), "emoji 🌡️", "with space"])
    func validNamesAreAccepted(_ name: String) throws {
        let key = try SeriesKey(deviceID: name, sensorType: name)
        #expect(key.deviceID == name)
    }

    @Test func invalidUTF8BytesAreRejected() {
        #expect {
            _ = try SeriesKey(deviceIDBytes: [0x61, 0xFF, 0x62], sensorTypeBytes: Array("temp".utf8))
        } throws: { ($0 as? StrataError)?.reason.contains("not valid UTF-8") == true }
        #expect(throws: StrataError.self) {
            _ = try SeriesKey(deviceIDBytes: Array("dev".utf8), sensorTypeBytes: [0xC3])  // truncated sequence
        }
        #expect(throws: Never.self) {
            _ = try SeriesKey(deviceIDBytes: Array("dév".utf8), sensorTypeBytes: Array("temp".utf8))
        }
    }

    @Test func readingsCompareBitExactly() {
        let nan = Reading(deviceID: "d", sensorType: "s", timestamp: 1, value: .nan)
        #expect(nan == nan)
        let plus = Reading(deviceID: "d", sensorType: "s", timestamp: 1, value: 0.0)
        let minus = Reading(deviceID: "d", sensorType: "s", timestamp: 1, value: -0.0)
        #expect(plus != minus)
        #expect(plus.quality == .good)
        #expect(Quality(name: "SUSPECT") == .suspect)
        #expect(Quality(name: "fine") == nil)
        #expect(TimestampResolution.nanoseconds.unitsPerSecond == 1_000_000_000)
    }

    @Test func errorsDescribeFileAndOffset() {
        let e = StrataError(.corruption, "bad checksum", file: "wal/00000001.log", offset: 4096)
        #expect(e.description == "corruption in wal/00000001.log at byte 4096: bad checksum")
    }
}
