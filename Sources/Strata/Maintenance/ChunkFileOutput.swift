import StrataCodecs

// Writing one chunk file for a flush or a compaction: series grouped by
// device (so a device's series can share a timestamp column), devices and
// series ascending, one device's points in memory at a time; then the file
// is read back (opening it checks what was written) and described for the
// manifest.

struct ChunkFileOutput {
    let fs: any FileSystem
    let directory: String
    let versions: VersionSet
    let blockRows: Int
    let codecOptions: CodecOptions

    /// Writes file `number` over `series` (sorted by device, then id); `points(k)`
    /// gives series k's points (empty: it has none here). Returns nil, leaving no
    /// file, when no series has points.
    func write(
        number: UInt64, window: ClosedRange<Int64>?, coldLevel: Int32? = nil, series: [(device: UInt32, id: SeriesID)],
        points: (Int) throws(StrataError) -> PointColumns
    ) throws(StrataError) -> (FileMeta, ChunkFile)? {
        let writer = try ChunkWriter(fs: fs, path: versions.path(number), window: window, blockRows: blockRows, options: codecOptions,
                                     coldLevel: coldLevel)
        let summary: ChunkSummary
        do throws(StrataError) {
            var i = 0
            while i < series.count {
                var j = i + 1
                while j < series.count && series[j].device == series[i].device { j += 1 }
                var inputs: [ChunkSeriesInput] = []
                for k in i..<j {
                    let p = try points(k)
                    if !p.isEmpty { inputs.append(ChunkSeriesInput(id: series[k].id, points: p)) }
                }
                if !inputs.isEmpty { try writer.addDevice(inputs) }
                i = j
            }
            guard writer.pointCount > 0 else {
                writer.abandon()
                return nil
            }
            summary = try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
        let file = try ChunkFile(fs: fs, directory: directory, number: number, cache: versions.cache)
        let meta = FileMeta(number: number, precedence: number, mixed: window == nil, cold: file.isCold, rangeFirst: file.rangeFirst,
                            rangeLast: file.rangeLast, summary: summary)
        return (meta, file)
    }
}
