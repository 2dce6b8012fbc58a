// Where a chunk file's bytes go, per series and column (the shell's .stats):
// each block's own ranges of the data region, a device's shared timestamp
// blocks divided among the series that share them, and the rest of the file
// (header, index with statistics, trailer).

/// Bytes of one series' columns in one file (shared timestamps apportioned).
struct SeriesColumnBytes: Sendable {
    var id: SeriesID
    var points: Int
    var timestamps: Double
    var values: Int
    var qualities: Int
    var presence: Int
}

extension ChunkFile {
    /// Column bytes per series, in data-region bytes, and the bytes of everything
    /// else (header, index and statistics, trailer). For a cold (zstd) file the
    /// data region's bytes are its uncompressed ones: `dataScale` turns them into
    /// bytes on disk.
    func columnBytes() throws(StrataError) -> (series: [SeriesColumnBytes], overhead: Int, dataScale: Double) {
        var out: [SeriesColumnBytes] = []
        var dataBytes = 0
        for g in 0..<groupCount {
            let group = try self.group(g)
            let shared = group.timeBlocks.reduce(0) { $0 + $1.length }
            dataBytes += shared
            let sharers = max(1, group.entries.count)
            for e in group.entries {
                var c = SeriesColumnBytes(id: e.id, points: e.count, timestamps: group.shared ? Double(shared) / Double(sharers) : 0,
                                          values: 0, qualities: 0, presence: 0)
                for b in e.blocks where b.count > 0 {
                    c.values += b.values.count
                    c.qualities += b.qualities.count
                    c.presence += b.presence?.count ?? 0
                    if !e.sharedTimestamps { c.timestamps += Double(b.time.length) }
                    dataBytes += b.bytes.count
                }
                out.append(c)
            }
        }
        let onDisk = dataBytesOnDisk
        return (out, max(0, size - onDisk), dataBytes > 0 ? Double(onDisk) / Double(dataBytes) : 1)
    }
}
