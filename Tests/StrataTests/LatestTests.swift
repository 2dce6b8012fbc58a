import Testing
@testable import Strata
import StrataTestSupport

/// Latest values: answered from memory, equal to the newest point of each
/// series in the model, through flushes, compactions, reopen and filters.
@Suite struct LatestTests {
    static func expected(_ model: ReferenceStore, _ s: Selection) -> [Reading] {
        model.orderedKeys.compactMap { key -> Reading? in
            guard model.selects(s, key) else { return nil }
            let points = model.series[key]!.filter { t, p in
                s.timeRange.contains(t) && s.qualities.contains(p.quality) && s.values.allSatisfy { $0.holds(p.value) }
            }
            guard let top = points.max(by: { $0.key < $1.key }) else { return nil }
            return Reading(deviceID: key.deviceID, sensorType: key.sensorType, timestamp: top.key, value: top.value.value, quality: top.value.quality)
        }
    }

    static func same(_ a: [Reading], _ b: [Reading]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy {
            $0.deviceID == $1.deviceID && $0.sensorType == $1.sensorType && $0.timestamp == $1.timestamp
                && $0.value.bitPattern == $1.value.bitPattern && $0.quality == $1.quality
        }
    }

    @Test(arguments: [11, 12] as [UInt64])
    func latestMatchesTheModel(seed: UInt64) throws {
        let fs = InMemoryFileSystem()
        var (store, model) = try AggregationTests.randomStore(seed: seed, fs: fs)
        var rng = SplitMix64(seed: seed)
        for round in 0..<45 {
            if round == 15 { try store.compact() }
            if round == 30 {
                // Reopen: the table starts empty and is learned from the files.
                try store.close()
                var options = StoreFixtures.options(fs, memtableBytes: 1 << 16, blockRows: 64)
                options.partitionDuration = AggregationTests.hour
                store = try Store(at: "/q", options: options)
                let late = [Reading(deviceID: "dev-a", sensorType: "temp", timestamp: 5 * AggregationTests.day, value: 1, quality: .suspect)]
                try store.write(late)
                model.write(late)
            }
            var s = AggregationTests.randomQuery(&rng).selection
            if round % 3 == 0 { s.timeRange = .all; s.qualities = Set(Quality.allCases); s.values = [] }
            let got = try store.latest(s)
            #expect(Self.same(got, Self.expected(model, s)), "round \(round): \(s)")
            // Asked twice: the second answer comes from what the first learned.
            #expect(Self.same(try store.latest(s), got))
        }
        try store.close()
    }

    @Test func aSensorSilentForAMonthStillAnswersFromMemory() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/silent", options: StoreFixtures.options(fs))
        let day: Int64 = 86_400_000
        try store.write([Reading(deviceID: "quiet", sensorType: "temp", timestamp: 0, value: 4.5, quality: .suspect)])
        for d in 1...30 {
            try store.write((0..<100).map { Reading(deviceID: "busy", sensorType: "temp", timestamp: Int64(d) * day + Int64($0) * 1000, value: Double($0)) })
            try store.flush()
        }
        try store.compact()
        let first = try store.latest(Selection(devices: .equals("quiet")))
        #expect(first.count == 1 && first[0].timestamp == 0 && first[0].value == 4.5 && first[0].quality == .suspect)
        // Learned: the table knows the quiet series now.
        let known = store.engine.state.withLock { s in s.latest.lookup(0) }
        #expect(known != nil)
        try store.close()
    }

    @Test func theLastWriteAtTheNewestTimestampWins() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/dup", options: StoreFixtures.options(fs))
        try store.write([Reading(deviceID: "d", sensorType: "s", timestamp: 10, value: 1), Reading(deviceID: "d", sensorType: "s", timestamp: 10, value: 2)])
        #expect(try store.latest().map(\.value) == [2])
        try store.flush()
        try store.write([Reading(deviceID: "d", sensorType: "s", timestamp: 10, value: 3, quality: .bad)])
        #expect(try store.latest().map(\.value) == [3])
        try store.flush()
        store.engine.state.withLock { $0.latest.forgetAll() }
        let fromFiles = try store.latest()
        #expect(fromFiles.map(\.value) == [3] && fromFiles.map(\.quality) == [.bad])
        // Excluding bad readings looks further back.
        #expect(try store.latest(Selection(qualities: [.good])).map(\.value) == [])
        try store.write([Reading(deviceID: "d", sensorType: "s", timestamp: 5, value: 7)])
        #expect(try store.latest(Selection(qualities: [.good])).map(\.value) == [7])
        #expect(try store.latest(Selection(timeRange: TimeRange(0...9))).map(\.value) == [7])
        try store.close()
    }
}
