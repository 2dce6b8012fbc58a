// Points of one series as three parallel columns: what the memtable, chunk
// files, queries and compaction hand each other.

/// Columns of points of one series: the currency between memtable, chunks and readers.
struct PointColumns: Sendable, Equatable {
    var timestamps: [Int64] = []
    var values: [Double] = []
    var qualities: [UInt8] = []

    var count: Int { timestamps.count }
    var isEmpty: Bool { timestamps.isEmpty }

    mutating func reserve(_ n: Int) {
        timestamps.reserveCapacity(n)
        values.reserveCapacity(n)
        qualities.reserveCapacity(n)
    }

    @inline(__always)
    mutating func append(_ t: Int64, _ v: Double, _ q: UInt8) {
        timestamps.append(t)
        values.append(v)
        qualities.append(q)
    }

    /// Stable sort by time; of equal timestamps only the last (newest) stays.
    mutating func sortAndKeepLast() {
        let n = count
        var order = Array(0..<n)
        order.sort { timestamps[$0] != timestamps[$1] ? timestamps[$0] < timestamps[$1] : $0 < $1 }
        var out = PointColumns()
        out.reserve(n)
        var k = 0
        while k < n {
            var last = order[k]
            while k + 1 < n && timestamps[order[k + 1]] == timestamps[last] {
                k += 1
                last = order[k]
            }
            out.append(timestamps[last], values[last], qualities[last])
            k += 1
        }
        self = out
    }

    /// Points of `newer` replace points of `self` with the same timestamp; both sorted and unique.
    func merged(with newer: PointColumns) -> PointColumns {
        if newer.isEmpty { return self }
        if isEmpty { return newer }
        if timestamps[count - 1] < newer.timestamps[0] {
            var out = self
            out.timestamps += newer.timestamps
            out.values += newer.values
            out.qualities += newer.qualities
            return out
        }
        var out = PointColumns()
        out.reserve(count + newer.count)
        var i = 0, j = 0
        while i < count || j < newer.count {
            if j == newer.count || (i < count && timestamps[i] < newer.timestamps[j]) {
                out.append(timestamps[i], values[i], qualities[i])
                i += 1
            } else {
                if i < count && timestamps[i] == newer.timestamps[j] { i += 1 }
                out.append(newer.timestamps[j], newer.values[j], newer.qualities[j])
                j += 1
            }
        }
        return out
    }

    static func == (a: PointColumns, b: PointColumns) -> Bool {
        a.timestamps == b.timestamps && a.qualities == b.qualities && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }
}
