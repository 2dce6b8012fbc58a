/// How a store behaves. Every option documents its default and its trade-off.
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

    /// Length of a time partition in timestamp units. Each flush writes one
    /// chunk file per partition it touches, and compaction merges a
    /// partition's files. Fixed when the store is created; `nil` (the default)
    /// means one day for a new store and the stored length for an existing one.
    /// Longer partitions compress better (longer columns) but are rewritten
    /// whole by compaction; choose about a day of data per series or more.
    public var partitionDuration: Int64?

    /// Bound on the memtable, in bytes (default 64 MiB). When it is full it is
    /// frozen and flushed in the background while a new one takes writes; if
    /// the flush falls behind, writers wait until it is done.
    ///
    /// Memory: at most two memtables exist (the active one and the one being
    /// flushed), so the store's peak is about twice this, plus flush and
    /// compaction working sets (one device's points of one partition at a
    /// time), the indexes of open chunk files and the catalog (about 100 bytes
    /// per series). Measured with the default: ingesting the reference fleet
    /// (8.6M points) peaks at about 90 MiB, a 50M-point ingest of 10,000
    /// series at about 250 MiB. Smaller values mean smaller, more frequent
    /// flushes and more compaction work.
    public var memtableBytes: Int = 64 << 20

    /// When a write becomes durable (default `.everyBatch`).
    public var sync: SyncPolicy = .everyBatch

    /// Re-pack old partitions as one zstd frame when compaction rewrites them
    /// and that is smaller (default `nil`: never). Reading a re-packed file
    /// decompresses its data once and keeps it in memory while in use.
    public var coldCompression: ColdCompression?

    /// Rows per block in chunk files (default 1024, from 64 to 65536). Blocks
    /// are the unit of decoding and of block statistics: larger blocks
    /// compress slightly better, smaller ones let queries skip more.
    public var blockRows: Int = 1024

    /// Size at which the write-ahead log moves to a new segment (default 64 MiB).
    public var walSegmentBytes: Int = 64 << 20

    /// A partition with this many chunk files is compacted automatically in the
    /// background (default 4; 0 turns automatic compaction off).
    public var compactionTrigger: Int = 4

    /// Create the directory and the store when missing (default `true`).
    public var createIfMissing: Bool = true

    /// Called for notable events (recovery, flushes, compactions, errors in
    /// background work), for logs and metrics. Runs on the thread that caused
    /// the event; keep it short.
    public var eventHandler: (@Sendable (StoreEvent) -> Void)?

    /// The file system: POSIX unless tests inject another one.
    package var fileSystem: any FileSystem = POSIXFileSystem()

    /// Creates options with every default.
    public init() {}
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
    /// A partition is cold when it ends this many partitions or more before
    /// the newest partition with data (default 2).
    public var afterPartitions: Int

    /// Creates a cold-compression policy.
    public init(level: Int32 = 9, afterPartitions: Int = 2) {
        self.level = level
        self.afterPartitions = afterPartitions
    }
}

/// Something a store reports to `Options.eventHandler`.
public enum StoreEvent: Sendable, CustomStringConvertible {
    /// The store opened; what recovery found.
    case opened(RecoveryReport)
    /// A memtable was flushed into chunk files.
    case flushed(points: Int, files: Int, bytes: Int, milliseconds: Double)
    /// A partition's chunk files were merged into one.
    case compacted(partitionStart: Int64, inputFiles: Int, bytesBefore: Int, bytesAfter: Int)
    /// Background work failed; it is retried on the next flush or write.
    case backgroundError(StrataError)
    /// Writers are waiting for a flush to free memory.
    case writeStall(milliseconds: Double)

    public var description: String {
        switch self {
        case .opened(let r): "opened: \(r)"
        case .flushed(let p, let f, let b, let ms): "flushed \(p) points into \(f) files (\(b) bytes) in \(Int(ms)) ms"
        case .compacted(let s, let n, let before, let after): "compacted partition \(s): \(n) files, \(before) -> \(after) bytes"
        case .backgroundError(let e): "background error: \(e)"
        case .writeStall(let ms): "writers waited \(Int(ms)) ms for a flush"
        }
    }
}
