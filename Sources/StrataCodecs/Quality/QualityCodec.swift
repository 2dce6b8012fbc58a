// Quality flags (or any small byte codes) as runs: FORMAT.md, "Quality: run-length (0x30)".
//
//   block := 0x30 count:varint (code:u8 length:varint)*   lengths >= 1, summing to count

/// Run-length coding of per-point quality codes (0 good, 1 suspect, 2 bad, or
/// any byte): readings are almost always good, so a block is usually one run.
///
/// ```swift
/// var block: [UInt8] = []
/// QualityCodec.encode([0, 0, 0, 2, 0], into: &block)   // 3 runs: 0x30 05 00 03 02 01 00 01
/// let codes = try QualityCodec.decode(block, maxCount: 1024)
/// ```
public enum QualityCodec {
    /// The codec byte of a run-length block.
    public static let runLength: UInt8 = 0x30
    static let family = "quality/run-length"

    /// Appends `codes` as runs.
    public static func encode(_ codes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = codes.count
        BlockHeader.write(codec: runLength, count: n, into: &out)
        var i = 0
        while i < n {
            let c = codes[i]
            var j = i &+ 1
            while j < n && codes[j] == c { j &+= 1 }
            out.append(c)
            Varint.append(UInt64(j &- i), to: &out)
            i = j
        }
    }

    /// Appends `codes` as runs.
    public static func encode(_ codes: [UInt8], into out: inout [UInt8]) {
        codes.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// Decodes a block into `output` (its size is the limit); returns the count written.
    public static func decode(
        _ block: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>
    ) throws(CodecError) -> Int {
        var reader = ByteReader(block, codec: family)
        let (byte, count) = try BlockHeader.read(&reader, limit: output.count)
        guard byte == runLength else {
            throw CodecError(.unknownCodec, codec: family, offset: 0, "unknown quality codec 0x\(String(byte, radix: 16))")
        }
        var i = 0
        while i < count {
            let code = try reader.readByte()
            let length = try reader.readCount("run length", limit: count &- i)
            guard length > 0 else { throw reader.error(.malformed, "empty run") }
            output.baseAddress!.advanced(by: i).update(repeating: code, count: length)
            i &+= length
        }
        try reader.expectEnd()
        return count
    }

    /// Decodes a block; throws `limitExceeded` if it holds more than `maxCount` codes.
    public static func decode(_ block: [UInt8], maxCount: Int) throws(CodecError) -> [UInt8] {
        try block.withBytes { (raw) throws(CodecError) -> [UInt8] in
            var reader = ByteReader(raw, codec: family)
            let (_, count) = try BlockHeader.read(&reader, limit: maxCount)
            return try BlockHeader.makeArray(count: count) { (buffer) throws(CodecError) in
                _ = try decode(raw, into: buffer)
            }
        }
    }
}
