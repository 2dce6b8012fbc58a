// Sets of closed ranges over a discrete, totally ordered domain, with SQL's
// three-valued logic on top: how conditions on one column (timestamp or value)
// are combined exactly before they become a TimeRange or ValueConditions.
//
// Doubles are mapped onto UInt64 keys in PostgreSQL's float8 order (-Infinity
// first, -0.0 and 0.0 one key, +Infinity, then every NaN as one key), so that
// `value > 5` is the range [key(5) + 1, key(NaN)] and sets of value ranges are
// as exact as sets of timestamp ranges.
//
// Thread safety: value types.

/// Disjoint, sorted, non-adjacent closed ranges.
struct RangeSet<Bound: FixedWidthInteger & Sendable>: Equatable, Sendable {
    private(set) var ranges: [ClosedRange<Bound>]

    init(_ ranges: [ClosedRange<Bound>] = []) {
        self.ranges = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) { append(r) }
    }

    static var empty: RangeSet { RangeSet() }

    var isEmpty: Bool { ranges.isEmpty }

    /// Appends a range starting at or after the last one's start, merging overlaps and neighbours.
    private mutating func append(_ r: ClosedRange<Bound>) {
        if let last = ranges.last, last.upperBound == .max || r.lowerBound <= last.upperBound + 1 {
            ranges[ranges.count - 1] = last.lowerBound...Swift.max(last.upperBound, r.upperBound)
        } else {
            ranges.append(r)
        }
    }

    func union(_ other: RangeSet) -> RangeSet {
        var out = RangeSet()
        var i = 0, j = 0
        while i < ranges.count || j < other.ranges.count {
            if j >= other.ranges.count || (i < ranges.count && ranges[i].lowerBound <= other.ranges[j].lowerBound) {
                out.append(ranges[i])
                i += 1
            } else {
                out.append(other.ranges[j])
                j += 1
            }
        }
        return out
    }

    func intersection(_ other: RangeSet) -> RangeSet {
        var out = RangeSet()
        var i = 0, j = 0
        while i < ranges.count && j < other.ranges.count {
            let a = ranges[i], b = other.ranges[j]
            let lo = Swift.max(a.lowerBound, b.lowerBound), hi = Swift.min(a.upperBound, b.upperBound)
            if lo <= hi { out.ranges.append(lo...hi) }
            if a.upperBound < b.upperBound { i += 1 } else { j += 1 }
        }
        return out
    }

    /// Everything in `domain` not in the set.
    func complement(in domain: ClosedRange<Bound>) -> RangeSet {
        var out = RangeSet()
        var at = domain.lowerBound
        var open = true
        for r in ranges {
            if r.lowerBound > at { out.ranges.append(at...(r.lowerBound - 1)) }
            if r.upperBound >= domain.upperBound {
                open = false
                break
            }
            at = r.upperBound + 1
        }
        if open && at <= domain.upperBound { out.ranges.append(at...domain.upperBound) }
        return out
    }
}

/// A condition's truth over a column's domain: where it is TRUE and where FALSE
/// (elsewhere NULL), so NOT, AND and OR follow SQL's three-valued logic exactly.
struct Truth<Bound: FixedWidthInteger & Sendable>: Sendable {
    var yes: RangeSet<Bound>
    var no: RangeSet<Bound>

    /// TRUE on `set`, FALSE elsewhere in `domain` (a comparison with a non-null constant).
    init(_ set: RangeSet<Bound>, domain: ClosedRange<Bound>) {
        yes = set
        no = set.complement(in: domain)
    }

    init(yes: RangeSet<Bound>, no: RangeSet<Bound>) {
        self.yes = yes
        self.no = no
    }

    /// A constant truth over the whole domain (nil: NULL everywhere).
    init(constant: Bool?, domain: ClosedRange<Bound>) {
        let all = RangeSet([domain])
        switch constant {
        case true?: (yes, no) = (all, .empty)
        case false?: (yes, no) = (.empty, all)
        case nil: (yes, no) = (.empty, .empty)
        }
    }

    var negated: Truth { Truth(yes: no, no: yes) }
    func and(_ o: Truth) -> Truth { Truth(yes: yes.intersection(o.yes), no: no.union(o.no)) }
    func or(_ o: Truth) -> Truth { Truth(yes: yes.union(o.yes), no: no.intersection(o.no)) }
}

/// Doubles as UInt64 keys in PostgreSQL's float8 order, every NaN one key above +Infinity.
enum ValueKey {
    private static let sign: UInt64 = 1 << 63
    /// The key of -Infinity (the smallest).
    static let min: UInt64 = key(-.infinity)
    /// The key of NaN (the largest).
    static let nan: UInt64 = key(.infinity) + 1
    static var domain: ClosedRange<UInt64> { min...nan }

    static func key(_ d: Double) -> UInt64 {
        if d.isNaN { return key(.infinity) + 1 }
        let bits = (d == 0 ? 0.0 : d).bitPattern   // -0.0 is 0.0
        // Negative numbers: inverted bits (larger magnitudes first); 0 and positives follow without a gap.
        return bits & sign != 0 ? ~bits : (bits | sign) - 1
    }

    static func value(_ k: UInt64) -> Double {
        if k >= nan { return .nan }
        if k >= sign - 1 { return Double(bitPattern: (k + 1) ^ sign) }
        return Double(bitPattern: ~k)
    }
}
