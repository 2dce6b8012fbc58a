import Foundation

/// Readings from ../shared/datasets for tests (the CI clone has ../shared beside it).
package enum SharedDatasets {
    /// The `shared` folder, or nil when it is not beside the repository.
    package static var directory: URL? {
        if let env = ProcessInfo.processInfo.environment["STRATA_SHARED"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<6 {
            dir.deleteLastPathComponent()
            let candidate = dir.appendingPathComponent("shared")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("datasets").path) { return candidate }
        }
        return nil
    }

    package static var available: Bool { directory != nil }

    /// Per series (device, sensor), sorted by time: the first `limit` rows of `name`.csv.gz.
    package static func series(_ name: String, limit: Int = 200_000) throws -> [(key: String, timestamps: [Int64], values: [Double])] {
        guard let dir = directory else { return [] }
        let path = dir.appendingPathComponent("datasets/\(name).csv.gz").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sh", "-c", "gzip -dc '\(path)' | head -n \(limit + 1)"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var groups: [String: [(Int64, Double)]] = [:]
        var order: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3 else { continue }
            let key: String, ts: Int64, value: Double
            if f.count == 3 {
                guard let s = Int64(f[1]), let v = Double(f[2]) else { continue }
                key = String(f[0]); ts = s; value = v
            } else {
                guard let s = Int64(f[2]), let v = Double(f[3]) else { continue }
                key = "\(f[0])/\(f[1])"; ts = s; value = v
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((ts, value))
        }
        return order.map { key in
            let rows = groups[key]!.enumerated().sorted { $0.element.0 != $1.element.0 ? $0.element.0 < $1.element.0 : $0.offset < $1.offset }
            return (key, rows.map(\.element.0), rows.map(\.element.1))
        }
    }
}
