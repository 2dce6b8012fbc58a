import StrataCodecs

// The series catalog on disk: an append-only file of CRC-protected records,
// one per flush that created series. The manifest records how many bytes of
// it are committed; bytes beyond (a flush that crashed before its manifest)
// are ignored and overwritten. FORMAT.md, "Catalog".
//
//   header  := "SCAT" version:u16le(2) reserved:u16le(0)
//   record  := length:u32le crc32c:u32le body        (crc over body)
//   body    := type:u8 payload
//   type 1  := firstID:varint count:varint (device:name sensor:name)*     series, ids firstID...
//   type 2  := attributes (Model/LogChanges.swift), every change a set: a device's
//              attributes in full, replacing what earlier records said

enum CatalogFile {
    static let fileHeader = FileHeader(magic: Array("SCAT".utf8), version: 2, kind: "catalog")
    static let headerSize = FileHeader.size

    enum RecordType: UInt8 {
        case series = 1
        case attributes = 2
    }

    static func header() -> [UInt8] { fileHeader.bytes() }

    /// A record defining series firstID..<firstID+names.count.
    static func record(firstID: SeriesID, _ names: [SeriesKey]) -> [UInt8] {
        var body: [UInt8] = [RecordType.series.rawValue]
        body.appendVarint(UInt64(firstID))
        body.appendVarint(names.count)
        for key in names {
            body.appendString(key.deviceID)
            body.appendString(key.sensorType)
        }
        return frame(body)
    }

    /// A record giving a device's attributes in full.
    static func record(attributes: AttributeChange) -> [UInt8] {
        frame([RecordType.attributes.rawValue] + attributes.encode())
    }

    private static func frame(_ body: [UInt8]) -> [UInt8] {
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
            let length = Int(LittleEndian.u32(bytes, offset))
            let crc = LittleEndian.u32(bytes, offset + 4)
            guard length >= 1, length <= committed - offset - 8 else {
                throw StrataError(.corruption, "record of \(length) bytes does not fit the committed length", file: file, offset: offset)
            }
            let body = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            guard CRC32C.checksum(body) == crc else {
                throw StrataError(.corruption, "record checksum mismatch", file: file, offset: offset)
            }
            try apply(body, at: offset + 8, length: length, into: &catalog)
            offset += 8 + length
        }
    }

    /// Applies one record's body (found at `offset`) to `catalog`.
    private static func apply(_ body: [UInt8], at offset: Int, length: Int, into catalog: inout SeriesCatalog) throws(StrataError) {
        let file = FileNames.catalog
        try decoding(body, codec: "catalog record", file: file, base: offset) { (r) throws(CodecError) in
            let type = try r.readByte()
            guard let kind = RecordType(rawValue: type) else {
                throw r.error(.unknownCodec, "unknown record type \(type) (written by a newer version of Strata?)")
            }
            switch kind {
            case .series:
                let first = try r.readVarint()
                let count = try r.readCount("series count", limit: length)
                for i in 0..<count {
                    let device = try r.readName()
                    let sensor = try r.readName()
                    let id = SeriesID(truncatingIfNeeded: first &+ UInt64(i))
                    guard first &+ UInt64(i) <= UInt64(SeriesID.max), catalog.define(id, device, sensor) else {
                        throw r.error(.malformed, "series \(first &+ UInt64(i)) (\(device)/\(sensor)) conflicts with the catalog")
                    }
                }
            case .attributes:
                let change = try AttributeChange.decode(Array(try r.readBytes(r.remaining)))
                guard change.changes.allSatisfy({ $0.value != nil }) else { throw r.error(.malformed, "attribute record removes a key") }
                catalog.replaceAttributes(change)
            }
            try r.expectEnd()
        }
    }

    /// Salvage: the records of `bytes` up to the first damaged one, and the
    /// length they take (0 when even the header is damaged).
    static func loadPrefix(_ bytes: [UInt8]) -> (catalog: SeriesCatalog, length: Int) {
        var catalog = SeriesCatalog()
        guard (try? fileHeader.check(bytes, file: FileNames.catalog)) == 0 else { return (catalog, 0) }
        var offset = headerSize
        while bytes.count - offset >= 8 {
            let length = Int(LittleEndian.u32(bytes, offset))
            guard length >= 1, length <= bytes.count - offset - 8 else { break }
            let body = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            guard CRC32C.checksum(body) == LittleEndian.u32(bytes, offset + 4) else { break }
            var attempt = catalog
            guard (try? apply(body, at: offset + 8, length: length, into: &attempt)) != nil else { break }
            catalog = attempt
            offset += 8 + length
        }
        return (catalog, offset)
    }
}
