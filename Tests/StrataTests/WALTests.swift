import Testing
@testable import Strata
import StrataCodecs
import StrataTestSupport

/// Builds WAL segments in memory for the reader tests.
struct SegmentBuilder {
    var bytes = WALFormat.header(sequence: 1)
    var recordStarts: [Int] = []
    var synced = WALFormat.headerSize

    static func batch(_ i: Int, points: Int = 20) -> WALBatch {
        var b = WALBatch()
        b.sources = [("src", "\(i)")]
        b.series = [SeriesID(0)]
        b.groupEnds = [points]
        b.timestamps = (0..<points).map { Int64(i * 1000 + $0) }
        b.values = (0..<points).map { Double(i) + Double($0) / 10 }
        b.qualities = [UInt8](repeating: 0, count: points)
        return b
    }

    mutating func append(_ i: Int, points: Int = 20, markSynced: Bool = true) {
        let definitions = i == 0 ? WALFormat.definitions(firstID: 0, [SeriesKey(unchecked: "dev", "temp")]) : WALFormat.definitions(firstID: 0, [])
        let record = WALFormat.record(payload: WALFormat.payload(body: Self.batch(i, points: points).encode()), definitions: definitions, syncedThrough: synced)
        recordStarts.append(bytes.count)
        bytes += record
        if markSynced { synced = bytes.count }
    }
}

@Suite struct WALTests {
    func scan(_ bytes: [UInt8], isLast: Bool = true) throws(StrataError) -> (WALScanResult, [WALBatch]) {
        var batches: [WALBatch] = []
        let r = try WALReader.scan(bytes, sequence: 1, isLast: isLast) { batches.append($0) }
        return (r, batches)
    }

    @Test func batchesRoundTrip() throws {
        var seg = SegmentBuilder()
        for i in 0..<5 { seg.append(i, points: i == 3 ? 2000 : 20) }  // one large enough to be LZ4-compressed
        let (result, batches) = try scan(seg.bytes)
        #expect(result.records == 5)
        #expect(result.droppedBytes == 0)
        #expect(result.validLength == seg.bytes.count)
        for i in 0..<5 {
            var expected = SegmentBuilder.batch(i, points: i == 3 ? 2000 : 20)
            if i == 0 { expected.newSeries = [(0, SeriesKey(unchecked: "dev", "temp"))] }
            #expect(batches[i] == expected)
        }
    }

    @Test func largeBatchesAreCompressed() {
        let body = SegmentBuilder.batch(1, points: 5000).encode()
        #expect(WALFormat.payload(body: body).type == .batchLZ4)
        #expect(WALFormat.payload(body: Array(body.prefix(100))).type == .batch)
    }

    /// A damage to the last records of a segment, and what recovery must conclude.
    struct TailCase: Sendable, CustomTestStringConvertible {
        let name: String
        /// (segment bytes, record starts) -> damaged bytes
        let damage: @Sendable ([UInt8], [Int]) -> [UInt8]
        /// Records that survive, or nil when the scan must fail.
        let survivors: Int?
        var testDescription: String { name }
    }

