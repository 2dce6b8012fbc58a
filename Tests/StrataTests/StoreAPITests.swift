import Foundation
import Testing
@testable import Strata
import StrataTestSupport

@Suite struct StoreAPITests {
    @Test func timeRanges() {
        #expect(TimeRange(from: 5, until: 5).isEmpty)
        #expect(TimeRange(from: 5, until: 4).isEmpty)
        #expect(TimeRange(from: .min, until: .min).isEmpty)
        #expect(!TimeRange(from: .min, until: .min + 1).isEmpty)
        #expect(TimeRange(from: 1, until: 3).contains(2) && !TimeRange(from: 1, until: 3).contains(3))
        #expect(TimeRange.all.contains(.max) && TimeRange.all.contains(.min))
        #expect(!TimeRange(from: 10, until: 0).contains(5))
    }

    @Test func syncPolicies() throws {
        for policy in [SyncPolicy.interval(milliseconds: 5), .none] {
            let fs = InMemoryFileSystem()
            var options = StoreFixtures.options(fs)
            options.sync = policy
            let store = try Store(at: "/p", options: options)
            let readings = StoreFixtures.fleet(devices: 2, sensors: 2, steps: 50)
            try store.write(readings)
            if case .interval = policy {
                // The background syncer makes the batch durable within the interval.
                var synced = false
                for _ in 0..<200 where !synced {
                    usleep(5_000)
                    synced = store.statistics().walSyncs > 0
                }
                #expect(synced)
                fs.crash()
                let reopened = try Store(at: "/p", options: options)
                #expect(try reopened.read().reduce(0) { $0 + $1.count } == readings.count)
                try reopened.close()
            } else {
                #expect(store.statistics().walSyncs == 0)
                try store.close()  // close syncs whatever the policy
                fs.crash()
                let reopened = try Store(at: "/p", options: options)
                #expect(try reopened.read().reduce(0) { $0 + $1.count } == readings.count)
                try reopened.close()
            }
        }
    }

    @Test func asyncSequenceYieldsEachSeries() async throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/a", options: StoreFixtures.options(fs))
        let readings = StoreFixtures.fleet(devices: 3, sensors: 2, steps: 30)
        try store.write(readings)
        try store.flush()
        try store.write(StoreFixtures.fleet(devices: 3, sensors: 2, steps: 5, start: 1_767_300_000_000))
        var keys: [SeriesKey] = []
        var total = 0
        for try await series in store.points(sensorType: "humidity") {
            keys.append(series.key)
            total += series.count
        }
        #expect(keys.map(\.deviceID) == ["sensor-0", "sensor-1", "sensor-2"])
        #expect(total == 3 * 35)
        let synchronous = try store.read(sensorType: "humidity")
        #expect(synchronous.map(\.key) == keys)
    }

    @Test func listingSeriesPartitionsAndStatistics() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.partitionDuration = 3_600_000
        let events = EventLog()
        options.eventHandler = { events.add($0) }
        let store = try Store(at: "/i", options: options)
        try store.write(StoreFixtures.fleet(devices: 2, sensors: 3, steps: 720))  // two hours
        try store.flush()
        #expect(try store.series(device: "sensor-1").map(\.sensorType) == ["temperature", "humidity", "battery_v"])
        #expect(try store.series(sensorType: "humidity").map(\.deviceID) == ["sensor-0", "sensor-1"])
        #expect(try store.series().count == 6)
        #expect(try store.series(device: "nope").isEmpty)
        let partitions = try store.partitions()
        #expect(partitions.count >= 2)
        #expect(partitions.reduce(0) { $0 + $1.points } == 2 * 3 * 720)
        #expect(partitions.allSatisfy { $0.duration == 3_600_000 && $0.bytes > 0 })
        let st = store.statistics()
        #expect(st.pointsWritten == 4320 && st.chunkPoints == 4320 && st.series == 6 && st.flushes >= 1)
        #expect(events.all.contains { if case .flushed = $0 { true } else { false } })
        #expect(events.all.contains { if case .opened = $0 { true } else { false } })
    }

    @Test func coldPartitionsAreRepackedWithZstd() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.partitionDuration = 3_600_000
        options.coldCompression = ColdCompression(level: 9, afterPartitions: 2)
        let store = try Store(at: "/c", options: options)
        let readings = StoreFixtures.fleet(devices: 3, sensors: 2, steps: 1800)  // five hours
        for hour in 0..<5 {  // streamed: a flush an hour, so each hour is a window of its own
            try store.write(Array(readings[(hour * 2160)..<((hour + 1) * 2160)]))
            try store.flush()
        }
        try store.compact()
        let cold = try store.partitions().flatMap(\.files).filter(\.isCold).count
        #expect(cold >= 2)
        #expect(try store.read().reduce(0) { $0 + $1.count } == readings.count)
        #expect(try store.verify().isOK)
        // Re-packed files are not re-packed again.
        let files = try store.partitions().flatMap(\.files).map(\.name)
        try store.compact()
        #expect(try store.partitions().flatMap(\.files).map(\.name) == files)
    }

    @Test func badInputIsRejectedWithClearErrors() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/b", options: StoreFixtures.options(fs))
        #expect { try store.write([Reading(deviceID: "", sensorType: "t", timestamp: 0, value: 1)]) } throws: {
            ($0 as? StrataError)?.reason.contains("device_id is empty") == true
        }
        #expect { try store.write([Reading(deviceID: "d", sensorType: String(repeating: "x", count: 300), timestamp: 0, value: 1)]) } throws: {
            ($0 as? StrataError)?.reason.contains("sensor_type is 300 bytes long") == true
        }
        #expect { try store.write([], sources: ["": "1"]) } throws: { ($0 as? StrataError)?.kind == .invalidArgument }
        #expect { try store.write([Reading(deviceID: "fine", sensorType: "t", timestamp: 0, value: 1),
                                   Reading(deviceID: "bad\n", sensorType: "t", timestamp: 0, value: 1)]) } throws: {
            ($0 as? StrataError)?.reason.contains("U+000A") == true
        }
        // A rejected batch leaves nothing behind, not even a new series.
        #expect(try store.series().isEmpty)
        // Extreme timestamps and special values are data, stored bit-exactly.
        let odd = [Reading(deviceID: "d", sensorType: "t", timestamp: .min, value: .nan),
                   Reading(deviceID: "d", sensorType: "t", timestamp: .max, value: -0.0),
                   Reading(deviceID: "d", sensorType: "t", timestamp: 0, value: .infinity)]
        try store.write(odd)
        try store.flush()
        #expect(Set(try store.read(SeriesKey(deviceID: "d", sensorType: "t")).readings) == Set(odd))
        #expect { _ = try Store(at: "/b2", options: { var o = StoreFixtures.options(fs); o.blockRows = 3; return o }()) } throws: {
            ($0 as? StrataError)?.kind == .invalidArgument
        }
        try store.close()
        #expect { _ = try Store(at: "/b", options: { var o = StoreFixtures.options(fs); o.resolution = .nanoseconds; return o }()) } throws: {
            ($0 as? StrataError)?.reason.contains("milliseconds") == true
        }
    }
}
