// Engine report: ingest rate, bytes per point on disk, peak memory, reopen
// time after a crash and read speed, on the reference fleet and the shared
// datasets. Figures are absolute and, where a baseline makes sense, a ratio
// against one measured in the same run (the machine is shared and noisy).
//
//   swift run -c release --package-path Benchmarks engine-report [ingest|sizes|memory|reopen|read|all]
import BenchmarkSupport
import Foundation
import Strata
import StrataCodecs

let mode = CommandLine.arguments.dropFirst().first ?? "all"
let scratch = "/tmp/strata-engine-report"

func fresh(_ name: String) -> String {
    let dir = "\(scratch)/\(name)"
    try? FileManager.default.removeItem(atPath: dir)
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    return dir
}

func f(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }

/// Writes readings to a store in batches of 10,000 as they are produced.
struct BatchingWriter {
    let store: Store
    var batch: [Reading] = []
    var written = 0

    init(_ store: Store) {
        self.store = store
        batch.reserveCapacity(10_000)
    }

    mutating func append(_ r: Reading) throws {
        batch.append(r)
        if batch.count == 10_000 { try flush() }
    }

    mutating func flush() throws {
        guard !batch.isEmpty else { return }
        try store.write(batch)
        written += batch.count
        batch.removeAll(keepingCapacity: true)
    }
}

func batches(_ readings: [Reading], size: Int) -> [[Reading]] {
    stride(from: 0, to: readings.count, by: size).map { Array(readings[$0..<min($0 + size, readings.count)]) }
}

/// Ingests `batches` with `writers` threads (batch i to writer i % writers); returns points/s.
func ingest(_ batches: [[Reading]], into store: Store, writers: Int) throws -> Double {
    let total = batches.reduce(0) { $0 + $1.count }
    let start = monotonicSeconds()
    if writers == 1 {
        for b in batches { try store.write(b) }
    } else {
        let group = DispatchGroup()
        let failure = NSLock()
        nonisolated(unsafe) var error: Error?
        for w in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    var i = w
                    while i < batches.count {
                        try store.write(batches[i])
                        i += writers
                    }
                } catch let e {
                    failure.lock(); error = e; failure.unlock()
                }
            }
        }
        group.wait()
        if let error { throw error }
    }
    return Double(total) / (monotonicSeconds() - start)
}

