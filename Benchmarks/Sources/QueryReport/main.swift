// The queries issue's other targets, on synthetic data built here:
//   1. latest value of 100,000 series (cold: the first call after opening, which
//      learns each series' newest point from the files; warm: later calls);
//   2. a 1-year hourly aggregation of one series answered from a 1-hour tier;
//   3. daily averages over 50M points: with block statistics (pushdown), and with
//      a value filter that forces every block to be decoded.
//
//   swift run -c release --package-path Benchmarks query-report [--dir DIR] [--points N]
//
// Times are medians of repeated runs (after three warm-up runs), with the
// process's CPU time per run; the machine's load is printed with them.

import BenchmarkSupport
import Foundation
import Strata

var directory = "/tmp/strata-query-report"
var bigPoints = 50_000_000
var arguments = CommandLine.arguments.dropFirst()
while let a = arguments.popFirst() {
    switch a {
    case "--dir": directory = arguments.popFirst() ?? directory
    case "--points": bigPoints = Int(arguments.popFirst() ?? "") ?? bigPoints
    default:
        print("usage: query-report [--dir DIR] [--points N]")
        exit(2)
    }
}

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

func measure(_ seconds: Double = 1, _ body: () throws -> Void) rethrows -> (ms: Double, cpuMs: Double, runs: Int) {
    for _ in 0..<3 { try body() }
    var times: [Double] = []
    let cpu0 = cpuSeconds(), begin = monotonicSeconds()
    while times.count < 5 || (monotonicSeconds() - begin < seconds && times.count < 100_000) {
        let t = monotonicSeconds()
        try body()
        times.append(monotonicSeconds() - t)
    }
    let cpu = (cpuSeconds() - cpu0) / Double(times.count)
    times.sort()
    return (times[times.count / 2] * 1e3, cpu * 1e3, times.count)
}

func load() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
// 2025-01-01T00:00:00Z: a year of data that ends before today (the engine plans with
// data no later than the wall clock, so a tier is not built ahead of it).
let start: Int64 = 1_735_689_600_000
let hour: Int64 = 3_600_000, day = 24 * hour
print("query-report: \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load())")

// 1. Latest value of 100,000 series: 20,000 devices x 5 sensors, 3 readings each, flushed.
do {
    let path = directory + "/latest"
    var store = try Store(at: path)
    let sensors = ["temperature", "humidity", "battery_v", "energy_wh", "status"]
    var batch: [Reading] = []
    for d in 0..<20_000 {
        for (k, s) in sensors.enumerated() {
            for i in 0..<3 {
                batch.append(Reading(deviceID: "dev-\(d)", sensorType: s, timestamp: start + Int64(i) * 60_000 + Int64(d % 50), value: Double(d % 100 + k) / 4))
            }
        }
        if batch.count >= 60_000 {
            try store.write(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    try store.write(batch)
    try store.compact()
    try store.close()
    store = try Store(at: path)
    let t0 = monotonicSeconds()
    let first = try store.latest()
    let cold = (monotonicSeconds() - t0) * 1e3
    precondition(first.count == 100_000)
    let warm = try measure { _ = try store.latest() }
    print(String(format: "latest of 100,000 series: cold %.1f ms (first call after opening), warm %.2f ms median (cpu %.2f ms, %d runs)",
                 cold, warm.ms, warm.cpuMs, warm.runs))
    try store.close()
}

// 2. One series, one reading a minute for a year, a 1-hour tier: the hourly averages of the year.
do {
    var options = Options()
    options.tiers = [Tier(width: hour)]
    let store = try Store(at: directory + "/year", options: options)
    var batch: [Reading] = []
    for m in 0..<(365 * 24 * 60) {
        let tenths: Int = 200 + (m / 60) % 24 * 3 + m % 7
        let t: Int64 = start + Int64(m) * 60_000
        batch.append(Reading(deviceID: "gw-1", sensorType: "temperature", timestamp: t, value: Double(tenths) / 10))
        if batch.count == 100_000 {
            try store.write(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    try store.write(batch)
    try store.compact()
    var q = Aggregation(aggregates: [.avg, .min, .max, .count])
    q.selection = Selection(devices: .equals("gw-1"), sensorTypes: .equals("temperature"), timeRange: TimeRange(from: start, until: start + 365 * day))
    q.bucket = TimeBucket(.fixed(hour))
    let result = try store.aggregate(q)
    let m = try measure(ProcessInfo.processInfo.environment["QUERY_REPORT_SECONDS"].flatMap(Double.init) ?? 1) { _ = try store.aggregate(q) }
    print(String(format: "1 year hourly of one series (%d rows): %.3f ms median (cpu %.3f ms, %d runs); %@; %d tier rows, %d points decoded",
                 result.rows.count, m.ms, m.cpuMs, m.runs, result.explain.tier.map { "tier \($0)" } ?? "no tier", result.explain.tierRows,
                 result.explain.pointsDecoded))
    try store.close()
}

// 3. Daily averages over N points: 500 series of readings every 10 s.
do {
    let store = try Store(at: directory + "/big")
    let series = 500
    let perSeries = bigPoints / series
    var batch: [Reading] = []
    batch.reserveCapacity(100_000)
    var written = 0
    let t0 = monotonicSeconds()
    for step in 0..<perSeries {
        for s in 0..<series {
            let tenths: Int = (step * 7 + s * 13) % 1000
            let t: Int64 = start + Int64(step) * 10_000
            batch.append(Reading(deviceID: "dev-\(s / 5)", sensorType: "s\(s % 5)", timestamp: t, value: Double(tenths) / 10))
        }
        if batch.count >= 100_000 {
            try store.write(batch)
            written += batch.count
            batch.removeAll(keepingCapacity: true)
        }
    }
    try store.write(batch)
    written += batch.count
    try store.compact()
    print(String(format: "loaded %d points in %.1f s", written, monotonicSeconds() - t0))
    var q = Aggregation(aggregates: [.avg, .count])
    q.bucket = TimeBucket(.fixed(day))
    let pushed = try store.aggregate(q)
    let m1 = try measure { _ = try store.aggregate(q) }
    print(String(format: "daily averages over %d points, statistics: %.2f ms (cpu %.2f ms, %d runs) = %.2f G points/s; %d blocks from statistics, %d decoded",
                 written, m1.ms, m1.cpuMs, m1.runs, Double(written) / m1.ms / 1e6, pushed.explain.blocksFromStatistics, pushed.explain.blocksDecoded))
    q.selection.values = [ValueCondition(.greater, 50)]
    let filtered = try store.aggregate(q)
    let m2 = try measure(3) { _ = try store.aggregate(q) }
    print(String(format: "daily averages of values > 50, every block decoded: %.1f ms (cpu %.1f ms, %d runs) = %.0f M points/s; %d points decoded",
                 m2.ms, m2.cpuMs, m2.runs, Double(written) / m2.ms / 1e3, filtered.explain.pointsDecoded))
    try store.close()
}
print("load average after: \(load())")
try? FileManager.default.removeItem(atPath: directory)
