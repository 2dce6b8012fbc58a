import Foundation

/// A dataset of readings loaded from the shared CSV files (../shared/datasets)
/// or the reference fleet (../shared/fleet/gen_iot.py), in file order.
public struct Dataset: Sendable {
    public var name: String
    public var devices: [String] = []
    public var sensors: [String] = []
    /// Per row, in file order.
    public var device: [Int32] = []
    public var sensor: [Int32] = []
    public var timestamp: [Int64] = []
    public var value: [Double] = []

    public var count: Int { timestamp.count }

    /// One series: its rows sorted by time (stable, duplicates kept).
    public struct Series: Sendable {
        public var device: String
        public var sensor: String
        public var timestamps: [Int64]
        public var values: [Double]
    }

    /// Rows grouped by (device, sensor), each sorted by timestamp.
    public func series() -> [Series] {
        var index: [Int64: Int] = [:]
        var groups: [[Int]] = []
        for i in 0..<count {
            let key = Int64(device[i]) << 32 | Int64(sensor[i])
            if let g = index[key] {
                groups[g].append(i)
            } else {
                index[key] = groups.count
                groups.append([i])
            }
        }
        return groups.map { rows in
            let sorted = rows.enumerated().sorted { a, b in
                timestamp[a.element] != timestamp[b.element] ? timestamp[a.element] < timestamp[b.element] : a.offset < b.offset
            }.map(\.element)
            return Series(
                device: devices[Int(device[rows[0]])], sensor: sensors[Int(sensor[rows[0]])],
                timestamps: sorted.map { timestamp[$0] }, values: sorted.map { value[$0] })
        }
    }

    // MARK: - Loading

    /// The real recordings, as named in ../shared/datasets/README.md.
    public static let realDatasets = [
        "beijing_air_quality", "room_climate", "skab", "nab_real", "uci_air_quality", "occupancy_room",
    ]

    /// The folder holding `datasets/` and `fleet/`: $STRATA_SHARED, or a `shared`
    /// folder next to the repository or any folder above the current one.
    public static func sharedDirectory() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["STRATA_SHARED"] {
            return URL(fileURLWithPath: env)
        }
        var candidates: [URL] = []
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let source = URL(fileURLWithPath: #filePath)
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("shared"))
            dir = dir.deletingLastPathComponent()
        }
        var s = source.deletingLastPathComponent()
        for _ in 0..<7 {
            candidates.append(s.appendingPathComponent("shared"))
            s = s.deletingLastPathComponent()
        }
        for c in candidates where FileManager.default.fileExists(atPath: c.appendingPathComponent("datasets").path) {
            return c
        }
        throw DatasetError("cannot find ../shared/datasets; set STRATA_SHARED")
    }

    /// Loads `<shared>/datasets/<name>.csv.gz`.
    public static func load(_ name: String, limit: Int = .max) throws -> Dataset {
        let path = try sharedDirectory().appendingPathComponent("datasets/\(name).csv.gz").path
        return try parse(name: name, csv: gunzip(path), limit: limit)
    }

    /// The reference fleet (200 devices x 5 sensors x 24 h at 10 s, seed 1: 8,553,025 rows),
    /// generated once into Benchmarks/.cache.
    public static func fleet(duration: String = "24h", devices: Int = 200) throws -> Dataset {
        let cache = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let file = cache.appendingPathComponent("fleet-\(devices)-\(duration).csv")
        if !FileManager.default.fileExists(atPath: file.path) {
            let script = try sharedDirectory().appendingPathComponent("fleet/gen_iot.py").path
            let tmp = file.path + ".tmp"
            try run("/usr/bin/env", ["python3", script, "--devices", "\(devices)", "--sensors", "5",
                                     "--duration", duration, "--interval", "10", "--seed", "1", "-o", tmp])
            try FileManager.default.moveItem(atPath: tmp, toPath: file.path)
        }
        return try parse(name: "fleet", csv: Array(Data(contentsOf: file)), limit: .max)
    }

    static func gunzip(_ path: String) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-dc", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw DatasetError("gzip -dc \(path) failed") }
        return Array(data)
    }

    static func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw DatasetError("\(args.joined(separator: " ")) failed") }
    }

    /// Parses `device,sensor,timestamp_ms,value[,quality]` with a header line.
    static func parse(name: String, csv: [UInt8], limit: Int) throws -> Dataset {
        var d = Dataset(name: name)
        var deviceIndex: [String: Int32] = [:]
        var sensorIndex: [String: Int32] = [:]
        d.device.reserveCapacity(csv.count / 40)
        d.sensor.reserveCapacity(csv.count / 40)
        d.timestamp.reserveCapacity(csv.count / 40)
        d.value.reserveCapacity(csv.count / 40)
        try csv.withUnsafeBufferPointer { buf in
            var i = 0
            let n = buf.count
            while i < n && buf[i] != 10 { i += 1 }  // header
            i += 1
            var fields = [Range<Int>](repeating: 0..<0, count: 5)
            while i < n && d.count < limit {
                var f = 0
                var start = i
                while i < n && buf[i] != 10 {
                    if buf[i] == 44 {
                        if f < 5 { fields[f] = start..<i }
                        f += 1
                        start = i + 1
                    }
                    i += 1
                }
                if f < 5 { fields[f] = start..<i }
                f += 1
                i += 1
                func string(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self) }
                if f == 3 {
                    // series,seq,value (elf_float_values): the series as device, seq as timestamp.
                    fields[3] = fields[2]
                    fields[2] = fields[1]
                    fields[1] = 0..<0
                } else if f < 4 {
                    continue
                }
                let dev = string(fields[0]), sen = string(fields[1])
                let di: Int32
                if let x = deviceIndex[dev] { di = x } else { di = Int32(d.devices.count); deviceIndex[dev] = di; d.devices.append(dev) }
                let si: Int32
                if let x = sensorIndex[sen] { si = x } else { si = Int32(d.sensors.count); sensorIndex[sen] = si; d.sensors.append(sen) }
                var ts: Int64 = 0
                var neg = false
                for j in fields[2] {
                    if buf[j] == 45 { neg = true } else { ts = ts * 10 + Int64(buf[j] - 48) }
                }
                guard let v = Double(string(fields[3])) else { throw DatasetError("\(name): bad value \(string(fields[3]))") }
                d.device.append(di)
                d.sensor.append(si)
                d.timestamp.append(neg ? -ts : ts)
                d.value.append(v)
            }
        }
        return d
    }
}

public struct DatasetError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
