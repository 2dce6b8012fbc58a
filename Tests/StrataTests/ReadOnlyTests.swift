import Foundation
import Testing
@testable import Strata
import StrataTestSupport

/// A read-only store looking at a store that another process (a real writer,
/// flushing, compacting and rotating its log) holds: it never blocks or
/// disturbs the writer, sees whole batches only, and catches up on refresh.
@Suite struct ReadOnlyTests {
    /// Reads everything and checks it: per series sorted and unique, values a
    /// function of the timestamp, whole batches only. Returns the batches seen.
    static func check(_ store: Store) throws -> Set<Int> {
        var perBatch: [Int: Int] = [:]
        for s in try store.read() {
            for i in 1..<max(s.count, 1) where s.timestamps[i] <= s.timestamps[i - 1] {
                Issue.record("\(s.key) not sorted at \(i)")
            }
            for (t, v) in zip(s.timestamps, s.values) {
                let offset = t - 1_767_225_600_000
                let i = Int(offset / 60_000), j = Int(offset % 60_000 / 1_000)
                if v != Double(i * 50 + j) / 100 { Issue.record("\(s.key) at \(t): wrong value \(v)") }
                perBatch[i, default: 0] += 1
            }
        }
        for (i, n) in perBatch where n != 50 { Issue.record("batch \(i) seen with \(n) of 50 readings") }
        return Set(perBatch.keys)
    }

    @Test func aReadOnlyStoreFollowsARunningWriterProcess() throws {
        let child = try #require(CrashLoopTests.childPath, "StrataCrashChild not built")
        let dir = StoreFixtures.temporaryDirectory("strata-readonly")
        defer { StoreFixtures.removeTree(dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: child)
        process.arguments = ["writer", dir, "3000"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // Wait for the store to exist.
        var waited = 0
        while !FileManager.default.fileExists(atPath: dir + "/MANIFEST") && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        var options = Options()
        options.readOnly = true
        let reader = try Store(at: dir, options: options)
        #expect(reader.isReadOnly)
        #expect { try reader.write([Reading(deviceID: "x", sensorType: "y", timestamp: 1, value: 1)]) } throws: {
            ($0 as? StrataError)?.kind == .readOnly
        }
        var refreshes = 0
        var largest = 0
        while process.isRunning {
            try reader.refresh()
            refreshes += 1
            let seen = try Self.check(reader)
            #expect(seen.count >= largest, "a refresh lost batches: \(seen.count) after \(largest)")
            largest = max(largest, seen.count)
            // A second read-only open at any moment works too.
            _ = try Self.check(Store(at: dir, options: options))
        }
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("done"), "the writer failed: \(output.suffix(300))")
        #expect(refreshes > 3)
        try reader.refresh()
        #expect(try Self.check(reader) == Set(0..<3000))
        #expect(try reader.verify().isOK)
        try reader.close()
        // The writer's store is untouched by the reader: it opens and holds everything.
        let writer = try Store(at: dir)
        #expect(try Self.check(writer) == Set(0..<3000))
        try writer.close()
    }

    @Test func readOnlyOpenOfAMissingOrForeignFolderFails() throws {
        var options = Options()
        options.readOnly = true
        options.fileSystem = InMemoryFileSystem()
        #expect { _ = try Store(at: "/nothing", options: options) } throws: { ($0 as? StrataError)?.kind == .invalidArgument }
    }

    @Test func aReadOnlyStoreSeesTheLogOfAStoreNobodyHolds() throws {
        let fs = InMemoryFileSystem()
        var options = StoreFixtures.options(fs)
        options.flushOnClose = false
        do {
            let store = try Store(at: "/ro", options: options)
            try store.write(CrashLoopTests.batch(0))
            try store.flush()
            try store.write(CrashLoopTests.batch(1))
            try store.close()
        }
        let before: [String: [UInt8]] = Dictionary(uniqueKeysWithValues: fs.allFiles().map { ($0, fs.contents($0)!) })
        options.readOnly = true
        let store = try Store(at: "/ro", options: options)
        #expect(try Self.check(store) == [0, 1])
        try store.close()
        let after: [String: [UInt8]] = Dictionary(uniqueKeysWithValues: fs.allFiles().map { ($0, fs.contents($0)!) })
        #expect(after == before, "a read-only open changed files")
    }
}
