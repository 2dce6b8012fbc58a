// Time partitions. The store's partition length P (Options.partitionDuration,
// one day by default) defines aligned windows at every level k: window k of
// a timestamp t is [floor(t / (P * 2^k)) * P * 2^k, that + P * 2^k - 1],
// clamped to the Int64 range. Windows of different levels either nest or
// are disjoint, so the files that cover them never straddle one another.

struct Partitioning: Sendable, Equatable {
    /// P, in timestamp units.
    let duration: Int64

    /// The width of level-k windows, or nil when it exceeds the Int64 range.
    func width(level: Int) -> Int64? {
        guard level >= 0, level < 63 else { return nil }
        let (w, overflow) = duration.multipliedReportingOverflow(by: Int64(1) << level)
        return overflow ? nil : w
    }

    /// The level-k window holding `t` (the whole Int64 range when the width overflows).
    func window(_ t: Int64, level: Int = 0) -> ClosedRange<Int64> {
        guard let w = width(level: level) else { return Int64.min...Int64.max }
        var q = t / w
        if t % w != 0 && t < 0 { q -= 1 }
        let (start, o1) = q.multipliedReportingOverflow(by: w)
        if o1 {
            // The window starts below Int64.min: it is clamped there, and ends where the next one starts.
            let (next, o3) = (q + 1).multipliedReportingOverflow(by: w)
            return Int64.min...(o3 ? Int64.max : next - 1)
        }
        let (last, o2) = start.addingReportingOverflow(w - 1)
        return start...(o2 ? Int64.max : last)
    }

    /// The level of a window of this width, if it is one (a power-of-two multiple of P).
    func level(ofWidth width: UInt64) -> Int? {
        guard width >= UInt64(duration), width % UInt64(duration) == 0 else { return nil }
        let ratio = width / UInt64(duration)
        return ratio.nonzeroBitCount == 1 ? ratio.trailingZeroBitCount : nil
    }

    /// Cuts sorted timestamps at level-0 window boundaries: (window, index range) pieces.
    func split(_ t: [Int64]) -> [(window: ClosedRange<Int64>, range: Range<Int>)] {
        var out: [(ClosedRange<Int64>, Range<Int>)] = []
        var start = 0
        while start < t.count {
            let w = window(t[start])
            var lo = start, hi = t.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if t[mid] <= w.upperBound { lo = mid + 1 } else { hi = mid }
            }
            out.append((w, start..<lo))
            start = lo
        }
        return out
    }
}
