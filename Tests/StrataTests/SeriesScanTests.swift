import Testing
@testable import Strata
import StrataTestSupport

/// The block-level scan against a model: random files that overlap in time
/// and in (series, timestamp), memtables on top, tombstones hiding ranges.
/// The scan's points must equal the model's newest-wins merge, and every
/// block it hands out as clean must be exactly what decoding it gives.
@Suite struct SeriesScanTests {
    final class Files {
        let fs = InMemoryFileSystem()
        let cache = BlockCache(capacity: 1 << 24)
        var next: UInt64 = 1

        init() { try! fs.createDirectory("/s/chunks") }

        /// A file holding `points` of series 0 (and a neighbour series), with precedence = its number.
        func add(_ points: PointColumns, window: ClosedRange<Int64>? = nil, blockRows: Int = 64) throws -> LiveFile {
            let number = next
            next += 1
            let writer = try ChunkWriter(fs: fs, path: "/s/" + FileNames.chunk(number), window: window, blockRows: blockRows)
            var other = PointColumns()
            other.append(points.timestamps[0], 1, 0)
            try writer.addDevice([ChunkSeriesInput(id: 0, points: points), ChunkSeriesInput(id: 1, points: other)])
            let summary = try writer.finish()
            let file = try ChunkFile(fs: fs, directory: "/s", number: number, cache: cache)
            let meta = FileMeta(number: number, precedence: number, mixed: window == nil, cold: false, rangeFirst: file.rangeFirst,
                                rangeLast: file.rangeLast, summary: summary)
            return LiveFile(meta: meta, file: file)
        }
    }

    static func random(_ rng: inout SplitMix64, count: Int, from: Int64, span: Int64, nan: Bool) -> PointColumns {
        var byTime: [Int64: (Double, UInt8)] = [:]
        for _ in 0..<count {
            let t = from + Int64(rng.next() % UInt64(span))
            var v = Double(Int(rng.next() % 2000) - 1000) / 10
            if nan && rng.next() % 40 == 0 { v = .nan }
            byTime[t] = (v, rng.next() % 10 == 0 ? 1 : 0)
        }
        var p = PointColumns()
        for t in byTime.keys.sorted() { p.append(t, byTime[t]!.0, byTime[t]!.1) }
        return p
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func scanMatchesANewestWinsModel(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let files = Files()
        var live: [LiveFile] = []
        var model: [Int64: (Double, UInt8)] = [:]
        var tombstones: [Tombstone] = []
        for k in 0..<6 {
            // Some files far apart (clean blocks), some overlapping the others; negative times too.
            let from = Int64(rng.next() % 8) * 5_000 - 20_000
            let p = Self.random(&rng, count: 50 + Int(rng.next() % 400), from: from, span: 3_000 + Int64(rng.next() % 9_000), nan: k % 2 == 0)
            let f = try files.add(p)
            // A tombstone hiding part of the files so far (all series), now and then.
            if rng.next() % 3 == 0 {
                let first = from + Int64(rng.next() % 2_000), last = first + Int64(rng.next() % 1_500)
                tombstones.append(Tombstone(scope: .all, first: first, last: last, below: f.meta.order))
                for t in model.keys where t >= first && t <= last { model[t] = nil }
            }
            live.append(f)
            for i in 0..<p.count { model[p.timestamps[i]] = (p.values[i], p.qualities[i]) }
        }
        // A memtable on top, out of order with duplicates (newest wins within it too).
        let memtable = MemTable(firstSegment: 1, generation: 1)
        var batch = WriteBatch()
        batch.series = [0]
        var mem: [(Int64, Double)] = []
        for _ in 0..<200 { mem.append((Int64(rng.next() % 40_000) - 20_000, Double(rng.next() % 100))) }
        batch.timestamps = mem.map(\.0)
        batch.values = mem.map(\.1)
        batch.qualities = [UInt8](repeating: 2, count: mem.count)
        batch.groupEnds = [mem.count]
        memtable.apply(batch)
        for (t, v) in mem { model[t] = (v, 2) }

        let version = Version(manifest: Manifest(resolution: .milliseconds, partitionDuration: 1000), files: live)
        let sources = live.map { f in ScanFile(live: f, tombstones: tombstones.filter { $0.applies(to: f.meta) }) }
        for _ in 0..<10 {
            let lo = Int64(rng.next() % 50_000) - 25_000
            let range = lo...(lo + Int64(rng.next() % 30_000))
            var scan = try SeriesScan(id: 0, range: range, files: sources, memtables: [memtable.snapshot(0)!])
            var got = PointColumns()
            var clean = 0
            while let piece = try scan.next() {
                switch piece {
                case .block(let b):
                    clean += 1
                    let points = try b.decode()
                    let st = b.statistics
                    #expect(st == BlockStatistics(points, 0..<points.count))
                    #expect(points.timestamps.allSatisfy { range.contains($0) })
                    got.append(contentsOf: points)
                case .points(let p):
                    got.append(contentsOf: p)
                }
            }
            let want = model.keys.filter { range.contains($0) }.sorted()
            #expect(got.timestamps == want, "seed \(seed) range \(range)")
            #expect(got.values.map(\.bitPattern) == want.map { model[$0]!.0.bitPattern })
            #expect(got.qualities == want.map { model[$0]!.1 })
            _ = version
        }
    }

    @Test func blocksNothingTouchesAreHandedOutClean() throws {
        let files = Files()
        var p = PointColumns()
        for i in 0..<640 { p.append(Int64(i) * 1000, Double(i % 50) / 10, 0) }
        let f = try files.add(p)
        var scan = try SeriesScan(id: 0, range: Int64.min...Int64.max, files: [ScanFile(live: f, tombstones: [])], memtables: [])
        var clean = 0
        while let piece = try scan.next() { if case .block = piece { clean += 1 } }
        #expect(clean == 10)
        // A range cutting the first and last blocks: those two are decoded and trimmed.
        var partial = try SeriesScan(id: 0, range: 30_000...600_000, files: [ScanFile(live: f, tombstones: [])], memtables: [])
        var kinds: [Bool] = []
        while let piece = try partial.next() { if case .block = piece { kinds.append(true) } else { kinds.append(false) } }
        #expect(kinds.first == false && kinds.last == false && kinds.filter { $0 }.count == 8)
    }
}
