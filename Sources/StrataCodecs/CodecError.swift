/// The error every StrataCodecs decoder throws on input it cannot accept.
///
/// Decoders never trap on bytes they are given: a truncated, malformed or
/// oversized block becomes a `CodecError` that names the codec, the byte
/// offset within the block where the problem was found, and why.
///
/// ```swift
/// do {
///     let ts = try TimestampCodec.decode(bytes, maxCount: 1024)
/// } catch let error as CodecError where error.kind == .truncated {
///     print("block ends early: \(error)")
/// }
/// ```
public struct CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, coarse enough to match in a `catch`.
    public enum Kind: String, Sendable, Equatable {
        /// The input ended before the encoding said it would.
        case truncated
        /// The bytes contradict the format (bad width, impossible count, trailing bytes, ...).
        case malformed
        /// The header names a codec or version this build does not know.
        case unknownCodec
        /// A count or size in the input exceeds the limit the caller allowed.
        case limitExceeded
        /// A compression library (LZ4, Zstd) rejected the data or the output size.
        case compression
    }

    /// What went wrong.
    public let kind: Kind
    /// The codec or section being decoded, for example `"timestamps/grid"`.
    public let codec: String
    /// Byte offset within the encoded block where the problem was detected.
    public let offset: Int
    /// A human-readable explanation.
    public let reason: String

    /// Creates an error; decoders use this, callers normally only read errors.
    public init(_ kind: Kind, codec: String, offset: Int, _ reason: String) {
        self.kind = kind
        self.codec = codec
        self.offset = offset
        self.reason = reason
    }

    /// A short human-readable form, for logs.
    public var description: String {
        "\(codec): \(kind.rawValue) at byte \(offset): \(reason)"
    }
}
