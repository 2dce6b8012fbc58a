/// How a store behaves. Every option documents its default and its trade-off;
/// out-of-range values are rejected when the store opens.
///
/// ```swift
/// var options = Options()
/// options.sync = .interval(milliseconds: 50)     // group commit every 50 ms
/// options.memtableBytes = 16 << 20                 // a small gateway
/// let store = try Store(at: "/var/lib/gateway/strata", options: options)
/// ```
public struct Options: Sendable {
    /// Timestamp unit. Fixed when the store is created; `nil` (the default)
    /// means milliseconds for a new store and the stored unit for an existing
    /// one. Opening a store with a different unit is an error.
    public var resolution: TimestampResolution?

    /// Length of the store's base time partition, in timestamp units. Fixed
    /// when the store is created; `nil` (the default) means one day for a new
    /// store and the stored length for an existing one.
    ///
    /// The default suits every data rate: fast data stays in files of one
    /// partition, while the files of slow data (hourly readings, say) are
    /// merged into aligned windows of 2, 4, 8, ... partitions once they are
    /// sealed, until each holds about one to two blocks per series or
    /// ``maxPartitionDuration`` is reached. Sparse or late data is kept in
    /// one mixed file per flush, whatever the spread of its timestamps.
    public var partitionDuration: Int64?

    /// The longest window that merging sparse partitions builds (default
    /// `nil`: 256 partitions). Longer windows compress slow data slightly
    /// better; retention drops whole files and hides the rest of a file until
    /// it is rewritten.
    public var maxPartitionDuration: Int64?

    /// Bound on the memtable, in bytes (default 64 MiB, at least 64 KiB).
    /// When it is full it is frozen and flushed in the background while a
    /// new one takes writes; if the flush falls behind, writers wait until it
    /// is done.
    ///
    /// Memory: at most two memtables exist (the active one and the one being
    /// flushed), so the store's peak is about twice this, plus flush and
    /// compaction working sets (one device's points of one file at a time),
    /// the block cache (``cacheBytes``), the tables of open chunk files (a few
    /// dozen bytes per series per file) and the catalog (about 100 bytes per
    /// series). Smaller values mean smaller, more frequent flushes and more
    /// compaction work.
    public var memtableBytes: Int = 64 << 20

    /// The memtable is flushed when its first point is this old, even if it
    /// is not full (default 10 minutes; `nil`: only when full). A gateway
    /// receiving a few readings a minute then keeps minutes, not days, of
    /// data in its log and memory; a shorter age means more, smaller files
    /// (which compaction merges).
    public var memtableMaxAge: Duration? = .seconds(600)

    /// Flush the memtable when the store is closed (default `true`), so the
    /// next open replays nothing. `false` closes faster; the log keeps the data.
    public var flushOnClose: Bool = true

    /// When a write becomes durable (default `.everyBatch`).
    public var sync: SyncPolicy = .everyBatch

    /// Re-pack old partitions as one zstd frame when compaction rewrites them
    /// and that is smaller (default `nil`: never). Reading a re-packed file
    /// decompresses its data region, which stays in the block cache
    /// (``cacheBytes``) while it is used.
    public var coldCompression: ColdCompression?

    /// Rows per block in chunk files (default 1024, from 64 to 65536). Blocks
    /// are the unit of decoding and of block statistics: larger blocks
    /// compress slightly better, smaller ones let queries skip more.
    public var blockRows: Int = 1024

    /// Size at which the write-ahead log moves to a new segment (default
    /// 64 MiB, from 4 KiB to 1 GiB).
    public var walSegmentBytes: Int = 64 << 20

    /// Files in one window still receiving data (or mixed files) that trigger
    /// a merge in the background (default 8, from 2 to 64; 0 turns automatic
    /// compaction off). A window that is sealed (its partitions are past) is
    /// merged as soon as it has two files, so each point is rewritten about
    /// once; a lower trigger means fewer files to read in the current
    /// partition, a higher one less rewriting while it fills.
    public var compactionTrigger: Int = 8

    /// Bytes of parsed chunk indexes and decompressed cold data kept in memory
    /// (default 32 MiB). A larger cache helps queries that revisit many files.
    public var cacheBytes: Int = 32 << 20

