import Testing
@testable import Strata
import StrataCodecs
import StrataTestSupport

/// Builds WAL segments in memory for the reader tests.
struct SegmentBuilder {
    var bytes = WALFormat.header(sequence: 1, previousDurable: 0)
    var recordStarts: [Int] = []
    var synced = WALFormat.headerSize

    static func batch(_ i: Int, points: Int = 20) -> WriteBatch {
        var b = WriteBatch()
        b.sources = [("src", "\(i)")]
        b.series = [SeriesID(0)]
        b.groupEnds = [points]
        b.timestamps = (0..<points).map { Int64(i * 1_000_000 + $0) }
        b.values = (0..<points).map { Double((i &* 7919 &+ $0 &* 104_729) % 1_000_003) / 7 }
        b.qualities = [UInt8](repeating: 0, count: points)
        return b
    }

    mutating func append(_ i: Int, points: Int = 20, markSynced: Bool = true) {
        let definitions = i == 0 ? WALFormat.definitions(firstID: 0, [SeriesKey(unchecked: "dev", "temp")]) : WALFormat.definitions(firstID: 0, [])
        let payload = WALFormat.payload(body: Self.batch(i, points: points).encode())
        let record = WALFormat.record(kind: payload.kind, syncedThrough: synced, parts: [definitions, payload.bytes])
        recordStarts.append(bytes.count)
        bytes += WALFormat.frame(record, at: bytes.count)
        if markSynced { synced = bytes.count }
    }

    mutating func checkpoint() {
        let record = WALFormat.record(kind: .checkpoint, syncedThrough: bytes.count, parts: [])
        recordStarts.append(bytes.count)
        bytes += WALFormat.frame(record, at: bytes.count)
    }
}

@Suite struct WALTests {
    func scan(_ bytes: [UInt8], durableLimit: Int? = nil, salvage: Bool = false) throws(StrataError) -> (WALScanResult, [WriteBatch]) {
        var batches: [WriteBatch] = []
        let name = FileNames.walSegment(1)
        guard try WALReader.header(bytes, file: name) != nil else { return (WALScanResult(validLength: 0, droppedBytes: bytes.count), []) }
        let r = try WALReader.scan(bytes, file: name, durableLimit: durableLimit, salvage: salvage) { (record) throws(StrataError) in
            if record.kind == WALFormat.RecordKind.checkpoint.rawValue { return }
            do throws(CodecError) { batches.append(try WALReader.decodeBatch(record)) } catch {
                throw StrataError(.corruption, "\(error)", file: name, offset: record.start)
            }
        }
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

    @Test func recordsLargerThanABlockAreFragmentedAndReassembled() throws {
        var seg = SegmentBuilder()
        seg.append(0, points: 10)
        seg.append(1, points: 60_000)  // about 300 KB: 9 blocks
        seg.append(2, points: 10)
        #expect(seg.bytes.count > 8 * WALFormat.blockSize)
        let (result, batches) = try scan(seg.bytes)
        #expect(result.records == 3 && batches[1].pointCount == 60_000)
        #expect(batches[1] == SegmentBuilder.batch(1, points: 60_000))
    }

    @Test func largeBatchesAreCompressed() {
        let body = SegmentBuilder.batch(1, points: 5000).encode()
        #expect(WALFormat.payload(body: body).kind == .batchLZ4)
        #expect(WALFormat.payload(body: Array(body.prefix(100))).kind == .batch)
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
        .init(name: "torn fragment header", damage: { b, s in Array(b.prefix(s[4] + 2)) }, survivors: 4),
        .init(name: "bad checksum in last record", damage: { b, s in var d = b; d[s[4] + 12] ^= 0x40; return d }, survivors: 4),
        .init(name: "bad length in last record", damage: { b, s in var d = b; d[s[4] + 5] = 0x7F; return d }, survivors: 4),
        .init(name: "zero-filled tail", damage: { b, _ in b + [UInt8](repeating: 0, count: 4096) }, survivors: 5),
        .init(name: "last record zeroed", damage: { b, s in var d = b; for k in s[4]..<b.count { d[k] = 0 }; return d }, survivors: 4),
        .init(name: "garbage tail", damage: { b, _ in b + (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) } }, survivors: 5),
        .init(name: "last two records lost, third torn", damage: { b, s in Array(b.prefix(s[2] + 5)) }, survivors: 2),
        .init(name: "segment header only", damage: { b, s in Array(b.prefix(s[0])) }, survivors: 0),
        .init(name: "segment header torn", damage: { b, _ in Array(b.prefix(7)) }, survivors: 0),
        .init(name: "segment of zeros", damage: { b, _ in [UInt8](repeating: 0, count: b.count) }, survivors: 0),
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

    @Test func damageBeforeACleanCloseCheckpointIsCorruptionNotATornTail() throws {
        // Regression (engine hardening: "never report synced data as a torn tail"):
        // one record in the segment, damaged, then the checkpoint of a clean close.
        var seg = SegmentBuilder()
        seg.append(0, points: 300_000)  // one 2.7 MB record
        seg.checkpoint()
        var damaged = seg.bytes
        damaged[seg.recordStarts[0] + 10 * WALFormat.blockSize + 100] ^= 0x08
        #expect { _ = try scan(damaged) } throws: { ($0 as? StrataError)?.kind == .corruption }
        // Salvage skips the damaged record and reports it.
        let (result, batches) = try scan(damaged, salvage: true)
        #expect(batches.isEmpty && result.skipped.count >= 1)
    }

    @Test func aFlippedLengthInABigSegmentIsFoundQuickly() throws {
        // Regression (engine hardening: "recovery time grows badly with damage"): one
        // flipped bit in a 29 MB segment took 33-80 s; a damaged fragment now costs
        // at most its 32 KiB block.
        var seg = SegmentBuilder()
        for i in 0..<14 { seg.append(i, points: 400_000) }
        #expect(seg.bytes.count > 25 << 20)
        var damaged = seg.bytes
        damaged[seg.recordStarts[1] + 5] ^= 0x40  // the first fragment's length
        let start = Clock.monotonicNanoseconds()
        #expect { _ = try scan(damaged) } throws: { ($0 as? StrataError)?.kind == .corruption }
        let (result, batches) = try scan(damaged, salvage: true)
        let seconds = Double(Clock.monotonicNanoseconds() - start) / 1e9
        #expect(batches.count == 13 && result.skipped.count == 1)
        #expect(seconds < 20, "\(seconds) s")  // linear: well under a second in release builds
    }

    @Test func anAbandonedSegmentKeepsOnlyWhatWasDurable() throws {
        // After a failed fsync the next segment's header records how much of this one
        // was durable: records past that were reported as failed and are dropped.
        var seg = SegmentBuilder()
        for i in 0..<3 { seg.append(i) }
        let durable = seg.bytes.count
        seg.append(3)
        let (result, batches) = try scan(seg.bytes, durableLimit: durable)
        #expect(batches.count == 3 && result.droppedRecords == 1)
        // Damage inside the durable part is corruption.
        var damaged = seg.bytes
        damaged[seg.recordStarts[1] + 12] ^= 1
        #expect(throws: StrataError.self) { _ = try scan(damaged, durableLimit: durable) }
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
            #expect(throws: CodecError.self) { _ = try WriteBatch.decode(Array(body.prefix(cut))) }
        }
    }
}
