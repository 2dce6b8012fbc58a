import StrataCodecs

// Opening a store directory: checks, lock, manifest, catalog, chunk files,
// WAL replay. FORMAT.md, "Store directory".
//
// A writable open repairs what a crash leaves (orphan chunk files, catalog
// bytes past the committed length, a torn log tail, MANIFEST.tmp); a
// read-only open changes nothing, takes no lock, and retries when a writer's
// compaction deletes a file between reading the manifest and opening it.
// With salvage, unreadable chunk files and log segments with damaged synced
// records are set aside in quarantine/ and the loss reported.

struct OpenedStore {
    var manifest: Manifest
    var files: [ChunkFile]
    var catalog: SeriesCatalog
    var memtable: MemTable
    var replay: WALReplayResult
    var recovery: RecoveryReport
    var salvage: SalvageReport
    var lock: (any FileLock)?
    /// Log segments with skipped damage (salvage), already copied to quarantine/.
    var damagedSegments: [UInt64] = []
    /// Devices whose attributes the log changed (the next flush writes them to the catalog).
    var attributeDevices: Set<UInt32> = []
}

enum StoreOpening {
    /// Names a store directory may hold before its MANIFEST exists (what an
    /// interrupted creation leaves).
    static let creationLeftovers: Set<String> = [
        FileNames.lock, FileNames.catalog, FileNames.catalog + ".tmp", FileNames.manifest + ".tmp",
        FileNames.walDirectory, FileNames.chunkDirectory,
    ]

