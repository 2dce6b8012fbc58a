/// An inclusive range of timestamps, in the store's resolution.
///
/// ```swift
/// let day = TimeRange(from: 1_767_225_600_000, until: 1_767_312_000_000)  // [from, until)
/// let all = TimeRange.all
/// ```
public struct TimeRange: Sendable, Hashable, CustomStringConvertible {
    /// First timestamp included.
    public var lowerBound: Int64
    /// Last timestamp included.
    public var upperBound: Int64

    /// `[lowerBound, upperBound]`, both included.
    public init(_ range: ClosedRange<Int64>) {
        lowerBound = range.lowerBound
        upperBound = range.upperBound
    }

    /// `[from, until)`: `until` excluded. An empty range when `until <= from`.
    public init(from: Int64, until: Int64) {
        if until <= from {
            lowerBound = .max
            upperBound = .min
        } else {
            lowerBound = from
            upperBound = until - 1
        }
    }

    /// Every timestamp.
    public static let all = TimeRange(Int64.min...Int64.max)

    /// True when no timestamp fits.
    public var isEmpty: Bool { upperBound < lowerBound }

    /// True when `t` lies in the range (both ends included).
    public func contains(_ t: Int64) -> Bool { t >= lowerBound && t <= upperBound }

    var closed: ClosedRange<Int64>? { isEmpty ? nil : lowerBound...upperBound }

    /// A short human-readable form, for logs.
    public var description: String { "[\(lowerBound), \(upperBound)]" }
}
