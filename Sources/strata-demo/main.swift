// The demo: generate a realistic IoT fleet, ingest it into an embedded store
// on disk with progress, then print the ingest rate, the bytes per point on
// disk, a few example reads and the queries operators ask (the seed's hourly
// query in StrataSQL, latest values by zone, fleet-wide averages answered
// from block statistics).
//
//   swift run -c release strata-demo [--devices 1000] [--steps 1200] [--dir /tmp/strata-demo] [--keep]
#if canImport(Glibc)
import Glibc
#endif
import Strata
import StrataSQL

struct Arguments {
    var devices = 1000
    var steps = 1200
    var directory = "/tmp/strata-demo"
    var keep = false
    var batch = 10_000

    init() {
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let a = args.next() {
            switch a {
            case "--devices": devices = Int(args.next() ?? "") ?? devices
            case "--steps": steps = Int(args.next() ?? "") ?? steps
            case "--dir": directory = args.next() ?? directory
            case "--batch": batch = Int(args.next() ?? "") ?? batch
            case "--keep": keep = true
            default:
                print("usage: strata-demo [--devices N] [--steps N] [--batch N] [--dir PATH] [--keep]")
                exit(2)
            }
        }
    }
}

/// SplitMix64: a small deterministic generator.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func gauss() -> Double {
        // Box-Muller.
        let u = max(unit(), 1e-12), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// A fleet of devices with five sensors each: decimals with daily cycles and
/// drift, a draining battery, an energy counter, a mostly constant status; a
/// 10 s interval with +-5 ms jitter, 1% missing, 0.5% delivered late.
struct Fleet {
    struct Device {
        var temperature: Double
        var humidity: Double
        var battery: Double
        var energy: Int
        var status = 0
        var phase: Double
    }
    static let sensors = ["temperature", "humidity", "battery_v", "energy_wh", "status"]
    var devices: [Device] = []
    var random = Random(state: 7)
    var late: [(due: Int, reading: Reading)] = []
    let start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z

    init(devices n: Int) {
        for _ in 0..<n {
            devices.append(Device(temperature: 18 + random.unit() * 8, humidity: 40 + random.unit() * 20,
                                  battery: 4.2 - random.unit() * 0.3, energy: Int(random.next() % 1_000_000), phase: random.unit() * 6.28))
        }
    }