    /// Drop raw points older than this, in timestamp units, before the
    /// newest data (default `nil`: keep everything). Checked in the
    /// background every few seconds and by ``Store/applyRetention()``: whole
    /// files go at once, points of files that straddle the cutoff are hidden
    /// at once and removed when compaction rewrites them. Downsampling tiers
    /// (``tiers``) keep their rows by their own ``Tier/keep``, so long
    /// ranges stay answerable after raw data is gone.
    public var retention: Int64?

    /// Keep the store's files under this many bytes (default `nil`: no
    /// limit) by dropping the oldest raw data first: edge gateways with
    /// small disks. The partition holding the newest data is never dropped;
    /// when the limit cannot be met without it, a ``StoreEvent/retention(cutoff:droppedFiles:overBudget:)``
    /// event says so.
    public var maxDiskBytes: Int?

    /// Downsampling tiers (default `nil`: the tiers the store has, none for a
    /// new store). Each tier keeps, per series and bucket of its width, what
    /// every aggregate needs (count, sum, M2, minimum, maximum, first and
    /// last with their times), built in the background as data is flushed and
    /// rebuilt where late points or deletes land. An aggregation whose bucket
    /// is a multiple of a tier's width (and aligned with it) reads the
    /// coarsest such tier where it is complete, and raw data elsewhere; the
    /// result is the same. A tier outlives raw ``retention`` by its own
    /// ``Tier/keep``. Giving a list changes the store's tiers: new ones are
    /// built from the raw data still kept, removed ones are deleted.
    ///
    /// ```swift
    /// options.tiers = [Tier(width: 60_000, keep: 90 * 86_400_000),      // 1 minute, 90 days
    ///                  Tier(width: 3_600_000, keep: 5 * 365 * 86_400_000)] // 1 hour, 5 years
    /// ```
    public var tiers: [Tier]?

    /// Threads one aggregation may use (default 0: one per processor). Large
    /// queries split their series into fixed chunks of 64, so results do not
    /// depend on the number of threads; small ones run on the caller's thread.
    public var queryThreads: Int = 0

    /// Create the directory and the store when missing (default `true`).
    /// A directory that exists and holds other files is never made a store.
    public var createIfMissing: Bool = true

    /// Open for reading only (default `false`). A read-only store takes no
    /// lock and writes nothing, so it can look at a store that another
    /// process (a running gateway service) holds: it sees the chunk files and
    /// the log up to its last complete record, and ``Store/refresh()`` catches
    /// up with the writer.
    public var readOnly: Bool = false

    /// Open a damaged store by setting damaged files aside (default `false`).
    /// A chunk file that cannot be read, or a log segment with damaged synced
    /// records, is moved to the store's `quarantine/` folder (never deleted)
    /// and ``Store/salvage`` says what was lost, by device, sensor and time
    /// range. Without it, such damage makes opening fail with an error naming
    /// the file.
    public var salvage: Bool = false

    /// Called for notable events (recovery, flushes, compactions, errors in
    /// background work), for logs and metrics. Runs on the thread that caused
    /// the event; keep it short.
    public var eventHandler: (@Sendable (StoreEvent) -> Void)?

    /// The file system: POSIX unless tests inject another one.
    package var fileSystem: any FileSystem = POSIXFileSystem()

    /// The largest log record a batch may make (tests lower it; readers accept up to `WALFormat.maxRecordSize`).
    package var maxRecordBytes: Int = WALFormat.maxRecordSize

    /// The wall clock in seconds since the epoch (tests fix it).
    package var wallClock: @Sendable () -> Double = { Clock.wallSeconds() }

    /// Creates options with every default.
    public init() {}

