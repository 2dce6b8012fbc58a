import Testing
@testable import Strata
import StrataCodecs
import StrataTestSupport
import Foundation

@Suite struct ChunkTests {
    /// Points of a series from a timestamp list, values as decimals, some suspect.
    static func points(_ t: [Int64], seed: UInt64) -> PointColumns {
        var rng = SplitMix64(seed: seed)
        var p = PointColumns()
        for x in t { p.append(x, Double(Int(rng.next() % 1000)) / 10, rng.next() % 50 == 0 ? 1 : 0) }
        return p
    }

    static let day: Int64 = 86_400_000

    /// Writes `devices` (each a list of series) into a chunk file and opens it.
    func roundTrip(_ devices: [[ChunkSeriesInput]], blockRows: Int = 64, cold: Int32? = nil, window: ClosedRange<Int64>? = nil,
                   fs: InMemoryFileSystem = InMemoryFileSystem()) throws -> ChunkFile {
        try fs.createDirectory("/s/chunks")
        let writer = try ChunkWriter(fs: fs, path: "/s/" + FileNames.chunk(7), window: window, blockRows: blockRows, coldLevel: cold)
        for d in devices { try writer.addDevice(d) }
        let summary = try writer.finish()
        let file = try ChunkFile(fs: fs, directory: "/s", number: 7, cache: BlockCache(capacity: 1 << 20))
        #expect(file.summary == summary)
        for d in devices {
            for s in d {
                #expect(try file.read(s.id, in: Int64.min...Int64.max) == s.points)
            }
        }
        return file
    }

    /// Reads of several series with `cacheDecoded` (tier rows) equal plain reads, in
    /// any range, and a second read is answered from the cache without decoding.
    @Test func cachedDecodedBlocksReadTheSamePoints() throws {
        let base = (0..<700).map { Int64($0) * 60_000 }
        let series = (0..<4).map { k in ChunkSeriesInput(id: SeriesID(k), points: Self.points(base, seed: UInt64(k) + 40)) }
        let file = try roundTrip([series])
        let ids: [SeriesID] = [0, 2, 3, 9]   // 9 is not in the file
        _ = try file.read(ids, in: Int64.min...Int64.max)
        let parsedOnly = file.cache.bytes
        let ranges: [ClosedRange<Int64>] = [Int64.min...Int64.max, 30 * 60_000...(400 * 60_000 + 1), 64 * 60_000...(64 * 60_000)]
        for range in ranges {
            let plain = try file.read(ids, in: range)
            let first = try file.read(ids, in: range, cacheDecoded: true)
            #expect(file.cache.bytes > parsedOnly, "decoded blocks are kept")
            let (hits, _) = file.cache.counters
            let second = try file.read(ids, in: range, cacheDecoded: true)
            #expect(first == plain)
            #expect(second == plain)
            // The group lookup and every decoded block of the three series hit.
            #expect(file.cache.counters.hits >= hits + 4)
            #expect(plain[3] == nil)
        }
    }

    @Test func alignedDeviceSharesTimestampsWithPresence() throws {
        let base = (0..<1000).map { Int64($0) * 10_000 + Int64($0 % 7) - 3 }
        var series: [ChunkSeriesInput] = []
        for k in 0..<5 {
            // Each series misses about 1% of the rows.
            let mine = base.enumerated().filter { ($0.offset * 7 + k * 13) % 97 != 0 }.map(\.element)
            series.append(ChunkSeriesInput(id: SeriesID(k), points: Self.points(mine, seed: UInt64(k))))
        }
        let file = try roundTrip([series])
        #expect(try file.entry(0)!.entry.sharedTimestamps)
        // Sharing beats five separate timestamp columns (each series as its own device).
        let separate = try roundTrip(series.map { [$0] }, fs: InMemoryFileSystem())
        #expect(file.size < separate.size, "shared \(file.size) bytes, separate \(separate.size)")
        // Subranges come back exactly.
        let p = try file.read(3, in: 2_000_000...3_000_000)
        #expect(p.timestamps.allSatisfy { $0 >= 2_000_000 && $0 <= 3_000_000 })
        #expect(p == series[3].points.merged(with: PointColumns()).filtered(2_000_000...3_000_000))
    }

    @Test func unalignedDeviceKeepsOwnTimestamps() throws {
        let a = ChunkSeriesInput(id: 1, points: Self.points((0..<500).map { Int64($0) * 60_000 }, seed: 1))
        let b = ChunkSeriesInput(id: 2, points: Self.points((0..<500).map { Int64($0) * 60_000 + 31_000 }, seed: 2))
        let file = try roundTrip([[a, b]])
        #expect(try !file.entry(1)!.entry.sharedTimestamps)
    }

