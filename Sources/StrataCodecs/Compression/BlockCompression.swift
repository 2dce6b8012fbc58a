import CLZ4
import CZstd

// LZ4 and Zstd over whole byte blocks, for WAL payloads and cold chunks.
// The callers store the uncompressed size next to the compressed bytes;
// decompression is told that size, checks it against a limit before
// allocating, and fails unless exactly that many bytes come out.
// FORMAT.md, "Compressed byte blocks".

/// Whole-block LZ4 (raw block format, no frame) and Zstd (standard frame).
///
/// ```swift
/// let packed = try ByteCompression.lz4.compress(payload)
/// let back = try ByteCompression.lz4.decompress(packed, originalSize: payload.count, limit: 1 << 26)
/// ```
public enum ByteCompression: UInt8, Sendable, CaseIterable {
    /// LZ4 block format: fast, modest ratio.
    case lz4 = 1
    /// Zstandard frame: slower, smaller.
    case zstd = 2

    /// Compresses `bytes`. Zstd uses `level` (1...19, default 3); LZ4 ignores it.
    public func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 3) throws(CodecError) -> [UInt8] {
        let n = bytes.count
        switch self {
        case .lz4:
            guard n <= Int(LZ4_MAX_INPUT_SIZE) else {
                throw CodecError(.limitExceeded, codec: "lz4", offset: 0, "input of \(n) bytes exceeds LZ4's limit")
            }
            let bound = Int(LZ4_compressBound(Int32(n)))
            var out = [UInt8](repeating: 0, count: max(bound, 1))
            let written = out.withUnsafeMutableBytes { dst in
                LZ4_compress_default(
                    bytes.baseAddress?.assumingMemoryBound(to: CChar.self), dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(n), Int32(bound))
            }
            guard written > 0 || n == 0 else {
                throw CodecError(.compression, codec: "lz4", offset: 0, "LZ4_compress_default failed")
            }
            out.removeSubrange(Int(written)...)
            return out
        case .zstd:
            let bound = ZSTD_compressBound(n)
            var out = [UInt8](repeating: 0, count: bound)
            let written = out.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, bound, bytes.baseAddress, n, level)
            }
            guard ZSTD_isError(written) == 0 else {
                throw CodecError(.compression, codec: "zstd", offset: 0, String(cString: ZSTD_getErrorName(written)))
            }
            out.removeSubrange(written...)
            return out
        }
    }

    /// Compresses `bytes`.
    public func compress(_ bytes: [UInt8], level: Int32 = 3) throws(CodecError) -> [UInt8] {
        try bytes.withBytes { (raw) throws(CodecError) in try compress(raw, level: level) }
    }

    /// Decompresses a block that must expand to exactly `originalSize` bytes;
    /// throws `limitExceeded` before allocating when `originalSize > limit`.
    public func decompress(
        _ bytes: UnsafeRawBufferPointer, originalSize: Int, limit: Int
    ) throws(CodecError) -> [UInt8] {
        let name = self == .lz4 ? "lz4" : "zstd"
        guard originalSize >= 0, originalSize <= limit else {
            throw CodecError(.limitExceeded, codec: name, offset: 0, "declared size \(originalSize) exceeds the limit \(limit)")
        }
        var out = [UInt8](repeating: 0, count: originalSize)
        switch self {
        case .lz4:
            guard bytes.count <= Int(Int32.max), originalSize <= Int(Int32.max) else {
                throw CodecError(.limitExceeded, codec: name, offset: 0, "block too large for LZ4")
            }
            let got = out.withUnsafeMutableBytes { dst -> Int32 in
                guard let d = dst.baseAddress, let s = bytes.baseAddress else { return bytes.isEmpty && originalSize == 0 ? 0 : -1 }
                return LZ4_decompress_safe(
                    s.assumingMemoryBound(to: CChar.self), d.assumingMemoryBound(to: CChar.self),
                    Int32(bytes.count), Int32(originalSize))
            }
            guard got == Int32(originalSize) else {
                throw CodecError(.compression, codec: name, offset: 0,
                                 got < 0 ? "malformed LZ4 block" : "LZ4 block expands to \(got) bytes, expected \(originalSize)")
            }
        case .zstd:
            if bytes.count >= 4 {
                let declared = ZSTD_getFrameContentSize(bytes.baseAddress, bytes.count)
                // ZSTD_CONTENTSIZE_ERROR is UInt64.max - 1; UNKNOWN (UInt64.max) is checked by the size below.
                if declared == UInt64.max - 1 {
                    throw CodecError(.compression, codec: name, offset: 0, "not a zstd frame")
                }
                if declared != UInt64.max && declared != UInt64(originalSize) {
                    throw CodecError(.compression, codec: name, offset: 0, "frame declares \(declared) bytes, expected \(originalSize)")
                }
            }
            let got = out.withUnsafeMutableBytes { dst in
                ZSTD_decompress(dst.baseAddress, originalSize, bytes.baseAddress, bytes.count)
            }
            guard ZSTD_isError(got) == 0 else {
                throw CodecError(.compression, codec: name, offset: 0, String(cString: ZSTD_getErrorName(got)))
            }
            guard got == originalSize else {
                throw CodecError(.compression, codec: name, offset: 0, "frame expands to \(got) bytes, expected \(originalSize)")
            }
        }
        return out
    }

    /// Decompresses a block that must expand to exactly `originalSize` bytes.
    public func decompress(_ bytes: [UInt8], originalSize: Int, limit: Int) throws(CodecError) -> [UInt8] {
        try bytes.withBytes { (raw) throws(CodecError) in
            try decompress(raw, originalSize: originalSize, limit: limit)
        }
    }
}
