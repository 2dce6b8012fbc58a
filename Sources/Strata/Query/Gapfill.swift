// TimescaleDB's time_bucket_gapfill over computed rows: every bucket of
// [start, finish) for every group that has rows (the one group of a query
// without group columns even when it has none), empty ones filled per
// aggregate with null, locf or interpolate. A pure function of the rows and
// the neighbours found outside the range, tested without I/O.
//
// Semantics (tsl/src/nodes/gapfill: gapfill_exec.c, locf.c, interpolate.c):
// - buckets: b0 = time_bucket(start), then the next bucket while b < finish
//   (finish exclusive and not aligned);
// - rows whose bucket lies outside [b0, finish) pass through unchanged;
// - a gap row has every aggregate null (count too) unless filled;
// - locf: the last value of a row of the group, in bucket order (a null
//   value carries null); before the first row, the neighbour's value;
// - interpolate: y0 + (y1 - y0) at x between the rows (x0, y0) and
//   (x1, y1) around the gap, y0 exactly when y0 == y1; null when either side
//   is missing or null. At the ends, the neighbours outside the range.
// Where TimescaleDB needs `prev`/`next` expressions for values from outside
// the range, Strata looks them up itself (the issue's "including from
// before the range" and "using the neighbours outside the range").

/// A result row before names are attached: its group by numbers, and its values.
struct ValueRow {
    var bucket: Int64
    var device: UInt32
    var sensor: UInt32
    var values: [Double?]
}

struct GapfillInput {
    /// The bucket starts to fill, ascending.
    var buckets: [Int64]
    var fills: [Fill]
    var aggregates: Int
    /// Whether the query groups by device or sensor type (else one group, present even without rows).
    var grouped: Bool
    /// Per group (device, sensor): the last row before the buckets and the first after them.
    var before: [GroupID: (bucket: Int64, values: [Double?])]
    var after: [GroupID: (bucket: Int64, values: [Double?])]

    struct GroupID: Hashable {
        var device: UInt32
        var sensor: UInt32
    }
}

enum Gapfiller {
    /// The rows of `rows` (any order) with gaps filled, grouped by (device, sensor), buckets ascending.
    static func fill(_ rows: [ValueRow], _ input: GapfillInput) -> [ValueRow] {
        var byGroup: [GapfillInput.GroupID: [ValueRow]] = [:]
        for r in rows { byGroup[.init(device: r.device, sensor: r.sensor), default: []].append(r) }
        if !input.grouped && byGroup.isEmpty { byGroup[.init(device: .max, sensor: .max)] = [] }
        var out: [ValueRow] = []
        out.reserveCapacity(rows.count + byGroup.count * input.buckets.count)
        for group in byGroup.keys.sorted(by: { ($0.device, $0.sensor) < ($1.device, $1.sensor) }) {
            let data = byGroup[group]!.sorted { $0.bucket < $1.bucket }
            out += fillGroup(group, data, input)
        }
        return out
    }

    private static func fillGroup(_ group: GapfillInput.GroupID, _ data: [ValueRow], _ input: GapfillInput) -> [ValueRow] {
        guard let b0 = input.buckets.first else { return data }
        // Rows in order: data before, the grid (data or gap), data after.
        var rows: [ValueRow] = []
        var isGap: [Bool] = []
        var i = 0
        while i < data.count && data[i].bucket < b0 {
            rows.append(data[i]); isGap.append(false); i += 1
        }
        let empty = [Double?](repeating: nil, count: input.aggregates)
        for b in input.buckets {
            if i < data.count && data[i].bucket == b {
                rows.append(data[i]); isGap.append(false); i += 1
            } else {
                rows.append(ValueRow(bucket: b, device: group.device, sensor: group.sensor, values: empty))
                isGap.append(true)
            }
        }
        while i < data.count { rows.append(data[i]); isGap.append(false); i += 1 }

        let before = input.before[group], after = input.after[group]
        for (a, fill) in input.fills.enumerated() where a < input.aggregates {
            switch fill {
            case .null:
                continue
            case .locf:
                var carried: Double? = before?.values[a]
                for k in rows.indices {
                    if isGap[k] { rows[k].values[a] = carried } else { carried = rows[k].values[a] }
                }
            case .interpolate:
                // Previous and next real rows (index, or the neighbours outside).
                var previous: (x: Int64, y: Double?)? = before.map { ($0.bucket, $0.values[a]) }
                var nextReal = [Int?](repeating: nil, count: rows.count)
                var upcoming: Int? = nil
                for k in rows.indices.reversed() {
                    nextReal[k] = upcoming
                    if !isGap[k] { upcoming = k }
                }
                for k in rows.indices {
                    guard isGap[k] else {
                        previous = (rows[k].bucket, rows[k].values[a])
                        continue
                    }
                    let next: (x: Int64, y: Double?)? = nextReal[k].map { (rows[$0].bucket, rows[$0].values[a]) }
                        ?? after.map { ($0.bucket, $0.values[a]) }
                    guard let p = previous, let y0 = p.y, let n = next, let y1 = n.y else { continue }
                    rows[k].values[a] = interpolate(x: rows[k].bucket, x0: p.x, y0: y0, x1: n.x, y1: y1)
                }
            }
        }
        return rows
    }

    /// TimescaleDB's float interpolation: (y0 * (x1 - x) + y1 * (x - x0)) / (x1 - x0).
    static func interpolate(x: Int64, x0: Int64, y0: Double, x1: Int64, y1: Double) -> Double {
        if y0 == y1 { return y0 }
        let span = Double(x1 &- x0), before = Double(x &- x0), remaining = Double(x1 &- x)
        return (y0 * remaining + y1 * before) / span
    }
}
