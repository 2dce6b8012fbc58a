// What a query, a raw read, a latest-value lookup or a delete applies to:
// which series (by device, sensor type and device attributes), which time
// range, and which points (by quality and value). Vocabulary shared by the
// query layer and the API.

/// Matches a device id or a sensor type (names compare by their UTF-8 bytes).
///
/// ```swift
/// let one: NameFilter = .equals("sensor-00042")
/// let site: NameFilter = .prefix("site-7/")
/// ```
public enum NameFilter: Sendable, Hashable {
    /// Every name.
    case any
    /// This name only.
    case equals(String)
    /// Any of these names.
    case oneOf([String])
    /// Names starting with these bytes.
    case prefix(String)

    /// True when `name` matches.
    public func matches(_ name: String) -> Bool {
        switch self {
        case .any: return true
        case .equals(let s): return sameBytes(s, name)
        case .oneOf(let list): return list.contains { sameBytes($0, name) }
        case .prefix(let p): return name.utf8.starts(with: p.utf8)
        }
    }
}

/// Matches devices whose attribute `key` has one of `values` (see ``Store/setAttributes(_:device:)``).
///
/// ```swift
/// let zoneA = AttributeFilter(key: "zone", values: ["zone-a"])
/// ```
public struct AttributeFilter: Sendable, Hashable {
    /// The attribute's name, for example `"zone"`.
    public var key: String
    /// The values accepted.
    public var values: [String]

    /// Creates a filter: the device's `key` attribute is one of `values`.
    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }
}

/// A condition on a point's value. NaN compares as PostgreSQL orders it:
/// equal to itself and above every number.
///
/// ```swift
/// let hot = ValueCondition(.greater, 30.0)
/// ```
public struct ValueCondition: Sendable, Hashable {
    /// How the value is compared.
    public enum Comparison: String, Sendable, Hashable {
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "=", notEqual = "!="
    }

    /// The comparison.
    public var comparison: Comparison
    /// The value compared with.
    public var value: Double

    /// Creates a condition `point value <comparison> value`.
    public init(_ comparison: Comparison, _ value: Double) {
        self.comparison = comparison
        self.value = value
    }

    /// PostgreSQL's float order: NaN equals NaN and is greater than every number.
    @inline(__always)
    static func order(_ a: Double, _ b: Double) -> Int {
        if a.isNaN { return b.isNaN ? 0 : 1 }
        if b.isNaN { return -1 }
        return a < b ? -1 : (a > b ? 1 : 0)
    }

    /// True when `v` satisfies the condition.
    @inline(__always)
    public func holds(_ v: Double) -> Bool {
        let c = Self.order(v, value)
        switch comparison {
        case .less: return c < 0
        case .lessOrEqual: return c <= 0
        case .greater: return c > 0
        case .greaterOrEqual: return c >= 0
        case .equal: return c == 0
        case .notEqual: return c != 0
        }
    }
}

/// Which series, when, and which of their points.
///
/// ```swift
/// var s = Selection()
/// s.sensorTypes = .equals("temperature")
/// s.attributes = [AttributeFilter(key: "zone", values: ["zone-a"])]
/// s.timeRange = TimeRange(from: start, until: end)
/// s.qualities = [.good, .suspect]            // leave out bad readings
/// s.values = [ValueCondition(.greater, -40)]
/// ```
public struct Selection: Sendable, Hashable {
    /// Devices (default: all).
    public var devices: NameFilter
    /// Sensor types (default: all).
    public var sensorTypes: NameFilter
    /// Device attributes that must all match (default: none).
    public var attributes: [AttributeFilter]
    /// Timestamps (default: all).
    public var timeRange: TimeRange
    /// Qualities of the points kept (default: all three).
    public var qualities: Set<Quality>
    /// Conditions on the value that every point kept must meet (default: none).
    public var values: [ValueCondition]

    /// Creates a selection; by default everything.
    public init(devices: NameFilter = .any, sensorTypes: NameFilter = .any, attributes: [AttributeFilter] = [],
                timeRange: TimeRange = .all, qualities: Set<Quality> = Set(Quality.allCases), values: [ValueCondition] = []) {
        self.devices = devices
        self.sensorTypes = sensorTypes
        self.attributes = attributes
        self.timeRange = timeRange
        self.qualities = qualities
        self.values = values
    }

    /// The selection of one series.
    public init(_ series: SeriesKey, in range: TimeRange = .all) {
        self.init(devices: .equals(series.deviceID), sensorTypes: .equals(series.sensorType), timeRange: range)
    }

    /// True when points must be looked at one by one (a quality or value filter).
    var filtersPoints: Bool { qualities.count < 3 || !values.isEmpty }

    /// True when the point passes the quality and value filters.
    @inline(__always)
    func keeps(_ value: Double, quality: UInt8) -> Bool {
        if qualities.count < 3, let q = Quality(rawValue: quality), !qualities.contains(q) { return false }
        for c in values where !c.holds(value) { return false }
        return true
    }
}
