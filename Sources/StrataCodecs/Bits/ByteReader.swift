// A bounds-checked cursor over a contiguous byte buffer, used by every decoder.
//
// Every read checks the remaining length and throws `CodecError.truncated`
// instead of reading past the end (STYLE.md habit 6: decoders never trap).

/// Forward cursor over `UnsafeRawBufferPointer` bytes.
///
/// Thread safety: a value type over memory the caller keeps alive; not shared.
package struct ByteReader {
    package let bytes: UnsafeRawBufferPointer
    package private(set) var offset: Int
    /// Names the section being decoded in thrown errors.
    package var codec: String

    package init(_ bytes: UnsafeRawBufferPointer, codec: String, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        self.codec = codec
    }

    package var remaining: Int { bytes.count - offset }
    package var isAtEnd: Bool { offset >= bytes.count }

    package func error(_ kind: CodecError.Kind, _ reason: String) -> CodecError {
        CodecError(kind, codec: codec, offset: offset, reason)
    }

    @inline(__always)
    package mutating func readByte() throws(CodecError) -> UInt8 {
        guard offset < bytes.count else { throw error(.truncated, "expected 1 more byte") }
        let b = bytes[offset]
        offset &+= 1
        return b
    }

    /// LEB128 unsigned varint, at most 10 bytes; rejects encodings that overflow 64 bits.
    @inline(__always)
    package mutating func readVarint() throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard offset < bytes.count else {
                offset = start
                throw error(.truncated, "varint runs past the end")
            }
            let b = bytes[offset]
            offset &+= 1
            if shift == 63 && b > 1 {
                offset = start
                throw error(.malformed, "varint exceeds 64 bits")
            }
            result |= UInt64(b & 0x7F) &<< shift
            if b & 0x80 == 0 { return result }
            shift &+= 7
        }
    }

    /// Zigzag-decoded signed varint.
    @inline(__always)
    package mutating func readSignedVarint() throws(CodecError) -> Int64 {
        Zigzag.decode(try readVarint())
    }

    /// A varint that must fit `0...limit`; `what` names it in the error.
    package mutating func readCount(_ what: String, limit: Int) throws(CodecError) -> Int {
        let start = offset
        let v = try readVarint()
        guard v <= UInt64(max(limit, 0)) else {
            offset = start
            throw error(.limitExceeded, "\(what) \(v) exceeds the limit \(limit)")
        }
        return Int(v)
    }

    package mutating func readUInt32LE() throws(CodecError) -> UInt32 {
        guard remaining >= 4 else { throw error(.truncated, "expected 4 bytes, \(remaining) left") }
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset &+= 4
        return UInt32(littleEndian: v)
    }

    package mutating func readUInt64LE() throws(CodecError) -> UInt64 {
        guard remaining >= 8 else { throw error(.truncated, "expected 8 bytes, \(remaining) left") }
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset &+= 8
        return UInt64(littleEndian: v)
    }

    /// The next `count` bytes as a sub-buffer (no copy).
    package mutating func readBytes(_ count: Int) throws(CodecError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else {
            throw error(.truncated, "expected \(count) bytes, \(remaining) left")
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset &+= count
        return slice
    }

    /// Throws unless every byte was consumed: a block with trailing bytes is corrupt.
    package func expectEnd() throws(CodecError) {
        guard offset == bytes.count else {
            throw error(.malformed, "\(bytes.count - offset) unexpected trailing bytes")
        }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body with typed throws (the standard one rethrows `any Error`).
    @inline(__always)
    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(CodecError) -> R) throws(CodecError) -> R {
        var result: Result<R, CodecError>?
        withUnsafeBytes { raw in
            result = Result { () throws(CodecError) -> R in try body(raw) }
        }
        return try result!.get()
    }
}
