// Codec report: bytes per point of every codec and of the per-block choice on
// the shared datasets, the reference fleet and a synthetic regular series,
// with a bit-exact round-trip check of every block, and encode/decode
// throughput per codec.
//
//   swift run -c release --package-path Benchmarks codec-report [--quick] [dataset ...]
import BenchmarkSupport
import Foundation
import StrataCodecs

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let bySensor = arguments.contains("--by-sensor")
let names = arguments.filter { !$0.hasPrefix("--") }

struct Job {
    var name: String
    var label: String
    var load: () throws -> Dataset
    var window: Int64?
}

let day: Int64 = 86_400_000
var jobs: [Job] = [
    Job(name: "fleet", label: "fleet (200 x 5 x 24 h)", load: { try Dataset.fleet() }, window: nil),
    Job(name: "room_climate", label: "room_climate", load: { try Dataset.load("room_climate") }, window: nil),
    Job(name: "beijing_air_quality", label: "beijing_air_quality (30-day blocks)", load: { try Dataset.load("beijing_air_quality") }, window: 30 * day),
    Job(name: "skab", label: "skab", load: { try Dataset.load("skab") }, window: nil),
    Job(name: "nab_real", label: "nab_real", load: { try Dataset.load("nab_real") }, window: nil),
    Job(name: "uci_air_quality", label: "uci_air_quality (30-day blocks)", load: { try Dataset.load("uci_air_quality") }, window: 30 * day),
    Job(name: "occupancy_room", label: "occupancy_room (30-day blocks)", load: { try Dataset.load("occupancy_room") }, window: 30 * day),
    Job(name: "elf_float_values", label: "elf_float_values (values only)", load: { try Dataset.load("elf_float_values") }, window: nil),
    Job(name: "synthetic_regular", label: "synthetic regular 10 s (1M)", load: { syntheticRegular(points: 1_000_000) }, window: nil),
]
if !names.isEmpty { jobs = jobs.filter { names.contains($0.name) } }

func encodeAll(_ blocks: [SeriesBlock], _ f: (SeriesBlock, inout [UInt8]) -> Void) -> (bytes: Int, encoded: [[UInt8]]) {
    var total = 0
    var encoded: [[UInt8]] = []
    encoded.reserveCapacity(blocks.count)
    for b in blocks {
        var out: [UInt8] = []
        f(b, &out)
        total += out.count
        encoded.append(out)
    }
    return (total, encoded)
}

