import Testing
@testable import Strata
import StrataTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A scripted workload whose batches never overwrite each other, so recovery
/// can be checked reading by reading: batch i holds 24 readings at unique timestamps.
enum Workload {
    static let partition: Int64 = 3_600_000
    static let batches = 24

    static func batch(_ i: Int) -> [Reading] {
        (0..<24).map { j in
            // Two partitions per batch for some batches; a late batch goes back in time.
            let late = i % 7 == 6
            let t: Int64 = (late ? 0 : 1_000_000_000) + Int64(i) * 200_000 + Int64(j) * 4_000
            return Reading(deviceID: "dev-\(j % 3)", sensorType: ["t", "h"][j % 2], timestamp: t, value: Double(i * 100 + j) / 10,
                           quality: j == 5 ? .suspect : .good)
        }
    }

    static func options(_ fs: InMemoryFileSystem) -> Options {
        var o = StoreFixtures.options(fs, memtableBytes: 1 << 30, blockRows: 64)
        o.partitionDuration = partition
        o.compactionTrigger = 0  // compaction only where the script says: keeps the I/O sequence deterministic
        o.walSegmentBytes = 4096  // several segments
        return o
    }

    /// Runs the script; calls `acknowledged(i)` after batch i's write returns. Stops at the first error.
    static func run(_ fs: InMemoryFileSystem, acknowledged: (Int) -> Void) throws {
        var store = try Store(at: "/w", options: options(fs))
        for i in 0..<batches {
            try store.write(batch(i), sources: ["script": "\(i)"])
            acknowledged(i)
            if i == 8 || i == 16 { try store.flush() }
            if i == 12 {
                try store.close()
                store = try Store(at: "/w", options: options(fs))
            }
            if i == 20 { try store.compact() }
        }
        try store.close()
    }

    /// After a crash: the store opens, verifies, holds every acknowledged batch
    /// whole, and any other batch either whole or not at all; and what recovery
    /// leaves behind opens again (recovery must not leave a state it cannot read).
    static func check(_ fs: InMemoryFileSystem, acknowledged: Set<Int>, context: String, sources: Bool = true) {
        do {
            try Store(at: "/w", options: options(fs)).close()
            let store = try Store(at: "/w", options: options(fs))
            let report = try store.verify()
            #expect(report.isOK, "\(context): \(report)")
            var present: [Reading: Bool] = [:]
            for s in try store.read() { for r in s.readings { present[r] = true } }
            var expectedTotal = 0
            for i in 0..<batches {
                let readings = batch(i)
                let found = readings.filter { present[$0] == true }.count
                if acknowledged.contains(i) {
                    #expect(found == readings.count, "\(context): acknowledged batch \(i) has \(found) of \(readings.count) readings")
                    expectedTotal += readings.count
                } else {
                    #expect(found == 0 || found == readings.count, "\(context): batch \(i) is partly there (\(found) readings)")
                    expectedTotal += found
                }
            }
            // Nothing else appeared (no corrupted values or timestamps).
            #expect(present.count == expectedTotal, "\(context): \(present.count) readings stored, \(expectedTotal) expected")
            if sources, let last = acknowledged.max() {
                let position = Int(try store.sourcePositions()["script"] ?? "-1") ?? -1
                #expect(position >= last, "\(context): source position \(position) is behind batch \(last)")
            }
            try store.close()
        } catch {
            Issue.record("\(context): store does not recover: \(error)")
        }
    }
}

@Suite struct RecoveryTests {
    /// Regression: a writer killed after creating a WAL segment but before its
    /// header reached the disk left an empty last segment; the next open started
    /// a newer one, and the open after that refused the empty one as corrupt.
    @Test func emptyWALSegmentLeftByACrashDoesNotBreakTheSecondReopen() throws {
        let fs = InMemoryFileSystem()
        do {
            let store = try Store(at: "/w", options: Workload.options(fs))
            try store.write(Workload.batch(0))
            try store.close()
        }
        let segments = fs.allFiles().filter { $0.hasSuffix(".log") }
        let next = FileNames.parseWALSegment(String(segments.last!.split(separator: "/").last!))! + 1
        fs.setContents("/w/" + FileNames.walSegment(next), [])
        for _ in 0..<3 {
            let store = try Store(at: "/w", options: Workload.options(fs))
            try store.write(Workload.batch(1))
            #expect(try store.read().reduce(0) { $0 + $1.count } == 48)
            try store.close()
        }
    }

    @Test func theScriptRunsCleanly() throws {
        let fs = InMemoryFileSystem()
        var acked = Set<Int>()
        try Workload.run(fs) { acked.insert($0) }
        #expect(acked.count == Workload.batches)
        Workload.check(fs, acknowledged: acked, context: "clean run")
    }

    /// Power is cut at every I/O operation of the script in turn; unsynced
    /// writes are lost, and unsynced directory changes too (or, in the second
    /// run, kept). Every acknowledged batch must survive.
    @Test(arguments: [false, true])
    func crashAtEveryOperationLosesNoAcknowledgedWrite(keepEntries: Bool) throws {
        let probe = InMemoryFileSystem()
        try Workload.run(probe) { _ in }
        let total = probe.operationCount
        #expect(total > 200)
        for k in 1...total {
            let fs = InMemoryFileSystem()
            fs.powerOff(afterOperations: k)
            var acked = Set<Int>()
            do { try Workload.run(fs) { acked.insert($0) } } catch {}
            fs.crash(keepEntries: keepEntries)
            Workload.check(fs, acknowledged: acked, context: "power cut at operation \(k) of \(total)\(keepEntries ? ", directory changes kept" : "")")
        }
    }

    /// Power cuts on a file system that saves a file's size before its data:
    /// after the crash every unsynced byte reads as zeros (trailing log segments
    /// of zeros, zero-filled records, zeroed chunk tails).
    @Test func crashesThatLeaveZerosWhereUnsyncedDataWasLoseNothingAcknowledged() throws {
        let probe = InMemoryFileSystem()
        try Workload.run(probe) { _ in }
        let total = probe.operationCount
        for k in stride(from: 1, through: total, by: 2) {
            let fs = InMemoryFileSystem()
            fs.powerOff(afterOperations: k)
            var acked = Set<Int>()
            do { try Workload.run(fs) { acked.insert($0) } } catch {}
            fs.crash(keepEntries: k % 4 == 1, zeroFillUnsynced: true)
            Workload.check(fs, acknowledged: acked, context: "zero-filling crash at operation \(k) of \(total)")
        }
    }

    /// The same, but the crash keeps a random part of the unsynced writes,
    /// tearing the last one it keeps (pages reach the disk in any order).
    @Test(arguments: [11, 12, 13] as [UInt64])
    func tornWritesAtACrashAreRepaired(seed: UInt64) throws {
        let probe = InMemoryFileSystem()
        try Workload.run(probe) { _ in }
        let total = probe.operationCount
        var rng = SplitMix64(seed: seed)
        for k in stride(from: 1, through: total, by: 3) {
            let fs = InMemoryFileSystem()
            fs.powerOff(afterOperations: k)
            var acked = Set<Int>()
            do { try Workload.run(fs) { acked.insert($0) } } catch {}
            let choice = rng.next()
            fs.crash { _, writes in
                let whole = Int(choice % UInt64(writes + 1))
                return (whole, { n in Int(choice >> 8 % UInt64(max(n, 1))) })
            }
            Workload.check(fs, acknowledged: acked, context: "seed \(seed), torn crash at operation \(k)")
        }
    }
}
