import Testing
@testable import Strata
import StrataTestSupport

/// Streaming raw reads with a selection's filters, against the model.
@Suite struct RawScanTests {
    @Test(arguments: [5, 6] as [UInt64])
    func scansMatchTheModel(seed: UInt64) throws {
        let fs = InMemoryFileSystem()
        let (store, model) = try AggregationTests.randomStore(seed: seed, fs: fs)
        var rng = SplitMix64(seed: seed)
        for round in 0..<40 {
            if round == 20 { try store.compact() }
            let selection = AggregationTests.randomQuery(&rng).selection
            var cursor = try store.scan(selection)
            var got: [SeriesKey: [(Int64, UInt64, Quality)]] = [:]
            var order: [SeriesKey] = []
            while let run = try cursor.next() {
                #expect(run.count > 0)
                #expect(zip(run.timestamps, run.timestamps.dropFirst()).allSatisfy { $0 < $1 })
                if round >= 20 { #expect(run.count <= 64, "a run of a compacted store is one block") }
                if order.last != run.key { order.append(run.key) }
                got[run.key, default: []] += (0..<run.count).map { (run.timestamps[$0], run.values[$0].bitPattern, run.qualities[$0]) }
            }
            #expect(Set(order).count == order.count, "each series' runs come together")
            var expected: [SeriesKey: [(Int64, UInt64, Quality)]] = [:]
            for key in model.orderedKeys where model.selects(selection, key) {
                let points = model.series[key]!.filter { t, p in
                    selection.timeRange.contains(t) && selection.qualities.contains(p.quality) && selection.values.allSatisfy { $0.holds(p.value) }
                }.sorted { $0.key < $1.key }
                if !points.isEmpty { expected[key] = points.map { ($0.key, $0.value.value.bitPattern, $0.value.quality) } }
            }
            #expect(order == model.orderedKeys.filter { expected[$0] != nil }, "series in name order")
            #expect(got.count == expected.count)
            for (key, points) in expected {
                let g = got[key] ?? []
                #expect(g.count == points.count && zip(g, points).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }, "\(key)")
            }
        }
        try store.close()
    }

    @Test func blocksThatCannotMatchAreNotDecoded() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/raw", options: StoreFixtures.options(fs, blockRows: 64))
        try store.write(StoreFixtures.fleet(devices: 2, sensors: 1, steps: 640))
        try store.compact()
        var cursor = try store.scan(Selection(values: [ValueCondition(.greater, 1000)]))
        #expect(try cursor.next() == nil)
        #expect(cursor.explain.blocksPruned == cursor.explain.blocksConsidered && cursor.explain.blocksConsidered > 0)
        #expect(cursor.explain.pointsDecoded == 0)
        try store.close()
    }
}
