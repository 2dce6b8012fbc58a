import Foundation
import Testing
@testable import Strata
import StrataTestSupport

/// A real crash loop: a child process ingests under `.everyBatch` and prints
/// each acknowledged batch; the test kills it with SIGKILL at a random moment,
/// reopens the store, and checks that every acknowledged batch is there in
/// full, no other batch is there in part, and the store verifies clean.
@Suite struct CrashLoopTests {
    /// The child's binary: built next to the test bundle by `swift build --build-tests`.
    static var childPath: String? {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("StrataCrashChild").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    static func batch(_ i: Int) -> [Reading] {
        (0..<50).map { (j: Int) -> Reading in
            let t: Int64 = 1_767_225_600_000 + Int64(i) * 60_000 + Int64(j) * 1_000
            let value = Double(i * 50 + j) / 100
            return Reading(deviceID: "child-\(j % 5)", sensorType: j % 2 == 0 ? "temperature" : "humidity", timestamp: t, value: value)
        }
    }

    @Test func killingTheWriterAtRandomMomentsLosesNoAcknowledgedBatch() throws {
        let child = try #require(Self.childPath, "StrataCrashChild not built (run `swift build --build-tests` first)")
        let dir = StoreFixtures.temporaryDirectory("strata-crashloop")
        defer { StoreFixtures.removeTree(dir) }
        // A new seed each run (set STRATA_CRASH_SEED to replay one), printed so a failure can be replayed.
        let seed = ProcessInfo.processInfo.environment["STRATA_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970)
        print("crash loop: STRATA_CRASH_SEED=\(seed)")
        var rng = SplitMix64(seed: seed)
        var acknowledged = Set<Int>()
        var next = 0
        for round in 0..<24 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: child)
            process.arguments = [dir, String(next), String(next + 100_000)]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            // Let it run 30 to 400 ms, then SIGKILL: no chance to close anything.
            usleep(UInt32(30_000 + rng.next() % 370_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            var last = next - 1
            for line in output.split(separator: "\n") {
                if line.hasPrefix("ack "), let i = Int(line.dropFirst(4)) {
                    acknowledged.insert(i)
                    last = max(last, i)
                } else if line.hasPrefix("error") {
                    Issue.record("round \(round): child failed: \(line)")
                }
            }
            // Reopen in this process and check everything so far.
            var options = Options()
            options.partitionDuration = 3_600_000
            let store = try Store(at: dir, options: options)
            #expect(try store.verify().isOK)
            var stored = Set<Reading>()
            for s in try store.read() { stored.formUnion(s.readings) }
            var total = 0
            for i in 0..<(last + 2) {
                let b = Self.batch(i)
                let found = b.filter { stored.contains($0) }.count
                if acknowledged.contains(i) {
                    #expect(found == b.count, "seed \(seed) round \(round): acknowledged batch \(i) has \(found) of \(b.count)")
                } else {
                    #expect(found == 0 || found == b.count, "round \(round): batch \(i) is partly there")
                }
                total += found
            }
            #expect(stored.count == total, "round \(round): \(stored.count - total) readings that no batch wrote")
            let position = Int(try store.sourcePositions()["child"] ?? "-1") ?? -1
            #expect(position >= last, "round \(round): source position \(position), last acknowledged \(last)")
            try store.close()
            next = max(last, position) + 1
        }
        #expect(acknowledged.count > 24, "the child acknowledged only \(acknowledged.count) batches in 24 rounds")
    }
}
