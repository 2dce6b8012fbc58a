import StrataCodecs

/// The first 8 bytes of every Strata file: a 4-byte magic, the format version
/// (u16le) and a u16le of flags (zero in files that have none). Readers refuse
/// versions they do not know. FORMAT.md, sections 10 to 14.
struct FileHeader {
    let magic: [UInt8]
    let version: UInt16
    /// What the file is, for error messages ("WAL segment", "catalog", ...).
    let kind: String

    static let size = 8

    func bytes(flags: UInt16 = 0) -> [UInt8] {
        var h = magic
        h.append(UInt8(version & 0xFF)); h.append(UInt8(version >> 8))
        h.append(UInt8(flags & 0xFF)); h.append(UInt8(flags >> 8))
        return h
    }

    /// Checks the magic and version at the start of `bytes`; returns the flags.
    func check(_ bytes: [UInt8], file: String) throws(StrataError) -> UInt16 {
        guard bytes.count >= Self.size else {
            throw StrataError(.corruption, "\(kind) header cut short (\(bytes.count) bytes)", file: file, offset: 0)
        }
        guard Array(bytes[0..<4]) == magic else {
            throw StrataError(.corruption, "not a \(kind): bad magic", file: file, offset: 0)
        }
        let v = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard v == version else {
            throw StrataError(.unsupportedVersion, "\(kind) version \(v); this build reads version \(version)", file: file, offset: 4)
        }
        return UInt16(bytes[6]) | UInt16(bytes[7]) << 8
    }
}
