import StrataCodecs

// The engine behind `Store`: a coordinator of four parts, each owning its
// state:
//
//   CommitLog   (WAL/)      the group-commit log: appends, fsyncs, rotation
//   MemTableSet (MemTable/) the active and frozen memtables and the flush flags
//   VersionSet  (Version/)  the durable state: live files, tombstones, commits
//   SeriesCatalog (Index/)  series names and ids
//
// and three background threads: the flusher (freezes and flushes memtables,
// retrying failures), the compactor (runs CompactionPolicy's plans through
// Compactor) and, under `.interval`, the syncer.
//
// Write path: Store.write -> Engine.write (catalog, WAL record, memtable,
// group commit) -> FlushJob (chunk files, catalog) -> VersionSet.commit.
// Read path: Store -> Engine.snapshot (version + memtables, under the lock)
// -> SeriesScan (Query/) -> decode -> merge, newest winning per timestamp.
//
// Thread safety: `state` (a ConditionLock) guards the catalog and the
// memtables; a batch is logged and applied under it, so log order is
// memtable order. Fsyncs, encoding, flushes, compactions and reads run
// outside it. Lock order: VersionSet's commit lock, then `state`, then the
// CommitLog's lock.
//
// Invariants (checked by tests; `verify()` checks the files):
//  1. The frozen memtable's batches are in WAL segments below the active
//     memtable's first segment; the manifest's walStart never passes a
//     segment holding unflushed batches.
//  2. A series' definition is in the catalog file or in a WAL record at or
//     before the first record that uses it (`loggedThrough`).
//  3. Memtables are newer than every chunk file; between files, the larger
//     (precedence, number) wins.

final class Engine: @unchecked Sendable {
    struct State {
        var catalog: SeriesCatalog
        /// Series below this id are defined in the catalog file or in a WAL record
        /// already appended; the next record defines the rest (invariant 2).
        var loggedThrough: Int
        var memtables: MemTableSet
        /// Per series, the newest point in chunk files (learned on demand, kept by flushes).
        var latest: LatestTable
        var closed = false
        var statistics = StoreStatistics()
        /// The flusher should retry a failed flush now rather than after its back-off.
        var retryFlushNow = false
        /// Compaction: work may be waiting; full-compaction requests and how far they are served.
        var compactionWanted = true
        var fullRequested: UInt64 = 0
        var fullDone: UInt64 = 0
        var fullError: (error: StrataError, ticket: UInt64)?
        var compacting = false
        /// The last retention run could not meet the disk limit (reported once).
        var reportedOverBudget = false
        /// Per tier, the horizon the builder is building to (Int64.min when idle).
        var tierBuilding: [Int64] = []
        /// Devices whose attributes changed since the catalog file last recorded them,
        /// with a count of changes (a flush clears a device only if none came meanwhile).
        var attributesDirty: [UInt32: Int] = [:]
    }

    let directory: String
    let fs: any FileSystem
    let options: Options
    let readOnly: Bool
    let resolution: TimestampResolution
    let partitioning: Partitioning
    let policy: CompactionPolicy
    let codecOptions = CodecOptions.default
    let state: ConditionLock<State>
    let log: CommitLog?
    let versions: VersionSet
    let cache: BlockCache
    private(set) var recovery: RecoveryReport
    private(set) var salvage: SalvageReport
    private let lock: (any FileLock)?
    private var threads: [BackgroundThread] = []
    /// Downsampling tiers, finest first (the manifest's order).
    let tierStores: [TierStore]

    var partitionDuration: Int64 { partitioning.duration }

    func path(_ name: String) -> String { joinPath(directory, name) }

    func emit(_ event: StoreEvent) {
        guard let handler = options.eventHandler else { return }
        if case .backgroundError(let e) = event {
            handler(.backgroundError(e.relative(to: directory)))
        } else {
            handler(event)
        }
    }

