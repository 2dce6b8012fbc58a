import Foundation
import Testing
@testable import Strata
import StrataTestSupport

/// Regression tests for what broke when the engine was tried from outside
/// (the engine hardening issue), one per finding, named after it.
@Suite struct HardeningTests {
    static func readings(_ n: Int, devices: Int = 10, start: Int64 = 1_767_225_600_000, step: Int64 = 1000) -> [Reading] {
        (0..<n).map { i in
            Reading(deviceID: "d\(i % devices)", sensorType: "s", timestamp: start + Int64(i / devices) * step, value: Double(i % 977) / 10)
        }
    }

    static func count(_ store: Store) throws -> Int { try store.read().reduce(0) { $0 + $1.count } }

    // MARK: - An acknowledged batch can brick the store

    @Test func aBatchTooLargeForOneLogRecordIsRejectedBeforeAnythingIsWritten() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.maxRecordBytes = 1 << 20
        let store = try Store(at: "/big", options: options)
        #expect { try store.write(Self.readings(100_000)) } throws: { e in
            (e as? StrataError)?.kind == .limitExceeded && (e as? StrataError)?.reason.contains("split it") == true
        }
        #expect(try store.series().isEmpty)
        try store.write(Self.readings(20_000))
        try store.close()
        #expect(try Self.count(Store(at: "/big", options: options)) == 20_000)
    }

    @Test(arguments: [false, true])
    func anAcknowledgedBatchOfMillionsOfPointsReplaysFromAnyLogSegment(olderSegment: Bool) throws {
        // 1.5M random values: a 14 MB record in hundreds of 32 KiB fragments.
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 30)
        options.flushOnClose = false
        var rng = SplitMix64(seed: 9)
        let big = (0..<1_500_000).map { i in
            Reading(deviceID: "d\(i % 100)", sensorType: "s", timestamp: Int64(i / 100), value: Double(bitPattern: rng.next() >> 2))
        }
        do {
            let store = try Store(at: "/b", options: options)
            try store.write(big)
            if olderSegment { try store.write(Self.readings(10, start: 1_000_000_000)) }
            try store.close()
        }
        if olderSegment {
            // Move the big record into an older segment: reopen once (new writes go to a new segment).
            let store = try Store(at: "/b", options: options)
            try store.write(Self.readings(10, start: 2_000_000_000))
            try store.close()
        }
        let store = try Store(at: "/b", options: options)
        #expect(store.recovery.droppedBytes == 0)
        #expect(try Self.count(store) == 1_500_000 + (olderSegment ? 20 : 0))
        let first = try store.read(SeriesKey(deviceID: "d7", sensorType: "s"))
        #expect(first.values.first?.bitPattern == big[7].value.bitPattern)
    }

    @Test func powerCutsAroundAMultiBlockRecordLoseNothingAcknowledged() throws {
        // A 200,000-point batch spans about 60 blocks of the log: cut the power at every
        // operation around it, dropping or zero-filling what was not synced.
        func run(_ fs: InMemoryFileSystem, acknowledged: inout Set<Int>) throws {
            var options = StoreFixtures.options(fs, memtableBytes: 1 << 30)
            options.flushOnClose = false
            let store = try Store(at: "/m", options: options)
            try store.write(Self.readings(100, start: 0))
            acknowledged.insert(0)
            try store.write(Self.readings(200_000, start: 1_000_000))
            acknowledged.insert(1)
            try store.write(Self.readings(100, start: 900_000_000))
            acknowledged.insert(2)
            try store.close()
        }
        var ignored = Set<Int>()
        let probe = InMemoryFileSystem()
        try run(probe, acknowledged: &ignored)
        let total = probe.operationCount
        let sizes = [100, 200_000, 100]
        for k in 1...total {
            for zeros in [false, true] {
                let fs = InMemoryFileSystem()
                fs.powerOff(afterOperations: k)
                var acked = Set<Int>()
                do { try run(fs, acknowledged: &acked) } catch {}
                fs.crash(zeroFillUnsynced: zeros)
                var options = StoreFixtures.options(fs, memtableBytes: 1 << 30)
                options.flushOnClose = false
                let store = try Store(at: "/m", options: options)
                let n = try Self.count(store)
                let needed = acked.reduce(0) { $0 + sizes[$1] }
                #expect(n >= needed, "cut at \(k)\(zeros ? ", zeros" : ""): \(n) points, \(needed) acknowledged")
                #expect([0, 100, 200_100, 200_200].contains(n), "cut at \(k): \(n) points is not whole batches")
            }
        }
    }

    // MARK: - Recovery time grows badly with damage

    @Test func oneFlippedBitInABigLastSegmentIsFoundFastAndNeverCalledATornTail() throws {
        // One last segment of 8 batches of 200,000 random values (about 14 MB), closed cleanly.
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 30)
        options.flushOnClose = false
        options.walSegmentBytes = 1 << 30
        var rng = SplitMix64(seed: 3)
        do {
            let store = try Store(at: "/r", options: options)
            for k in 0..<8 {
                try store.write((0..<200_000).map { i in
                    Reading(deviceID: "d\(i % 10)", sensorType: "s", timestamp: Int64(k) * 1_000_000_000 + Int64(i), value: Double(bitPattern: rng.next() >> 2))
                })
            }
            try store.close()
        }
        let segment = try #require(fs.allFiles().filter { $0.hasSuffix(".log") }.max { fs.contents($0)!.count < fs.contents($1)!.count })
        #expect(fs.contents(segment)!.count > 12 << 20)
        // A flipped bit in the length of the fragment that starts block 200 (inside the second record or later).
        let damaged = 200 * WALFormat.blockSize
        fs.flipBit(segment, byte: damaged + 5, bit: 6)
        let start = Clock.monotonicNanoseconds()
        #expect { _ = try Store(at: "/r", options: options) } throws: { e in
            let e = e as? StrataError
            return e?.kind == .corruption && e?.file == String(segment.dropFirst(3)) && e?.offset.map { $0 <= damaged } == true
        }
        #expect(Double(Clock.monotonicNanoseconds() - start) / 1e9 < 30)
        // Salvage opens it, keeps the other batches and says what was skipped.
        var salvage = options
        salvage.salvage = true
        let store = try Store(at: "/r", options: salvage)
        #expect(try Self.count(store) == 7 * 200_000)
        #expect(store.salvage.setAside.contains { $0.file == String(segment.dropFirst(3)) && $0.movedTo.hasPrefix("quarantine/") })
        #expect(!store.salvage.lost.isEmpty)
        try store.close()
        // The quarantined copy stays; the store opens cleanly from now on.
        #expect(fs.allFiles().contains { $0.hasPrefix("/r/quarantine/") })
        #expect(try Self.count(Store(at: "/r", options: options)) == 7 * 200_000)
    }

    // MARK: - A missing WAL segment goes unnoticed

    @Test(arguments: ["first needed segment", "whole wal folder", "segment in the middle"])
    func aMissingLogSegmentIsCorruption(_ what: String) throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 30)
        options.flushOnClose = false
        options.walSegmentBytes = 4096
        do {
            let store = try Store(at: "/m", options: options)
            for k in 0..<20 { try store.write(Self.readings(200, start: Int64(k) * 1_000_000)) }
            try store.close()
        }
        let segments = fs.allFiles().filter { $0.hasSuffix(".log") }.sorted()
        #expect(segments.count >= 3)
        switch what {
        case "first needed segment": try fs.remove(segments[0])
        case "whole wal folder": for s in segments { try fs.remove(s) }
        default: try fs.remove(segments[1])
        }
        #expect { _ = try Store(at: "/m", options: options) } throws: { e in
            let e = e as? StrataError
            return e?.kind == .corruption && e?.reason.contains("missing") == true
        }
    }

    // MARK: - A trailing WAL segment of zeros

    @Test func aTrailingSegmentOfZerosIsATornTail() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.flushOnClose = false
        do {
            let store = try Store(at: "/z", options: options)
            try store.write(Self.readings(100))
            try store.close()
        }
        let last = fs.allFiles().filter { $0.hasSuffix(".log") }.sorted().last!
        let next = FileNames.parseWALSegment(String(last.split(separator: "/").last!))! + 1
        fs.setContents("/z/" + FileNames.walSegment(next), [UInt8](repeating: 0, count: 8192))
        let store = try Store(at: "/z", options: options)
        #expect(try Self.count(store) == 100)
        #expect(store.recovery.droppedBytes == 8192)
        try store.write(Self.readings(10, start: 5_000_000_000_000))
        try store.close()
        #expect(try Self.count(Store(at: "/z", options: options)) == 110)
    }

    // MARK: - flush() starves under steady writes

    @Test func flushReturnsInBoundedTimeWhileWritersKeepWriting() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 20)
        options.sync = .none
        let store = try Store(at: "/f", options: options)
        let stop = ConditionLock(false)
        let group = DispatchGroup()
        for w in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var i = 0
                while !stop.withLock({ $0 }) {
                    _ = try? store.write(Self.readings(500, devices: 5, start: Int64(w) * 1_000_000_000_000 + Int64(i) * 1_000_000))
                    i += 1
                }
            }
        }
        usleep(200_000)
        var worst = 0.0
        for _ in 0..<5 {
            let start = Clock.monotonicNanoseconds()
            try store.flush()
            worst = max(worst, Double(Clock.monotonicNanoseconds() - start) / 1e9)
        }
        stop.withLock { $0 = true }
        group.wait()
        #expect(worst < 10, "flush took \(worst) s under load")
        try store.close()
    }

    // MARK: - Far-apart timestamps multiply files

    @Test func sparseTimestampsAcrossThousandsOfPartitionsMakeOneFile() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/p", options: StoreFixtures.options(fs))
        // 10,000 readings, each in its own day, over 27 years.
        let day: Int64 = 86_400_000
        let spread = (0..<10_000).map { i in Reading(deviceID: "d\(i % 7)", sensorType: "s", timestamp: Int64(i) * day + 1, value: Double(i)) }
        try store.write(spread)
        let start = Clock.monotonicNanoseconds()
        try store.flush()
        #expect(Double(Clock.monotonicNanoseconds() - start) / 1e9 < 5)
        #expect(store.statistics().chunkFiles <= 3, "\(store.statistics().chunkFiles) files")
        // Random timestamps over the whole Int64 range.
        var rng = SplitMix64(seed: 4)
        let random = (0..<50_000).map { i in Reading(deviceID: "r\(i % 13)", sensorType: "s", timestamp: Int64(bitPattern: rng.next()), value: 1) }
        try store.write(random)
        try store.flush()
        #expect(store.statistics().chunkFiles <= 6, "\(store.statistics().chunkFiles) files")
        #expect(try Self.count(store) == 60_000)
        #expect(try store.verify().isOK)
        try store.close()
    }

    // MARK: - Byte-different names merge

    @Test func namesThatDifferOnlyInNormalizationStayTwoSeries() throws {
        let fs = InMemoryFileSystem()
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        do {
            let store = try Store(at: "/n", options: StoreFixtures.options(fs))
            try store.write([Reading(deviceID: nfc, sensorType: "t", timestamp: 1, value: 1)])
            try store.write([Reading(deviceID: nfd, sensorType: "t", timestamp: 1, value: 2)])
            #expect(try store.series().count == 2)
            try store.close()
        }
        let store = try Store(at: "/n", options: StoreFixtures.options(fs))
        #expect(try store.read(SeriesKey(deviceID: nfc, sensorType: "t")).values == [1])
        #expect(try store.read(SeriesKey(deviceID: nfd, sensorType: "t")).values == [2])
    }

    // MARK: - A freed disk, options, paths, folders

    @Test func afterAFullDiskIsFreedTheNextWriteSucceeds() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 16)
        options.sync = .none
        let store = try Store(at: "/full", options: options)
        // Chunk files cannot be written (the log still can): the memtables fill up.
        fs.inject(.init([.syncDirectory], after: 1, errno: ENOSPC, sticky: true))
        var failed = false
        for i in 0..<300 where !failed {
            do { try store.write(Self.readings(200, start: Int64(i) * 1_000_000)) } catch { failed = true }
        }
        #expect(failed)
        fs.inject(nil)
        try store.write(Self.readings(200, start: 999_000_000_000))
        try store.flush()
        #expect(try store.verify().isOK)
        try store.close()
    }

    @Test(arguments: ["walSegmentBytes 0", "compactionTrigger -1", "compactionTrigger 1", "zstd level 99", "cold after 0 partitions",
                      "memtableMaxAge 0", "cacheBytes -1", "readOnly with salvage", "blockRows 3", "partitionDuration 0"])
    func outOfRangeOptionsAreRejected(_ name: String) {
        var o = StoreFixtures.options(InMemoryFileSystem())
        switch name {
        case "walSegmentBytes 0": o.walSegmentBytes = 0
        case "compactionTrigger -1": o.compactionTrigger = -1
        case "compactionTrigger 1": o.compactionTrigger = 1
        case "zstd level 99": o.coldCompression = ColdCompression(level: 99)
        case "cold after 0 partitions": o.coldCompression = ColdCompression(afterPartitions: 0)
        case "memtableMaxAge 0": o.memtableMaxAge = .zero
        case "cacheBytes -1": o.cacheBytes = -1
        case "readOnly with salvage": o.readOnly = true; o.salvage = true
        case "blockRows 3": o.blockRows = 3
        default: o.partitionDuration = 0
        }
        #expect { _ = try Store(at: "/o", options: o) } throws: { e in
            (e as? StrataError)?.kind == .invalidArgument && (e as? StrataError)?.reason.isEmpty == false
        }
    }

    @Test func aNULInThePathIsRejected() {
        #expect { _ = try Store(at: "/tmp/a\u{0}b", options: StoreFixtures.options(InMemoryFileSystem())) } throws: { e in
            (e as? StrataError)?.kind == .invalidArgument
        }
    }

    @Test func aFolderOfOtherFilesDoesNotBecomeAStore() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectory("/photos")
        fs.setContents("/photos/holiday.jpg", [1, 2, 3])
        #expect { _ = try Store(at: "/photos", options: StoreFixtures.options(fs)) } throws: { e in
            (e as? StrataError)?.reason.contains("not a Strata store") == true
        }
        #expect(fs.allFiles() == ["/photos/holiday.jpg"])
        // An empty folder is fine, and so is a missing one.
        try fs.createDirectory("/empty")
        try Store(at: "/empty", options: StoreFixtures.options(fs)).close()
        try Store(at: "/new", options: StoreFixtures.options(fs)).close()
    }

    @Test func openingKeepsForeignFilesAndRemovesManifestTmp() throws {
        let fs = InMemoryFileSystem()
        do {
            let store = try Store(at: "/k", options: StoreFixtures.options(fs))
            try store.write(Self.readings(100))
            try store.close()
        }
        fs.setContents("/k/chunks/backup-of-000000000001.chunk", [9, 9, 9])
        fs.setContents("/k/chunks/000000000999.chunk", [1])  // ours by name, not live: an orphan
        fs.setContents("/k/MANIFEST.tmp", [1, 2])
        try Store(at: "/k", options: StoreFixtures.options(fs)).close()
        #expect(fs.contents("/k/chunks/backup-of-000000000001.chunk") == [9, 9, 9])
        #expect(fs.contents("/k/chunks/000000000999.chunk") == nil)
        #expect(fs.contents("/k/MANIFEST.tmp") == nil)
    }

    @Test func theLockErrorNamesTheHoldingProcessOnce() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-lock")
        defer { StoreFixtures.removeTree(dir) }
        let store = try Store(at: dir)
        do {
            _ = try Store(at: dir)
            Issue.record("opened twice")
        } catch {
            #expect(error.kind == .locked)
            #expect(error.description.contains("process \(getpid())"), "\(error)")
            #expect(error.file == "LOCK" && error.description.components(separatedBy: dir).count == 1, "\(error)")
        }
        try store.close()
    }

    @Test func errorsNameFilesRelativeToTheStore() throws {
        let fs = InMemoryFileSystem()
        let store = try Store(at: "/rel", options: StoreFixtures.options(fs))
        fs.inject(.init([.write], after: 1, errno: EIO))
        #expect { try store.write(Self.readings(10)) } throws: { e in
            let file = (e as? StrataError)?.file ?? ""
            return file.hasPrefix("wal/") && !file.hasPrefix("/")
        }
        fs.inject(nil)
        try store.close()
    }
}
