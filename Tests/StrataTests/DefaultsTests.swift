import Foundation
import Testing
@testable import Strata
import StrataTestSupport

/// Default options serve every data rate: slow data ends in long windows,
/// not a file per day; a gateway's few readings a minute are flushed by age;
/// closing flushes.
@Suite struct DefaultsTests {
    static let hour: Int64 = 3_600_000

    @Test func hourlyDataStreamedForMonthsEndsInLongWindowsNotAFileADay() throws {
        let fs = InMemoryFileSystem()
        var options = Options()
        options.fileSystem = fs
        options.sync = .none
        let store = try Store(at: "/hourly", options: options)
        // 20 stations x 6 sensors, one reading an hour, 200 days, flushed every 12 hours
        // as a gateway's memtable would be by age.
        let start: Int64 = 1_700_000_000_000 / Self.hour * Self.hour
        for h in 0..<(200 * 24) {
            var batch: [Reading] = []
            for d in 0..<20 {
                for s in 0..<6 {
                    batch.append(Reading(deviceID: "station-\(d)", sensorType: "s\(s)", timestamp: start + Int64(h) * Self.hour,
                                         value: Double((h * 7 + d * 3 + s) % 500) / 10))
                }
            }
            try store.write(batch)
            if h % 12 == 11 { try store.flush() }
        }
        try store.compact()
        let partitions = try store.partitions()
        let files = partitions.flatMap(\.files)
        #expect(files.count <= 10, "\(files.count) files for 200 days of hourly data")
        #expect(partitions.allSatisfy { $0.duration >= 16 * 24 * Self.hour || $0.isMixed || $0.start >= start + 190 * 24 * Self.hour },
                "windows: \(partitions.map { $0.duration / (24 * Self.hour) })")
        #expect(store.statistics().chunkPoints == 200 * 24 * 120)
        #expect(try store.verify().isOK)
        try store.close()
    }

    @Test func aQuietGatewaysMemtableIsFlushedByAge() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.memtableMaxAge = .milliseconds(200)
        let store = try Store(at: "/quiet", options: options)
        try store.write([Reading(deviceID: "gw", sensorType: "t", timestamp: 1_767_225_600_000, value: 21.5)])
        var flushed = false
        for _ in 0..<300 where !flushed {
            usleep(10_000)
            flushed = store.statistics().chunkFiles > 0
        }
        #expect(flushed, "a reading written 3 s ago is still only in the log")
        try store.close()
    }

    @Test func closingFlushesUnlessAskedNotTo() throws {
        let fs = InMemoryFileSystem()
        for flushOnClose in [true, false] {
            var options = StoreFixtures.options(fs)
            options.flushOnClose = flushOnClose
            let path = "/close-\(flushOnClose)"
            do {
                let store = try Store(at: path, options: options)
                try store.write([Reading(deviceID: "gw", sensorType: "t", timestamp: 1, value: 1)])
                try store.close()
            }
            let store = try Store(at: path, options: options)
            #expect(store.recovery.records == (flushOnClose ? 0 : 1))
            #expect(store.recovery.closedCleanly)
            #expect(try store.read(SeriesKey(deviceID: "gw", sensorType: "t")).count == 1)
            try store.close()
        }
    }
}
