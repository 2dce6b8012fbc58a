import StrataCodecs

// The series catalog on disk: an append-only file of CRC-protected records,
// one per flush that created series. The manifest records how many bytes of
// it are committed; bytes beyond (a flush that crashed before its manifest)
// are ignored and overwritten. FORMAT.md, "Catalog".
//
//   header  := "SCAT" version:u16le(1) reserved:u16le(0)
//   record  := length:u32le crc32c:u32le body        (crc over body)
//   body    := firstID:varint count:varint (deviceLen:varint device sensorLen:varint sensor)*

enum CatalogFile {
    static let fileHeader = FileHeader(magic: Array("SCAT".utf8), version: 1, kind: "catalog")
    static let headerSize = FileHeader.size

    static func header() -> [UInt8] { fileHeader.bytes() }

    /// One record defining series firstID..<firstID+names.count.
    static func record(firstID: SeriesID, _ names: [SeriesKey]) -> [UInt8] {
        var body: [UInt8] = []
        Varint.append(UInt64(firstID), to: &body)
        Varint.append(UInt64(names.count), to: &body)
        for key in names {
            appendString(key.deviceID, to: &body)
            appendString(key.sensorType, to: &body)
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 8)
        out.appendUInt32LE(UInt32(body.count))
        out.appendUInt32LE(CRC32C.checksum(body))
        out.append(contentsOf: body)
        return out
    }

    /// Loads the committed prefix of the catalog into `catalog`.
    static func load(_ bytes: [UInt8], committed: Int, into catalog: inout SeriesCatalog) throws(StrataError) {
        let file = FileNames.catalog
        guard bytes.count >= committed else {
            throw StrataError(.corruption, "catalog has \(bytes.count) bytes, the manifest commits \(committed)", file: file, offset: bytes.count)
        }
        guard committed >= headerSize else {
            throw StrataError(.corruption, "committed length \(committed) is shorter than the header", file: file, offset: 0)
        }
        guard try fileHeader.check(bytes, file: file) == 0 else { throw StrataError(.corruption, "reserved header bytes set", file: file, offset: 6) }
        var offset = headerSize
        while offset < committed {
            guard committed - offset >= 8 else {
                throw StrataError(.corruption, "record header cut at the committed length", file: file, offset: offset)
            }
            let length = Int(UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
            let crc = UInt32(bytes[offset + 4]) | UInt32(bytes[offset + 5]) << 8 | UInt32(bytes[offset + 6]) << 16 | UInt32(bytes[offset + 7]) << 24
            guard length <= committed - offset - 8 else {
                throw StrataError(.corruption, "record of \(length) bytes runs past the committed length", file: file, offset: offset)
            }
            let body = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            guard CRC32C.checksum(body) == crc else {
                throw StrataError(.corruption, "record checksum mismatch", file: file, offset: offset)
            }
            do throws(CodecError) {
                try body.withBytes { (raw) throws(CodecError) in
                    var r = ByteReader(raw, codec: "catalog record")
                    let first = try r.readVarint()
                    let count = try r.readCount("series count", limit: length)
                    for i in 0..<count {
                        let device = try readString(&r)
                        let sensor = try readString(&r)
                        let id = SeriesID(truncatingIfNeeded: first &+ UInt64(i))
                        guard first &+ UInt64(i) <= UInt64(SeriesID.max), catalog.define(id, device, sensor) else {
                            throw r.error(.malformed, "series \(first + UInt64(i)) (\(device)/\(sensor)) conflicts with the catalog")
                        }
                    }
                    try r.expectEnd()
                }
            } catch {
                throw StrataError(error, file: file, blockOffset: offset + 8)
            }
            offset += 8 + length
        }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        Varint.append(UInt64(s.utf8.count), to: &out)
        out.append(contentsOf: s.utf8)
    }

    /// A length-prefixed name, checked as a valid series name.
    static func readString(_ r: inout ByteReader) throws(CodecError) -> String {
        let length = try r.readCount("name length", limit: SeriesKey.maxNameBytes)
        let bytes = try r.readBytes(length)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw r.error(.malformed, "name is not valid UTF-8") }
        do throws(StrataError) {
            try SeriesKey.validate(s, field: "name")
        } catch {
            throw r.error(.malformed, error.reason)
        }
        return s
    }
}
