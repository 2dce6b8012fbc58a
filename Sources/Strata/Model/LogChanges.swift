import StrataCodecs

// Changes logged besides points: deleting points of series in a time range,
// and setting device attributes. Each is a write-ahead-log record of its own
// (FORMAT.md, "Write-ahead log", kinds 4 and 5), replayed in order with the
// batches.
//
//   deletion   := ids:varint (delta:varint)* first:svarint last:svarint     ids ascending, delta coded
//   attributes := device:name count:varint (key:name flag:u8 [value:text])*   flag 1: set, 0: remove

/// Points of `ids` with timestamps in `first...last` are deleted.
struct Deletion: Equatable, Sendable {
    /// Ascending, unique.
    var ids: [SeriesID]
    var first: Int64
    var last: Int64

    func covers(_ id: SeriesID) -> Bool {
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < ids.count && ids[lo] == id
    }

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 2 + 24)
        out.appendVarint(ids.count)
        var previous: UInt64 = 0
        for (i, id) in ids.enumerated() {
            out.appendVarint(i == 0 ? UInt64(id) : UInt64(id) - previous)
            previous = UInt64(id)
        }
        out.appendSignedVarint(first)
        out.appendSignedVarint(last)
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(CodecError) -> Deletion {
        try bytes.withBytes { (raw) throws(CodecError) -> Deletion in
            var r = ByteReader(raw, codec: "deletion")
            let n = try r.readCount("series count", limit: raw.count)
            var ids: [SeriesID] = []
            ids.reserveCapacity(n)
            var id: UInt64 = 0
            for i in 0..<n {
                let delta = try r.readVarint()
                guard i == 0 || delta > 0 else { throw r.error(.malformed, "series ids not ascending") }
                let (next, overflow) = id.addingReportingOverflow(delta)
                guard !overflow, next <= UInt64(SeriesID.max) else { throw r.error(.malformed, "series id out of range") }
                id = next
                ids.append(SeriesID(id))
            }
            let first = try r.readSignedVarint()
            let last = try r.readSignedVarint()
            guard first <= last else { throw r.error(.malformed, "empty time range \(first)...\(last)") }
            try r.expectEnd()
            return Deletion(ids: ids, first: first, last: last)
        }
    }
}

/// Attributes of one device set (a value) or removed (nil).
struct AttributeChange: Equatable, Sendable {
    var device: String
    /// Keys ascending by bytes.
    var changes: [(key: String, value: String?)]

    static func == (a: AttributeChange, b: AttributeChange) -> Bool {
        sameBytes(a.device, b.device) && a.changes.count == b.changes.count
            && zip(a.changes, b.changes).allSatisfy { sameBytes($0.key, $1.key) && $0.value == $1.value }
    }

    /// At most this many attributes per device; keys are names (1 to 255 bytes), values texts up to 4096 bytes.
    static let maxAttributes = 256

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.appendString(device)
        out.appendVarint(changes.count)
        for (key, value) in changes {
            out.appendString(key)
            if let value {
                out.append(1)
                out.appendString(value)
            } else {
                out.append(0)
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(CodecError) -> AttributeChange {
        try bytes.withBytes { (raw) throws(CodecError) -> AttributeChange in
            var r = ByteReader(raw, codec: "attributes")
            let device = try r.readName()
            let n = try r.readCount("attribute count", limit: maxAttributes)
            var changes: [(key: String, value: String?)] = []
            for _ in 0..<n {
                let key = try r.readName()
                let flag = try r.readByte()
                switch flag {
                case 0: changes.append((key, nil))
                case 1: changes.append((key, try r.readText()))
                default: throw r.error(.malformed, "attribute flag \(flag)")
                }
            }
            try r.expectEnd()
            return AttributeChange(device: device, changes: changes)
        }
    }
}