    static func open(directory: String, options: Options, cache: BlockCache) throws(StrataError) -> OpenedStore {
        let fs = options.fileSystem
        let manifestPath = joinPath(directory, FileNames.manifest)
        if !fs.exists(directory) {
            guard options.createIfMissing && !options.readOnly else {
                throw StrataError(.invalidArgument, "no store at \(directory)", file: directory)
            }
            try fs.createDirectory(directory)
        }
        if !fs.exists(manifestPath) {
            let entries = try fs.list(directory)
            let foreign = entries.filter { !creationLeftovers.contains($0) }
            guard foreign.isEmpty else {
                throw StrataError(.invalidArgument, "\(directory) is not a Strata store (no MANIFEST) and holds other files: "
                                  + foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", ..." : ""), file: directory)
            }
            guard options.createIfMissing && !options.readOnly else {
                throw StrataError(.invalidArgument, "no store at \(directory) (no MANIFEST)", file: directory)
            }
        }
        if options.readOnly {
            return try openReadOnly(directory: directory, options: options, cache: cache)
        }
        let lock = try takeLock(fs: fs, directory: directory)
        do throws(StrataError) {
            try writeLockOwner(fs: fs, directory: directory)
            try fs.createDirectory(joinPath(directory, FileNames.walDirectory))
            try fs.createDirectory(joinPath(directory, FileNames.chunkDirectory))
            if fs.exists(manifestPath + ".tmp") { try fs.remove(manifestPath + ".tmp") }
            var report = SalvageReport()
            var manifest: Manifest
            var rebuilt = false
            do throws(StrataError) {
                manifest = try loadOrCreateManifest(fs: fs, directory: directory, options: options)
            } catch where options.salvage && error.kind == .corruption {
                manifest = try Salvage.rebuildManifest(fs: fs, directory: directory, options: options, cache: cache, report: &report, damage: error)
                rebuilt = true
            }
            var catalog = SeriesCatalog()
            do throws(StrataError) {
                if rebuilt { throw StrataError(.corruption, "rebuilt manifest") }
                try loadCatalog(fs: fs, directory: directory, manifest: manifest, into: &catalog, repair: true)
            } catch where options.salvage && error.kind == .corruption {
                let repaired = try Salvage.repairCatalog(fs: fs, directory: directory, manifest: manifest, report: &report,
                                                         damage: rebuilt ? nil : error)
                catalog = repaired.catalog
                manifest.catalogLength = repaired.length
                manifest.catalogSeries = repaired.series
                try fs.writeAtomically(manifest.encode(), to: manifestPath, directory: directory)
            }
            var (files, edit, salvage) = try openChunks(fs: fs, directory: directory, manifest: manifest, cache: cache,
                                                        repair: true, salvage: options.salvage)
            salvage.setAside = report.setAside + salvage.setAside
            salvage.lost = report.lost + salvage.lost
            var live = manifest
            if let edit {
                // Salvage: commit the manifest without the files set aside.
                live = edit.applied(to: manifest)
                try fs.writeAtomically(live.encode(), to: manifestPath, directory: directory)
                files = files.filter { f in live.files.contains { $0.number == f.number } }
            }
            // Tiers as the options want them (new ones start empty, removed ones go).
            let (tiers, stale) = TierSetup.reconcile(live.tiers, stale: live.stale, wanted: options.tiers)
            if tiers != live.tiers || stale != live.stale {
                let removed = live.tiers.filter { t in !tiers.contains { $0.width == t.width } }
                live.tiers = tiers
                live.stale = stale
                try fs.writeAtomically(live.encode(), to: manifestPath, directory: directory)
                for t in removed { try fs.removeTree(TierStore.directory(directory, width: t.width)) }
            }
            var opened = try replay(fs: fs, directory: directory, manifest: live, catalog: catalog, repair: true, salvage: options.salvage)
            opened.files = files
            opened.lock = lock
            opened.salvage.setAside = salvage.setAside + opened.salvage.setAside
            opened.salvage.lost = salvage.lost + opened.salvage.lost
            return opened
        } catch {
            lock.release()
            throw error
        }
    }

    /// A read-only view: no lock, no repair. A file a writer deletes between our
    /// reading the manifest and opening it means a newer manifest: read it again.
    static func openReadOnly(directory: String, options: Options, cache: BlockCache, reuse: [UInt64: ChunkFile] = [:]) throws(StrataError) -> OpenedStore {
        let fs = options.fileSystem
        var attempt = 0
        while true {
            attempt += 1
            do throws(StrataError) {
                let file = try fs.open(joinPath(directory, FileNames.manifest), .read)
                let bytes: [UInt8]
                do { defer { file.close() }; bytes = try file.readAll() }
                let manifest = try Manifest.decode(bytes)
                try checkOptions(manifest, options)
                var catalog = SeriesCatalog()
                try loadCatalog(fs: fs, directory: directory, manifest: manifest, into: &catalog, repair: false)
                var files: [ChunkFile] = []
                for meta in manifest.files {
                    if let f = reuse[meta.number] {
                        files.append(f)
                    } else {
                        files.append(try ChunkFile(fs: fs, directory: directory, number: meta.number, cache: cache))
                    }
                }
                var opened = try replay(fs: fs, directory: directory, manifest: manifest, catalog: catalog, repair: false, salvage: false)
                opened.files = files
                return opened
            } catch {
                // ENOENT: a file or segment went away under us (a flush or compaction committed).
                guard error.errno == 2, attempt < 20 else { throw error }
            }
        }
    }

    static func checkOptions(_ m: Manifest, _ options: Options) throws(StrataError) {
        if let r = options.resolution, r != m.resolution {
            throw StrataError(.invalidArgument, "the store uses \(m.resolution) timestamps; the options ask for \(r)")
        }
        if let d = options.partitionDuration, d != m.partitionDuration {
            throw StrataError(.invalidArgument, "the store's partitions are \(m.partitionDuration) units long; the options ask for \(d)")
        }
    }

    /// Takes LOCK; if another process holds it, says which (LOCK holds "strata <pid>").
    private static func takeLock(fs: any FileSystem, directory: String) throws(StrataError) -> any FileLock {
        let path = joinPath(directory, FileNames.lock)
        do throws(StrataError) {
            return try fs.lock(path)
        } catch where error.kind == .locked {
            var holder = "another process or another Store in this process"
            if let file = try? fs.open(path, .read), let bytes = try? file.readAll() {
                file.close()
                let words = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
                if words.count == 2, words[0] == "strata", let pid = Int(words[1]) { holder = "process \(pid)" }
            }
            throw StrataError(.locked, "the store is open in \(holder)", file: FileNames.lock, errno: error.errno)
        }
    }

    /// LOCK holds "strata <pid>\n" for operators wondering who holds the store.
    private static func writeLockOwner(fs: any FileSystem, directory: String) throws(StrataError) {
        let file = try fs.open(joinPath(directory, FileNames.lock), .readWrite)
        defer { file.close() }
        try file.truncate(to: 0)
        try file.write(Array("strata \(currentProcessID())\n".utf8), at: 0)
    }

    /// Reads MANIFEST, or creates a new store (catalog header, then manifest).
    private static func loadOrCreateManifest(fs: any FileSystem, directory: String, options: Options) throws(StrataError) -> Manifest {
        let manifestPath = joinPath(directory, FileNames.manifest)
        if fs.exists(manifestPath) {
            let file = try fs.open(manifestPath, .read)
            defer { file.close() }
            let m = try Manifest.decode(try file.readAll())
            try checkOptions(m, options)
            return m
        }
        let leftovers = try fs.list(joinPath(directory, FileNames.walDirectory)) + fs.list(joinPath(directory, FileNames.chunkDirectory))
        guard leftovers.allSatisfy({ $0.hasSuffix(".tmp") }) else {
            throw StrataError(.corruption, "MANIFEST is missing but the store has data files (\(leftovers.prefix(3).joined(separator: ", ")))", file: FileNames.manifest)
        }
        let resolution = options.resolution ?? .milliseconds
        let m = Manifest(resolution: resolution, partitionDuration: options.partitionDuration ?? 86_400 * resolution.unitsPerSecond)
        try fs.writeAtomically(CatalogFile.header(), to: joinPath(directory, FileNames.catalog), directory: directory)
        try fs.writeAtomically(m.encode(), to: manifestPath, directory: directory)
        return m
    }

    private static func loadCatalog(fs: any FileSystem, directory: String, manifest: Manifest, into catalog: inout SeriesCatalog, repair: Bool) throws(StrataError) {
        let file = try fs.open(joinPath(directory, FileNames.catalog), repair ? .readWrite : .read)
        defer { file.close() }
        let bytes = repair ? try file.readAll() : try file.read(at: 0, count: manifest.catalogLength)
        try CatalogFile.load(bytes, committed: manifest.catalogLength, into: &catalog)
        guard catalog.count == manifest.catalogSeries else {
            throw StrataError(.corruption, "catalog holds \(catalog.count) series, the manifest commits \(manifest.catalogSeries)", file: FileNames.catalog)
        }
        // Bytes past the committed length belong to a flush that never committed.
        if repair && bytes.count > manifest.catalogLength {
            try file.truncate(to: manifest.catalogLength)
            try file.sync()
        }
    }

    /// Opens the manifest's chunk files and, when repairing, removes the files of
    /// ours it does not list (never other files: an operator's copy stays).
    /// With salvage, a file that does not open is moved to quarantine/ and an
    /// edit removing it is returned.
    private static func openChunks(
        fs: any FileSystem, directory: String, manifest: Manifest, cache: BlockCache, repair: Bool, salvage: Bool
    ) throws(StrataError) -> ([ChunkFile], VersionEdit?, SalvageReport) {
        var report = SalvageReport()
        let live = Set(manifest.files.map(\.number))
        if repair {
            for name in try fs.list(joinPath(directory, FileNames.chunkDirectory)) {
                let ours = FileNames.parseChunk(name) ?? (name.hasSuffix(".chunk.tmp") ? 0 : nil)
                guard let n = ours, !live.contains(n) || name.hasSuffix(".tmp") else { continue }
                try fs.remove(joinPath(directory, "\(FileNames.chunkDirectory)/\(name)"))
            }
        }
        var files: [ChunkFile] = []
        var edit: VersionEdit?
        for meta in manifest.files {
            do throws(StrataError) {
                let file = try ChunkFile(fs: fs, directory: directory, number: meta.number, cache: cache)
                guard file.rangeFirst == meta.rangeFirst, file.rangeLast == meta.rangeLast, file.summary.points == meta.summary.points,
                      file.isMixed == meta.mixed
                else {
                    throw StrataError(.corruption, "file does not match its manifest entry", file: file.name)
                }
                files.append(file)
            } catch {
                guard salvage, error.kind == .corruption || error.kind == .unsupportedVersion || error.errno == 2 else { throw error }
                let name = FileNames.chunk(meta.number)
                let moved = try quarantine(fs: fs, directory: directory, name: name)
                report.setAside.append(.init(file: name, movedTo: moved ?? "(missing)", reason: error.description))
                report.lost.append(.init(series: nil, from: meta.summary.minTime, through: meta.summary.maxTime,
                                         points: meta.summary.points, file: name))
                if edit == nil { edit = VersionEdit() }
                edit!.removeFiles.insert(meta.number)
            }
        }
        return (files, edit, report)
    }

    /// Moves `name` into quarantine/ (never deleting it); returns its new name, or nil if it was missing.
    static func quarantine(fs: any FileSystem, directory: String, name: String) throws(StrataError) -> String? {
        let source = joinPath(directory, name)
        guard fs.exists(source) else { return nil }
        let target = try quarantineName(fs: fs, directory: directory, for: name)
        try fs.rename(source, to: joinPath(directory, target))
        try fs.syncDirectory(joinPath(directory, FileNames.quarantineDirectory))
        try fs.syncDirectory(joinPath(directory, String(name.split(separator: "/").dropLast().joined(separator: "/"))))
        return target
    }

    /// A free name in quarantine/ for `name` (creating the folder).
    private static func quarantineName(fs: any FileSystem, directory: String, for name: String) throws(StrataError) -> String {
        try fs.createDirectory(joinPath(directory, FileNames.quarantineDirectory))
        let base = String(name.split(separator: "/").last!)
        var target = "\(FileNames.quarantineDirectory)/\(base)"
        var k = 1
        while fs.exists(joinPath(directory, target)) {
            target = "\(FileNames.quarantineDirectory)/\(base).\(k)"
            k += 1
        }
        return target
    }

    /// Copies `name` into quarantine/ (the original stays, for the log to delete after a flush).
    static func quarantineCopy(fs: any FileSystem, directory: String, name: String) throws(StrataError) -> String {
        let target = try quarantineName(fs: fs, directory: directory, for: name)
        let source = try fs.open(joinPath(directory, name), .read)
        let bytes: [UInt8]
        do { defer { source.close() }; bytes = try source.readAll() }
        try fs.writeAtomically(bytes, to: joinPath(directory, target), directory: joinPath(directory, FileNames.quarantineDirectory))
        return target
    }

    /// Replays the WAL into a new memtable, defining series as records name them.
    private static func replay(
        fs: any FileSystem, directory: String, manifest: Manifest, catalog: SeriesCatalog, repair: Bool, salvage: Bool
    ) throws(StrataError) -> OpenedStore {
        var catalog = catalog
        var report = RecoveryReport()
        var unattributable: [(UInt64, WALDamage)] = []
        let memtable = MemTable(firstSegment: manifest.walStart, generation: 1)
        var attributeDevices = Set<UInt32>()
        let horizons = manifest.tiers.map(\.builtThrough)
        let result = try WALRecovery.replay(
            fs: fs, directory: directory, walStart: manifest.walStart, walLast: manifest.walLast, repair: repair, salvage: salvage
        ) { (batch, sequence, record) throws(StrataError) in
            // When salvaging, a record whose series were defined by a skipped record
            // cannot be attributed: it is skipped and reported too.
            var problem: String?
            for (id, key) in batch.newSeries where !catalog.define(id, key.deviceID, key.sensorType) {
                problem = "series \(id) (\(key)) conflicts with the catalog"
                break
            }
            if problem == nil, let id = batch.series.first(where: { Int($0) >= catalog.count }) {
                problem = "record uses series \(id), which is not defined"
            }
            if problem == nil, let d = batch.deletion, let id = d.ids.last, Int(id) >= catalog.count {
                problem = "deletion names series \(id), which is not defined"
            }
            if let problem {
                guard salvage else { throw StrataError(.corruption, problem, file: FileNames.walSegment(sequence), offset: record.start) }
                unattributable.append((sequence, WALDamage(offset: record.start, length: record.end - record.start, reason: problem + "; skipped")))
                return
            }
            memtable.apply(batch, lateBefore: horizons)
            if let change = batch.attributes { attributeDevices.insert(catalog.apply(change)) }
            report.points += batch.pointCount
        }
        report.segments = result.segments
        report.records = result.records
        report.droppedBytes = result.droppedBytes
        report.droppedRecords = result.droppedRecords
        report.closedCleanly = result.checkpointed
        var salvageReport = SalvageReport()
        var damaged: [UInt64] = []
        for (sequence, damage) in result.skipped + unattributable {
            let name = FileNames.walSegment(sequence)
            if !damaged.contains(sequence) {
                let copy = try quarantineCopy(fs: fs, directory: directory, name: name)
                salvageReport.setAside.append(.init(file: name, movedTo: copy, reason: "damaged records skipped"))
                damaged.append(sequence)
            }
            salvageReport.lost.append(.init(series: nil, from: .min, through: .max, points: nil,
                                            file: "\(name) bytes \(damage.offset)..<\(damage.offset + damage.length): \(damage.reason)"))
        }
        return OpenedStore(manifest: manifest, files: [], catalog: catalog, memtable: memtable, replay: result, recovery: report,
                           salvage: salvageReport, lock: nil, damagedSegments: damaged, attributeDevices: attributeDevices)
    }
}