func ingestReport() throws {
    print("== ingest: the reference fleet (200 devices x 5 sensors x 24 h, seed 1), batches of 10,000, sync every batch")
    let fleet = try Dataset.fleet()
    let readings = fleet.readings()
    let all = batches(readings, size: 10_000)
    print("   \(readings.count) readings in \(all.count) batches")
    for writers in [1, 2, 1, 2] {
        let dir = fresh("ingest-\(writers)")
        let store = try Store(at: dir)
        let rate = try ingest(all, into: store, writers: writers)
        let st = store.statistics()
        try store.close()
        print("   \(writers) writer(s): \(f(rate / 1e6)) M points/s (\(st.walSyncs) fsyncs for \(st.batchesWritten) batches, writers stalled \(f(st.stallMilliseconds, 0)) ms)")
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Plain Gorilla (delta-of-delta timestamps, XOR values) per series in blocks
/// of 1024: the baseline, computed in the same run.
func plainGorillaBytes(_ data: Dataset) -> Int {
    var total = 0
    for b in data.blocks(maxPoints: 1024) {
        var out: [UInt8] = []
        TimestampCodec.deltaOfDelta.encode(b.timestamps, into: &out)
        ValueCodec.gorilla.encode(b.values, into: &out)
        total += out.count
    }
    return total
}

/// Reads every series back and compares it bit for bit with the dataset (duplicates: the last written wins).
func checkBitExact(_ store: Store, _ data: Dataset) throws -> Int {
    var expected: [SeriesKey: [Int64: UInt64]] = [:]
    for i in 0..<data.count {
        let key = try SeriesKey(deviceID: data.devices[Int(data.device[i])], sensorType: data.sensors[Int(data.sensor[i])])
        expected[key, default: [:]][data.timestamp[i]] = data.value[i].bitPattern
    }
    var checked = 0
    for s in try store.read() {
        guard let want = expected[s.key], want.count == s.count else { throw DatasetError("\(s.key): \(s.count) points read back, \(expected[s.key]?.count ?? 0) written") }
        for k in 0..<s.count where want[s.timestamps[k]] != s.values[k].bitPattern {
            throw DatasetError("\(s.key) at \(s.timestamps[k]): value differs")
        }
        checked += s.count
    }
    guard checked == expected.values.reduce(0, { $0 + $1.count }) else { throw DatasetError("\(checked) points read back") }
    return checked
}

/// Targets from the engine v2 issue: 5% above the best fixed-partition figure of the first engine.
let sizeTargets: [String: Double] = [
    "fleet": 0.42, "beijing_air_quality": 0.80, "uci_air_quality": 1.30, "nab_real": 1.69, "room_climate": 0.97,
    "occupancy_room": 1.94, "skab": 1.84,
]

/// Ingests a dataset with default Options (batches of 10,000 in file order) and
/// reports bytes per point of every file in the store after compaction, checked
/// bit-exact. `streamedHours` flushes every so many hours of data time, as a
/// gateway whose memtable is flushed by age would; nil loads it in bulk.
func sizeOf(_ name: String, _ data: Dataset, streamedHours: Int64?) throws -> (bpp: Double, files: Int, windows: Int, mixed: Int, points: Int) {
    let dir = fresh("size-\(name)")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(at: dir)
    let readings = data.readings()
    if let hours = streamedHours {
        let period = hours * 3_600_000
        var start = 0
        while start < readings.count {
            let until = floorDiv(readings[start].timestamp, period) + 1
            var end = start
            while end < readings.count && floorDiv(readings[end].timestamp, period) < until && end - start < 10_000 { end += 1 }
            try store.write(Array(readings[start..<end]))
            if end == readings.count || floorDiv(readings[end].timestamp, period) >= until { try store.flush() }
            start = end
        }
    } else {
        for b in batches(readings, size: 10_000) { try store.write(b) }
    }
    try store.compact()
    let points = try checkBitExact(store, data)
    let partitions = try store.partitions()
    try store.close()
    let bytes = directoryBytes(dir)
    let files = partitions.flatMap(\.files)
    return (Double(bytes) / Double(points), files.count, files.filter { !$0.isMixed }.count, files.filter(\.isMixed).count, points)
}

func sizesReport() throws {
    print("== bytes per point on disk, default Options, after compaction; every file of the store counted; every value read back bit-exact")
    print("   dataset               points   plain Gorilla   bulk load (files)        streamed, flush per 6 h (files)   target")
    var names = ["fleet"] + Dataset.realDatasets
    if let only = CommandLine.arguments.dropFirst(2).first { names = [only] }
    for name in names {
        let data = name == "fleet" ? try Dataset.fleet() : try Dataset.load(name)
        let gorilla = Double(plainGorillaBytes(data)) / Double(data.count)
        let bulk = try sizeOf(name, data, streamedHours: nil)
        let streamed = try sizeOf(name, data, streamedHours: 6)
        let target = sizeTargets[name].map { f($0) } ?? "-"
        func cell(_ r: (bpp: Double, files: Int, windows: Int, mixed: Int, points: Int)) -> String {
            "\(f(r.bpp, 3)) (\(r.windows) window + \(r.mixed) mixed)".padding(toLength: 28, withPad: " ", startingAt: 0)
        }
        let ok = sizeTargets[name].map { max(bulk.bpp, streamed.bpp) <= $0 ? "met" : "MISSED" } ?? ""
        print("   \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(bulk.points).leftPad(9))   \(f(gorilla, 2).leftPad(6))          \(cell(bulk)) \(cell(streamed))       <= \(target) \(ok)")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

func memoryReport() throws {
    print("== peak memory while ingesting the fleet with default options (streamed from the CSV)")
    let shared = try Dataset.sharedDirectory()
    _ = shared
    // Generate (or reuse) the fleet CSV, then stream it in batches so the dataset is never all in memory.
    _ = try Dataset.fleet()
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".cache/fleet-200-24h.csv").path
    guard let handle = FileHandle(forReadingAtPath: path) else { throw DatasetError("no fleet csv") }
    let dir = fresh("memory")
    let baseline = ProcessMemory.currentMiB
    ProcessMemory.resetPeak()
    let store = try Store(at: dir)
    var writer = BatchingWriter(store)
    var carry: [UInt8] = []
    var header = true
    let start = monotonicSeconds()
    while true {
        let chunk = handle.readData(ofLength: 4 << 20)
        if chunk.isEmpty { break }
        carry.append(contentsOf: chunk)
        var lineStart = 0
        var i = 0
        while i < carry.count {
            if carry[i] == 10 {
                if header { header = false } else {
                    let fields = carry[lineStart..<i].split(separator: 44)
                    if fields.count >= 4, let t = Int64(String(decoding: fields[2], as: UTF8.self)), let v = Double(String(decoding: fields[3], as: UTF8.self)) {
                        try writer.append(Reading(deviceID: String(decoding: fields[0], as: UTF8.self), sensorType: String(decoding: fields[1], as: UTF8.self), timestamp: t, value: v))
                    }
                }
                lineStart = i + 1
            }
            i += 1
        }
        carry.removeSubrange(0..<lineStart)
    }
    try writer.flush()
    let written = writer.written
    let elapsed = monotonicSeconds() - start
    let peak = ProcessMemory.peakMiB
    let st = store.statistics()
    try store.close()
    print("   \(written) readings in \(f(elapsed)) s (parsing included); RSS before opening \(f(baseline, 0)) MiB, peak \(f(peak, 0)) MiB: the store's share \(f(peak - baseline, 0)) MiB")
    print("   memtable bound 64 MiB; \(st.flushes) flushes; writers stalled \(f(st.stallMilliseconds, 0)) ms")
    try? FileManager.default.removeItem(atPath: dir)
}

/// 50M points generated on the fly (2000 devices x 5 sensors x 5000 steps at 10 s,
/// decimals with jitter): peak RSS against the memtable bound.
func memory50MReport() throws {
    print("== peak memory during a 50M-point ingest (default options: memtable bound 64 MiB)")
    let dir = fresh("memory50m")
    let baseline = ProcessMemory.currentMiB
    ProcessMemory.resetPeak()
    var options = Options()
    if CommandLine.arguments.contains("nocompact") { options.compactionTrigger = 0 }
    if let m = CommandLine.arguments.first(where: { $0.hasPrefix("memtable=") }) { options.memtableBytes = Int(m.dropFirst(9))! << 20 }
    let store = try Store(at: dir, options: options)
    var rng = SplitMix64(seed: 5)
    let devices = (0..<2000).map { "sensor-\($0)" }
    let sensors = ["temperature", "humidity", "battery_v", "energy_wh", "status"]
    var state = (0..<2000).map { _ in Double(rng.next() % 300) / 10 }
    var writer = BatchingWriter(store)
    let start = monotonicSeconds()
    var midPeak = 0.0
    for step in 0..<5000 {
        let t0: Int64 = 1_767_225_600_000 + Int64(step) * 10_000
        for d in 0..<2000 {
            state[d] += Double(Int(rng.next() % 3) - 1) / 10
            let t = t0 + Int64(rng.next() % 11) - 5
            for (k, sensor) in sensors.enumerated() {
                try writer.append(Reading(deviceID: devices[d], sensorType: sensor, timestamp: t, value: (state[d] * 10).rounded() / 10 + Double(k)))
            }
        }
        if step == 2500 { midPeak = ProcessMemory.peakMiB }
        if step % 500 == 0 && CommandLine.arguments.contains("trace") {
            let st = store.statistics()
            print("   step \(step): RSS \(f(ProcessMemory.currentMiB, 0)) MiB, peak \(f(ProcessMemory.peakMiB, 0)), memtables \(st.memtableBytes >> 20) MiB, files \(st.chunkFiles)")
        }
    }
    try writer.flush()
    let written = writer.written
    let elapsed = monotonicSeconds() - start
    let peak = ProcessMemory.peakMiB
    let st = store.statistics()
    try store.close()
    print("   \(written) points in \(f(elapsed)) s (generation included): RSS before opening \(f(baseline, 0)) MiB, peak \(f(peak, 0)) MiB (at half way \(f(midPeak, 0)) MiB)")
    print("   the store's share: \(f(peak - baseline, 0)) MiB = 64 MiB memtable bound + \(f(peak - baseline - 64, 0)) MiB (frozen memtable being flushed, flush working set, 10,000-reading batch, catalog of \(st.series) series)")
    print("   \(st.flushes) flushes, \(st.compactions) compactions, writers stalled \(f(st.stallMilliseconds, 0)) ms")
    try? FileManager.default.removeItem(atPath: dir)
}

func reopenReport() throws {
    print("== reopen after a crash with 1M points in the WAL")
    let dir = fresh("reopen")
    // A child process ingests 1M points (memtable large enough that nothing is flushed) and exits without closing.
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = ["crash-child", dir]
    try child.run()
    child.waitUntilExit()
    let start = monotonicSeconds()
    var options = Options()
    options.memtableBytes = 1 << 30
    let store = try Store(at: dir, options: options)
    let elapsed = monotonicSeconds() - start
    print("   \(store.recovery)")
    print("   open took \(f(elapsed * 1000, 0)) ms (target < 1000 ms)")
    try store.close()
    try? FileManager.default.removeItem(atPath: dir)
}

func crashChild(_ dir: String) throws {
    var options = Options()
    options.memtableBytes = 1 << 30
    let store = try Store(at: dir, options: options)
    let fleet = try Dataset.fleet()
    let readings = Array(fleet.readings().prefix(1_000_000))
    for b in batches(readings, size: 10_000) { try store.write(b) }
    exit(0)  // no close: the WAL holds everything
}

func readReport() throws {
    print("== read one series for one day from compacted chunks (the fleet)")
    let fleet = try Dataset.fleet()
    let dir = fresh("read")
    var options = Options()
    options.sync = .none
    let store = try Store(at: dir, options: options)
    for b in batches(fleet.readings(), size: 10_000) { try store.write(b) }
    try store.compact()
    let keys = try store.series()
    var points = 0
    let start = monotonicSeconds()
    var rounds = 0
    while monotonicSeconds() - start < (CommandLine.arguments.contains("long") ? 20 : 2) {
        for key in keys.prefix(200) {
            points += try store.read(key, in: TimeRange(from: 1_767_225_600_000, until: 1_767_312_000_000)).count
        }
        rounds += 1
    }
    let elapsed = monotonicSeconds() - start
    print("   \(rounds * min(200, keys.count)) reads of one series-day (\(points / (rounds * min(200, keys.count))) points each): \(f(Double(points) / elapsed / 1e6)) M points/s, \(f(elapsed / Double(rounds * min(200, keys.count)) * 1e6, 0)) us per read")
    try store.close()
    try? FileManager.default.removeItem(atPath: dir)
}

do {
    switch mode {
    case "crash-child": try crashChild(CommandLine.arguments[2])
    case "ingest": try ingestReport()
    case "sizes": try sizesReport()
    case "memory": try memoryReport()
    case "memory50m": try memory50MReport()
    case "compactmem":
        // Diagnostic: memory of one compaction of a large partition.
        let dir = fresh("compactmem")
        var options = Options()
        options.compactionTrigger = 0
        options.sync = .none
        let store = try Store(at: dir, options: options)
        var rng = SplitMix64(seed: 1)
        var writer = BatchingWriter(store)
        for step in 0..<2000 {
            for d in 0..<2000 {
                for k in 0..<5 {
                    try writer.append(Reading(deviceID: "d\(d)", sensorType: "s\(k)", timestamp: 1_767_225_600_000 + Int64(step) * 10_000, value: Double(rng.next() % 1000) / 10))
                }
            }
        }
        try writer.flush()
        try store.flush()
        print("files \(store.statistics().chunkFiles), RSS \(f(ProcessMemory.currentMiB, 0)) MiB")
        ProcessMemory.resetPeak()
        let before = ProcessMemory.currentMiB
        try store.compact()
        print("compaction of \(store.statistics().chunkPoints) points: RSS before \(f(before, 0)), peak \(f(ProcessMemory.peakMiB, 0)) MiB, after \(f(ProcessMemory.currentMiB, 0))")
        try store.close()
    case "reopen": try reopenReport()
    case "read": try readReport()
    default:
        try ingestReport()
        try sizesReport()
        // Memory is measured in fresh processes: this one already holds the datasets.
        for m in ["memory", "memory50m"] {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = [m]
            try child.run()
            child.waitUntilExit()
        }
        try reopenReport()
        try readReport()
    }
} catch {
    print("error: \(error)")
    exit(1)
}
