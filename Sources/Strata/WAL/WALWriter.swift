// Appends records to the current WAL segment and rotates segments.
// FORMAT.md, "Write-ahead log".
//
// Thread safety: not thread-safe; CommitLog serialises every call.

/// A position in the log: segment sequence and byte offset. Ordered.
struct WALPosition: Comparable, Sendable, CustomStringConvertible {
    var sequence: UInt64
    var offset: Int

    static func < (a: WALPosition, b: WALPosition) -> Bool {
        (a.sequence, a.offset) < (b.sequence, b.offset)
    }

    var description: String { "\(sequence):\(offset)" }
}

final class WALWriter {
    let fs: any FileSystem
    let directory: String
    private(set) var sequence: UInt64
    private(set) var file: any StorageFile
    private(set) var size: Int

    /// Creates segment `sequence` (its header synced, the directory entry too).
    init(fs: any FileSystem, directory: String, sequence: UInt64, previousDurable: Int) throws(StrataError) {
        self.fs = fs
        self.directory = directory
        self.sequence = sequence
        (file, size) = try Self.create(fs: fs, directory: directory, sequence: sequence, previousDurable: previousDurable)
    }

    private static func create(fs: any FileSystem, directory: String, sequence: UInt64, previousDurable: Int) throws(StrataError) -> (any StorageFile, Int) {
        let path = joinPath(directory, FileNames.walSegment(sequence))
        let file = try fs.open(path, .createOrTruncate)
        do {
            try file.write(WALFormat.header(sequence: sequence, previousDurable: previousDurable), at: 0)
            try file.sync()
            try fs.syncDirectory(joinPath(directory, FileNames.walDirectory))
        } catch {
            file.close()
            try? fs.remove(path)
            throw error
        }
        return (file, WALFormat.headerSize)
    }

    var position: WALPosition { WALPosition(sequence: sequence, offset: size) }

    /// Frames and appends a logical record; returns the position after it. On
    /// failure the segment's logical size is unchanged, so the next record
    /// overwrites the partial write.
    func append(_ record: [UInt8]) throws(StrataError) -> WALPosition {
        let framed = WALFormat.frame(record, at: size)
        try file.write(framed, at: size)
        size += framed.count
        return position
    }

    /// Syncs the current segment, then starts segment `sequence + 1`.
    func rotate() throws(StrataError) {
        try file.sync()
        try startNext(previousDurable: size)
    }

    /// Starts a new segment without syncing the current one (after a failed
    /// fsync the old file's state is unknown; nothing more is written to it).
    /// `durable` bytes of the old segment are known durable.
    func abandonAndRotate(durable: Int) throws(StrataError) {
        try startNext(previousDurable: durable)
    }

    private func startNext(previousDurable: Int) throws(StrataError) {
        let (next, nextSize) = try Self.create(fs: fs, directory: directory, sequence: sequence + 1, previousDurable: previousDurable)
        file.close()
        file = next
        size = nextSize
        sequence += 1
    }

    func close() {
        file.close()
    }
}
