/// The unit of a store's timestamps, fixed when the store is created.
///
/// ```swift
/// let perSecond = TimestampResolution.milliseconds.unitsPerSecond   // 1000
/// ```
public enum TimestampResolution: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Milliseconds since the epoch (the default): what most IoT sources send.
    case milliseconds = 0
    /// Microseconds since the epoch.
    case microseconds = 1
    /// Nanoseconds since the epoch (Int64 covers 1677-09-21 to 2262-04-11).
    case nanoseconds = 2

    /// Timestamp units in one second.
    public var unitsPerSecond: Int64 {
        switch self {
        case .milliseconds: 1_000
        case .microseconds: 1_000_000
        case .nanoseconds: 1_000_000_000
        }
    }

    /// A short human-readable form, for logs.
    public var description: String {
        switch self {
        case .milliseconds: "milliseconds"
        case .microseconds: "microseconds"
        case .nanoseconds: "nanoseconds"
        }
    }
}