func fmt(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func report(_ jobs: [Job]) -> Int32 {
    print("Strata codec report: bytes per point, per series, blocks of up to 1024 points")
    print("ts = timestamps, v = values; 'choice' = the per-block choice (smallest codec per block)\n")
    var failures = 0
    for job in jobs {
        let data: Dataset
        do { data = try job.load() } catch { print("\(job.name): skipped (\(error))"); continue }
        let blocks = data.blocks(maxPoints: 1024, window: job.window)
        let points = Double(blocks.reduce(0) { $0 + $1.timestamps.count })
        let valuesOnly = job.name == "elf_float_values"

        var rows: [(String, Double)] = []
        func add(_ label: String, _ bytes: Int) { rows.append((label, Double(bytes) / points)) }

        let dod = encodeAll(blocks) { b, o in TimestampCodec.deltaOfDelta.encode(b.timestamps, into: &o) }
        let tfor = encodeAll(blocks) { b, o in TimestampCodec.frameOfReference.encode(b.timestamps, options: .bitPackedOnly, into: &o) }
        let grid = encodeAll(blocks) { b, o in TimestampCodec.grid.encode(b.timestamps, options: .bitPackedOnly, into: &o) }
        let tsChoiceBP = encodeAll(blocks) { b, o in TimestampCodec.encode(b.timestamps, options: .bitPackedOnly, into: &o) }
        let tsChoice = encodeAll(blocks) { b, o in TimestampCodec.encode(b.timestamps, into: &o) }
        let gorilla = encodeAll(blocks) { b, o in ValueCodec.gorilla.encode(b.values, into: &o) }
        let decimalBP = encodeAll(blocks) { b, o in ValueCodec.decimal.encode(b.values, options: .bitPackedOnly, into: &o) }
        let vChoiceBP = encodeAll(blocks) { b, o in ValueCodec.encode(b.values, options: .bitPackedOnly, into: &o) }
        let vChoice = encodeAll(blocks) { b, o in ValueCodec.encode(b.values, into: &o) }

        // Round trips, bit-exact, and the never-larger-than-Gorilla rule per block.
        var largerThanGorilla = 0
        for (i, b) in blocks.enumerated() {
            for enc in [dod.encoded[i], tfor.encoded[i], grid.encoded[i], tsChoice.encoded[i], tsChoiceBP.encoded[i]] {
                if (try? TimestampCodec.decode(enc, maxCount: 1 << 20)) != b.timestamps { failures += 1 }
            }
            for enc in [gorilla.encoded[i], decimalBP.encoded[i], vChoice.encoded[i], vChoiceBP.encoded[i]] {
                let back = (try? ValueCodec.decode(enc, maxCount: 1 << 20))?.map(\.bitPattern)
                if back != b.values.map(\.bitPattern) { failures += 1 }
            }
            let plain = dod.encoded[i].count + gorilla.encoded[i].count
            let chosen = tsChoice.encoded[i].count + vChoice.encoded[i].count
            if chosen > plain { largerThanGorilla += 1 }
        }

        if !valuesOnly {
            add("ts delta-of-delta (Gorilla)", dod.bytes)
            add("ts frame-of-reference", tfor.bytes)
            add("ts grid", grid.bytes)
            add("ts choice, bit-packed only", tsChoiceBP.bytes)
            add("ts choice", tsChoice.bytes)
        }
        add("v Gorilla XOR", gorilla.bytes)
        add("v decimal, bit-packed only", decimalBP.bytes)
        add("v choice, bit-packed only", vChoiceBP.bytes)
        add("v choice", vChoice.bytes)
        if !valuesOnly {
            add("plain Gorilla (ts + v)", dod.bytes + gorilla.bytes)
            add("choice, bit-packed only (ts + v)", tsChoiceBP.bytes + vChoiceBP.bytes)
            add("choice (ts + v)", tsChoice.bytes + vChoice.bytes)
        }
        print("== \(job.label): \(Int(points)) points, \(blocks.count) blocks")
        for (label, bpp) in rows { print("  \(label.padding(toLength: 36, withPad: " ", startingAt: 0)) \(fmt(bpp, 3))") }
        print("  blocks larger than plain Gorilla: \(largerThanGorilla)")
    if bySensor {
        var perSensor: [String: (points: Int, ts: Int, v: Int, gorilla: Int)] = [:]
        for (i, b) in blocks.enumerated() {
            var e = perSensor[b.sensor] ?? (0, 0, 0, 0)
            e.points += b.timestamps.count
            e.ts += tsChoice.encoded[i].count
            e.v += vChoice.encoded[i].count
            e.gorilla += gorilla.encoded[i].count
            perSensor[b.sensor] = e
        }
        for (sensor, e) in perSensor.sorted(by: { $0.key < $1.key }) {
            let p = Double(e.points)
            print("    \(sensor.padding(toLength: 24, withPad: " ", startingAt: 0)) points \(e.points)  ts \(fmt(Double(e.ts) / p, 3))  v \(fmt(Double(e.v) / p, 3))  (Gorilla v \(fmt(Double(e.gorilla) / p, 3)))")
        }
    }

        if ProcessInfo.processInfo.environment["PROFILE_DECODE"] != nil {
        // For perf: decode the bit-packed decimal blocks over and over.
        var out = [Double](repeating: 0, count: 1 << 16)
        for _ in 0..<200 {
            out.withUnsafeMutableBufferPointer { dst in
                for b in decimalBP.encoded { b.withUnsafeBytes { _ = try! ValueCodec.decode($0, into: dst) } }
            }
        }
        continue
    }
    if let codec = ProcessInfo.processInfo.environment["PROFILE_ENCODE"] {
        // For perf: encode one codec over and over.
        var out: [UInt8] = []
        for _ in 0..<20 {
            for b in blocks {
                out.removeAll(keepingCapacity: true)
                switch codec {
                case "decimal": ValueCodec.decimal.encode(b.values, options: .bitPackedOnly, into: &out)
                case "grid": TimestampCodec.grid.encode(b.timestamps, options: .bitPackedOnly, into: &out)
                default: ValueCodec.encode(b.values, into: &out)
                }
            }
        }
        continue
    }
    if quick { print(""); continue }
        // Throughput, values per second, best of 3 runs over all blocks.
        func rate(_ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<3 { best = min(best, seconds(body)) }
            return points / best / 1e6
        }
        var tsOut = [Int64](repeating: 0, count: 1 << 16)
        var vOut = [Double](repeating: 0, count: 1 << 16)
        func decodeTs(_ e: [[UInt8]]) -> Double {
            rate {
                tsOut.withUnsafeMutableBufferPointer { dst in
                    for b in e { b.withUnsafeBytes { _ = try! TimestampCodec.decode($0, into: dst) } }
                }
            }
        }
        func decodeV(_ e: [[UInt8]]) -> Double {
            rate {
                vOut.withUnsafeMutableBufferPointer { dst in
                    for b in e { b.withUnsafeBytes { _ = try! ValueCodec.decode($0, into: dst) } }
                }
            }
        }
        var line = "  decode M values/s:"
        if !valuesOnly {
            line += " dod \(fmt(decodeTs(dod.encoded), 0)), for \(fmt(decodeTs(tfor.encoded), 0)), grid \(fmt(decodeTs(grid.encoded), 0)),"
            line += " ts-choice \(fmt(decodeTs(tsChoice.encoded), 0)),"
        }
        line += " gorilla \(fmt(decodeV(gorilla.encoded), 0)), decimal \(fmt(decodeV(decimalBP.encoded), 0)), v-choice \(fmt(decodeV(vChoice.encoded), 0))"
        print(line)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(1 << 20)
        func encodeRate(_ f: (SeriesBlock, inout [UInt8]) -> Void) -> Double {
            rate { for b in blocks { scratch.removeAll(keepingCapacity: true); f(b, &scratch) } }
        }
        line = "  encode M values/s:"
        if !valuesOnly {
            line += " dod \(fmt(encodeRate { TimestampCodec.deltaOfDelta.encode($0.timestamps, into: &$1) }, 0))"
            line += ", for \(fmt(encodeRate { TimestampCodec.frameOfReference.encode($0.timestamps, options: .bitPackedOnly, into: &$1) }, 0))"
            line += ", grid \(fmt(encodeRate { TimestampCodec.grid.encode($0.timestamps, options: .bitPackedOnly, into: &$1) }, 0))"
            line += ", ts-choice \(fmt(encodeRate { TimestampCodec.encode($0.timestamps, into: &$1) }, 0)),"
        }
        line += " gorilla \(fmt(encodeRate { ValueCodec.gorilla.encode($0.values, into: &$1) }, 0))"
        line += ", decimal \(fmt(encodeRate { ValueCodec.decimal.encode($0.values, options: .bitPackedOnly, into: &$1) }, 0))"
        line += ", v-choice \(fmt(encodeRate { ValueCodec.encode($0.values, into: &$1) }, 0))"
        print(line + "\n")
    }
    if failures > 0 {
        print("ROUND-TRIP FAILURES: \(failures)")
        return 1
    }
    print("all blocks round-trip bit-exactly")

    return 0
}

exit(report(jobs))
