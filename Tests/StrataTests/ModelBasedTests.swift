import Testing
@testable import Strata
import StrataTestSupport

/// The store against the simplest possible model: a dictionary from series
/// and timestamp to the last value written. Random sequences of writes (in
/// order, out of order, duplicates, late data across partitions), flushes,
/// compactions, closes and reopens; every step is checked.
struct Model {
    var points: [SeriesKey: [Int64: (bits: UInt64, quality: Quality)]] = [:]
    var sources: [String: String] = [:]

    mutating func apply(_ readings: [Reading], sources s: [String: String]) {
        for r in readings { points[r.series, default: [:]][r.timestamp] = (r.value.bitPattern, r.quality) }
        for (k, v) in s { sources[k] = v }
    }

    func expected(_ key: SeriesKey, _ range: TimeRange) -> [Reading] {
        (points[key] ?? [:]).filter { range.contains($0.key) }.sorted { $0.key < $1.key }.map {
            Reading(deviceID: key.deviceID, sensorType: key.sensorType, timestamp: $0.key, value: Double(bitPattern: $0.value.bits), quality: $0.value.quality)
        }
    }
}

@Suite struct ModelBasedTests {
    static let devices = ["gw-1", "gw-2", "gw-3", "node-A", "node-B"]
    static let sensors = ["temperature", "humidity", "co2"]
    static let hour: Int64 = 3_600_000

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func randomOperationsMatchTheModel(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 16 + Int(seed % 3) << 15, blockRows: 64)
        options.partitionDuration = 6 * Self.hour
        options.compactionTrigger = 3
        var store = try Store(at: "/model", options: options)
        var model = Model()
        var now: Int64 = 1_767_225_600_000
        func random(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

        for step in 0..<120 {
            switch random(20) {
            case 0..<13:
                // A batch: mostly fresh points, some late, some overwriting.
                var batch: [Reading] = []
                for _ in 0..<(1 + random(300)) {
                    let device = Self.devices[random(Self.devices.count)], sensor = Self.sensors[random(Self.sensors.count)]
                    var t: Int64
                    switch random(10) {
                    case 0: t = now - Int64(random(48)) * Self.hour - Int64(random(3_600_000))  // late, maybe days
                    case 1: t = now - Int64(random(200)) * 10_000  // recent: likely a duplicate
                    default: t = now + Int64(random(600)) * 1000
                    }
                    if random(50) == 0 { t = t / 1000 * 1000 }
                    let value = random(30) == 0 ? Double(bitPattern: rng.next()) : Double(random(5000)) / 10
                    batch.append(Reading(deviceID: device, sensorType: sensor, timestamp: t, value: value,
                                         quality: random(20) == 0 ? .suspect : .good))
                }
                now += Int64(random(400)) * 1000
                let sources = random(3) == 0 ? ["src/\(random(2))": "\(step)"] : [:]
                try store.write(batch, sources: sources)
                model.apply(batch, sources: sources)
            case 13..<15:
                try store.flush()
            case 15:
                try store.compact()
            case 16..<18:
                try store.close()
                store = try Store(at: "/model", options: options)
            default:
                break
            }
            // Check a few series over random ranges, and everything now and then.
            for _ in 0..<3 {
                let key = SeriesKey(unchecked: Self.devices[random(Self.devices.count)], Self.sensors[random(Self.sensors.count)])
                let lo = now - Int64(random(72)) * Self.hour
                let range = random(4) == 0 ? TimeRange.all : TimeRange(from: lo, until: lo + Int64(1 + random(30)) * Self.hour)
                let got = try store.read(key, in: range).readings
                let want = model.expected(key, range)
                if got != want {
                    let i = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
                    Issue.record("seed \(seed) step \(step): \(key) in \(range): \(got.count) points, expected \(want.count); first difference at \(i): \(i < got.count ? "\(got[i])" : "none") vs \(i < want.count ? "\(want[i])" : "none")")
                    return
                }
            }
            if step % 20 == 19 {
                let all = try store.read()
                #expect(all.reduce(0) { $0 + $1.count } == model.points.values.reduce(0) { $0 + $1.count })
                #expect(try store.sourcePositions() == model.sources)
                #expect(try store.verify().isOK)
            }
        }
        try store.close()
    }
}