    @Test func alignedSeriesShareWhileAnEventSeriesKeepsItsOwnTimestamps() throws {
        // Three sensors every 10 s; a door contact that reports at its own moments.
        let grid = (0..<600).map { Int64($0) * 10_000 }
        var series = (0..<3).map { ChunkSeriesInput(id: SeriesID($0), points: Self.points(grid, seed: UInt64($0))) }
        let events = (0..<40).map { Int64($0) * 147_001 + 3_333 }
        series.append(ChunkSeriesInput(id: 3, points: Self.points(events, seed: 9)))
        let file = try roundTrip([series])
        for id in 0..<3 { #expect(try file.entry(SeriesID(id))!.entry.sharedTimestamps) }
        #expect(try !file.entry(3)!.entry.sharedTimestamps)
        // Statistics of both kinds of entry are right.
        for s in series {
            let stats = try file.entry(s.id)!.entry.blocks.compactMap(\.statistics)
            #expect(stats.reduce(0) { $0 + $1.count } == s.points.count)
            #expect(stats.first?.minTime == s.points.timestamps.first)
            #expect(stats.last?.maxTime == s.points.timestamps.last)
        }
    }

    @Test func statisticsMatchThePoints() throws {
        let t = (0..<300).map { Int64($0) * 1000 }
        var p = Self.points(t, seed: 5)
        p.values[17] = .nan
        let file = try roundTrip([[ChunkSeriesInput(id: 0, points: p)], [ChunkSeriesInput(id: 1, points: Self.points(t, seed: 6))]], blockRows: 100)
        let stats = try file.entry(0)!.entry.blocks.map(\.statistics)
        #expect(stats.count == 3)
        for (b, st) in stats.enumerated() {
            let range = (b * 100)..<((b + 1) * 100)
            #expect(st == BlockStatistics(p, range))
        }
        #expect(stats[0]!.sum.isNaN && stats[0]!.m2.isNaN && stats[0]!.nanCount == 1)
        #expect(!stats[0]!.min.isNaN)
        // Variance from M2 matches a direct two-pass computation.
        let block = Array(p.values[100..<200])
        let mean = block.reduce(0, +) / 100
        let m2 = block.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(abs(stats[1]!.m2 - m2) <= 1e-9 * m2)
        // Decimal sums are exact: the sum of tenths rounded once, not accumulated error.
        let exact = p.values[100..<200].reduce(0) { $0 + Int(($1 * 10).rounded()) }
        #expect(stats[1]!.sum == Double(exact) / 10)
    }

    @Test func coldFilesAreZstdAndReadTheSame() throws {
        let t = (0..<2000).map { Int64($0) * 10_000 }
        let file = try roundTrip([[ChunkSeriesInput(id: 0, points: Self.points(t, seed: 9))]], cold: 9)
        #expect(file.isCold)
    }

    @Test func windowFilesCarryTheirWindowAndMixedFilesTheirSpan() throws {
        let t = (0..<100).map { Int64($0) * 1000 }
        let window = try roundTrip([[ChunkSeriesInput(id: 0, points: Self.points(t, seed: 1))]], window: 0...(Self.day - 1))
        #expect(!window.isMixed && window.rangeFirst == 0 && window.rangeLast == Self.day - 1)
        let spread = [Int64(-5 * Self.day), 7, 40 * Self.day]
        let mixed = try roundTrip([[ChunkSeriesInput(id: 0, points: Self.points(spread, seed: 2))]])
        #expect(mixed.isMixed && mixed.rangeFirst == -5 * Self.day && mixed.rangeLast == 40 * Self.day)
    }

    @Test func aDamagedBlockIsFoundWithoutReadingTheOthers() throws {
        // Format v2: a checksum per block, so one block's read checks that block only.
        let fs = InMemoryFileSystem()
        let t = (0..<640).map { Int64($0) * 1000 }
        let file = try roundTrip([[ChunkSeriesInput(id: 0, points: Self.points(t, seed: 3))]], fs: fs)
        let (entry, _) = try file.entry(0)!
        let last = entry.blocks[entry.blocks.count - 1]
        let path = "/s/" + FileNames.chunk(7)
        fs.flipBit(path, byte: ChunkFormat.headerSize + last.values.lowerBound + 1, bit: 3)
        let damaged = try ChunkFile(fs: fs, directory: "/s", number: 7, cache: BlockCache(capacity: 1 << 20))
        #expect(try damaged.read(0, in: 0...(t[t.count - 65])).count == 640 - 64)
        #expect { _ = try damaged.read(0, in: Int64.min...Int64.max) } throws: { e in
            guard let e = e as? StrataError else { return false }
            return e.kind == .corruption && e.offset == ChunkFormat.headerSize + last.bytes.lowerBound
        }
    }

