import StrataCodecs
#if canImport(Glibc)
import Glibc
#endif

// The engine behind `Store`: its state, and opening (recovery).
//
// Write path: Store.write -> Engine+Write (catalog, WAL record, memtable,
// group commit) -> Maintenance/Flush (chunk files, catalog, manifest).
// Read path: Store.read -> Engine+Read (catalog, chunk files pruned by
// time, memtables) -> merged, newest source winning per timestamp.
//
// Thread safety: everything mutable lives in `state`, a ConditionLock. The
// WAL is appended and the memtable written under it; fsyncs, encoding,
// chunk reads and flushes run outside it. Flushes and compactions run one at
// a time on the background thread, so file numbers follow data age.
//
// Invariants (checked by tests; `verify()` checks the files):
//  1. Every chunk file in `state.chunks` is in the last written manifest.
//  2. The frozen memtable's batches are in WAL segments below the active
//     memtable's first segment; the manifest's walStart never passes a
//     segment holding unflushed batches.
//  3. A series' definition is in the catalog file or in a WAL record at or
//     before the first record that uses it (`state.logged`).
//  4. Files ordered by number hold data ordered by age: a later file's point
//     replaces an earlier file's point at the same timestamp; memtables are
//     newer than every file, the active newer than the frozen.

final class Engine: @unchecked Sendable {
    struct State {
        var catalog = SeriesCatalog()
        /// Series below this id are defined in the catalog file or in a WAL record
        /// already appended; the next record defines the rest (invariant 3).
        var loggedThrough = 0
        var active: MemTable
        var frozen: MemTable?
        var chunks: [ChunkFile] = []
        var manifest: Manifest
        var wal: WALWriter
        var written: WALPosition
        var synced: WALPosition
        var syncing = false
        /// After an fsync failed: records up to here are in doubt and their writers were
        /// told so; the log moves to a new segment before the next append.
        var failedThrough: WALPosition?
        var walBroken = false
        var flushQueued = false
        var flushError: StrataError?
        var closed = false
        var statistics = StoreStatistics()
    }

    let directory: String
    let fs: any FileSystem
    let options: Options
    let codecOptions = CodecOptions.default
    let state: ConditionLock<State>
    let worker: BackgroundThread
    private(set) var syncer: BackgroundThread?
    let recovery: RecoveryReport
    private let lock: any FileLock

    var resolution: TimestampResolution { state.withLock { $0.manifest.resolution } }
    let partitionDuration: Int64

    func path(_ name: String) -> String { joinPath(directory, name) }

    func emit(_ event: StoreEvent) { options.eventHandler?(event) }

    /// Opens (or creates) the store in `directory` and replays its log.
    init(directory: String, options: Options) throws(StrataError) {
        let start = Clock.monotonicNanoseconds()
        self.directory = directory
        self.options = options
        fs = options.fileSystem
        guard options.blockRows >= 64 && options.blockRows <= 65536 else {
            throw StrataError(.invalidArgument, "blockRows \(options.blockRows) is outside 64...65536")
        }
        guard options.memtableBytes >= 1 << 16 else { throw StrataError(.invalidArgument, "memtableBytes \(options.memtableBytes) is below 64 KiB") }
        if let d = options.partitionDuration, d <= 0 { throw StrataError(.invalidArgument, "partitionDuration \(d) must be positive") }
        if case .interval(let ms) = options.sync, ms <= 0 { throw StrataError(.invalidArgument, "sync interval \(ms) ms must be positive") }
        if !fs.exists(directory) {
            guard options.createIfMissing else { throw StrataError(.invalidArgument, "no store at \(directory)") }
            try fs.createDirectory(directory)
        }
        lock = try fs.lock(joinPath(directory, FileNames.lock))
        do throws(StrataError) {
            try Self.writeLockOwner(fs: fs, directory: directory)
            try fs.createDirectory(joinPath(directory, FileNames.walDirectory))
            try fs.createDirectory(joinPath(directory, FileNames.chunkDirectory))
            var manifest = try Self.loadOrCreateManifest(fs: fs, directory: directory, options: options)
            partitionDuration = manifest.partitionDuration
            var catalog = SeriesCatalog()
            try Self.loadCatalog(fs: fs, directory: directory, manifest: manifest, into: &catalog)
            let chunks = try Self.openChunks(fs: fs, directory: directory, manifest: manifest)
            var report = RecoveryReport()
            let memtable = MemTable(firstSegment: manifest.walStart)
            let lastSegment = try Self.replay(fs: fs, directory: directory, manifest: manifest, catalog: &catalog, into: memtable, report: &report)
            // New writes go to a fresh segment; replayed ones stay where they are until flushed.
            let wal = try WALWriter(fs: fs, directory: directory, sequence: max(lastSegment + 1, manifest.walStart))
            if manifest.nextFileNumber == 0 { manifest.nextFileNumber = 1 }
            var s = State(active: memtable, manifest: manifest, wal: wal, written: wal.position, synced: wal.position)
            s.catalog = catalog
            s.loggedThrough = catalog.count
            s.chunks = chunks
            s.statistics.series = catalog.count
            state = ConditionLock(s)
            report.milliseconds = Double(Clock.monotonicNanoseconds() - start) / 1e6
            recovery = report
        } catch {
            lock.release()
            throw error
        }
        worker = BackgroundThread(name: "strata-background")
        if case .interval(let ms) = options.sync {
            let syncer = BackgroundThread(name: "strata-sync")
            self.syncer = syncer
            scheduleIntervalSync(syncer, every: UInt64(ms) * 1_000_000)
        }
        emit(.opened(recovery))
        if memtableFull() { requestFlush() }
    }

