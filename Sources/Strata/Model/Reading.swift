/// One sensor reading: which device and sensor, when, what value, how trustworthy.
///
/// A reading belongs to the series ``SeriesKey`` (`deviceID`, `sensorType`).
/// Its `timestamp` counts units of the store's ``TimestampResolution`` since
/// the Unix epoch (milliseconds unless the store was created otherwise).
/// Values are stored bit-exactly: NaN payloads, -0.0 and infinities included.
///
/// ```swift
/// let r = Reading(deviceID: "sensor-00042", sensorType: "temperature",
///                 timestamp: 1_767_225_600_000, value: 21.4)
/// ```
public struct Reading: Sendable, Hashable {
    /// The device that took the reading, for example `"sensor-00042"`.
    public var deviceID: String
    /// What was measured, for example `"temperature"`.
    public var sensorType: String
    /// Units of the store's resolution since 1970-01-01T00:00:00Z; negative before it.
    public var timestamp: Int64
    /// The reading, stored bit-exactly.
    public var value: Double
    /// How far to trust the value; `.good` unless the source says otherwise.
    public var quality: Quality

    /// Creates a reading. Names are checked when the reading is written
    /// (see ``SeriesKey/validate(_:field:)``), not here.
    public init(deviceID: String, sensorType: String, timestamp: Int64, value: Double, quality: Quality = .good) {
        self.deviceID = deviceID
        self.sensorType = sensorType
        self.timestamp = timestamp
        self.value = value
        self.quality = quality
    }

    /// The reading's series.
    public var series: SeriesKey { SeriesKey(unchecked: deviceID, sensorType) }

    /// Bit-exact equality: two readings are equal when every field is (names by
    /// their UTF-8 bytes), and their
    /// values have the same bits (so NaN equals the same NaN, and -0.0 differs from 0.0).
    public static func == (a: Reading, b: Reading) -> Bool {
        sameBytes(a.deviceID, b.deviceID) && sameBytes(a.sensorType, b.sensorType) && a.timestamp == b.timestamp
            && a.value.bitPattern == b.value.bitPattern && a.quality == b.quality
    }

    /// Hashes the same fields `==` compares (names by their UTF-8 bytes).
    public func hash(into hasher: inout Hasher) {
        hashBytes(deviceID, into: &hasher)
        hashBytes(sensorType, into: &hasher)
        hasher.combine(timestamp)
        hasher.combine(value.bitPattern)
        hasher.combine(quality)
    }
}

/// How far a reading can be trusted. Stored as one byte per reading (0, 1, 2),
/// run-length coded, so an all-good block costs a few bytes.
///
/// ```swift
/// let r = Reading(deviceID: "gw-7", sensorType: "humidity", timestamp: 0, value: 45.5, quality: .suspect)
/// ```
public enum Quality: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A normal reading (the default).
    case good = 0
    /// The source flagged the reading as doubtful (out of calibration, interpolated, ...).
    case suspect = 1
    /// The source flagged the reading as wrong; kept for the record.
    case bad = 2

    /// A short human-readable form, for logs.
    public var description: String {
        switch self {
        case .good: "good"
        case .suspect: "suspect"
        case .bad: "bad"
        }
    }

    /// Parses `good`, `suspect` or `bad` (any case).
    public init?(name: some StringProtocol) {
        switch name.lowercased() {
        case "good": self = .good
        case "suspect": self = .suspect
        case "bad": self = .bad
        default: return nil
        }
    }
}
