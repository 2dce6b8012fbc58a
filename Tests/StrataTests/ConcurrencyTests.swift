import Foundation
import Testing
@testable import Strata
import StrataTestSupport

/// Writers, readers, flushes and compactions at once, on the real file
/// system. Readers check what they see: sorted, unique, the right values,
/// and whole batches only (each batch adds the same number of points to each
/// of its series, so a series' count is always a multiple of it). The CI runs
/// this suite under ThreadSanitizer as well.
@Suite struct ConcurrencyTests {
    static let writers = 6
    static let batchesPerWriter = 120
    static let pointsPerSeries = 7

    /// Writer w's batch i: 3 sensors x 7 points of device w, values a function of the timestamp.
    static func batch(writer w: Int, _ i: Int) -> [Reading] {
        var out: [Reading] = []
        for s in 0..<3 {
            for j in 0..<pointsPerSeries {
                let t = Int64(i) * 7_000 + Int64(j) * 1_000 + (i % 5 == 4 ? -3_600_000 : 0)  // some late
                out.append(Reading(deviceID: "w\(w)", sensorType: "s\(s)", timestamp: t, value: value(w, s, t)))
            }
        }
        return out
    }

    static func value(_ w: Int, _ s: Int, _ t: Int64) -> Double { Double(t % 100_003) / 10 + Double(w * 3 + s) }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count: Int
        init(_ n: Int) { count = n }
        func decrement() { lock.lock(); count -= 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
    }

    @Test func writersReadersFlushesAndCompactionsTogether() throws {
        let dir = StoreFixtures.temporaryDirectory("strata-concurrency")
        defer { StoreFixtures.removeTree(dir) }
        var options = Options()
        options.memtableBytes = 1 << 16
        options.compactionTrigger = 2
        options.partitionDuration = 3_600_000
        options.blockRows = 64
        let store = try Store(at: dir, options: options)
        let failures = Failures()
        let writersLeft = Counter(Self.writers)
        let group = DispatchGroup()

        for w in 0..<Self.writers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for i in 0..<Self.batchesPerWriter {
                    do { try store.write(Self.batch(writer: w, i), sources: ["writer-\(w)": "\(i)"]) } catch { failures.add("writer \(w): \(error)") }
                }
                writersLeft.decrement()
            }
        }
        for r in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var k = r
                while writersLeft.value > 0 {
                    k += 1
                    let w = k % Self.writers, s = k % 3
                    do {
                        let p = try store.read(SeriesKey(deviceID: "w\(w)", sensorType: "s\(s)"))
                        if p.count % Self.pointsPerSeries != 0 { failures.add("reader saw \(p.count) points of w\(w)/s\(s): half a batch") }
                        for i in 0..<p.count {
                            if i > 0 && p.timestamps[i] <= p.timestamps[i - 1] { failures.add("not sorted at \(i)") }
                            if p.values[i] != Self.value(w, s, p.timestamps[i]) { failures.add("wrong value at \(p.timestamps[i])") }
                        }
                        _ = try store.read(sensorType: "s1", in: TimeRange(from: 0, until: 100_000))
                    } catch { failures.add("reader: \(error)") }
                }
            }
        }
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            while writersLeft.value > 0 {
                do {
                    try store.flush()
                    try store.compact()
                    _ = try store.partitions()
                    _ = store.statistics()
                } catch { failures.add("maintenance: \(error)") }
            }
        }
        group.wait()
        #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")

        let stats = store.statistics()
        #expect(stats.batchesWritten == Self.writers * Self.batchesPerWriter)
        // Group commit: concurrent writers shared fsyncs.
        #expect(stats.walSyncs < stats.batchesWritten, "\(stats.walSyncs) fsyncs for \(stats.batchesWritten) batches")
        try store.compact()
        #expect(try store.verify().isOK)
        for w in 0..<Self.writers {
            for s in 0..<3 {
                let p = try store.read(SeriesKey(deviceID: "w\(w)", sensorType: "s\(s)"))
                #expect(p.count == Self.batchesPerWriter * Self.pointsPerSeries)
            }
        }
        #expect(try store.sourcePositions().count == Self.writers)
        try store.close()
    }
}

/// Regression: a memtable frozen by a writer while the previous flush was
/// finishing got no flush job (the running one was still marked queued), and
/// writers then waited for memory forever. Found by the 50M-point benchmark.
@Suite struct FlushSchedulingTests {
    @Test func writersNeverWaitForAFlushThatWasNotScheduled() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs, memtableBytes: 1 << 16)
        options.sync = .none
        options.compactionTrigger = 0
        let store = try Store(at: "/f", options: options)
        let group = DispatchGroup()
        for w in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for i in 0..<600 {
                    _ = try? store.write(StoreFixtures.fleet(devices: 3, sensors: 2, steps: 20, start: Int64(w * 10_000 + i) * 1_000_000))
                }
            }
        }
        // A watchdog instead of a hang: if writing stops making progress, fail and unblock the writers.
        var last = -1
        while group.wait(timeout: .now() + 20) == .timedOut {
            let now = store.statistics().batchesWritten
            if now == last {
                Issue.record("writers made no progress for 20 s at \(now) batches: a frozen memtable has no flush")
                try? store.close()
                group.wait()
                return
            }
            last = now
        }
        #expect(store.statistics().batchesWritten == 1200)
        try store.flush()
        #expect(try store.verify().isOK)
        try store.close()
    }
}
