// The files of a store directory. FORMAT.md, "Store directory".
//
//   LOCK                  lock file (flock), holds the owner's pid as text
//   MANIFEST              live chunk files, catalog length, WAL start, source positions
//   CATALOG               append-only series catalog
//   wal/NNNNNNNNNNNNNNNNNNNN.log     write-ahead log segments (20-digit sequence)
//   chunks/NNNNNNNNNNNN.chunk         immutable columnar chunk files (12-digit file number)
//   quarantine/           damaged files set aside by a salvaging open (never deleted by Strata)

enum FileNames {
    static let lock = "LOCK"
    static let manifest = "MANIFEST"
    static let catalog = "CATALOG"
    static let walDirectory = "wal"
    static let chunkDirectory = "chunks"
    static let quarantineDirectory = "quarantine"
    /// Downsampling tiers, each a store of its own in tiers/<width>/.
    static let tierDirectory = "tiers"

    static func walSegment(_ sequence: UInt64) -> String {
        "\(walDirectory)/\(padded(sequence, 20)).log"
    }

    static func chunk(_ number: UInt64) -> String {
        "\(chunkDirectory)/\(padded(number, 12)).chunk"
    }

    /// The sequence number of a WAL segment's file name, or nil.
    static func parseWALSegment(_ name: String) -> UInt64? {
        guard name.hasSuffix(".log"), name.count == 24 else { return nil }
        return UInt64(name.dropLast(4))
    }

    /// The file number of a chunk file's name, or nil.
    static func parseChunk(_ name: String) -> UInt64? {
        guard name.hasSuffix(".chunk"), name.count == 18 else { return nil }
        return UInt64(name.dropLast(6))
    }

    static func padded(_ n: UInt64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