    /// The readings that arrive during step `s`, in arrival order.
    mutating func step(_ s: Int) -> [Reading] {
        var out: [Reading] = []
        out.reserveCapacity(devices.count * 5)
        let base = start + Int64(s) * 10_000
        let day = 2 * Double.pi * Double(s) * 10 / 86_400
        for d in devices.indices {
            let t = base + Int64(random.next() % 11) - 5
            var dev = devices[d]
            dev.temperature += random.gauss() * 0.02
            let temperature = ((dev.temperature + 3 * sin(day + dev.phase) + random.gauss() * 0.05) * 10).rounded() / 10
            dev.humidity = min(100, max(0, dev.humidity + random.gauss() * 0.1))
            dev.battery -= random.unit() * 0.00002
            dev.energy += Int(random.next() % 41)
            if random.unit() < 0.0005 { dev.status = [0, 0, 0, 1, 2][Int(random.next() % 5)] }
            devices[d] = dev
            let values = [temperature, (dev.humidity * 2).rounded() / 2, (dev.battery * 1000).rounded() / 1000, Double(dev.energy), Double(dev.status)]
            let id = "sensor-\(String(repeating: "0", count: max(0, 5 - String(d).count)))\(d)"
            for (k, sensor) in Self.sensors.enumerated() {
                if random.unit() < 0.01 { continue }  // missing
                let r = Reading(deviceID: id, sensorType: sensor, timestamp: t, value: values[k])
                if random.unit() < 0.005 {
                    late.append((s + 30 + Int(random.next() % 2000), r))  // arrives minutes to hours late
                } else {
                    out.append(r)
                }
            }
        }
        var keep: [(Int, Reading)] = []
        for (due, r) in late { if due <= s { out.append(r) } else { keep.append((due, r)) } }
        late = keep
        return out
    }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func directorySize(_ path: String) -> Int {
    var total = 0
    guard let dir = opendir(path) else { return 0 }
    defer { closedir(dir) }
    while let e = readdir(dir) {
        let name = withUnsafePointer(to: e.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        if name == "." || name == ".." { continue }
        let p = path + "/" + name
        var st = stat()
        guard stat(p, &st) == 0 else { continue }
        if (st.st_mode & S_IFMT) == S_IFDIR { total += directorySize(p) } else { total += Int(st.st_size) }
    }
    return total
}

func format(_ n: Double, _ digits: Int = 2) -> String {
    guard n.isFinite else { return "-" }
    var s = String(Int((n * pow(10, Double(digits))).rounded()))
    while s.count <= digits { s = "0" + s }
    if digits > 0 { s.insert(".", at: s.index(s.endIndex, offsetBy: -digits)) }
    return s
}

let args = Arguments()
_ = system("rm -rf '\(args.directory)'")
print("Strata demo: \(args.devices) devices x 5 sensors, \(args.steps) steps of 10 s, batches of \(args.batch), sync every batch")
print("store: \(args.directory)\n")

do {
    let store = try Store(at: args.directory)
    var fleet = Fleet(devices: args.devices)
    var pending: [Reading] = []
    pending.reserveCapacity(args.batch * 2)
    var written = 0
    var generateTime = 0.0
    var writeTime = 0.0
    var nextReport = 0.0
    let started = now()
    for s in 0..<args.steps {
        let g = now()
        pending.append(contentsOf: fleet.step(s))
        generateTime += now() - g
        while pending.count >= args.batch || (s == args.steps - 1 && !pending.isEmpty) {
            let batch = Array(pending.prefix(args.batch))
            pending.removeFirst(batch.count)
            let w = now()
            try store.write(batch, sources: ["demo/generator": String(s)])
            writeTime += now() - w
            written += batch.count
        }
        if written > 0 && (now() - started >= nextReport || s == args.steps - 1) {
            let pct = Double(s + 1) / Double(args.steps) * 100
            print("  ingested \(written) readings (\(format(pct, 0))%), \(format(Double(written) / writeTime / 1e6)) M readings/s in write()")
            nextReport += 2
        }
    }
    // Late readings still in flight at the end arrive now.
    let tail = fleet.late.map(\.reading)
    if !tail.isEmpty {
        let w = now()
        try store.write(tail)
        writeTime += now() - w
        written += tail.count
        print("  ingested \(written) readings, the last \(tail.count) of them delivered late after the final step")
    }
    print("\ningest: \(written) readings in \(format(writeTime)) s of write() calls: \(format(Double(written) / writeTime / 1e6)) M readings/s (durable on return)")
    print("        (generating the data took another \(format(generateTime)) s)")

    let f = now()
    try store.flush()
    try store.compact()
    print("flush + compaction: \(format(now() - f)) s")
    let stats = store.statistics()
    let onDisk = directorySize(args.directory)
    let chunkBytes = stats.chunkBytes
    print("\non disk: \(onDisk) bytes in all files for \(stats.chunkPoints) points: \(format(Double(onDisk) / Double(stats.chunkPoints), 3)) bytes/point")
    print("         chunk files alone: \(format(Double(chunkBytes) / Double(stats.chunkPoints), 3)) bytes/point (raw CSV of the same readings: about 45 bytes/point)")
    print("         \(stats.series) series, \(stats.chunkFiles) chunk files, \(stats.walSyncs) fsyncs for \(stats.batchesWritten) batches")
    for p in try store.partitions() {
        print("         partition starting \(p.start): \(p.files.count) file(s), \(p.bytes) bytes, \(p.points) points")
    }

    print("\nexample reads:")
    let key = try SeriesKey(deviceID: "sensor-00042", sensorType: "temperature")
    let r0 = now()
    let series = try store.read(key)
    let readTime = now() - r0
    print("  \(key): \(series.count) points in \(format(readTime * 1000)) ms; first three:")
    for r in series.readings.prefix(3) { print("    t=\(r.timestamp)  value=\(r.value)  quality=\(r.quality)") }
    let hour = TimeRange(from: 1_767_225_600_000 + 3_600_000, until: 1_767_225_600_000 + 7_200_000)
    let r1 = now()
    let device = try store.read(device: "sensor-00007", in: hour)
    print("  all sensors of sensor-00007 in the second hour: \(device.map { "\($0.key.sensorType) \($0.count)" }.joined(separator: ", ")) points (\(format((now() - r1) * 1000)) ms)")
    let r2 = now()
    var batteryPoints = 0
    var lowest = Double.infinity
    for s in try store.read(sensorType: "battery_v") {
        batteryPoints += s.count
        lowest = min(lowest, s.values.min() ?? .infinity)
    }
    print("  battery_v of every device: \(batteryPoints) points, lowest \(lowest) V (\(format((now() - r2) * 1000)) ms)")
    print("  source position stored with the data: \(try store.sourcePositions())")

    print("\nqueries:")
    // The device registry: a zone and a model per device, kept in the catalog.
    for d in 0..<args.devices {
        let id = "sensor-\(String(repeating: "0", count: max(0, 5 - String(d).count)))\(d)"
        try store.setAttributes(["zone": "zone-\(["a", "b", "c", "d"][d % 4])", "model": d % 3 == 0 ? "TH-200" : "TH-100"], device: id)
    }
    let sql = SQLSession(store: store)
    let q0 = now()
    let seed = try sql.execute("""
        SELECT device_id, time_bucket('1 hour', timestamp) AS bucket,
               AVG(value) AS avg_value, MIN(value) AS min_value, MAX(value) AS max_value, COUNT(*) AS sample_count
        FROM sensor_readings
        WHERE timestamp >= :start_time AND timestamp < :end_time AND device_id = :device_id
        GROUP BY device_id, bucket ORDER BY bucket
        """, parameters: ["start_time": .text("2026-01-01T00:00:00Z"), "end_time": .text("2026-01-02T00:00:00Z"),
                          "device_id": .text("sensor-00042")])[0]
    let seedTime = now() - q0
    print("  the seed's hourly query for sensor-00042 in StrataSQL (\(format(seedTime * 1000)) ms; verbatim, so over all of its sensors):")
    for line in ResultFormatter(format: .table, resolution: store.resolution).render(seed).split(separator: "\n") {
        print("    " + line)
    }
    var zoneA = Selection(sensorTypes: .equals("temperature"))
    zoneA.attributes = [AttributeFilter(key: "zone", values: ["zone-a"])]
    let q1 = now()
    let latest = try store.latest(zoneA)
    let warmest = latest.max { $0.value < $1.value }
    print("  latest temperature of every device in zone-a: \(latest.count) devices, warmest \(warmest.map { "\($0.deviceID) \($0.value)" } ?? "-") "
          + "(\(format((now() - q1) * 1000)) ms, from memory, no history read)")
    var fleetAverage = Aggregation(selection: Selection(sensorTypes: .equals("temperature")), aggregates: [.avg, .min, .max, .count])
    fleetAverage.bucket = TimeBucket(.fixed(86_400_000))
    fleetAverage.groupBy = [.device]
    let q2 = now()
    let averages = try store.aggregate(fleetAverage)
    let e = averages.explain
    print("  daily temperature average, min, max and count of every device: \(averages.rows.count) rows over \(e.series) series in \(format((now() - q2) * 1000)) ms; "
          + "blocks: \(e.blocksFromStatistics) answered from statistics, \(e.blocksDecoded) decoded")
    try store.close()
    if args.keep {
        print("\nthe store stays in \(args.directory)")
    } else {
        _ = system("rm -rf '\(args.directory)'")
        print("\nthe store in \(args.directory) was deleted (pass --keep to keep it)")
    }
} catch {
    print("error: \(error)")
    exit(1)
}
