import Testing
@testable import Strata
import StrataTestSupport

/// `Store.storageReport()` (the shell's `.stats`): where the chunk files' bytes go.
@Suite struct StorageReportTests {
    @Test func linesAddUpToTheChunkFiles() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/r", options: StoreFixtures.options(fs))
        try store.write(StoreFixtures.fleet(devices: 4, sensors: 3, steps: 2_000))
        try store.flush()
        let report = try store.storageReport()
        let stats = store.statistics()
        #expect(report.points == stats.chunkPoints)
        #expect(report.bytes == stats.chunkBytes)
        #expect(report.partitions.reduce(0) { $0 + $1.points } == report.points)
        #expect(report.partitions.reduce(0) { $0 + $1.bytes } == report.bytes)
        #expect(report.sensorTypes.map(\.name) == ["battery_v", "humidity", "temperature"])
        #expect(report.sensorTypes.reduce(0) { $0 + $1.points } == report.points)
        // Shares are rounded per line: the sum is within a byte per line of the total.
        #expect(abs(report.sensorTypes.reduce(0) { $0 + $1.bytes } - report.bytes) <= report.sensorTypes.count)
        #expect(report.columns.map(\.name) == ["timestamps", "values", "qualities", "presence", "index"])
        #expect(abs(report.columns.reduce(0) { $0 + $1.bytes } - report.bytes) <= report.columns.count)
        #expect(report.columns.allSatisfy { $0.points == report.points })
        try store.close()
    }

    /// Regression: sensor types were keyed by String, whose == is canonical equivalence,
    /// so "café" in NFC and in NFD (two series in the store) became one line.
    @Test func sensorTypesDifferingOnlyInNormalizationAreTwoLines() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/n", options: StoreFixtures.options(fs))
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        try store.write((0..<100).flatMap { i in
            [Reading(deviceID: "d", sensorType: nfc, timestamp: Int64(i) * 1000, value: 1),
             Reading(deviceID: "d", sensorType: nfd, timestamp: Int64(i) * 1000, value: 2)]
        })
        try store.flush()
        let lines = try store.storageReport().sensorTypes
        #expect(lines.count == 2)
        #expect(lines.map { Array($0.name.utf8) }.sorted { $0.lexicographicallyPrecedes($1) } == [Array(nfd.utf8), Array(nfc.utf8)].sorted { $0.lexicographicallyPrecedes($1) })
        #expect(lines.allSatisfy { $0.points == 100 })
        try store.close()
    }
}
