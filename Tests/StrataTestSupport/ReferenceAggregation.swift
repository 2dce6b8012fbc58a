import Strata

/// A model of a store's contents (last write wins per series and timestamp)
/// and a naive aggregation over it: every point visited, every group
/// summarised from a plain list of its values. The query layer's results are
/// checked against it.
package struct ReferenceStore {
    package struct Point {
        package var value: Double
        package var quality: Quality
    }

    /// Per series (device, sensor): timestamp -> point.
    package var series: [SeriesKey: [Int64: Point]] = [:]
    /// Device attributes.
    package var attributes: [String: [String: String]] = [:]

    /// Whether `s` picks the series `key` (devices, sensor types, attributes).
    package func selects(_ s: Selection, _ key: SeriesKey) -> Bool {
        guard s.devices.matches(key.deviceID), s.sensorTypes.matches(key.sensorType) else { return false }
        let attrs = attributes[key.deviceID] ?? [:]
        return s.attributes.allSatisfy { f in attrs[f.key].map { f.values.contains($0) } ?? false }
    }

    package init() {}

    package mutating func write(_ readings: [Reading]) {
        for r in readings {
            let key = try! SeriesKey(deviceID: r.deviceID, sensorType: r.sensorType)
            series[key, default: [:]][r.timestamp] = Point(value: r.value, quality: r.quality)
        }
    }

    /// Removes the points of the series `matches` accepts in `range`.
    package mutating func delete(in range: TimeRange, where matches: (SeriesKey) -> Bool) {
        for key in series.keys where matches(key) {
            series[key] = series[key]!.filter { !range.contains($0.key) }
        }
    }

    /// Series keys in name order (device, then sensor type, by UTF-8 bytes).
    package var orderedKeys: [SeriesKey] {
        series.keys.sorted {
            $0.deviceID.utf8.lexicographicallyPrecedes($1.deviceID.utf8)
                || ($0.deviceID == $1.deviceID && $0.sensorType.utf8.lexicographicallyPrecedes($1.sensorType.utf8))
        }
    }

    /// The rows of `q` (no gap filling), in the default order; order and limit are not applied.
    package func aggregate(_ q: Aggregation, resolution: TimestampResolution) throws -> [AggregateRow] {
        struct Key: Hashable {
            var bucket: Int64?
            var device: String?
            var sensor: String?
        }
        struct Sample {
            var t: Int64
            var v: Double
            var rank: Int
        }
        var groups: [Key: [Sample]] = [:]
        let s = q.selection
        for (rank, key) in orderedKeys.enumerated() {
            guard selects(s, key) else { continue }
            for (t, p) in series[key]! where s.timeRange.contains(t) {
                guard s.qualities.contains(p.quality), s.values.allSatisfy({ $0.holds(p.value) }) else { continue }
                let k = Key(bucket: try q.bucket.map { try $0.start(of: t, resolution: resolution) },
                            device: q.groupBy.contains(.device) ? key.deviceID : nil,
                            sensor: q.groupBy.contains(.sensorType) ? key.sensorType : nil)
                groups[k, default: []].append(Sample(t: t, v: p.value, rank: rank))
            }
        }
        var rows: [AggregateRow] = []
        for (k, samples) in groups {
            let values = samples.map(\.v)
            let nans = values.filter(\.isNaN).count
            let numbers = values.filter { !$0.isNaN }
            let hasPos = numbers.contains(.infinity), hasNeg = numbers.contains(-.infinity)
            let min: Double = numbers.min() ?? .nan
            let max: Double = nans > 0 ? .nan : numbers.max()!
            var sum: Double
            if nans > 0 || (hasPos && hasNeg) { sum = .nan } else if hasPos { sum = .infinity } else if hasNeg { sum = -.infinity } else {
                // Kahan-Babuska over the values in time order.
                var s = 0.0, c = 0.0
                for v in samples.sorted(by: { ($0.t, $0.rank) < ($1.t, $1.rank) }).map(\.v) {
                    let t = s + v
                    if abs(s) >= abs(v) { c += (s - t) + v } else { c += (v - t) + s }
                    s = t
                }
                sum = s + c
            }
            let n = Double(values.count)
            var m2: Double = .nan
            if nans == 0 && !hasPos && !hasNeg {
                let mean = sum / n
                m2 = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            }
            let first = samples.min { ($0.t, $0.rank) < ($1.t, $1.rank) }!
            let last = samples.max { ($0.t, $0.rank) < ($1.t, $1.rank) }!
            let out: [Double?] = q.aggregates.map { a in
                switch a {
                case .count: return n
                case .sum: return sum
                case .avg: return sum.isFinite ? sum / n : sum
                case .min: return min
                case .max: return max
                case .first: return first.v
                case .last: return last.v
                case .spread: return max - min
                case .variance: return values.count < 2 ? nil : m2 / (n - 1)
                case .stddev: return values.count < 2 ? nil : (m2 / (n - 1)).squareRoot()
                case .variancePopulation: return m2 / n
                case .stddevPopulation: return (m2 / n).squareRoot()
                }
            }
            rows.append(AggregateRow(bucket: k.bucket, deviceID: k.device, sensorType: k.sensor, values: out))
        }
        return rows.sorted(by: Self.defaultOrder)
    }

    /// Bucket, then device, then sensor type (by bytes), nulls last.
    package static func defaultOrder(_ a: AggregateRow, _ b: AggregateRow) -> Bool {
        if a.bucket != b.bucket { return (a.bucket ?? .max) < (b.bucket ?? .max) }
        if a.deviceID != b.deviceID { return (a.deviceID ?? "\u{10FFFF}").utf8.lexicographicallyPrecedes((b.deviceID ?? "\u{10FFFF}").utf8) }
        return (a.sensorType ?? "\u{10FFFF}").utf8.lexicographicallyPrecedes((b.sensorType ?? "\u{10FFFF}").utf8)
    }

    /// Whether two values agree: exactly for count, min, max, first, last and spread (NaN
    /// equals NaN, -0 equals 0); within `tolerance` relative for the sums and moments.
    package static func agree(_ a: Double?, _ b: Double?, exact: Bool, tolerance: Double = 1e-9) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?):
            if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
            if x == y { return true }
            if exact || x.isInfinite || y.isInfinite { return false }
            return abs(x - y) <= tolerance * Swift.max(1, abs(x), abs(y))
        default: return false
        }
    }

    /// Aggregates whose value must match bit for bit (up to the sign of zero).
    package static func isExact(_ a: Aggregate) -> Bool {
        switch a {
        case .count, .min, .max, .first, .last, .spread: return true
        default: return false
        }
    }
}

