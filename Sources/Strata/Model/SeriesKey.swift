/// A series: the readings of one sensor type on one device.
///
/// Names are validated (``validate(_:field:)``): non-empty, at most
/// ``maxNameBytes`` bytes of UTF-8, and no control characters (U+0000-U+001F,
/// U+007F-U+009F), so they print cleanly and fit the catalog's length field.
/// Names are compared by their UTF-8 bytes and never normalized.
///
/// ```swift
/// let key = try SeriesKey(deviceID: "sensor-00042", sensorType: "temperature")
/// ```
public struct SeriesKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Longest device id or sensor type, in bytes of UTF-8.
    public static let maxNameBytes = 255

    /// The device, for example `"sensor-00042"`.
    public let deviceID: String
    /// The sensor type, for example `"temperature"`.
    public let sensorType: String

    /// Creates a key after validating both names.
    public init(deviceID: String, sensorType: String) throws(StrataError) {
        try Self.validate(deviceID, field: "device_id")
        try Self.validate(sensorType, field: "sensor_type")
        self.deviceID = deviceID
        self.sensorType = sensorType
    }

    /// Creates a key from raw bytes (a CSV field, a network message) after
    /// checking that both are valid UTF-8 and valid names.
    public init(deviceIDBytes: some Collection<UInt8>, sensorTypeBytes: some Collection<UInt8>) throws(StrataError) {
        let device = try Self.decode(deviceIDBytes, field: "device_id")
        let sensor = try Self.decode(sensorTypeBytes, field: "sensor_type")
        try self.init(deviceID: device, sensorType: sensor)
    }

    package init(unchecked deviceID: String, _ sensorType: String) {
        self.deviceID = deviceID
        self.sensorType = sensorType
    }

    /// Throws ``StrataError/Kind/invalidArgument`` naming `field` if `name` is
    /// empty, longer than ``maxNameBytes`` bytes, or holds a control character.
    public static func validate(_ name: String, field: String) throws(StrataError) {
        let utf8 = name.utf8
        guard !utf8.isEmpty else {
            throw StrataError(.invalidArgument, "\(field) is empty")
        }
        guard utf8.count <= maxNameBytes else {
            throw StrataError(.invalidArgument, "\(field) is \(utf8.count) bytes long; the limit is \(maxNameBytes) (starts \(preview(name)))")
        }
        for (offset, scalar) in name.unicodeScalars.enumerated() where isControl(scalar) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            throw StrataError(.invalidArgument, "\(field) has control character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code) at character \(offset) (\(preview(name)))")
        }
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (s.value >= 0x7F && s.value <= 0x9F)
    }

    static func decode(_ bytes: some Collection<UInt8>, field: String) throws(StrataError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw StrataError(.invalidArgument, "\(field) is not valid UTF-8 (\(bytes.count) bytes)")
        }
        return s
    }

    /// The first 32 characters, escaped, for error messages.
    static func preview(_ name: String) -> String {
        let head = name.unicodeScalars.prefix(32).map { isControl($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return "\"" + head + (name.unicodeScalars.count > 32 ? "..." : "") + "\""
    }

    /// Orders by device id, then sensor type, comparing UTF-8 bytes.
    public static func < (a: SeriesKey, b: SeriesKey) -> Bool {
        sameBytes(a.deviceID, b.deviceID) ? bytesPrecede(a.sensorType, b.sensorType) : bytesPrecede(a.deviceID, b.deviceID)
    }

    /// Equal when both names have the same UTF-8 bytes: names that differ only in
    /// Unicode normalization (NFC "café" and NFD "café") are different series.
    public static func == (a: SeriesKey, b: SeriesKey) -> Bool {
        sameBytes(a.deviceID, b.deviceID) && sameBytes(a.sensorType, b.sensorType)
    }

    /// Hashes the same fields `==` compares (names by their UTF-8 bytes).
    public func hash(into hasher: inout Hasher) {
        hashBytes(deviceID, into: &hasher)
        hashBytes(sensorType, into: &hasher)
    }

    /// A short human-readable form, for logs.
    public var description: String { "\(deviceID)/\(sensorType)" }
}
