/// A series' newest point: what "latest value" queries answer.
struct LatestPoint: Sendable, Equatable {
    var timestamp: Int64
    var value: Double
    var quality: UInt8

    /// The newer of two points of one series; on equal timestamps `newer` (written later) wins.
    static func newest(_ older: LatestPoint?, _ newer: LatestPoint?) -> LatestPoint? {
        guard let o = older else { return newer }
        guard let n = newer else { return o }
        return n.timestamp >= o.timestamp ? n : o
    }

    static func == (a: LatestPoint, b: LatestPoint) -> Bool {
        a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern && a.quality == b.quality
    }
}
