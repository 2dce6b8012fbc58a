import StrataCodecs

// Chunk files: points of a time range, grouped by device, in columns encoded
// block by block with the StrataCodecs codecs. Shared by ChunkWriter and
// ChunkFile (the reader). FORMAT.md, "Chunk file".
//
//   file      := header data index trailer
//   header    := "SCHK" version:u16le(2) flags:u16le rangeFirst:i64le rangeLast:i64le   (24 bytes)
//                flags bit 0: the data region is one zstd frame
//                flags bit 1: written by a cold re-pack (zstd kept only if smaller)
//                flags bit 2: a mixed file: [rangeFirst, rangeLast] is the span of its
//                points (late or sparse data of many partitions), not a window
//   data      := the blocks' bytes, in exactly the order the index lists them
//   index     := groups:varint group*
//   group     := flags:u8 [shared] series:varint entry* statistics
//                flags bit 0: shared timestamps; bit 1: a NaN count column follows
//   shared    := minTime:svarint blocks:varint timeBlock*        (minTime from rangeFirst)
//   timeBlock := rows:varint minDelta:varint span:varint length:varint crc:u32le
//   entry     := id:varint length:varint flags:u8 count:varint times blocks:varint block*
//                flags bit 0: the series has its own timestamps
//   times     := own: minTime:svarint span:varint | shared: fromGroupMin:varint toGroupMax:varint
//   block     := own:    rows:varint minDelta:varint span:varint timestamps:varint
//                        values:varint qualities:varint crc:u32le
//                shared: count:varint, and when count > 0: [presence:varint when count < rows]
//                        values:varint qualities:varint crc:u32le
//   statistics:= [minOffset:varint* maxOffset:varint*  (one per shared non-empty block)]
//                masks:varint quality-block  [nanCounts: varint per row]
//                fields:varint value-block   (first*, last*, min*, max*, sum*, m2*: 6 columns)
//                one row per (series, non-empty block), series by series
//   trailer   := indexOffset:u64le indexLength:u32le indexCRC:u32le dataLength:u64le
//                trailerCRC:u32le "SCHK"                                              (32 bytes)
//
// Checksums: indexCRC covers the index; trailerCRC the 24 header bytes and the
// first 24 trailer bytes; a timeBlock's crc its timestamp bytes; a series
// block's crc all of its bytes (own timestamps, presence, values, qualities,
// which are contiguous in that order). A read of one block checks one crc.

enum ChunkFormat {
    static let fileHeader = FileHeader(magic: Array("SCHK".utf8), version: 2, kind: "chunk file")
    static var magic: [UInt8] { fileHeader.magic }
    static let headerSize = 24
    static let trailerSize = 32
    static let zstdFlag: UInt16 = 1
    static let coldFlag: UInt16 = 2
    static let mixedFlag: UInt16 = 4
    static let knownFlags: UInt16 = zstdFlag | coldFlag | mixedFlag
    /// Largest index or decompressed data region a reader accepts.
    static let maxRegion = 1 << 31
    /// Statistics value columns per row, in order: first, last, min, max, sum, m2.
    static let statisticsFields = 6

    static func header(rangeFirst: Int64, rangeLast: Int64, flags: UInt16) -> [UInt8] {
        var h = fileHeader.bytes(flags: flags)
        h.appendUInt64LE(UInt64(bitPattern: rangeFirst))
        h.appendUInt64LE(UInt64(bitPattern: rangeLast))
        return h
    }

    static func trailer(header: [UInt8], indexOffset: Int, indexLength: Int, indexCRC: UInt32, dataLength: Int) -> [UInt8] {
        var t: [UInt8] = []
        t.appendUInt64LE(UInt64(indexOffset))
        t.appendUInt32LE(UInt32(indexLength))
        t.appendUInt32LE(indexCRC)
        t.appendUInt64LE(UInt64(dataLength))
        t.appendUInt32LE(CRC32C.checksum(header + t))
        t.append(contentsOf: magic)
        return t
    }

    enum GroupFlag {
        static let shared: UInt8 = 1
        static let nanCounts: UInt8 = 2
        static let known: UInt8 = shared | nanCounts
    }

    enum SeriesFlag {
        static let ownTimestamps: UInt8 = 1
    }
}

/// A block of timestamps (a device's shared rows or a series' own): its rows,
/// time range, and where its encoded bytes are.
struct TimeBlock: Equatable, Sendable {
    var rows: Int
    var minTime: Int64
    var maxTime: Int64
    /// Offset and length of the encoded timestamps in the data region.
    var offset: Int
    var length: Int
    /// Checksum of a shared block's bytes (own timestamps are under their block's crc).
    var crc: UInt32
}

/// One series in one block, as the index describes it.
struct SeriesBlock: Equatable, Sendable {
    /// The device's shared rows, or the series' own timestamps.
    var time: TimeBlock
    /// Points of the series in this block (0 when it has none).
    var count: Int
    /// The block's bytes in the data region (own timestamps, presence, values,
    /// qualities, contiguous) and their checksum.
    var bytes: Range<Int>
    var crc: UInt32
    /// Offsets in the data region; no presence when the series has every row;
    /// an empty qualities range when every point is good.
    var presence: Range<Int>?
    var values: Range<Int>
    var qualities: Range<Int>
    /// The block's statistics (for a non-empty block).
    var statistics: BlockStatistics?
}

/// A series' entry in a chunk file, parsed.
struct SeriesEntry: Sendable {
    var id: SeriesID
    var count: Int
    var minTime: Int64
    var maxTime: Int64
    var sharedTimestamps: Bool
    var blocks: [SeriesBlock]
}
