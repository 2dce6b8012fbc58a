import Testing
@testable import Strata
import StrataTestSupport

@Suite struct CatalogTests {
    @Test func resolveLookupAndPostings() {
        var c = SeriesCatalog()
        let a = c.resolve("dev-1", "temp")
        let b = c.resolve("dev-1", "hum")
        let d = c.resolve("dev-2", "temp")
        #expect(a == (0, true) && b.id == 1 && d.id == 2)
        #expect(c.resolve("dev-1", "temp") == (0, false))
        #expect(c.select(device: "dev-1", sensorType: nil) == [0, 1])
        #expect(c.select(device: nil, sensorType: "temp") == [0, 2])
        #expect(c.select(device: "dev-2", sensorType: "hum") == [])
        #expect(c.select(device: "nope", sensorType: nil) == [])
        #expect(c.key(2) == SeriesKey(unchecked: "dev-2", "temp"))
        let same = c.define(1, "dev-1", "hum"), other = c.define(1, "dev-9", "hum")
        let gap = c.define(7, "x", "y"), next = c.define(3, "dev-3", "co2")
        #expect(same && !other && !gap && next)
    }

    @Test func catalogFileLoadsCommittedRecordsOnly() throws {
        var c = SeriesCatalog()
        var bytes = CatalogFile.header()
        bytes += CatalogFile.record(firstID: 0, [SeriesKey(unchecked: "a", "t"), SeriesKey(unchecked: "b", "t")])
        let committed = bytes.count
        bytes += CatalogFile.record(firstID: 2, [SeriesKey(unchecked: "c", "t")])
        try CatalogFile.load(bytes, committed: committed, into: &c)
        #expect(c.count == 2)
        var all = SeriesCatalog()
        try CatalogFile.load(bytes, committed: bytes.count, into: &all)
        #expect(all.count == 3)
        var flipped = bytes
        flipped[12] ^= 1
        var broken = SeriesCatalog()
        #expect(throws: StrataError.self) { try CatalogFile.load(flipped, committed: committed, into: &broken) }
    }

    @Test func holdsAMillionSeriesInModestMemory() {
        // 1M series: 200k devices x 5 sensor types.
        var c = SeriesCatalog()
        let sensors = ["temperature", "humidity", "battery_v", "energy_wh", "status"]
        for d in 0..<200_000 {
            for s in sensors { _ = c.resolve("sensor-\(d)", s) }
        }
        let bytes = c.approximateBytes
        #expect(c.count == 1_000_000)
        #expect(c.select(device: "sensor-199999", sensorType: nil).count == 5)
        #expect(c.select(device: nil, sensorType: "status").count == 200_000)
        #expect(c.lookup("sensor-123456", "humidity") == SeriesID(123_456 * 5 + 1))
        // Interned names: about 100 bytes per series, postings included (from the tables'
        // capacities: resident memory is no measure while other tests run in parallel).
        #expect(bytes / c.count < 150, "\(bytes / c.count) bytes per series")
        withExtendedLifetime(c) {}
    }
}

@Suite struct NameBytesTests {
    @Test func namesDifferingOnlyInNormalizationAreDifferentSeries() {
        // Regression (engine hardening: "byte-different names merge").
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        #expect(nfc == nfd)  // Swift: canonically equivalent
        var c = SeriesCatalog()
        let a = c.resolve(nfc, "temperature"), b = c.resolve(nfd, "temperature")
        #expect(a.id != b.id && b.created)
        #expect(SeriesKey(unchecked: nfc, "t") != SeriesKey(unchecked: nfd, "t"))
        #expect(Set([SeriesKey(unchecked: nfc, "t"), SeriesKey(unchecked: nfd, "t")]).count == 2)
        #expect(c.select(device: nfd, sensorType: nil) == [b.id])
    }
}
