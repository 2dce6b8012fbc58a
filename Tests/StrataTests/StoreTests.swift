import Foundation
import Testing
@testable import Strata
import StrataTestSupport

@Suite struct StoreTests {
    @Test func writeReadFlushReopen() throws {
        let fs = InMemoryFileSystem()
        let readings = StoreFixtures.fleet(devices: 5, sensors: 3, steps: 200)
        do {
            let store = try Store(at: "/store", options: StoreFixtures.options(fs))
            try store.write(readings, sources: ["kafka/0": "42"])
            let key = try SeriesKey(deviceID: "sensor-2", sensorType: "humidity")
            let expected = readings.filter { $0.series == key }
            #expect(try store.read(key).readings == expected)
            try store.flush()
            #expect(try store.read(key).readings == expected)
            // Jitter puts the first readings a few ms before midnight: two daily partitions.
            let days = Set(readings.map { ($0.timestamp - ($0.timestamp % 86_400_000 + 86_400_000) % 86_400_000) })
            #expect(try store.partitions().map(\.start) == days.sorted())
            #expect(try store.partitions().reduce(0) { $0 + $1.points } == readings.count)
            #expect(try store.sourcePositions() == ["kafka/0": "42"])
            try store.close()
        }
        let store = try Store(at: "/store", options: StoreFixtures.options(fs))
        let all = try store.read()
        #expect(all.count == 15)
        #expect(all.reduce(0) { $0 + $1.count } == readings.count)
        #expect(try store.sourcePositions() == ["kafka/0": "42"])
        let report = try store.verify()
        #expect(report.isOK && report.points == readings.count, "\(report)")
        try store.close()
    }

    @Test func replayWithoutFlushRestoresEverything() throws {
        let fs = InMemoryFileSystem()
        let readings = StoreFixtures.fleet(devices: 3, sensors: 2, steps: 100)
        var options = StoreFixtures.options(fs)
        options.flushOnClose = false
        do {
            let store = try Store(at: "/s", options: options)
            for chunk in stride(from: 0, to: readings.count, by: 50) {
                try store.write(Array(readings[chunk..<min(chunk + 50, readings.count)]), sources: ["src": "\(chunk)"])
            }
            try store.close()
        }
        let store = try Store(at: "/s", options: options)
        #expect(store.recovery.points == readings.count)
        #expect(store.recovery.records == 12)
        #expect(store.recovery.closedCleanly)
        #expect(try store.read().reduce(0) { $0 + $1.count } == readings.count)
        #expect(try store.sourcePositions() == ["src": "550"])
    }

    @Test func duplicatesLastWriteWins() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/d", options: StoreFixtures.options(fs))
        let key = try SeriesKey(deviceID: "gw", sensorType: "t")
        try store.write([Reading(deviceID: "gw", sensorType: "t", timestamp: 10, value: 1), Reading(deviceID: "gw", sensorType: "t", timestamp: 20, value: 2)])
        try store.flush()
        try store.write([Reading(deviceID: "gw", sensorType: "t", timestamp: 10, value: 3, quality: .suspect)])
        #expect(try store.read(key).values == [3, 2])
        try store.flush()
        #expect(try store.read(key).values == [3, 2])
        #expect(try store.read(key).qualities == [.suspect, .good])
        try store.write([Reading(deviceID: "gw", sensorType: "t", timestamp: 20, value: 4), Reading(deviceID: "gw", sensorType: "t", timestamp: 20, value: 5)])
        #expect(try store.read(key).values == [3, 5])
        try store.compact()
        #expect(try store.read(key).values == [3, 5])
        #expect(try store.partitions().first?.files.count == 1)
    }

    @Test func secondOpenIsLocked() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/l", options: StoreFixtures.options(fs))
        #expect { _ = try Store(at: "/l", options: StoreFixtures.options(fs)) } throws: { ($0 as? StrataError)?.kind == .locked }
        try store.close()
        try store.close()
        #expect { try store.write([Reading(deviceID: "a", sensorType: "b", timestamp: 1, value: 1)]) } throws: { ($0 as? StrataError)?.kind == .closed }
        let again = try Store(at: "/l", options: StoreFixtures.options(fs))
        try again.close()
    }

    @Test func posixStoreRoundTrip() throws {
        let dir = StoreFixtures.temporaryDirectory()
        defer { StoreFixtures.removeTree(dir) }
        let readings = StoreFixtures.fleet(devices: 10, sensors: 5, steps: 300)
        var options = Options()
        options.blockRows = 128
        do {
            let store = try Store(at: dir, options: options)
            #expect { _ = try Store(at: dir) } throws: { ($0 as? StrataError)?.kind == .locked }
            try store.write(readings)
            try store.flush()
            try store.close()
        }
        let store = try Store(at: dir, options: options)
        #expect(try store.read().reduce(0) { $0 + $1.count } == readings.count)
        let report = try store.verify()
        #expect(report.isOK && report.points == readings.count, "\(report)")
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [StoreEvent] = []
    func add(_ e: StoreEvent) { lock.lock(); events.append(e); lock.unlock() }
    var all: [StoreEvent] { lock.lock(); defer { lock.unlock() }; return events }
}

@Suite struct CompactionReaderTests {
    /// Compaction swaps in the merged file at once, but the files it replaced stay
    /// on disk while a reader's snapshot still uses them.
    @Test func replacedFilesOutliveTheReadersThatUseThem() async throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.compactionTrigger = 0
        let store = try Store(at: "/r", options: options)
        let first = StoreFixtures.fleet(devices: 2, sensors: 2, steps: 100)
        let second = StoreFixtures.fleet(devices: 2, sensors: 2, steps: 100, start: 1_767_230_000_000)
        try store.write(first)
        try store.flush()
        try store.write(second)
        try store.flush()
        let before = Set(fs.allFiles().filter { $0.hasSuffix(".chunk") })
        #expect(before.count == 2)
        var total = 0
        do {
            var iterator = store.points().makeAsyncIterator()
            total += try await iterator.next()?.count ?? 0  // the snapshot is taken here
            try store.compact()
            let during = Set(fs.allFiles().filter { $0.hasSuffix(".chunk") })
            #expect(during.isSuperset(of: before), "a file in use was deleted")
            #expect(during.count == 3)
            while let s = try await iterator.next() { total += s.count }
        }
        #expect(total == first.count + second.count)
        // The reader is gone: only the merged file remains (once any thread that
        // briefly held the old version, such as a statistics call, lets go too).
        var after = Set(fs.allFiles().filter { $0.hasSuffix(".chunk") })
        for _ in 0..<200 where after.count > 1 {
            usleep(10_000)
            after = Set(fs.allFiles().filter { $0.hasSuffix(".chunk") })
        }
        #expect(after.count == 1 && after.isDisjoint(with: before), "\(after) before \(before)")
        try store.close()
    }
}