    /// Opens (or creates) the store in `directory` and replays its log.
    init(directory: String, options: Options) throws(StrataError) {
        let start = Clock.monotonicNanoseconds()
        try options.validate()
        guard !directory.isEmpty, !directory.utf8.contains(0) else {
            throw StrataError(.invalidArgument, "the store path is empty or holds a NUL byte")
        }
        self.directory = directory
        self.options = options
        readOnly = options.readOnly
        fs = options.fileSystem
        cache = BlockCache(capacity: options.cacheBytes)
        let opened = try StoreOpening.open(directory: directory, options: options, cache: cache)
        lock = opened.lock
        resolution = opened.manifest.resolution
        partitioning = Partitioning(duration: opened.manifest.partitionDuration)
        var maxLevel = 8
        if let limit = options.maxPartitionDuration {
            maxLevel = 0
            while let w = partitioning.width(level: maxLevel + 1), w <= limit { maxLevel += 1 }
        }
        var coldAfter: Int64?
        if let cold = options.coldCompression {
            let (d, overflow) = Int64(cold.afterPartitions).multipliedReportingOverflow(by: partitioning.duration)
            coldAfter = overflow ? nil : d
        }
        policy = CompactionPolicy(partitioning: partitioning, trigger: options.compactionTrigger, blockRows: options.blockRows,
                                  maxLevel: maxLevel, coldAfter: coldAfter)
        versions = VersionSet(fs: fs, directory: directory, cache: cache, manifest: opened.manifest, files: opened.files)
        var s = State(catalog: opened.catalog, loggedThrough: opened.catalog.count, memtables: MemTableSet(active: opened.memtable),
                      latest: LatestTable(unknown: opened.catalog.count))
        for d in opened.attributeDevices { s.attributesDirty[d] = 1 }
        s.statistics.series = opened.catalog.count
        state = ConditionLock(s)
        salvage = opened.salvage
        recovery = opened.recovery
        // Tiers: a store each, under tiers/<width>/.
        var stores: [TierStore] = []
        do throws(StrataError) {
            if !opened.manifest.tiers.isEmpty && !readOnly {
                let root = joinPath(directory, FileNames.tierDirectory)
                if !fs.exists(root) {
                    try fs.createDirectory(root)
                    try fs.syncDirectory(directory)
                }
            }
            for t in opened.manifest.tiers {
                let tierOptions = TierSetup.options(options, resolution: opened.manifest.resolution,
                                                    partitionDuration: opened.manifest.partitionDuration, keep: t.keep)
                stores.append(TierStore(width: t.width, engine: try Engine(directory: TierStore.directory(directory, width: t.width), options: tierOptions)))
            }
        } catch {
            for s in stores { try? s.engine.close() }
            opened.lock?.release()
            throw error
        }
        tierStores = stores
        if readOnly {
            log = nil
        } else {
            do throws(StrataError) {
                // New writes go to a fresh segment; replayed ones stay where they are until flushed.
                let sequence = max(opened.replay.lastSequence + 1, opened.manifest.walStart, opened.manifest.walLast + 1)
                let previous = opened.replay.lastSequence + 1 == sequence ? opened.replay.lastLength : 0
                log = CommitLog(writer: try WALWriter(fs: fs, directory: directory, sequence: sequence, previousDurable: previous))
            } catch {
                for t in tierStores { try? t.engine.close() }
                opened.lock?.release()
                throw error
            }
        }
        if let log, versions.current.manifest.walLast < log.sequence {
            // The manifest names the segment now taking writes, so that its loss (or the
            // loss of the whole wal/ folder) is detected at the next open.
            do throws(StrataError) {
                var edit = VersionEdit()
                edit.walLast = log.sequence
                try versions.commit(edit, opened: [])
            } catch {
                try? log.close(checkpoint: false)
                for t in tierStores { try? t.engine.close() }
                opened.lock?.release()
                throw error
            }
        }
        if options.salvage {
            var report = salvage
            do throws(StrataError) { try salvageDamagedBlocks(into: &report) } catch {
                try? log?.close(checkpoint: false)
                for t in tierStores { try? t.engine.close() }
                opened.lock?.release()
                throw error
            }
            salvage = report
        }
        recovery.milliseconds = Double(Clock.monotonicNanoseconds() - start) / 1e6
        if !readOnly { startThreads() }
        if !opened.damagedSegments.isEmpty {
            // Salvage: the replayed batches go to chunk files now, so the damaged
            // segments (copied to quarantine/ at open) are never replayed again.
            do throws(StrataError) {
                try flush()
                // Even when every damaged record was skipped (nothing to flush), the log
                // now starts at the segment taking writes: the damaged ones are never replayed again.
                var edit = VersionEdit()
                edit.walStart = log!.sequence
                try versions.commit(edit, opened: [])
                for seq in try WALRecovery.segments(fs: fs, directory: directory, repair: false) where seq < log!.sequence {
                    try fs.remove(path(FileNames.walSegment(seq)))
                }
            } catch {
                try? close()
                throw error
            }
        }
        emit(.opened(recovery))
    }

    private func startThreads() {
        let flusher = BackgroundThread(name: "strata-flush")
        flusher.submit { [self] in flushLoop() }
        threads.append(flusher)
        let compactor = BackgroundThread(name: "strata-compact")
        compactor.submit { [self] in compactionLoop() }
        threads.append(compactor)
        if case .interval(let ms) = options.sync {
            let syncer = BackgroundThread(name: "strata-sync")
            syncer.submit { [self] in syncLoop(every: UInt64(ms) * 1_000_000) }
            threads.append(syncer)
        }
    }

    /// Throws if the store is closed.
    func checkOpen(_ s: State) throws(StrataError) {
        if s.closed { throw StrataError(.closed, "the store is closed") }
    }

    /// Throws if the store is read-only.
    func checkWritable() throws(StrataError) {
        if readOnly { throw StrataError(.readOnly, "the store was opened read-only") }
    }

    /// The newest timestamp to plan with: the data's, but never more than a
    /// partition past the wall clock (one absurd future reading must not make
    /// every partition look old).
    func planningNewest(_ dataNewest: Int64) -> Int64 {
        let now = options.wallClock() * Double(resolution.unitsPerSecond)
        let cap: Int64 = now >= 9.2e18 ? .max : (now <= -9.2e18 ? .min : Int64(now))
        let (limit, overflow) = cap.addingReportingOverflow(partitioning.duration)
        return min(dataNewest, overflow ? .max : limit)
    }

    /// Closes: later calls fail with `.closed`; memory is flushed (unless
    /// `flushOnClose` is off), background work finished, the log synced and
    /// checkpointed, the directory released. Closing again does nothing.
    func close() throws(StrataError) {
        let first = state.withLock { !$0.closed }
        guard first else { return }
        var failure: StrataError?
        if !readOnly && options.flushOnClose {
            do throws(StrataError) { try flush() } catch { failure = error }
        }
        state.withLock { $0.closed = true }
        state.broadcast()
        for t in threads { t.stop() }
        threads = []
        if let log {
            do throws(StrataError) { try log.close(checkpoint: true) } catch { failure = failure ?? error }
        }
        lock?.release()
        for t in tierStores {
            do throws(StrataError) { try t.engine.close() } catch { failure = failure ?? error }
        }
        if let failure { throw failure.relative(to: directory) }
    }
}