    /// LOCK holds "strata <pid>\n" for operators wondering who holds the store.
    private static func writeLockOwner(fs: any FileSystem, directory: String) throws(StrataError) {
        let file = try fs.open(joinPath(directory, FileNames.lock), .readWrite)
        defer { file.close() }
        try file.truncate(to: 0)
        try file.write(Array("strata \(getpid())\n".utf8), at: 0)
    }

    /// Reads MANIFEST, or creates a new store (catalog header, then manifest).
    private static func loadOrCreateManifest(fs: any FileSystem, directory: String, options: Options) throws(StrataError) -> Manifest {
        let manifestPath = joinPath(directory, FileNames.manifest)
        if fs.exists(manifestPath) {
            let file = try fs.open(manifestPath, .read)
            defer { file.close() }
            let m = try Manifest.decode(try file.readAll())
            if let r = options.resolution, r != m.resolution {
                throw StrataError(.invalidArgument, "the store uses \(m.resolution) timestamps; the options ask for \(r)")
            }
            if let d = options.partitionDuration, d != m.partitionDuration {
                throw StrataError(.invalidArgument, "the store's partitions are \(m.partitionDuration) units long; the options ask for \(d)")
            }
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

    private static func loadCatalog(fs: any FileSystem, directory: String, manifest: Manifest, into catalog: inout SeriesCatalog) throws(StrataError) {
        let file = try fs.open(joinPath(directory, FileNames.catalog), .readWrite)
        defer { file.close() }
        let bytes = try file.readAll()
        try CatalogFile.load(bytes, committed: manifest.catalogLength, into: &catalog)
        guard catalog.count == manifest.catalogSeries else {
            throw StrataError(.corruption, "catalog holds \(catalog.count) series, the manifest commits \(manifest.catalogSeries)", file: FileNames.catalog)
        }
        // Bytes past the committed length belong to a flush that never committed.
        if bytes.count > manifest.catalogLength {
            try file.truncate(to: manifest.catalogLength)
            try file.sync()
        }
    }

    /// Opens the manifest's chunk files and removes files it does not list.
    private static func openChunks(fs: any FileSystem, directory: String, manifest: Manifest) throws(StrataError) -> [ChunkFile] {
        let live = Set(manifest.chunks.map(\.number))
        for name in try fs.list(joinPath(directory, FileNames.chunkDirectory)) {
            if let n = FileNames.parseChunk(name), live.contains(n) { continue }
            try fs.remove(joinPath(directory, "\(FileNames.chunkDirectory)/\(name)"))
        }
        var chunks: [ChunkFile] = []
        for c in manifest.chunks.sorted(by: { $0.number < $1.number }) {
            let chunk = try ChunkFile(fs: fs, directory: directory, number: c.number)
            guard chunk.partitionStart == c.partitionStart, chunk.summary.points == c.summary.points else {
                throw StrataError(.corruption, "file does not match its manifest entry", file: chunk.name)
            }
            chunks.append(chunk)
        }
        return chunks
    }

    /// Replays WAL segments from the manifest's walStart into `memtable`; returns the last sequence seen.
    private static func replay(
        fs: any FileSystem, directory: String, manifest: Manifest, catalog: inout SeriesCatalog, into memtable: MemTable,
        report: inout RecoveryReport
    ) throws(StrataError) -> UInt64 {
        let walDir = joinPath(directory, FileNames.walDirectory)
        var segments: [UInt64] = []
        for name in try fs.list(walDir) {
            guard let seq = FileNames.parseWALSegment(name) else {
                if name.hasSuffix(".tmp") { try fs.remove(joinPath(walDir, name)) }
                continue
            }
            if seq < manifest.walStart {
                try fs.remove(joinPath(walDir, name))  // flushed already; its deletion was interrupted
            } else {
                segments.append(seq)
            }
        }
        segments.sort()
        for (i, seq) in segments.enumerated() where i > 0 && seq != segments[i - 1] + 1 {
            throw StrataError(.corruption, "WAL segment \(segments[i - 1] + 1) is missing before \(seq)", file: FileNames.walSegment(seq))
        }
        for (i, seq) in segments.enumerated() {
            let isLast = i == segments.count - 1
            let file = try fs.open(joinPath(directory, FileNames.walSegment(seq)), .readWrite)
            defer { file.close() }
            let bytes = try file.readAll()
            let result = try WALReader.scan(bytes, sequence: seq, isLast: isLast) { (batch) throws(StrataError) in
                for (id, key) in batch.newSeries where !catalog.define(id, key.deviceID, key.sensorType) {
                    throw StrataError(.corruption, "series \(id) (\(key)) conflicts with the catalog", file: FileNames.walSegment(seq))
                }
                for id in batch.series where Int(id) >= catalog.count {
                    throw StrataError(.corruption, "record uses series \(id), which is not defined", file: FileNames.walSegment(seq))
                }
                memtable.apply(batch)
                report.points += batch.pointCount
            }
            report.segments += 1
            report.records += result.records
            if result.validLength < WALFormat.headerSize {
                // Created but its header never reached the disk: it holds nothing. Remove
                // it and reuse its number, or it would be a torn segment that is not last.
                report.droppedBytes += result.droppedBytes
                file.close()
                try fs.remove(joinPath(directory, FileNames.walSegment(seq)))
                try fs.syncDirectory(walDir)
                return seq - 1
            }
            if result.droppedBytes > 0 {
                report.droppedBytes += result.droppedBytes
                report.droppedRecords += result.droppedRecords
                try file.truncate(to: result.validLength)
                try file.sync()
            }
        }
        return segments.last ?? 0
    }

    // MARK: - Helpers

    /// The start of the partition holding `t` (the first partition absorbs what would overflow).
    func partitionStart(_ t: Int64) -> Int64 {
        let d = partitionDuration
        var q = t / d
        if t % d != 0 && t < 0 { q -= 1 }
        let (start, overflow) = q.multipliedReportingOverflow(by: d)
        return overflow ? Int64.min : start
    }

    func memtableFull() -> Bool {
        state.withLock { $0.active.bytes >= options.memtableBytes }
    }

    /// Throws if the store is closed.
    func checkOpen(_ s: State) throws(StrataError) {
        if s.closed { throw StrataError(.closed, "the store is closed") }
    }

    private func scheduleIntervalSync(_ syncer: BackgroundThread, every nanoseconds: UInt64) {
        syncer.submit { [weak self] in
            while let self {
                let stop = self.state.wait(until: { $0.closed }, timeoutNanoseconds: nanoseconds) { $0.closed }
                if stop { return }
                let target = self.state.withLock { $0.written }
                try? self.syncLog(through: target)
            }
        }
    }

    /// Closes: later calls fail with `.closed`; the log is synced, background work finished.
    func close() throws(StrataError) {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        guard first else { return }
        state.broadcast()
        syncer?.stop()
        worker.stop()
        var failure: StrataError?
        do throws(StrataError) {
            let target = state.withLock { $0.written }
            try syncLog(through: target)
        } catch { failure = error }
        state.withLock { s in
            s.wal.close()
            s.chunks = []
        }
        lock.release()
        if let failure { throw failure }
    }
}
