import Testing
@testable import Strata
import StrataTestSupport

@Suite struct ManifestTests {
    @Test func roundTripAndDamage() throws {
        var m = Manifest(resolution: .microseconds, partitionDuration: 3_600_000_000)
        m.nextFileNumber = 12
        m.walStart = 4
        m.walLast = 6
        m.catalogLength = 1234
        m.catalogSeries = 17
        m.newestTime = -1
        m.files = [
            FileMeta(number: 3, precedence: 3, mixed: false, cold: true, rangeFirst: -3_600_000_000, rangeLast: -1,
                     summary: ChunkSummary(size: 100, points: 5, series: 2, minTime: -3_599_000_000, maxTime: -1)),
            FileMeta(number: 9, precedence: 5, mixed: true, cold: false, rangeFirst: .min, rangeLast: .max,
                     summary: ChunkSummary(size: 10, points: 2, series: 1, minTime: .min, maxTime: .max)),
        ]
        m.tombstones = [
            Tombstone(scope: .all, first: -3_600_000_000, last: -1, below: Order(precedence: 5, number: 9)),
            Tombstone(scope: .series([2, 7, 1000]), first: .min, last: 0, below: Order(precedence: 11, number: 11)),
        ]
        m.sources = ["kafka/a/0": "99", "mqtt": "seq 7"]
        let bytes = m.encode()
        #expect(try Manifest.decode(bytes) == m)
        for i in 0..<bytes.count {
            var d = bytes
            d[i] ^= 0x20
            #expect(throws: StrataError.self) { _ = try Manifest.decode(d) }
        }
        for n in 0..<bytes.count {
            #expect(throws: StrataError.self) { _ = try Manifest.decode(Array(bytes.prefix(n))) }
        }
    }
}
