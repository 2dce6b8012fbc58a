import StrataCodecs

// The one helper for the primitives of every Strata file format (FORMAT.md,
// "Conventions"): little-endian integers, LEB128 varints (StrataCodecs'
// `Varint` and `ByteReader`: at most 10 bytes, overflow past 64 bits
// rejected), and length-prefixed strings:
//
//   name := length:varint(1...255) UTF-8 bytes, a valid series name
//   text := length:varint(0...4096) UTF-8 bytes (source names and positions, attribute values)
//
// Writers append to `[UInt8]`; readers go through `ByteReader`, whose every
// read is bounds-checked and throws `CodecError`, which `decoding(...)` maps
// to a `StrataError` naming the file and the absolute byte offset.

/// Longest text field (source names and positions, attribute values), in bytes.
let maxTextBytes = 4096

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendUInt16LE(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v))
        append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inline(__always)
    mutating func appendVarint(_ v: UInt64) { Varint.append(v, to: &self) }

    @inline(__always)
    mutating func appendVarint(_ v: Int) { Varint.append(UInt64(v), to: &self) }

    @inline(__always)
    mutating func appendSignedVarint(_ v: Int64) { Varint.appendSigned(v, to: &self) }

    /// A series name or a text: varint length, then the UTF-8 bytes.
    mutating func appendString(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            Varint.append(UInt64(utf8.count), to: &self)
            append(contentsOf: utf8)
        }
    }
}

extension ByteReader {
    mutating func readUInt16LE() throws(CodecError) -> UInt16 {
        let lo = try readByte()
        let hi = try readByte()
        return UInt16(lo) | UInt16(hi) << 8
    }

    mutating func readInt64LE() throws(CodecError) -> Int64 {
        Int64(bitPattern: try readUInt64LE())
    }

    /// A length-prefixed series name (device id or sensor type), validated as one.
    mutating func readName() throws(CodecError) -> String {
        let start = offset
        let length = try readCount("name length", limit: SeriesKey.maxNameBytes)
        let bytes = try readBytes(length)
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw CodecError(.malformed, codec: codec, offset: start, "name is not valid UTF-8")
        }
        do throws(StrataError) {
            try SeriesKey.validate(s, field: "name")
        } catch {
            throw CodecError(.malformed, codec: codec, offset: start, error.reason)
        }
        return s
    }

    /// A length-prefixed UTF-8 text of at most `maxTextBytes` bytes.
    mutating func readText() throws(CodecError) -> String {
        let start = offset
        let length = try readCount("text length", limit: maxTextBytes)
        let bytes = try readBytes(length)
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw CodecError(.malformed, codec: codec, offset: start, "text is not valid UTF-8")
        }
        return s
    }
}

/// Little-endian loads at fixed offsets (headers and trailers), bounds checked by the caller.
enum LittleEndian {
    @inline(__always)
    static func u16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }

    @inline(__always)
    static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    @inline(__always)
    static func u64(_ b: [UInt8], _ o: Int) -> UInt64 { UInt64(u32(b, o)) | UInt64(u32(b, o + 4)) << 32 }
}

/// Runs `body` over a `ByteReader` on `bytes`; a `CodecError` becomes a
/// corruption in `file` at `base` plus the reader's offset.
func decoding<R>(
    _ bytes: [UInt8], codec: String, file: String, base: Int = 0, _ body: (inout ByteReader) throws(CodecError) -> R
) throws(StrataError) -> R {
    do throws(CodecError) {
        return try bytes.withBytes { (raw) throws(CodecError) -> R in
            var r = ByteReader(raw, codec: codec)
            return try body(&r)
        }
    } catch {
        throw StrataError(error, file: file, blockOffset: base)
    }
}

/// Runs `body` over a `ByteReader` on raw bytes; errors as in `decoding(_:codec:file:base:_:)`.
func decoding<R>(
    raw: UnsafeRawBufferPointer, codec: String, file: String, base: Int = 0, _ body: (inout ByteReader) throws(CodecError) -> R
) throws(StrataError) -> R {
    do throws(CodecError) {
        var r = ByteReader(raw, codec: codec)
        return try body(&r)
    } catch {
        throw StrataError(error, file: file, blockOffset: base)
    }
}

/// `base + distance` (a distance stored as an unsigned varint), or nil past Int64.max.
@inline(__always)
func advanced(_ base: Int64, by distance: UInt64) -> Int64? {
    distance <= UInt64(bitPattern: Int64.max &- base) ? base &+ Int64(bitPattern: distance) : nil
}

/// `base - distance`, or nil below Int64.min.
@inline(__always)
func retreated(_ base: Int64, by distance: UInt64) -> Int64? {
    distance <= UInt64(bitPattern: base &- Int64.min) ? base &- Int64(bitPattern: distance) : nil
}
