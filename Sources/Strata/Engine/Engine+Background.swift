import StrataCodecs

// Background work: the flusher, the compactor and the interval syncer, and
// the explicit `flush()` and `compact()` that wait for them.
//
// The flusher freezes the active memtable when it is due (MemTableSet's rule
// 1: full, old, or requested) and flushes the frozen one. A failed flush is
// retried with a back-off (0.1 s doubling to 5 s), at once when a writer
// starts waiting for memory, so after a full disk is freed the next write
// succeeds instead of reporting the old error.
//
// The compactor runs CompactionPolicy's plans one after the other while
// there are any: after each flush, every 10 s (windows become sealed as time
// passes), and for `compact()`. It runs beside the flusher: its outputs take
// their inputs' precedence, so a flush committed meanwhile still outranks them.

extension Engine {
    // MARK: - Flusher

    func flushLoop() {
        let age: UInt64? = options.memtableMaxAge.map { d in
            let (s, a) = d.components
            return UInt64(max(0, s)) * 1_000_000_000 + UInt64(max(0, a / 1_000_000_000))
        }
        let tick: UInt64 = min(1_000_000_000, max(1_000_000, (age ?? 1_000_000_000) / 4))
        var backoff: UInt64 = 0
        var retryAt: UInt64 = 0
        while true {
            let job: MemTable? = state.loop(timeoutNanoseconds: tick) { s -> MemTable?? in
                if s.closed { return .some(nil) }
                let now = Clock.monotonicNanoseconds()
                if s.memtables.shouldFreeze(boundBytes: options.memtableBytes, maxAgeNanoseconds: age, now: now) {
                    do throws(StrataError) { try freezeLocked(&s) } catch {
                        s.memtables.attempts += 1
                        s.memtables.lastFailure = (error, s.memtables.attempts)
                        state.broadcast()
                        return nil
                    }
                }
                guard let frozen = s.memtables.frozen else { return nil }
                if now < retryAt && !s.retryFlushNow { return nil }
                s.retryFlushNow = false
                s.memtables.attempts += 1
                return .some(frozen)
            }
            guard let frozen = job else { return }
            do throws(StrataError) {
                try flushFrozen(frozen)
                backoff = 0
                retryAt = 0
            } catch {
                backoff = min(max(backoff * 2, 100_000_000), 5_000_000_000)
                retryAt = Clock.monotonicNanoseconds() + backoff
                state.withLock { s in s.memtables.lastFailure = (error, s.memtables.attempts) }
                state.broadcast()
                emit(.backgroundError(error))
            }
        }
    }

    /// Flushes the frozen memtable and commits its files (FlushJob, then VersionSet.commit).
    private func flushFrozen(_ memtable: MemTable) throws(StrataError) {
        let started = Clock.monotonicNanoseconds()
        let base = versions.current.manifest
        let (input, attributeDevices) = state.withLock { s in
            let devices = Dictionary(uniqueKeysWithValues: memtable.seriesIDs.map { ($0, s.catalog.deviceNumber(of: $0)) })
            let newKeys = (base.catalogSeries..<s.catalog.count).map { s.catalog.key(SeriesID($0)) }
            let changed = s.attributesDirty
            return (FlushJob.Input(
                memtable: memtable, device: { devices[$0] ?? 0 }, newKeys: newKeys,
                attributes: changed.keys.sorted().map { s.catalog.attributeRecord($0) }, catalogLength: base.catalogLength,
                catalogSeries: base.catalogSeries, walStart: s.memtables.active.firstSegment, walLast: log!.sequence,
                newest: planningNewest(max(base.newestTime, memtable.points > 0 ? memtable.maxTime : .min)),
                retainedFrom: base.retainedFrom, tiers: base.tiers.count), changed)
        }
        let job = FlushJob(fs: fs, directory: directory, versions: versions, partitioning: partitioning, blockRows: options.blockRows,
                           codecOptions: codecOptions)
        let output = try job.run(input)
        try versions.commit(output.edit, opened: output.opened, install: { _ in
            state.withLock { s in
                s.latest.grow(to: s.catalog.count)
                for id in memtable.seriesIDs {
                    if let p = memtable.latest(id) { s.latest.flushed(id, p) }
                }
                s.memtables.frozenFlushed()
                for (d, count) in attributeDevices where s.attributesDirty[d] == count { s.attributesDirty[d] = nil }
                s.statistics.flushes += 1
                s.compactionWanted = true
            }
        })
        // Waiters (writers, flush()) wake after the event is out and the log cleaned.
        defer { state.broadcast() }
        // Old log segments: their batches are in committed chunk files now.
        let walStart = input.walStart
        if let names = try? fs.list(path(FileNames.walDirectory)) {
            for name in names {
                if let seq = FileNames.parseWALSegment(name), seq < walStart { try? fs.remove(path("\(FileNames.walDirectory)/\(name)")) }
            }
        }
        emit(.flushed(points: memtable.points, files: output.files, bytes: output.bytes,
                      milliseconds: Double(Clock.monotonicNanoseconds() - started) / 1e6))
        releaseFreeMemory()
    }

