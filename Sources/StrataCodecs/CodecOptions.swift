/// Which coding stages an encoder may use.
///
/// The defaults give the smallest output. Turning a stage off trades size for
/// decode speed; the benchmarks use ``bitPackedOnly`` to measure the codecs
/// without the entropy stage.
///
/// ```swift
/// var bytes: [UInt8] = []
/// TimestampCodec.encode(timestamps, options: .bitPackedOnly, into: &bytes)
/// ```
public struct CodecOptions: Sendable, Equatable {
    /// Patched frame-of-reference: a narrow bit width for most values and
    /// the few outliers stored as exceptions. Default `true`.
    public var patching: Bool
    /// The order-0 rANS entropy stage for integer sections. Default `true`.
    /// Smaller on skewed data, roughly 3 to 5 times slower to decode than bit-packing.
    public var entropy: Bool

    /// Creates options; every stage is allowed by default.
    public init(patching: Bool = true, entropy: Bool = true) {
        self.patching = patching
        self.entropy = entropy
    }

    /// Everything allowed: the smallest encoding.
    public static let `default` = CodecOptions()
    /// Bit-packing with patching, no entropy stage: the fastest decode.
    public static let bitPackedOnly = CodecOptions(patching: true, entropy: false)
}
