import StrataCodecs

// Writing chunk files for a flush or a compaction: series grouped by device
// (so a device's series can share a timestamp column), devices and series
// ascending, one device's points in memory at a time. Several files can be
// written in one pass over the devices (a flush's windows and its mixed
// file), so each series is materialised once. Each file is then read back
// (opening it checks what was written) and described for the manifest.

struct ChunkFileOutput {
    let fs: any FileSystem
    let directory: String
    let versions: VersionSet
    let blockRows: Int
    let codecOptions: CodecOptions
    /// Draft files skip the entropy stage: about twice as fast to encode and to decode.
    var draftOptions: CodecOptions { CodecOptions(patching: codecOptions.patching, entropy: false) }

    /// A file to write: its number, its window (nil: a mixed file), and cold re-packing.
    struct Target {
        var number: UInt64
        var window: ClosedRange<Int64>?
        var coldLevel: Int32? = nil
        /// Encode for speed, without the entropy stage (see `FileMeta.draft`).
        var draft = false
    }

    /// Writes file `number` over `series` (sorted by device, then id); `points(k)`
    /// gives series k's points (empty: it has none here). `copy(range)` may
    /// instead give a device's (series `range`) blocks to copy undecoded. Returns
    /// nil, leaving no file, when no series has points.
    func write(
        number: UInt64, window: ClosedRange<Int64>?, coldLevel: Int32? = nil, draft: Bool = false, series: [(device: UInt32, id: SeriesID)],
        copy: (Range<Int>) throws(StrataError) -> CopiedGroup? = { _ in nil },
        points: (Int) throws(StrataError) -> PointColumns
    ) throws(StrataError) -> (FileMeta, ChunkFile)? {
        try write([Target(number: number, window: window, coldLevel: coldLevel, draft: draft)], series: series, copy: copy) { (k) throws(StrataError) in
            [try points(k)]
        }[0]
    }

    /// Writes the `targets` in one pass over `series`: `points(k)` gives series k's
    /// points for each target, in order. Returns per target its file, or nil when
    /// it got no points (no file is left then).
    func write(
        _ targets: [Target], series: [(device: UInt32, id: SeriesID)],
        copy: (Range<Int>) throws(StrataError) -> CopiedGroup? = { _ in nil },
        points: (Int) throws(StrataError) -> [PointColumns]
    ) throws(StrataError) -> [(FileMeta, ChunkFile)?] {
        var writers: [ChunkWriter] = []
        do throws(StrataError) {
            for t in targets {
                writers.append(try ChunkWriter(fs: fs, path: versions.path(t.number), window: t.window, blockRows: blockRows,
                                               options: t.draft ? draftOptions : codecOptions, coldLevel: t.coldLevel))
            }
            var i = 0
            while i < series.count {
                var j = i + 1
                while j < series.count && series[j].device == series[i].device { j += 1 }
                if targets.count == 1, let copied = try copy(i..<j) {
                    try writers[0].addCopiedDevice(copied)
                    i = j
                    continue
                }
                var inputs = [[ChunkSeriesInput]](repeating: [], count: targets.count)
                for k in i..<j {
                    for (n, p) in try points(k).enumerated() where !p.isEmpty {
                        inputs[n].append(ChunkSeriesInput(id: series[k].id, points: p))
                    }
                }
                for (n, batch) in inputs.enumerated() where !batch.isEmpty { try writers[n].addDevice(batch) }
                i = j
            }
        } catch {
            for w in writers { w.abandon() }
            throw error
        }
        var out: [(FileMeta, ChunkFile)?] = []
        for (n, writer) in writers.enumerated() {
            guard writer.pointCount > 0 else {
                writer.abandon()
                out.append(nil)
                continue
            }
            let summary: ChunkSummary
            do throws(StrataError) { summary = try writer.finish() } catch {
                for w in writers[n...] { w.abandon() }
                throw error
            }
            let number = targets[n].number
            let file = try ChunkFile(fs: fs, directory: directory, number: number, cache: versions.cache)
            out.append((FileMeta(number: number, precedence: number, mixed: targets[n].window == nil, cold: file.isCold, draft: targets[n].draft,
                                 rangeFirst: file.rangeFirst, rangeLast: file.rangeLast, summary: summary), file))
        }
        return out
    }
}