    /// Writes everything in memory now to chunk files and waits for it (memtables
    /// that fill meanwhile are not waited for: the wait is bounded under load).
    func flush() throws(StrataError) {
        try checkWritable()
        let (target, start) = try state.withLock { (s) throws(StrataError) -> (UInt64, UInt64) in
            try checkOpen(s)
            let target = s.memtables.newestWithData
            s.memtables.requestedThrough = max(s.memtables.requestedThrough, target)
            s.retryFlushNow = true
            return (target, s.memtables.attempts)
        }
        state.broadcast()
        try state.loop { (s) throws(StrataError) -> Void? in
            if s.memtables.flushedThrough >= target { return () }
            if let failure = s.memtables.lastFailure, failure.attempt > start { throw failure.error.relative(to: directory) }
            try checkOpen(s)
            return nil
        }
    }

    // MARK: - Compactor

    func compactionLoop() {
        var lastCheck: UInt64 = 0
        var backoffUntil: UInt64 = 0
        while true {
            let work: (full: Bool, ticket: UInt64)? = state.loop(timeoutNanoseconds: 1_000_000_000) { s -> (full: Bool, ticket: UInt64)?? in
                if s.closed { return .some(nil) }
                let now = Clock.monotonicNanoseconds()
                if s.fullRequested > s.fullDone {
                    s.compacting = true
                    return .some((true, s.fullRequested))
                }
                guard options.compactionTrigger > 0, now >= backoffUntil else { return nil }
                if s.compactionWanted || now - lastCheck >= 10_000_000_000 {
                    s.compactionWanted = false
                    s.compacting = true
                    lastCheck = now
                    return .some((false, 0))
                }
                return nil
            }
            guard let work else { return }
            var failure: StrataError?
            do throws(StrataError) { try applyRetention() } catch { failure = error }
            var rounds = 0
            while failure == nil && rounds < 100_000 {
                rounds += 1
                if state.withLock({ $0.closed }) { break }
                let version = versions.current
                let plan = policy.plan(files: version.manifest.files, tombstones: version.tombstones,
                                       newest: planningNewest(version.manifest.newestTime), full: work.full,
                                       retainedFrom: version.manifest.retainedFrom)
                guard let plan else { break }
                do throws(StrataError) {
                    try runCompaction(plan, on: version)
                } catch {
                    failure = error
                    break
                }
            }
            // Tiers: new buckets and stale rows; all of it, and the tiers' own compaction,
            // for compact().
            if failure == nil && !tierStores.isEmpty && !state.withLock({ $0.closed }) {
                do throws(StrataError) {
                    if work.full {
                        try buildTiers()
                        for t in tierStores { try t.engine.compact() }
                    } else if try buildTiers(steps: 16) {
                        state.withLock { $0.compactionWanted = true }
                    }
                } catch {
                    failure = error
                }
            }
            state.withLock { s in
                s.compacting = false
                if work.full {
                    if let failure { s.fullError = (failure, work.ticket) }
                    s.fullDone = max(s.fullDone, work.ticket)
                }
            }
            state.broadcast()
            if let failure {
                backoffUntil = Clock.monotonicNanoseconds() + 1_000_000_000
                emit(.backgroundError(failure))
            }
            releaseFreeMemory()
        }
    }

    private func runCompaction(_ plan: CompactionPolicy.Plan, on version: Version) throws(StrataError) {
        let started = Clock.monotonicNanoseconds()
        let devices = state.withLock { $0.catalog.seriesDevice }
        let compactor = Compactor(fs: fs, directory: directory, versions: versions, blockRows: options.blockRows,
                                  codecOptions: codecOptions, coldLevel: options.coldCompression?.level ?? 9)
        let output = try compactor.run(plan, on: version) { id in Int(id) < devices.count ? devices[Int(id)] : 0 }
        // A deletion committed meanwhile that hides points of an input: the outputs may hold
        // them and would not be hidden (they are numbered above its boundary). Drop them; the
        // policy plans again from the new version.
        let known = Set(version.tombstones.filter(\.isDeletion).map(\.below.precedence))
        let inputs = version.files.filter { output.inputs.contains($0.meta.number) }.map(\.meta)
        let committed = try versions.commit(output.edit, opened: output.opened, abortIf: { current in
            current.tombstones.contains { t in t.isDeletion && !known.contains(t.below.precedence) && inputs.contains { t.applies(to: $0) } }
        })
        guard committed != nil else { return }
        state.withLock { $0.statistics.compactions += 1 }
        emit(.compacted(inputFiles: output.inputFiles, outputFiles: output.opened.count, bytesBefore: output.bytesBefore,
                        bytesAfter: output.bytesAfter, milliseconds: Double(Clock.monotonicNanoseconds() - started) / 1e6))
    }

    /// Flushes, then compacts until nothing is left to merge: each window one
    /// file, at most one mixed file, cold windows re-packed; and waits.
    func compact() throws(StrataError) {
        try flush()
        let ticket = try state.withLock { (s) throws(StrataError) -> UInt64 in
            try checkOpen(s)
            s.fullRequested += 1
            return s.fullRequested
        }
        state.broadcast()
        try state.loop { (s) throws(StrataError) -> Void? in
            if s.fullDone >= ticket {
                if let e = s.fullError, e.ticket >= ticket { throw e.error.relative(to: directory) }
                return ()
            }
            try checkOpen(s)
            return nil
        }
    }

    // MARK: - Syncer

    func syncLoop(every nanoseconds: UInt64) {
        while true {
            let stop = state.wait(until: { $0.closed }, timeoutNanoseconds: nanoseconds) { $0.closed }
            if stop { return }
            try? log?.syncAll()
        }
    }
}