/// Random readings for aggregation property tests: regular series (some device and
/// sensor pairs absent), values with NaN, infinities and decimals, all three
/// qualities, a quarter of the points out of order, cut into batches each with a
/// tenth of its points written again with other values (duplicates, last write wins).
package struct RandomReadings {
    package var devices = ["dev-a", "dev-b", "dev-c", "other"]
    package var sensors = ["temp", "hum", "volt"]
    /// One pair in `absentOneIn` has no series.
    package var absentOneIn: UInt64 = 5
    /// Steps between points: a whole number of minutes in this range.
    package var stepMinutes: ClosedRange<Int64> = 1...5
    /// Series start at `from` plus up to 10 minutes and end at `until` plus up to `untilJitter`.
    package var from: Int64 = -86_400_000
    package var until: Int64 = 86_400_000
    package var untilJitter: Int64 = 86_400_000
    /// Points per batch before the rewritten ones.
    package var batchSizes: ClosedRange<Int> = 50...449

    package init() {}

    package func batches(_ rng: inout SplitMix64) -> [[Reading]] {
        func value() -> Double {
            switch rng.next() % 100 {
            case 0, 1: return .nan
            case 2: return rng.next() % 2 == 0 ? .infinity : -.infinity
            default: return Double(Int64(rng.next() % 20_001) - 10_000) / 100
            }
        }
        func quality() -> Quality {
            switch rng.next() % 10 { case 0: return .bad; case 1: return .suspect; default: return .good }
        }
        var all: [Reading] = []
        for d in devices {
            for s in sensors where rng.next() % absentOneIn != 0 {
                let step = (stepMinutes.lowerBound + Int64(rng.next() % UInt64(stepMinutes.count))) * 60_000
                var t = from + Int64(rng.next() % 600_000)
                let end = until + Int64(rng.next() % UInt64(untilJitter))
                while t < end {
                    all.append(Reading(deviceID: d, sensorType: s, timestamp: t, value: value(), quality: quality()))
                    t += step
                }
            }
        }
        for i in stride(from: all.count - 1, to: 0, by: -1) where rng.next() % 4 == 0 {
            all.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        var out: [[Reading]] = []
        var k = 0
        while k < all.count {
            let n = min(all.count - k, batchSizes.lowerBound + Int(rng.next() % UInt64(batchSizes.count)))
            var batch = Array(all[k..<(k + n)])
            for _ in 0..<(n / 10) {
                var r = batch[Int(rng.next() % UInt64(n))]
                r.value = value()
                batch.append(r)
            }
            out.append(batch)
            k += n
        }
        return out
    }
}
