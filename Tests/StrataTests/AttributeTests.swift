import Testing
@testable import Strata
import StrataTestSupport

/// Device attributes: durable (log, then catalog), updatable, usable as filters.
@Suite struct AttributeTests {
    @Test func setUpdateRemoveAndReopen() throws {
        let fs = InMemoryFileSystem()
        var store = try Store(at: "/a", options: StoreFixtures.options(fs))
        try store.setAttributes(["zone": "zone-a", "model": "TH-200", "firmware": "2.4.1"], device: "sensor-1")
        try store.setAttributes(["firmware": "2.5.0", "model": nil], device: "sensor-1")
        try store.setAttributes(["zone": "zone-b"], device: "sensor-2")  // no readings yet
        #expect(try store.attributes(device: "sensor-1") == ["zone": "zone-a", "firmware": "2.5.0"])
        #expect(try store.attributes(device: "nobody") == [:])
        // Only in the log so far: a crash keeps it.
        fs.crash()
        store = try Store(at: "/a", options: StoreFixtures.options(fs))
        #expect(try store.attributes(device: "sensor-1") == ["zone": "zone-a", "firmware": "2.5.0"])
        #expect(try store.attributes(device: "sensor-2") == ["zone": "zone-b"])
        // A flush writes them to the catalog; the log goes; they stay.
        try store.write([Reading(deviceID: "sensor-1", sensorType: "t", timestamp: 1, value: 1)])
        try store.flush()
        try store.setAttributes(["zone": "zone-c"], device: "sensor-2")
        try store.close()
        store = try Store(at: "/a", options: StoreFixtures.options(fs))
        try store.write([Reading(deviceID: "sensor-1", sensorType: "t", timestamp: 2, value: 1)])
        try store.flush()
        try store.close()
        store = try Store(at: "/a", options: StoreFixtures.options(fs))
        #expect(try store.attributes(device: "sensor-2") == ["zone": "zone-c"])
        #expect(try store.deviceAttributes().map(\.device) == ["sensor-1", "sensor-2"])
        var readOnly = StoreFixtures.options(fs)
        readOnly.readOnly = true
        let reader = try Store(at: "/a", options: readOnly)
        #expect(try reader.attributes(device: "sensor-1")["firmware"] == "2.5.0")
        try reader.close()
        try store.close()
    }

    @Test func aChangeMadeWhileAFlushRunsIsNotLost() throws {
        let fs = InMemoryFileSystem()
        var store = try Store(at: "/a", options: StoreFixtures.options(fs))
        for round in 0..<20 {
            try store.write([Reading(deviceID: "d", sensorType: "t", timestamp: Int64(round), value: 1)])
            try store.setAttributes(["round": String(round)], device: "d")
            if round % 3 == 0 { try store.flush() }
        }
        try store.write([Reading(deviceID: "d", sensorType: "t", timestamp: 100, value: 1)])
        try store.flush()
        try store.close()
        store = try Store(at: "/a", options: StoreFixtures.options(fs))
        #expect(try store.attributes(device: "d")["round"] == "19")
        try store.close()
    }

    @Test func filtersPickDevicesByAttribute() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/a", options: StoreFixtures.options(fs))
        try store.write(StoreFixtures.fleet(devices: 6, sensors: 2, steps: 10))
        for d in 0..<6 { try store.setAttributes(["zone": d % 2 == 0 ? "zone-a" : "zone-b", "floor": String(d / 3)], device: "sensor-\(d)") }
        var s = Selection(sensorTypes: .equals("temperature"))
        s.attributes = [AttributeFilter(key: "zone", values: ["zone-a"])]
        #expect(try store.latest(s).map(\.deviceID) == ["sensor-0", "sensor-2", "sensor-4"])
        s.attributes.append(AttributeFilter(key: "floor", values: ["1"]))
        #expect(try store.latest(s).map(\.deviceID) == ["sensor-4"])
        var q = Aggregation(groupBy: [.device], aggregates: [.count])
        q.selection = s
        #expect(try store.aggregate(q).rows.map(\.deviceID) == ["sensor-4"])
        s.attributes = [AttributeFilter(key: "zone", values: ["nowhere"])]
        #expect(try store.latest(s).isEmpty)
        // Moving a device to another zone changes what the filter picks.
        try store.setAttributes(["zone": "zone-b"], device: "sensor-0")
        s.attributes = [AttributeFilter(key: "zone", values: ["zone-a"])]
        #expect(try store.latest(s).map(\.deviceID) == ["sensor-2", "sensor-4"])
        #expect(try store.delete(s) == 2)
        try store.close()
    }

    @Test(arguments: [
        ("an empty name", [String: String?](dictionaryLiteral: ("", "x"))),
        ("a control character", ["a\u{1}b": "x"]),
        ("a long value", ["k": String(repeating: "v", count: 5000)]),
    ])
    func badAttributesAreRejected(name: String, attributes: [String: String?]) throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/a", options: StoreFixtures.options(fs))
        #expect(throws: StrataError.self, "\(name)") { try store.setAttributes(attributes, device: "d") }
        #expect(throws: StrataError.self) { try store.setAttributes(["k": "v"], device: "") }
        var many: [String: String?] = [:]
        for i in 0..<300 { many["k\(i)"] = "v" }
        #expect(throws: StrataError.self) { try store.setAttributes(many, device: "d") }
        try store.close()
    }
}