    static let tailCases: [TailCase] = [
        .init(name: "intact", damage: { b, _ in b }, survivors: 5),
        .init(name: "torn last record (half written)", damage: { b, s in Array(b.prefix(s[4] + (b.count - s[4]) / 2)) }, survivors: 4),
        .init(name: "torn length field", damage: { b, s in Array(b.prefix(s[4] + 2)) }, survivors: 4),
        .init(name: "bad checksum in last record", damage: { b, s in var d = b; d[s[4] + 12] ^= 0x40; return d }, survivors: 4),
        .init(name: "bad length in last record", damage: { b, s in var d = b; d[s[4] + 1] = 0x7F; return d }, survivors: 4),
        .init(name: "zero-filled tail", damage: { b, _ in b + [UInt8](repeating: 0, count: 4096) }, survivors: 5),
        .init(name: "garbage tail", damage: { b, _ in b + (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) } }, survivors: 5),
        .init(name: "last two records lost, third torn", damage: { b, s in Array(b.prefix(s[2] + 5)) }, survivors: 2),
        .init(name: "segment header only", damage: { b, s in Array(b.prefix(s[0])) }, survivors: 0),
        .init(name: "segment header torn", damage: { b, _ in Array(b.prefix(7)) }, survivors: 0),
        .init(name: "corrupt record followed by one written after it was synced", damage: { b, s in var d = b; d[s[2] + 12] ^= 1; return d }, survivors: nil),
        .init(name: "bad magic", damage: { b, _ in var d = b; d[0] = 0x58; return d }, survivors: nil),
    ]

    @Test(arguments: tailCases)
    func tornTailsAreTruncatedAndCorruptionIsAnError(_ c: TailCase) {
        var seg = SegmentBuilder()
        for i in 0..<5 { seg.append(i) }
        let damaged = c.damage(seg.bytes, seg.recordStarts)
        do {
            let (result, batches) = try scan(damaged)
            guard let survivors = c.survivors else {
                Issue.record("\(c.name): expected an error, got \(result)")
                return
            }
            #expect(batches.count == survivors)
            #expect(result.records == survivors)
            #expect(result.droppedBytes == damaged.count - result.validLength)
            if result.droppedBytes > 0 && result.validLength >= WALFormat.headerSize {
                #expect(result.droppedRecords >= 1)
            }
        } catch {
            #expect(c.survivors == nil, "\(c.name): \(error)")
            #expect(error.file == FileNames.walSegment(1))
            #expect(error.kind == .corruption)
            #expect(error.offset != nil)
        }
    }

    @Test func unsyncedRecordsAfterAGapAreATornTail() throws {
        // Group commit: records 3 and 4 were appended before one fsync that never
        // finished; the crash kept record 4's page but not record 3's.
        var seg = SegmentBuilder()
        for i in 0..<3 { seg.append(i) }
        seg.append(3, markSynced: false)
        seg.append(4, markSynced: false)
        var damaged = seg.bytes
        for k in seg.recordStarts[3]..<seg.recordStarts[4] { damaged[k] = 0 }
        let (result, batches) = try scan(damaged)
        #expect(batches.count == 3)
        #expect(result.droppedRecords == 2)
    }

    @Test func corruptionInAnOlderSegmentIsAnError() {
        var seg = SegmentBuilder()
        for i in 0..<3 { seg.append(i) }
        #expect(throws: StrataError.self) { _ = try scan(Array(seg.bytes.dropLast(3)), isLast: false) }
    }

    @Test func unknownVersionIsRejectedClearly() {
        var seg = SegmentBuilder()
        seg.append(0)
        seg.bytes[4] = 9
        #expect { _ = try scan(seg.bytes) } throws: { ($0 as? StrataError)?.kind == .unsupportedVersion }
    }

    @Test func malformedBatchBodiesThrow() {
        let body = SegmentBuilder.batch(1).encode()
        for cut in 0..<body.count {
            #expect(throws: CodecError.self) { _ = try WALBatch.decode(Array(body.prefix(cut))) }
        }
    }
}

@Suite struct MemTableTests {
    func batch(_ points: [(Int64, Double)], quality: UInt8 = 0) -> WALBatch {
        var b = WALBatch()
        b.series = [0]
        b.groupEnds = [points.count]
        b.timestamps = points.map(\.0)
        b.values = points.map(\.1)
        b.qualities = [UInt8](repeating: quality, count: points.count)
        return b
    }

    @Test func outOfOrderAndDuplicatesComeBackSortedLastWins() {
        let m = MemTable(firstSegment: 1)
        m.apply(batch([(30, 3), (10, 1), (20, 2)]))
        m.apply(batch([(10, 11), (40, 4)], quality: 1))
        let p = m.snapshot(0)!.points(in: Int64.min...Int64.max)
        #expect(p.timestamps == [10, 20, 30, 40])
        #expect(p.values == [11, 2, 3, 4])
        #expect(p.qualities == [1, 0, 0, 1])
        #expect(m.points == 5)
    }

    @Test func snapshotsDoNotSeeLaterAppends() {
        let m = MemTable(firstSegment: 1)
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
