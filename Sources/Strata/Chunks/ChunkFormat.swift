import StrataCodecs

// Chunk files: one partition's points, grouped by device, in columns encoded
// block by block with the StrataCodecs codecs. Shared by ChunkWriter and
// ChunkReader. FORMAT.md, "Chunk file".
//
//   file    := header data index trailer
//   header  := "SCHK" version:u16le(1) flags:u16le partitionStart:i64le          (16 bytes)
//              flags bit 0: the data region is one zstd frame
//              flags bit 1: written by a cold re-pack (zstd was kept only if smaller)
//   data    := the encoded blocks, in the order the index lists them
//   index   := groups:varint group*
//   trailer := indexOffset:u64le indexLength:u32le indexCRC:u32le dataLength:u64le
//              trailerCRC:u32le "SCHK"                                            (32 bytes)
//              indexCRC covers the index bytes; trailerCRC covers the 16 header
//              bytes and the first 24 trailer bytes; each block's CRC is in the index.

enum ChunkFormat {
    static let magic: [UInt8] = Array("SCHK".utf8)
    static let version: UInt16 = 1
    static let headerSize = 16
    static let trailerSize = 32
    static let zstdFlag: UInt16 = 1
    static let coldFlag: UInt16 = 2
    /// Largest index or decompressed data region a reader accepts.
    static let maxRegion = 1 << 31

    static func header(partitionStart: Int64, flags: UInt16) -> [UInt8] {
        var h = magic
        h.append(UInt8(version & 0xFF)); h.append(UInt8(version >> 8))
        h.append(UInt8(flags & 0xFF)); h.append(UInt8(flags >> 8))
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

/// Where an encoded block sits in the data region, and its checksum.
struct BlockRef: Equatable, Sendable {
    var offset: Int
    var length: Int
    var crc: UInt32
}

/// A block of timestamps (a device's shared rows or a series' own).
struct TimeBlock: Equatable, Sendable {
    var rows: Int
    var minTime: Int64
    var maxTime: Int64
    var ref: BlockRef
}

/// One series in one block, as the index describes it.
struct SeriesBlock: Equatable, Sendable {
    /// The block's rows (shared) or the series' own timestamps.
    var time: TimeBlock
    /// Points of the series in this block (0 when it has none).
    var count: Int
    var presence: BlockRef?
    var values: BlockRef?
    var qualities: BlockRef?
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

/// Index helpers shared by writer and reader.
extension ByteReader {
    mutating func readRef(offset: inout Int) throws(CodecError) -> BlockRef {
        let length = try readCount("block length", limit: ChunkFormat.maxRegion)
        let crc = try readUInt32LE()
        defer { offset += length }
        return BlockRef(offset: offset, length: length, crc: crc)
    }

    mutating func readTimeBlock(partitionStart: Int64, offset: inout Int) throws(CodecError) -> TimeBlock {
        let rows = try readCount("rows", limit: 1 << 24)
        guard rows > 0 else { throw error(.malformed, "empty time block") }
        let minTime = partitionStart &+ (try readSignedVarint())
        let span = try readVarint()
        guard span <= UInt64(Int64.max) else { throw error(.malformed, "time span \(span)") }
        let ref = try readRef(offset: &offset)
        return TimeBlock(rows: rows, minTime: minTime, maxTime: minTime &+ Int64(span), ref: ref)
    }
}

extension Array where Element == UInt8 {
    mutating func appendRef(_ bytes: [UInt8]) {
        Varint.append(UInt64(bytes.count), to: &self)
        appendUInt32LE(CRC32C.checksum(bytes))
    }

    mutating func appendTimeBlock(rows: Int, minTime: Int64, maxTime: Int64, partitionStart: Int64, block: [UInt8]) {
        Varint.append(UInt64(rows), to: &self)
        Varint.appendSigned(minTime &- partitionStart, to: &self)
        Varint.append(UInt64(bitPattern: maxTime &- minTime), to: &self)
        appendRef(block)
    }
}
