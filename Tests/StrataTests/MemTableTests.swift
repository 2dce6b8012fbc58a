import Testing
@testable import Strata
import StrataTestSupport

@Suite struct MemTableTests {
    func batch(_ points: [(Int64, Double)], quality: UInt8 = 0) -> WriteBatch {
        var b = WriteBatch()
        b.series = [0]
        b.groupEnds = [points.count]
        b.timestamps = points.map(\.0)
        b.values = points.map(\.1)
        b.qualities = [UInt8](repeating: quality, count: points.count)
        return b
    }

    @Test func outOfOrderAndDuplicatesComeBackSortedLastWins() {
        let m = MemTable(firstSegment: 1, generation: 1)
        m.apply(batch([(30, 3), (10, 1), (20, 2)]))
        m.apply(batch([(10, 11), (40, 4)], quality: 1))
        let p = m.snapshot(0)!.points(in: Int64.min...Int64.max)
        #expect(p.timestamps == [10, 20, 30, 40])
        #expect(p.values == [11, 2, 3, 4])
        #expect(p.qualities == [1, 0, 0, 1])
        #expect(m.points == 5)
    }

    @Test func snapshotsDoNotSeeLaterAppends() {
        let m = MemTable(firstSegment: 1, generation: 1)
        m.apply(batch((0..<100).map { (Int64($0), Double($0)) }))
        let snap = m.snapshot(0)!
        m.apply(batch((100..<5000).map { (Int64($0), Double($0)) }))
        #expect(snap.points(in: Int64.min...Int64.max).count == 100)
        #expect(m.snapshot(0)!.points(in: 50...4999).count == 4950)
    }

    @Test func mergeLetsTheNewerSideWin() {
        var old = PointColumns(), new = PointColumns()
        for t in [1, 3, 5, 7] { old.append(Int64(t), Double(t), 0) }
        for t in [3, 4, 7, 9] { new.append(Int64(t), Double(t) * 10, 1) }
        let m = old.merged(with: new)
        #expect(m.timestamps == [1, 3, 4, 5, 7, 9])
        #expect(m.values == [1, 30, 40, 5, 70, 90])
        var tail = PointColumns()
        tail.append(10, 1, 0)
        #expect(old.merged(with: tail).count == 5)
    }
}

@Suite struct MemTableSetTests {
    func batch(_ n: Int) -> WriteBatch {
        var b = WriteBatch()
        b.series = [0]
        b.groupEnds = [n]
        b.timestamps = (0..<n).map { Int64($0) }
        b.values = [Double](repeating: 1, count: n)
        b.qualities = [UInt8](repeating: 0, count: n)
        return b
    }

    @Test func freezesWhenFullOldOrRequestedAndOnlyWithTheSlotFree() {
        var set = MemTableSet(active: MemTable(firstSegment: 1, generation: 1))
        #expect(!set.shouldFreeze(boundBytes: 1 << 20, maxAgeNanoseconds: 1_000, now: .max))  // empty
        set.active.apply(batch(10))
        let first = set.active.firstWrite!
        #expect(!set.shouldFreeze(boundBytes: 1 << 20, maxAgeNanoseconds: nil, now: first))
        #expect(set.shouldFreeze(boundBytes: 1 << 20, maxAgeNanoseconds: 1_000, now: first + 1_000))
        #expect(set.shouldFreeze(boundBytes: 64, maxAgeNanoseconds: nil, now: first))
        set.requestedThrough = 1
        #expect(set.shouldFreeze(boundBytes: 1 << 20, maxAgeNanoseconds: nil, now: first))
        set.freeze(nextSegment: 2)
        #expect(set.frozen?.generation == 1 && set.active.generation == 2 && set.active.firstSegment == 2)
        set.active.apply(batch(10_000))
        #expect(!set.shouldFreeze(boundBytes: 64, maxAgeNanoseconds: nil, now: 0))  // the slot is taken
        #expect(set.full(boundBytes: 64))
        #expect(set.newestWithData == 2)
        set.frozenFlushed()
        #expect(set.flushedThrough == 1 && !set.full(boundBytes: 1 << 20))
        #expect(set.full(boundBytes: 64))  // nothing frozen, but twice over the bound
    }
}

@Suite struct PointColumnsTests {
    /// sortAndKeepLast against a naive reference: sorted by time, the last written of equal times.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func sortAndKeepLastMatchesANaiveReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for round in 0..<50 {
            var p = PointColumns()
            var t: Int64 = Int64(rng.next() % 100)
            let n = Int(rng.next() % 300)
            for i in 0..<n {
                switch rng.next() % 10 {
                case 0: p.append(t - Int64(rng.next() % 50), Double(i), UInt8(i % 3))   // late
                case 1: p.append(t, Double(i), UInt8(i % 3))                           // repeat
                default:
                    t += Int64(1 + rng.next() % 5)
                    p.append(t, Double(i), UInt8(i % 3))
                }
            }
            var last: [Int64: Int] = [:]
            for i in 0..<p.count { last[p.timestamps[i]] = i }
            let keys = last.keys.sorted()
            var sorted = p
            sorted.sortAndKeepLast()
            #expect(sorted.timestamps == keys, "seed \(seed) round \(round)")
            #expect(sorted.values == keys.map { p.values[last[$0]!] })
            #expect(sorted.qualities == keys.map { p.qualities[last[$0]!] })
        }
    }
}
