import StrataCodecs

// Chunk files: one partition's points, grouped by device, in columns encoded
// block by block with the StrataCodecs codecs. Shared by ChunkWriter and
// ChunkReader. FORMAT.md, "Chunk file".
//
//   file    := header data index trailer
//   header  := "SCHK" version:u16le(1) flags:u16le partitionStart:i64le          (16 bytes)
//              flags bit 0: the data region is one zstd frame
//              flags bit 1: written by a cold re-pack (zstd kept only if smaller)
//   data    := per group: its shared timestamp blocks, then per series its blocks
//              (per block: [own timestamps] [presence] values [qualities])
//   index   := groups:varint group*
//   group   := flags:u8 [shared] series:varint series* statistics
//   shared  := minTime:svarint blocks:varint (rows minDelta span length:varint)* crc:u32le
//   series  := id:varint length:varint flags:u8 count:varint times dataLength:varint
//              crc:u32le blocks:varint block*
//   trailer := indexOffset:u64le indexLength:u32le indexCRC:u32le dataLength:u64le
//              trailerCRC:u32le "SCHK"                                            (32 bytes)
//
// Checksums: indexCRC covers the index; trailerCRC the 16 header bytes and
// the first 24 trailer bytes; a group's crc its shared timestamp blocks; a
// series' crc all of its data bytes. Offsets are implicit: the data region
// holds the blocks in exactly the order the index lists them.

enum ChunkFormat {
    static let fileHeader = FileHeader(magic: Array("SCHK".utf8), version: 1, kind: "chunk file")
    static var magic: [UInt8] { fileHeader.magic }
    static let headerSize = 16
    static let trailerSize = 32
    static let zstdFlag: UInt16 = 1
    static let coldFlag: UInt16 = 2
    /// Largest index or decompressed data region a reader accepts.
    static let maxRegion = 1 << 31
    /// Statistics fields per block, in the order of the statistics value column.
    static let statisticsFields = 5

    static func header(partitionStart: Int64, flags: UInt16) -> [UInt8] {
        var h = fileHeader.bytes(flags: flags)
        h.appendUInt64LE(UInt64(bitPattern: partitionStart))
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
}

/// One series in one block, as the index describes it.
struct SeriesBlock: Equatable, Sendable {
    /// The device's shared rows, or the series' own timestamps.
    var time: TimeBlock
    /// Points of the series in this block (0 when it has none).
    var count: Int
    /// Offsets (in the data region) and lengths; no presence when the series
    /// has every row; no qualities block (length 0) when every point is good.
    var presence: Range<Int>?
    var values: Range<Int>
    var qualities: Range<Int>
}

/// A series' entry in a chunk file, parsed.
struct SeriesEntry: Sendable {
    var id: SeriesID
    var count: Int
    var minTime: Int64
    var maxTime: Int64
    var sharedTimestamps: Bool
    /// The series' data bytes and their checksum.
    var data: Range<Int>
    var crc: UInt32
    var blocks: [SeriesBlock]
}
