import StrataCodecs

// Salvage (Options.salvage): opening a damaged store by setting damaged files
// aside, never deleting them, and saying what was lost by device, sensor and
// time range. Each kind of file:
//
//   MANIFEST   rebuilt from the directory: the chunk files that open, the
//              catalog's readable records, the log segments present. Lost with
//              it: tombstones (deleted or retention-dropped points may show
//              again), source positions, and which of two overlapping files is
//              newer (file numbers decide).
//   CATALOG    its readable records are kept; series whose names were in the
//              damaged part keep their points under placeholder names.
//   chunk file a file that does not open is set aside whole; a file with
//              damaged blocks is rewritten without them.
//   WAL        damaged records are skipped (WALReader), the segment copied aside.

enum Salvage {
    /// A placeholder for a series whose names were lost with the catalog.
    static func placeholder(_ id: SeriesID) -> SeriesKey {
        SeriesKey(unchecked: "salvaged-series-\(id)", "unknown")
    }

    /// Rebuilds MANIFEST from the directory (the old one set aside).
    static func rebuildManifest(fs: any FileSystem, directory: String, options: Options, cache: BlockCache, report: inout SalvageReport,
                                damage: StrataError) throws(StrataError) -> Manifest {
        if let moved = try StoreOpening.quarantine(fs: fs, directory: directory, name: FileNames.manifest) {
            report.setAside.append(.init(file: FileNames.manifest, movedTo: moved, reason: damage.description + "; rebuilt from the directory"))
        }
        var files: [FileMeta] = []
        var maxID: Int = -1
        var next: UInt64 = 1
        for name in try fs.list(joinPath(directory, FileNames.chunkDirectory)) {
            guard let n = FileNames.parseChunk(name) else { continue }
            next = max(next, n + 1)
            do throws(StrataError) {
                let f = try ChunkFile(fs: fs, directory: directory, number: n, cache: cache)
                files.append(FileMeta(number: n, precedence: n, mixed: f.isMixed, cold: f.isCold, rangeFirst: f.rangeFirst, rangeLast: f.rangeLast,
                                      summary: f.summary))
                maxID = max(maxID, f.seriesIDs.last.map { Int($0) } ?? -1)
            } catch {
                continue  // set aside below, when the chunk files are opened
            }
        }
        let segments = try WALRecovery.segments(fs: fs, directory: directory, repair: false)
        let resolution = options.resolution ?? .milliseconds
        let windows = files.filter { !$0.mixed }.map { $0.rangeLast &- $0.rangeFirst &+ 1 }.filter { $0 > 0 }
        var m = Manifest(resolution: resolution, partitionDuration: options.partitionDuration ?? windows.min() ?? 86_400 * resolution.unitsPerSecond)
        m.files = files.sorted { $0.number < $1.number }
        m.nextFileNumber = next
        m.walStart = segments.first ?? 1
        m.walLast = segments.last ?? 0
        m.newestTime = files.map(\.summary.maxTime).max() ?? .min
        let (catalog, length) = CatalogFile.loadPrefix(try readAll(fs, joinPath(directory, FileNames.catalog)))
        // The catalog is repaired next (repairCatalog): every series a chunk file uses gets a name.
        m.catalogLength = max(length, CatalogFile.headerSize)
        m.catalogSeries = max(catalog.count, maxID + 1)
        report.lost.append(.init(series: nil, from: .min, through: .max, points: nil,
                                 file: "MANIFEST: source positions, tombstones (deleted points may show again) and the order of overlapping files were lost"))
        try fs.writeAtomically(m.encode(), to: joinPath(directory, FileNames.manifest), directory: directory)
        return m
    }

    /// Keeps the catalog's readable records and gives placeholder names to the
    /// series the manifest commits beyond them; returns the manifest's new catalog fields.
    static func repairCatalog(fs: any FileSystem, directory: String, manifest: Manifest, report: inout SalvageReport,
                              damage: StrataError?) throws(StrataError) -> (catalog: SeriesCatalog, length: Int, series: Int) {
        let path = joinPath(directory, FileNames.catalog)
        let bytes = fs.exists(path) ? try readAll(fs, path) : []
        var (catalog, length) = CatalogFile.loadPrefix(bytes)
        if let damage, fs.exists(path) {
            let copy = try StoreOpening.quarantineCopy(fs: fs, directory: directory, name: FileNames.catalog)
            report.setAside.append(.init(file: FileNames.catalog, movedTo: copy, reason: damage.description))
        }
        var rewritten = length >= CatalogFile.headerSize ? Array(bytes[0..<length]) : CatalogFile.header()
        let wanted = max(manifest.catalogSeries, catalog.count)
        if catalog.count < wanted {
            let first = catalog.count
            let keys = (first..<wanted).map { placeholder(SeriesID($0)) }
            for (k, key) in keys.enumerated() {
                _ = catalog.define(SeriesID(first + k), key.deviceID, key.sensorType)
                report.lost.append(.init(series: key, from: .min, through: .max, points: nil,
                                         file: "CATALOG: the names of series \(first + k) were lost; its points are kept under \(key)"))
            }
            rewritten += CatalogFile.record(firstID: SeriesID(first), keys)
        }
        length = rewritten.count
        try fs.writeAtomically(rewritten, to: path, directory: directory)
        return (catalog, length, catalog.count)
    }

