import Foundation
import Testing
@testable import Strata
import StrataTestSupport

/// Golden files for every on-disk format: a tiny store written
/// deterministically, committed under Fixtures/golden-store as hex, so that a
/// change of layout is never accidental, and so that today's reader is shown
/// to read yesterday's files. Regenerate on purpose with
/// STRATA_UPDATE_GOLDEN=1 and update FORMAT.md (its hex dumps come from here).
@Suite struct GoldenStoreTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden-store")

    /// The readings of the golden store: two devices, one with two series that
    /// share timestamps (humidity misses one), one with a single series; one
    /// suspect reading; dev-a's attributes (in the catalog); a second batch, a
    /// deletion and an attribute change that stay in the WAL.
    static let flushed: [Reading] = [
        Reading(deviceID: "dev-a", sensorType: "temperature", timestamp: 1_767_225_600_000, value: 21.4),
        Reading(deviceID: "dev-a", sensorType: "humidity", timestamp: 1_767_225_600_000, value: 45.5),
        Reading(deviceID: "dev-a", sensorType: "temperature", timestamp: 1_767_225_610_003, value: 21.5),
        Reading(deviceID: "dev-a", sensorType: "temperature", timestamp: 1_767_225_619_998, value: 21.5, quality: .suspect),
        Reading(deviceID: "dev-a", sensorType: "humidity", timestamp: 1_767_225_619_998, value: 45.0),
        Reading(deviceID: "dev-b", sensorType: "temperature", timestamp: 1_767_225_605_000, value: -3.25),
    ]
    static let logged: [Reading] = [
        Reading(deviceID: "dev-b", sensorType: "temperature", timestamp: 1_767_225_665_000, value: -3.5),
        Reading(deviceID: "dev-c", sensorType: "co2", timestamp: 1_767_225_665_000, value: 415),
    ]

    /// Writes the golden store into `fs` at /golden.
    static func build(_ fs: InMemoryFileSystem) throws {
        var options = Options()
        options.fileSystem = fs
        options.flushOnClose = false  // the second batch stays in the log
        let store = try Store(at: "/golden", options: options)
        try store.setAttributes(["zone": "zone-a"], device: "dev-a")  // a catalog record at the flush
        try store.write(flushed, sources: ["kafka/readings/0": "41"])
        try store.flush()
        try store.write(logged, sources: ["kafka/readings/0": "42"])
        // A deletion and an attribute change that stay in the log.
        try store.delete(Selection(SeriesKey(deviceID: "dev-b", sensorType: "temperature"), in: TimeRange(from: 1_767_225_600_000, until: 1_767_225_610_000)))
        try store.setAttributes(["zone": "zone-b", "model": nil], device: "dev-b")
        try store.close()
    }

    static func hex(_ b: [UInt8]) -> String {
        stride(from: 0, to: b.count, by: 16).map { i in
            b[i..<min(i + 16, b.count)].map { String(format: "%02x", $0) }.joined(separator: " ")
        }.joined(separator: "\n") + "\n"
    }

    static func unhex(_ s: String) -> [UInt8] {
        s.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
    }

    /// The store's files (LOCK aside: it holds the writer's pid), as fixture names.
    static func files(_ fs: InMemoryFileSystem) -> [(name: String, bytes: [UInt8])] {
        fs.allFiles().filter { $0.hasPrefix("/golden/") && !$0.hasSuffix("/LOCK") }.map { path in
            (String(path.dropFirst("/golden/".count)).replacingOccurrences(of: "/", with: "_"), fs.contents(path)!)
        }
    }

    @Test func filesMatchTheCommittedFixtures() throws {
        let fs = InMemoryFileSystem()
        try Self.build(fs)
        let current = Self.files(fs)
        #expect(Set(current.map(\.name)) == ["CATALOG", "MANIFEST", "chunks_000000000001.chunk", "wal_00000000000000000002.log"])
        if ProcessInfo.processInfo.environment["STRATA_UPDATE_GOLDEN"] == "1" {
            for (name, bytes) in current {
                try Self.hex(bytes).write(to: Self.directory.appendingPathComponent(name + ".hex"), atomically: true, encoding: .utf8)
            }
        }
        for (name, bytes) in current {
            let committed = try String(contentsOf: Self.directory.appendingPathComponent(name + ".hex"), encoding: .utf8)
            #expect(Self.unhex(committed) == bytes, "layout of \(name) changed: update FORMAT.md and the fixture on purpose")
        }
        #expect(String(decoding: fs.contents("/golden/LOCK")!, as: UTF8.self).hasPrefix("strata "))
    }

    @Test func committedFixturesOpenAndReadBack() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectory("/golden/wal")
        try fs.createDirectory("/golden/chunks")
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.directory.path) where name.hasSuffix(".hex") {
            let path = "/golden/" + String(name.dropLast(4)).replacingOccurrences(of: "_", with: "/")
            fs.setContents(path, Self.unhex(try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)))
        }
        var options = Options()
        options.fileSystem = fs
        let store = try Store(at: "/golden", options: options)
        #expect(store.recovery.records == 3 && store.recovery.closedCleanly)
        var got = Set<Reading>()
        for s in try store.read() { got.formUnion(s.readings) }
        let deleted = Set(Self.flushed.filter { $0.deviceID == "dev-b" && $0.timestamp < 1_767_225_610_000 })
        #expect(!deleted.isEmpty && got == Set(Self.flushed + Self.logged).subtracting(deleted))
        #expect(try store.attributes(device: "dev-a") == ["zone": "zone-a"])
        #expect(try store.attributes(device: "dev-b") == ["zone": "zone-b"])
        #expect(try store.sourcePositions() == ["kafka/readings/0": "42"])
        let report = try store.verify()
        #expect(report.isOK && report.points == Self.flushed.count, "\(report)")
        try store.close()
    }
}
