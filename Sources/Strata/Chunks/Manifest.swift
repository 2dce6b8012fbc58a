import StrataCodecs

// The manifest: which chunk files are live, how much of the catalog is
// committed, where WAL replay starts, and the durable source positions.
// Replaced atomically (write MANIFEST.tmp, fsync, rename, fsync the
// directory) after every flush and compaction. FORMAT.md, "Manifest".
//
//   manifest := "SMAN" version:u16le(1) reserved:u16le(0) body crc32c:u32le
//   body     := resolution:u8 partitionDuration:varint nextFileNumber:varint
//               walStart:varint catalogLength:varint catalogSeries:varint
//               chunks:varint (number:varint partitionStart:svarint size:varint
//                              points:varint series:varint minTime:svarint span:varint)*
//               sources:varint (source:text position:text)*
//   crc32c covers every byte before it.

struct ManifestChunk: Equatable, Sendable {
    var number: UInt64
    var partitionStart: Int64
    var summary: ChunkSummary
}

struct Manifest: Equatable, Sendable {
    var resolution: TimestampResolution
    var partitionDuration: Int64
    var nextFileNumber: UInt64 = 1
    var walStart: UInt64 = 1
    var catalogLength = CatalogFile.headerSize
    var catalogSeries = 0
    var chunks: [ManifestChunk] = []
    var sources: [String: String] = [:]

    static let fileHeader = FileHeader(magic: Array("SMAN".utf8), version: 1, kind: "manifest")

    func encode() -> [UInt8] {
        var out = Self.fileHeader.bytes()
        out.append(resolution.rawValue)
        Varint.append(UInt64(partitionDuration), to: &out)
        Varint.append(nextFileNumber, to: &out)
        Varint.append(walStart, to: &out)
        Varint.append(UInt64(catalogLength), to: &out)
        Varint.append(UInt64(catalogSeries), to: &out)
        Varint.append(UInt64(chunks.count), to: &out)
        for c in chunks {
            Varint.append(c.number, to: &out)
            Varint.appendSigned(c.partitionStart, to: &out)
            Varint.append(UInt64(c.summary.size), to: &out)
            Varint.append(UInt64(c.summary.points), to: &out)
            Varint.append(UInt64(c.summary.series), to: &out)
            Varint.appendSigned(c.summary.minTime, to: &out)
            Varint.append(UInt64(bitPattern: c.summary.maxTime &- c.summary.minTime), to: &out)
        }
        Varint.append(UInt64(sources.count), to: &out)
        for (source, position) in sources.sorted(by: { $0.key < $1.key }) {
            CatalogFile.appendString(source, to: &out)
            CatalogFile.appendString(position, to: &out)
        }
        out.appendUInt32LE(CRC32C.checksum(out))
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(StrataError) -> Manifest {
        let file = FileNames.manifest
        guard bytes.count >= 12 else { throw StrataError(.corruption, "manifest of \(bytes.count) bytes is too short", file: file, offset: 0) }
        guard try fileHeader.check(bytes, file: file) == 0 else { throw StrataError(.corruption, "reserved header bytes set", file: file, offset: 6) }
        let stored = bytes[(bytes.count - 4)...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard CRC32C.checksum(Array(bytes[0..<(bytes.count - 4)])) == stored else {
            throw StrataError(.corruption, "manifest checksum mismatch", file: file, offset: bytes.count - 4)
        }
        do throws(CodecError) {
            return try Array(bytes[8..<(bytes.count - 4)]).withBytes { (raw) throws(CodecError) -> Manifest in
                var r = ByteReader(raw, codec: "manifest")
                guard let resolution = TimestampResolution(rawValue: try r.readByte()) else { throw r.error(.malformed, "unknown resolution") }
                let duration = try r.readVarint()
                guard duration > 0, duration <= UInt64(Int64.max) else { throw r.error(.malformed, "partition duration \(duration)") }
                var m = Manifest(resolution: resolution, partitionDuration: Int64(duration))
                m.nextFileNumber = try r.readVarint()
                m.walStart = try r.readVarint()
                m.catalogLength = try r.readCount("catalog length", limit: Int.max)
                m.catalogSeries = try r.readCount("catalog series", limit: Int(SeriesID.max))
                let count = try r.readCount("chunks", limit: raw.count)
                for _ in 0..<count {
                    let number = try r.readVarint()
                    let start = try r.readSignedVarint()
                    let size = try r.readCount("size", limit: Int.max)
                    let points = try r.readCount("points", limit: Int.max)
                    let series = try r.readCount("series", limit: Int.max)
                    let minTime = try r.readSignedVarint()
                    let maxTime = minTime &+ Int64(bitPattern: try r.readVarint())
                    guard number < m.nextFileNumber else { throw r.error(.malformed, "chunk \(number) is not below the next file number") }
                    m.chunks.append(ManifestChunk(number: number, partitionStart: start,
                                                  summary: ChunkSummary(size: size, points: points, series: series, minTime: minTime, maxTime: maxTime)))
                }
                let sources = try r.readCount("sources", limit: raw.count)
                for _ in 0..<sources {
                    let source = try WALBatch.readText(&r)
                    m.sources[source] = try WALBatch.readText(&r)
                }
                try r.expectEnd()
                return m
            }
        } catch {
            throw StrataError(error, file: file, blockOffset: 8)
        }
    }
}