    private static func readAll(_ fs: any FileSystem, _ path: String) throws(StrataError) -> [UInt8] {
        let file = try fs.open(path, .read)
        defer { file.close() }
        return try file.readAll()
    }
}

extension Engine {
    /// Salvage: reads every block of every live file; a file with damaged blocks is
    /// rewritten without them (the original set aside) and the loss reported per series.
    func salvageDamagedBlocks(into report: inout SalvageReport) throws(StrataError) {
        let version = versions.current
        let catalog = state.withLock { $0.catalog }
        for live in version.files {
            let file = live.file
            var damaged: [(id: SeriesID, blocks: [Int])] = []
            for id in file.seriesIDs {
                guard let (entry, group) = try? file.entry(id) else {
                    damaged.append((id, []))
                    continue
                }
                var reader = BlockReader(file: file, entry: entry, group: group, blocks: Array(entry.blocks.indices))
                var scratch = BlockScratch()
                var bad: [Int] = []
                for b in entry.blocks.indices where entry.blocks[b].count > 0 {
                    do throws(StrataError) { _ = try reader.decode(b, into: &scratch) } catch {
                        // A failed region read fails every block after it: try the block alone.
                        var alone = BlockReader(file: file, entry: entry, group: group, blocks: [b])
                        if (try? alone.decode(b, into: &scratch)) == nil { bad.append(b) }
                        reader = BlockReader(file: file, entry: entry, group: group, blocks: Array(entry.blocks.indices.dropFirst(b + 1)))
                    }
                }
                if !bad.isEmpty { damaged.append((id, bad)) }
            }
            guard !damaged.isEmpty else { continue }
            // Rewrite the file with every readable block.
            let number = versions.allocateFileNumbers(1)
            let output = ChunkFileOutput(fs: fs, directory: directory, versions: versions, blockRows: options.blockRows, codecOptions: codecOptions)
            let series = file.seriesIDs.map { (device: Int($0) < catalog.count ? catalog.deviceNumber(of: $0) : 0, id: $0) }
                .sorted { ($0.device, $0.id) < ($1.device, $1.id) }
            let badBlocks = Dictionary(damaged.map { ($0.id, Set($0.blocks)) }, uniquingKeysWith: { $0.union($1) })
            let written = try output.write(number: number, window: live.meta.mixed ? nil : live.meta.rangeFirst...live.meta.rangeLast,
                                           series: series) { (k) throws(StrataError) -> PointColumns in
                let id = series[k].id
                guard let (entry, group) = try? file.entry(id) else { return PointColumns() }
                var out = PointColumns()
                var scratch = BlockScratch()
                for b in entry.blocks.indices where entry.blocks[b].count > 0 && !(badBlocks[id]?.contains(b) ?? false) {
                    var reader = BlockReader(file: file, entry: entry, group: group, blocks: [b])
                    guard let n = try? reader.decode(b, into: &scratch) else { continue }
                    out.append(contentsOf: PointColumns(timestamps: Array(scratch.timestamps[0..<n]), values: Array(scratch.values[0..<n]),
                                                        qualities: Array(scratch.qualities[0..<n])))
                }
                return out
            }
            try fs.syncDirectory(path(FileNames.chunkDirectory))
            var edit = VersionEdit()
            edit.removeFiles = [live.meta.number]
            var opened: [ChunkFile] = []
            if let (meta, f) = written {
                var m = meta
                m.precedence = live.meta.precedence
                edit.addFiles = [m]
                opened = [f]
            }
            // Keep the original: copy it aside before the commit lets it be deleted.
            let copy = try StoreOpening.quarantineCopy(fs: fs, directory: directory, name: file.name)
            try versions.commit(edit, opened: opened)
            report.setAside.append(.init(file: file.name, movedTo: copy, reason: "damaged blocks; rewritten without them"))
            for (id, blocks) in damaged {
                let key = Int(id) < catalog.count ? catalog.key(id) : nil
                if blocks.isEmpty {
                    let loc = file.locator(id)
                    report.lost.append(.init(series: key, from: loc?.minTime ?? file.rangeFirst, through: loc?.maxTime ?? file.rangeLast,
                                             points: loc?.count, file: file.name))
                    continue
                }
                let entry = try? file.entry(id)?.entry
                for b in blocks {
                    let block = entry?.blocks[b]
                    report.lost.append(.init(series: key, from: block?.statistics?.minTime ?? block?.time.minTime ?? file.rangeFirst,
                                             through: block?.statistics?.maxTime ?? block?.time.maxTime ?? file.rangeLast,
                                             points: block?.count, file: file.name))
                }
            }
        }
    }
}
