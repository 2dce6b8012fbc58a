// Strata's side of Benchmarks/peers.py: loads the 2-day reference fleet
// (gen_iot.py --devices 200 --sensors 5 --duration 2d --interval 10 --seed 1,
// 17.1M points) into a store, runs the five queries of the queries issue
// through the query API, and prints each one's latency and answer as JSON.
//
//   swift run -c release --package-path Benchmarks query-peers [--store DIR] [--json FILE]
//
// Latency: the median of repeated runs after warm-up runs (the store's
// caches warm, as a service answering dashboards would be), with the
// process's CPU time per run beside it.

import BenchmarkSupport
import Foundation
import Strata

struct Arguments {
    var store = "/tmp/strata-peers-store"
    var json: String?
    var seconds = 1.0
    /// Run only these queries (for profiling).
    var only: Set<String> = []
    var noTiers = false
    var explain = false

    init() {
        var args = CommandLine.arguments.dropFirst()
        while let a = args.popFirst() {
            switch a {
            case "--store": store = args.popFirst() ?? store
            case "--json": json = args.popFirst()
            case "--seconds": seconds = Double(args.popFirst() ?? "") ?? seconds
            case "--only": only.insert(args.popFirst() ?? "")
            case "--no-tiers": noTiers = true
            case "--explain": explain = true
            default:
                FileHandle.standardError.write("usage: query-peers [--store DIR] [--json FILE] [--seconds S] [--only Qn]... [--no-tiers]\n".data(using: .utf8)!)
                exit(2)
            }
        }
    }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let args = Arguments()
let start: Int64 = 1_767_225_600_000  // the fleet's first timestamp (2026-01-01T00:00:00Z)
let hour: Int64 = 3_600_000
let day: Int64 = 24 * hour

/// The store's options: defaults, plus the downsampling tiers of the example
/// (1 minute kept 90 days, 1 hour kept 5 years) unless --no-tiers.
func storeOptions() -> Options {
    var o = Options()
    if !args.noTiers { o.tiers = [Tier(width: 60_000, keep: 90 * day), Tier(width: hour, keep: 5 * 365 * day)] }
    return o
}
let end = start + 48 * hour
let marker = args.store + (args.noTiers ? "/.loaded-fleet-2d" : "/.loaded-fleet-2d-tiers")

if !FileManager.default.fileExists(atPath: marker) {
    try? FileManager.default.removeItem(atPath: args.store)
    FileHandle.standardError.write("loading the 2-day fleet into \(args.store)\n".data(using: .utf8)!)
    let fleet = try Dataset.fleet(duration: "2d")
    let readings = fleet.readings()
    let store = try Store(at: args.store, options: storeOptions())
    let t0 = monotonicSeconds()
    var i = 0
    while i < readings.count {
        let n = min(10_000, readings.count - i)
        try store.write(Array(readings[i..<(i + n)]))
        i += n
    }
    try store.compact()
    try store.close()
    FileHandle.standardError.write(String(format: "loaded %d readings in %.1f s\n", readings.count, monotonicSeconds() - t0).data(using: .utf8)!)
    _ = FileManager.default.createFile(atPath: marker, contents: nil)
}

let store = try Store(at: args.store, options: storeOptions())

/// Runs `body` for about `seconds` after three warm-up runs; median wall ms and mean CPU ms.
/// The answer is turned into JSON-ready rows once, outside the timed runs.
func measure(_ body: () throws -> Any, answer convert: (Any) -> Any = { $0 }) throws -> (ms: Double, cpuMs: Double, runs: Int, answer: Any) {
    var answer: Any = 0
    for _ in 0..<3 { answer = try body() }
    var times: [Double] = []
    let cpu0 = cpuSeconds()
    let begin = monotonicSeconds()
    while times.count < 5 || (monotonicSeconds() - begin < args.seconds && times.count < 100_000) {
        let t = monotonicSeconds()
        answer = try body()
        times.append(monotonicSeconds() - t)
    }
    let cpu = (cpuSeconds() - cpu0) / Double(times.count)
    times.sort()
    return (times[times.count / 2] * 1e3, cpu * 1e3, times.count, convert(answer))
}

func rows(_ r: [AggregateRow]) -> [[Any]] {
    r.map { row in
        var out: [Any] = []
        if let b = row.bucket { out.append(b) }
        if let d = row.deviceID { out.append(d) }
        if let s = row.sensorType { out.append(s) }
        out += row.values.map { v -> Any in v.map { $0 as Any } ?? NSNull() }
        return out
    }
}

nonisolated(unsafe) var explainedOnce = Set<String>()
/// With --explain, prints a query's plan once.
func explained(_ r: AggregationResult) -> AggregationResult {
    if args.explain && explainedOnce.insert(r.explain.description).inserted {
        FileHandle.standardError.write("explain:\n\(r.explain)\n".data(using: .utf8)!)
    }
    return r
}

nonisolated(unsafe) var results: [[String: Any]] = []
func report(_ name: String, _ what: String, answer convert: (Any) -> Any = { $0 }, _ body: () throws -> Any) throws {
    guard args.only.isEmpty || args.only.contains(name) else { return }
    let m = try measure(body, answer: convert)
    results.append(["query": name, "what": what, "ms": m.ms, "cpu_ms": m.cpuMs, "runs": m.runs, "answer": m.answer])
    FileHandle.standardError.write(String(format: "%@  %9.4f ms  (cpu %.4f ms, %d runs)  %@\n", name, m.ms, m.cpuMs, m.runs, what).data(using: .utf8)!)
}

// Q1: one series' hourly avg/min/max/count over the whole span.
let aggregateRows: (Any) -> Any = { rows($0 as! [AggregateRow]) }
try report("Q1", "hourly avg/min/max/count of sensor-00042 temperature, 48 h", answer: aggregateRows) {
    var q = Aggregation(aggregates: [.avg, .min, .max, .count])
    q.selection = Selection(devices: .equals("sensor-00042"), sensorTypes: .equals("temperature"), timeRange: TimeRange(from: start, until: end))
    q.bucket = TimeBucket(.fixed(hour))
    return try explained(store.aggregate(q)).rows
}
// Q2: hourly average per device of one sensor type over the last 24 h.
try report("Q2", "hourly avg per device of temperature, last 24 h", answer: aggregateRows) {
    var q = Aggregation(aggregates: [.avg])
    q.selection = Selection(sensorTypes: .equals("temperature"), timeRange: TimeRange(from: end - 24 * hour, until: end))
    q.bucket = TimeBucket(.fixed(hour))
    q.groupBy = [.device]
    return try explained(store.aggregate(q)).rows
}
// Q3: last value per device of one sensor type.
try report("Q3", "latest temperature per device", answer: { r in (r as! [Reading]).map { [$0.deviceID, $0.timestamp, $0.value] as [Any] } }) {
    try store.latest(Selection(sensorTypes: .equals("temperature")))
}
// Q4: raw points of one series in a 1-hour window.
try report("Q4", "raw points of sensor-00042 temperature, 1 h", answer: { runs in
    (runs as! [SeriesPoints]).flatMap { run in (0..<run.count).map { [run.timestamps[$0], run.values[$0]] as [Any] } }
}) {
    var cursor = try store.scan(Selection(devices: .equals("sensor-00042"), sensorTypes: .equals("temperature"),
                                          timeRange: TimeRange(from: start + 12 * hour, until: start + 13 * hour)))
    var runs: [SeriesPoints] = []
    while let run = try cursor.next() { runs.append(run) }
    return runs
}
// Q5: daily average and count per sensor type over everything.
try report("Q5", "daily avg and count per sensor type, everything", answer: aggregateRows) {
    var q = Aggregation(aggregates: [.avg, .count])
    q.bucket = TimeBucket(.fixed(24 * hour))
    q.groupBy = [.sensorType]
    return try explained(store.aggregate(q)).rows
}
try store.close()

let document: [String: Any] = ["engine": "strata", "start": start, "end": end, "results": results]
let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
if let path = args.json {
    try data.write(to: URL(fileURLWithPath: path))
} else {
    FileHandle.standardOutput.write(data)
}
