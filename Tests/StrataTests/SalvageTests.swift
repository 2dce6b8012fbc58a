import Foundation
import Testing
@testable import Strata
import StrataTestSupport

/// Opening a store with one damaged or missing file: without salvage it
/// fails naming the file; with salvage it opens, the file is set aside in
/// quarantine/ (never deleted), the rest of the data is there, and the loss
/// is reported by device, sensor and time range.
@Suite struct SalvageTests {
    static let hour: Int64 = 3_600_000

    /// Three devices x two sensors, one point a minute over four hours, in
    /// window files (flushed hour by hour), plus a batch left in the log.
    static func build(_ fs: InMemoryFileSystem) throws -> [Reading] {
        var options = StoreFixtures.options(fs)
        options.partitionDuration = hour
        options.flushOnClose = false
        options.compactionTrigger = 0
        let store = try Store(at: "/s", options: options)
        var all: [Reading] = []
        for h in 0..<4 {
            var batch: [Reading] = []
            for m in 0..<60 {
                for d in 0..<3 {
                    for (k, sensor) in ["temperature", "humidity"].enumerated() {
                        let t = 1_767_225_600_000 + Int64(h) * hour + Int64(m) * 60_000
                        batch.append(Reading(deviceID: "dev-\(d)", sensorType: sensor, timestamp: t, value: Double(h * 1000 + m * 10 + d + k) / 10))
                    }
                }
            }
            try store.write(batch)
            all += batch
            if h < 3 { try store.flush() }
        }
        try store.close()
        return all
    }

    static func options(_ fs: InMemoryFileSystem, salvage: Bool) -> Options {
        var o = StoreFixtures.options(fs)
        o.partitionDuration = hour
        o.compactionTrigger = 0
        o.salvage = salvage
        return o
    }

    static func stored(_ store: Store) throws -> Set<Reading> {
        var out = Set<Reading>()
        for s in try store.read() { out.formUnion(s.readings) }
        return out
    }

    enum Kind: String, CaseIterable, Sendable {
        case chunkIndex = "a chunk file's index"
        case chunkBlock = "one block of a chunk file"
        case missingChunk = "a missing chunk file"
        case catalog = "the catalog"
        case manifest = "the manifest"
        case walRecord = "a synced log record"
    }

    @Test(arguments: Kind.allCases)
    func aStoreWithOneDamagedFileOpensWithItSetAside(_ kind: Kind) throws {
        let fs = InMemoryFileSystem()
        let all = try Self.build(fs)
        let chunks = fs.allFiles().filter { $0.hasSuffix(".chunk") }.sorted()
        #expect(chunks.count >= 3)
        let victim: String
        switch kind {
        case .chunkIndex:
            victim = chunks[1]
            var b = fs.contents(victim)!
            b[b.count - 60] ^= 0x11
            fs.setContents(victim, b)
        case .chunkBlock:
            victim = chunks[1]
            let number = FileNames.parseChunk(String(victim.split(separator: "/").last!))!
            let file = try ChunkFile(fs: fs, directory: "/s", number: number, cache: BlockCache(capacity: 1 << 20))
            let found = try file.entry(file.seriesIDs[0])
            let block = try #require(found).entry.blocks[0]
            fs.flipBit(victim, byte: ChunkFormat.headerSize + block.values.lowerBound + 1, bit: 2)
        case .missingChunk:
            victim = chunks[1]
            try fs.remove(victim)
        case .catalog:
            victim = "/s/CATALOG"
            var b = fs.contents(victim)!
            b[b.count - 3] ^= 0x40  // in the last record: some names are lost
            fs.setContents(victim, b)
        case .manifest:
            victim = "/s/MANIFEST"
            fs.flipBit(victim, byte: 12, bit: 0)
        case .walRecord:
            victim = fs.allFiles().filter { $0.hasSuffix(".log") }.sorted().first!
            fs.flipBit(victim, byte: WALFormat.headerSize + 40, bit: 5)
        }
        let name = String(victim.dropFirst(3))
        // Without salvage: an error naming the file.
        do {
            _ = try Store(at: "/s", options: Self.options(fs, salvage: false)).verify()
            if kind != .chunkBlock { Issue.record("\(kind.rawValue): opened without salvage") }
        } catch {
            #expect(error.file == name || (kind == .missingChunk && error.file == name), "\(kind.rawValue): \(error)")
        }
        // With salvage: it opens, sets the file aside, and says what was lost.
        let store = try Store(at: "/s", options: Self.options(fs, salvage: true))
        let report = store.salvage
        #expect(report.setAside.contains { $0.file == name }, "\(kind.rawValue): \(report)")
        if kind != .missingChunk {
            #expect(fs.allFiles().contains { $0.hasPrefix("/s/quarantine/") }, "\(kind.rawValue): nothing in quarantine")
        }
        #expect(!report.lost.isEmpty, "\(kind.rawValue): no loss reported")
        let now = try Self.stored(store)
        #expect(try store.verify().isOK, "\(kind.rawValue)")
        switch kind {
        case .chunkBlock:
            // Only the damaged block's points are gone, and the report names them.
            let missing = Set(all).subtracting(now)
            #expect(!missing.isEmpty && missing.count < 200)
            #expect(report.lost.allSatisfy { $0.series != nil && $0.points != nil })
            #expect(missing.allSatisfy { r in report.lost.contains { $0.series == r.series && r.timestamp >= $0.from && r.timestamp <= $0.through } })
            #expect(missing.count == report.lost.reduce(0) { $0 + ($1.points ?? 0) })
        case .chunkIndex, .missingChunk:
            // One hour's file is gone, nothing else.
            let missing = Set(all).subtracting(now)
            #expect(missing.count == 360)
            let loss = try #require(report.lost.first)
            #expect(missing.allSatisfy { $0.timestamp >= loss.from && $0.timestamp <= loss.through })
        case .catalog:
            // Every point is still there; some under placeholder names, which the report gives.
            #expect(now.count == all.count)
            #expect(report.lost.contains { $0.series?.deviceID.hasPrefix("salvaged-series-") == true })
        case .manifest:
            #expect(now == Set(all))
        case .walRecord:
            #expect(now.count < all.count)
            #expect(Set(all).subtracting(now).allSatisfy { $0.timestamp >= 1_767_225_600_000 + 3 * Self.hour })
        }
        try store.close()
        // From now on the store opens without salvage.
        #expect(try Self.stored(Store(at: "/s", options: Self.options(fs, salvage: false))) == now)
    }
}
