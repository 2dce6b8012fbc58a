// Ingest cost: CPU time (all threads: writers, background flush, compaction)
// and wall time per ingested point of the write path, on the reference fleet
// (200 devices x 5 sensors x 24 h at 10 s, seed 1: 8,553,025 readings).
//
// Loading the CSV, converting it to [Reading] and cutting it into batches of
// 10,000 happen BEFORE measurement. The measured part is: open a fresh store
// in /tmp, write every batch, store.flush(), store.compact(). close() is timed
// separately (outside the measured interval).
//
//   swift build -c release --package-path Benchmarks --product ingest-cost
//   Benchmarks/.build/release/ingest-cost [sync=everyBatch|none] [writers=1|2] [points=N] [loadonly]
//
// Arguments (any order):
//   sync=everyBatch (default) | sync=none   Options().sync; every other option is the default
//   writers=1 (default) | writers=2         batch i goes to writer thread i % writers
//   points=N                                ingest only the first N readings (file order)
//   loadonly                                load, convert and batch exactly as a real run, then exit
//                                           (for callgrind: Ir(ingest) = Ir(full) - Ir(loadonly))
import BenchmarkSupport
import Foundation
import Strata

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Arguments

var syncNone = false
var writers = 1
var pointLimit = Int.max
var loadOnly = false
for arg in CommandLine.arguments.dropFirst() {
    if arg == "loadonly" {
        loadOnly = true
    } else if arg.hasPrefix("sync=") {
        switch arg.dropFirst(5) {
        case "everyBatch": syncNone = false
        case "none": syncNone = true
        default: fatalError("sync must be everyBatch or none")
        }
    } else if arg.hasPrefix("writers="), let w = Int(arg.dropFirst(8)), w == 1 || w == 2 {
        writers = w
    } else if arg.hasPrefix("points="), let n = Int(arg.dropFirst(7)), n > 0 {
        pointLimit = n
    } else {
        FileHandle.standardError.write("usage: ingest-cost [sync=everyBatch|none] [writers=1|2] [points=N] [loadonly]\n".data(using: .utf8)!)
        exit(2)
    }
}

// MARK: - Helpers

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
        + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}

func f(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }

/// Writes `batches` from `writers` threads (batch i to thread i % writers).
func ingest(_ batches: [[Reading]], into store: Store, writers: Int) throws {
    if writers == 1 {
        for b in batches { try store.write(b) }
        return
    }
    let group = DispatchGroup()
    let failure = NSLock()
    nonisolated(unsafe) var writeError: Error?
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
            } catch {
                failure.lock(); writeError = error; failure.unlock()
            }
        }
    }
    group.wait()
    if let writeError { throw writeError }
}

// MARK: - Load, convert, batch (not measured)

let loadStart = monotonicSeconds()
let fleet = try Dataset.fleet()
let n = min(pointLimit, fleet.count)
/// Same conversion as Dataset.readings(), limited to the first n rows, cut into
/// batches of 10,000 (the flat array is released on return).
func makeBatches(_ fleet: Dataset, _ n: Int) -> [[Reading]] {
    let readings: [Reading] = (0..<n).map { i in
        Reading(deviceID: fleet.devices[Int(fleet.device[i])], sensorType: fleet.sensors[Int(fleet.sensor[i])],
                timestamp: fleet.timestamp[i], value: fleet.value[i])
    }
    return stride(from: 0, to: readings.count, by: 10_000).map {
        Array(readings[$0..<min($0 + 10_000, readings.count)])
    }
}
let batches = makeBatches(fleet, n)
let loadSeconds = monotonicSeconds() - loadStart
print("ingest-cost: fleet \(fleet.count) rows; using \(n) points in \(batches.count) batches of <= 10,000 (load+convert+batch \(f(loadSeconds)) s)")

if loadOnly {
    print("loadonly: exiting before opening a store")
    exit(0)
}

// MARK: - Measured: open + write + flush + compact

let dir = "/tmp/strata-ingest-cost-\(getpid())"
try? FileManager.default.removeItem(atPath: dir)
var options = Options()
options.sync = syncNone ? .none : .everyBatch
print("config: sync=\(syncNone ? "none" : "everyBatch") writers=\(writers) dir=\(dir)")

let loadBefore = loadAverage()
let cpu0 = cpuSeconds()
let wall0 = monotonicSeconds()

let store = try Store(at: dir, options: options)
try ingest(batches, into: store, writers: writers)
let wallWritten = monotonicSeconds()
try store.flush()
try store.compact()

let wall1 = monotonicSeconds()
let cpu1 = cpuSeconds()
let loadAfter = loadAverage()

let st = store.statistics()
let closeStart = monotonicSeconds()
try store.close()
let closeSeconds = monotonicSeconds() - closeStart
let diskBytes = directoryBytes(dir)
try? FileManager.default.removeItem(atPath: dir)

// MARK: - Report

let wall = wall1 - wall0
let cpu = cpu1 - cpu0
print("points:            \(n)")
print("wall seconds:      \(f(wall, 3))  (writes \(f(wallWritten - wall0, 3)), flush+compact \(f(wall1 - wallWritten, 3)))")
print("CPU seconds:       \(f(cpu, 3))  (user+sys, all threads, RUSAGE_SELF)")
print("CPU-ns per point:  \(f(cpu * 1e9 / Double(n), 1))")
print("M points/s wall:   \(f(Double(n) / wall / 1e6, 3))")
print("loadavg start:     \(loadBefore)")
print("loadavg end:       \(loadAfter)")
print("store: \(st.batchesWritten) batches, \(st.walSyncs) WAL syncs, \(st.flushes) flushes, \(st.compactions) compactions, stalled \(f(st.stallMilliseconds, 0)) ms, \(st.chunkPoints) chunk points, \(diskBytes) bytes on disk; close \(f(closeSeconds * 1000, 1)) ms (not measured)")
exit(0)