    /// Throws ``StrataError/Kind/invalidArgument`` naming the first option out of range.
    func validate() throws(StrataError) {
        func fail(_ reason: String) -> StrataError { StrataError(.invalidArgument, reason) }
        guard blockRows >= 64 && blockRows <= 65536 else { throw fail("blockRows \(blockRows) is outside 64...65536") }
        guard memtableBytes >= 1 << 16 else { throw fail("memtableBytes \(memtableBytes) is below 64 KiB") }
        guard walSegmentBytes >= 1 << 12 && walSegmentBytes <= 1 << 30 else { throw fail("walSegmentBytes \(walSegmentBytes) is outside 4 KiB...1 GiB") }
        guard compactionTrigger == 0 || (compactionTrigger >= 2 && compactionTrigger <= 64) else {
            throw fail("compactionTrigger \(compactionTrigger) must be 0 (off) or 2...64")
        }
        if let r = retention, r <= 0 { throw fail("retention \(r) must be positive") }
        if let b = maxDiskBytes, b <= 0 { throw fail("maxDiskBytes \(b) must be positive") }
        if let tiers {
            guard tiers.count <= Tier.maxTiers else { throw fail("\(tiers.count) tiers; at most \(Tier.maxTiers)") }
            for t in tiers {
                guard t.width > 0, t.width <= Tier.maxWidth else { throw fail("tier width \(t.width) is outside 1...\(Tier.maxWidth)") }
                if let k = t.keep, k <= 0 { throw fail("tier keep \(k) must be positive") }
            }
            guard Set(tiers.map(\.width)).count == tiers.count else { throw fail("two tiers have the same width") }
        }
        guard queryThreads >= 0 else { throw fail("queryThreads \(queryThreads) is negative") }
        guard cacheBytes >= 0 else { throw fail("cacheBytes \(cacheBytes) is negative") }
        if let d = partitionDuration, d <= 0 { throw fail("partitionDuration \(d) must be positive") }
        if let d = maxPartitionDuration, d <= 0 { throw fail("maxPartitionDuration \(d) must be positive") }
        if case .interval(let ms) = sync, ms <= 0 { throw fail("sync interval \(ms) ms must be positive") }
        if let age = memtableMaxAge, age <= .zero { throw fail("memtableMaxAge \(age) must be positive") }
        if let cold = coldCompression {
            guard cold.level >= 1 && cold.level <= 19 else { throw fail("coldCompression.level \(cold.level) is outside 1...19") }
            guard cold.afterPartitions >= 1 else { throw fail("coldCompression.afterPartitions \(cold.afterPartitions) must be at least 1") }
        }
        if readOnly && salvage { throw fail("salvage needs a writable store (readOnly is set)") }
    }
}

/// When a write is durable.
public enum SyncPolicy: Sendable, Equatable {
    /// `write` returns after the batch is on stable storage (fsync). Writers
    /// that arrive while an fsync runs share the next one (group commit).
    case everyBatch
    /// The log is synced every so many milliseconds by a background thread; a
    /// crash loses at most that much acknowledged data.
    case interval(milliseconds: Int)
    /// Never synced explicitly: the operating system decides. For tests and
    /// bulk loads that can be repeated.
    case none
}

/// Zstd re-packing of old partitions.
public struct ColdCompression: Sendable, Equatable {
    /// Zstd level, 1 to 19 (default 9).
    public var level: Int32
    /// A window is cold when it ends this many partitions or more before
    /// the newest partition with data (default 2, at least 1).
    public var afterPartitions: Int

    /// Creates a cold-compression policy.
    public init(level: Int32 = 9, afterPartitions: Int = 2) {
        self.level = level
        self.afterPartitions = afterPartitions
    }
}

/// A downsampling tier (``Options/tiers``): per series, one row per bucket of
/// `width` timestamp units, aligned like TimescaleDB's `time_bucket` (from
/// 2000-01-03T00:00:00Z, a Monday), kept for `keep`.
///
/// ```swift
/// let hourly = Tier(width: 3_600_000, keep: 5 * 365 * 86_400_000)   // milliseconds store
/// ```
public struct Tier: Sendable, Hashable {
    /// Bucket width in timestamp units (1 to 2^53).
    public var width: Int64
    /// How long rows are kept before the newest (nil: forever).
    public var keep: Int64?

    /// Creates a tier of buckets `width` units wide, kept for `keep` units.
    public init(width: Int64, keep: Int64? = nil) {
        self.width = width
        self.keep = keep
    }

    static let maxTiers = 8
    /// Times within a bucket are stored as doubles: exact up to 2^53 units.
    static let maxWidth: Int64 = 1 << 53
}
