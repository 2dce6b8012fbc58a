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

    /// Sort by time; of equal timestamps only the last written (the highest
    /// index) stays. Built for nearly sorted input (a few late or repeated
    /// points): the ascending run is kept in place and only the rest is sorted,
    /// then merged in, so the cost is O(n + k log k) for k points out of order.
    mutating func sortAndKeepLast() {
        let n = count
        guard n > 1 else { return }
        // Pass 1: the points that break the ascending run, with their positions.
        var late = [Bool](repeating: false, count: n)
        var side: [Key] = []
        timestamps.withUnsafeBufferPointer { t in
            var top = t[0]
            for i in 1..<n {
                if t[i] > top {
                    top = t[i]
                } else {
                    late[i] = true
                    side.append(Key(t: t[i], index: i))
                }
            }
        }
        guard !side.isEmpty else { return }
        side.sort()
        // Pass 2: merge the run and the sorted rest. Of equal timestamps the last
        // written wins: a late point always comes after the run's point of the same
        // time (the run only holds points above everything written before them).
        var out = PointColumns()
        out.reserve(n)
        var i = 0, b = 0
        while i < n || b < side.count {
            // The next stretch of run points below the next late point (all of them
            // once the late points are used up), copied whole.
            var j = i
            if b < side.count {
                let limit = side[b].t
                while j < n && (late[j] || timestamps[j] < limit) { j += 1 }
            } else {
                j = n
            }
            var k = i
            while k < j {
                while k < j && late[k] { k += 1 }
                var e = k
                while e < j && !late[e] { e += 1 }
                if e > k {
                    out.timestamps.append(contentsOf: timestamps[k..<e])
                    out.values.append(contentsOf: values[k..<e])
                    out.qualities.append(contentsOf: qualities[k..<e])
                }
                k = e
            }
            i = j
            guard b < side.count else { break }
            // The late point(s) at `limit`, replacing a run point of the same time.
            let limit = side[b].t
            while i < n && late[i] { i += 1 }
            if i < n && timestamps[i] == limit { i += 1 }
            var winner = side[b].index
            while b < side.count && side[b].t == limit {
                winner = max(winner, side[b].index)
                b += 1
            }
            out.append(timestamps[winner], values[winner], qualities[winner])
        }
        self = out
    }

    /// A point's timestamp and its position (the order it was written in).
    private struct Key: Comparable {
        var t: Int64
        var index: Int
        static func < (x: Key, y: Key) -> Bool { (x.t, x.index) < (y.t, y.index) }
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