    @Test func coldFileErrorOffsetsStayInsideTheFile() throws {
        // Regression (engine hardening): offsets in cold files counted decompressed bytes.
        let fs = InMemoryFileSystem()
        let t = (0..<4000).map { Int64($0) * 10_000 }
        let file = try roundTrip([[ChunkSeriesInput(id: 0, points: Self.points(t, seed: 9))]], cold: 19, fs: fs)
        let path = "/s/" + FileNames.chunk(7)
        var bytes = fs.contents(path)!
        bytes[ChunkFormat.headerSize + 20] ^= 0xFF
        fs.setContents(path, bytes)
        let damaged = try ChunkFile(fs: fs, directory: "/s", number: 7, cache: BlockCache(capacity: 1 << 20))
        #expect(file.isCold)
        do {
            _ = try damaged.read(0, in: Int64.min...Int64.max)
            Issue.record("damage went unnoticed")
        } catch {
            #expect(error.offset.map { $0 >= 0 && $0 < bytes.count } == true, "\(error)")
        }
    }

    @Test func edgeCases() throws {
        // One point; extreme timestamps; every special double; all-bad qualities.
        var special = PointColumns()
        for (i, v) in Generate.specialDoubles.enumerated() { special.append(Int64(i) - 5, v, 2) }
        var extremes = PointColumns()
        extremes.append(Int64.min, 1, 0)
        extremes.append(0, 2, 0)
        extremes.append(Int64.max, 3, 0)
        var one = PointColumns()
        one.append(42, 21.4, 0)
        _ = try roundTrip([[ChunkSeriesInput(id: 0, points: one)], [ChunkSeriesInput(id: 1, points: special)], [ChunkSeriesInput(id: 2, points: extremes)]])
    }

    /// A damage to a chunk file and where it must be noticed.
    struct Damage: Sendable, CustomTestStringConvertible {
        let name: String
        let apply: @Sendable (inout [UInt8]) -> Void
        let atOpen: Bool
        var testDescription: String { name }
    }

    static let damages: [Damage] = [
        .init(name: "truncated", apply: { $0.removeLast(9) }, atOpen: true),
        .init(name: "bad magic", apply: { $0[1] ^= 0xFF }, atOpen: true),
        .init(name: "unknown version", apply: { $0[4] = 9 }, atOpen: true),
        .init(name: "trailer bit flip", apply: { $0[$0.count - 20] ^= 4 }, atOpen: true),
        .init(name: "index bit flip", apply: { $0[$0.count - 40] ^= 1 }, atOpen: true),
        .init(name: "data bit flip", apply: { $0[100] ^= 0x10 }, atOpen: false),
        .init(name: "empty file", apply: { $0 = [] }, atOpen: true),
    ]

    @Test(arguments: damages)
    func damagedFilesAreReportedWithFileAndOffset(_ d: Damage) throws {
        let fs = InMemoryFileSystem()
        let t = (0..<500).map { Int64($0) * 1000 }
        _ = try roundTrip([[ChunkSeriesInput(id: 0, points: Self.points(t, seed: 3)), ChunkSeriesInput(id: 1, points: Self.points(t, seed: 4))]], fs: fs)
        let path = "/s/" + FileNames.chunk(7)
        var bytes = fs.contents(path)!
        d.apply(&bytes)
        fs.setContents(path, bytes)
        do {
            let file = try ChunkFile(fs: fs, directory: "/s", number: 7, cache: BlockCache(capacity: 1 << 20))
            #expect(!d.atOpen, "\(d.name) should fail at open")
            _ = try file.read(0, in: Int64.min...Int64.max)
            _ = try file.read(1, in: Int64.min...Int64.max)
            Issue.record("\(d.name) went unnoticed")
        } catch {
            #expect(error.file == FileNames.chunk(7))
            #expect(error.kind == (d.name == "unknown version" ? .unsupportedVersion : .corruption), "\(error)")
            #expect(error.offset != nil, "\(error)")
        }
    }
}

extension PointColumns {
    func filtered(_ r: ClosedRange<Int64>) -> PointColumns {
        var out = PointColumns()
        for i in 0..<count where r.contains(timestamps[i]) { out.append(timestamps[i], values[i], qualities[i]) }
        return out
    }
}
