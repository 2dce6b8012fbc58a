// Value blocks: the public entry points and the per-block choice.
// FORMAT.md, "Value codecs".

/// The codecs for a block of Double values; the first byte of an encoded
/// block names the one used.
///
/// Every codec is bit-exact for every Double, including NaN payloads,
/// -0.0, infinities and subnormals. ``encode(_:options:into:)`` picks the
/// smallest codec for each block and is never larger than Gorilla XOR.
///
/// ```swift
/// let readings = [21.4, 21.5, 21.5, 21.6, 21.4]
/// var block: [UInt8] = []
/// ValueCodec.encode(readings, into: &block)       // picks .decimal here
/// let back = try ValueCodec.decode(block, maxCount: 1024)
/// assert(back.map(\.bitPattern) == readings.map(\.bitPattern))
/// ```
public enum ValueCodec: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Gorilla's XOR of consecutive bit patterns.
    case gorilla = 0x10
    /// Scaled decimal integers (per-block power of ten), differenced, as an
    /// integer section; values it cannot represent exactly are kept raw.
    case decimal = 0x11

    /// A short human-readable form, for logs.
    public var description: String { name }

    static let family = "values"

    /// The codec's name as used in errors and reports, for example `"timestamps/grid"`.
    public var name: String {
        switch self {
        case .gorilla: "values/gorilla"
        case .decimal: "values/decimal"
        }
    }

    // MARK: - Encode

    /// Appends `values` encoded with the smallest codec; returns the codec used.
    @discardableResult
    public static func encode(
        _ values: UnsafeBufferPointer<Double>, options: CodecOptions = .default, into out: inout [UInt8]
    ) -> ValueCodec {
        let gorillaSize = GorillaXOR.encodedSize(values)
        if let decimal = DecimalValues.prepare(values, options: options), decimal.estimatedSize < gorillaSize {
            let start = out.count
            DecimalValues.write(decimal, into: &out)
            if out.count &- start <= gorillaSize { return .decimal }
            out.removeSubrange(start...)
        }
        GorillaXOR.encode(values, into: &out)
        return .gorilla
    }

    /// Appends `values` encoded with the smallest codec; returns the codec used.
    @discardableResult
    public static func encode(
        _ values: [Double], options: CodecOptions = .default, into out: inout [UInt8]
    ) -> ValueCodec {
        values.withUnsafeBufferPointer { encode($0, options: options, into: &out) }
    }

    /// Appends `values` encoded with this codec.
    public func encode(
        _ values: UnsafeBufferPointer<Double>, options: CodecOptions = .default, into out: inout [UInt8]
    ) {
        switch self {
        case .gorilla:
            GorillaXOR.encode(values, into: &out)
        case .decimal:
            let exponent = DecimalValues.chooseExponent(values) ?? 0
            DecimalValues.write(DecimalValues.prepare(values, options: options, exponent: exponent), into: &out)
        }
    }

    /// Appends `values` encoded with this codec.
    public func encode(_ values: [Double], options: CodecOptions = .default, into out: inout [UInt8]) {
        values.withUnsafeBufferPointer { encode($0, options: options, into: &out) }
    }

    // MARK: - Decode

    /// The codec and value count of an encoded block, read from its header.
    public static func header(_ block: UnsafeRawBufferPointer) throws(CodecError) -> (codec: ValueCodec, count: Int) {
        var reader = ByteReader(block, codec: family)
        let (byte, count) = try BlockHeader.read(&reader, limit: Int.max)
        guard let codec = ValueCodec(rawValue: byte) else {
            throw CodecError(.unknownCodec, codec: family, offset: 0, "unknown value codec 0x\(String(byte, radix: 16))")
        }
        return (codec, count)
    }

    /// Decodes a whole block into `output`, whose size is the limit on the
    /// block's count; returns the number of values written.
    public static func decode(
        _ block: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Double>
    ) throws(CodecError) -> Int {
        var reader = ByteReader(block, codec: family)
        let (byte, count) = try BlockHeader.read(&reader, limit: output.count)
        guard let codec = ValueCodec(rawValue: byte) else {
            throw CodecError(.unknownCodec, codec: family, offset: 0, "unknown value codec 0x\(String(byte, radix: 16))")
        }
        reader.codec = codec.name
        guard count > 0, let dst = output.baseAddress else {
            try reader.expectEnd()
            return 0
        }
        switch codec {
        case .gorilla: try GorillaXOR.decode(&reader, count: count, into: dst)
        case .decimal: try DecimalValues.decode(&reader, count: count, into: dst)
        }
        try reader.expectEnd()
        return count
    }

    /// Decodes a whole block; throws `limitExceeded` if it holds more than `maxCount` values.
    public static func decode(_ block: [UInt8], maxCount: Int) throws(CodecError) -> [Double] {
        try block.withBytes { (raw) throws(CodecError) -> [Double] in
            let (_, count) = try header(raw)
            guard count <= maxCount else {
                throw CodecError(.limitExceeded, codec: family, offset: 1, "\(count) values exceed the limit \(maxCount)")
            }
            return try BlockHeader.makeArray(count: count) { (buffer) throws(CodecError) in
                _ = try decode(raw, into: buffer)
            }
        }
    }
}
