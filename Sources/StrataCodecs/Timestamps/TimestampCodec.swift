// Timestamp blocks: the public entry points and the per-block choice.
// FORMAT.md, "Timestamp codecs".

/// The codecs for a block of Int64 timestamps; the first byte of an encoded
/// block names the one used.
///
/// Every codec round-trips any sequence of Int64 values, sorted or not,
/// including `Int64.min` and `Int64.max`. ``encode(_:options:into:)`` picks
/// the smallest codec for each block.
///
/// ```swift
/// let timestamps: [Int64] = [1_700_000_000_000, 1_700_000_010_003, 1_700_000_019_998]
/// var block: [UInt8] = []
/// let used = TimestampCodec.encode(timestamps, into: &block)
/// let back = try TimestampCodec.decode(block, maxCount: 1024)
/// assert(back == timestamps)
/// print(used, block.count)
/// ```
public enum TimestampCodec: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Gorilla's delta-of-delta with variable-length buckets, widened to 64 bits.
    case deltaOfDelta = 0x01
    /// First timestamp, then the deltas as an integer section (frame-of-reference,
    /// patched, or entropy-coded).
    case frameOfReference = 0x02
    /// t(i) = base + k(i) * period + r(i): the grid's period, the steps that
    /// are not 1 as exceptions, and the small residuals r as an integer section.
    case grid = 0x03

    /// A short human-readable form, for logs.
    public var description: String { name }

    static let family = "timestamps"

    /// The codec's name as used in errors and reports, for example `"timestamps/grid"`.
    public var name: String {
        switch self {
        case .deltaOfDelta: "timestamps/delta-of-delta"
        case .frameOfReference: "timestamps/frame-of-reference"
        case .grid: "timestamps/grid"
        }
    }

    // MARK: - Encode

    /// Appends `timestamps` encoded with the smallest codec; returns the codec used.
    @discardableResult
    public static func encode(
        _ timestamps: UnsafeBufferPointer<Int64>, options: CodecOptions = .default, into out: inout [UInt8]
    ) -> TimestampCodec {
        let start = out.count
        let dodSize = DeltaOfDelta.encodedSize(timestamps)
        let forPlan = TimestampFrameOfReference.plan(timestamps, options: options)
        let gridPlan = GridTimestamps.plan(timestamps, options: options)
        var choice: TimestampCodec = .deltaOfDelta
        var best = dodSize
        if forPlan.estimatedSize < best { choice = .frameOfReference; best = forPlan.estimatedSize }
        if gridPlan.estimatedSize < best { choice = .grid; best = gridPlan.estimatedSize }
        switch choice {
        case .deltaOfDelta:
            DeltaOfDelta.encode(timestamps, into: &out)
        case .frameOfReference:
            TimestampFrameOfReference.encode(timestamps, plan: forPlan, into: &out)
        case .grid:
            GridTimestamps.encode(timestamps, plan: gridPlan, into: &out)
        }
        // Estimates can be a little off; never end up larger than delta-of-delta.
        if choice != .deltaOfDelta && out.count &- start > dodSize {
            out.removeSubrange(start...)
            DeltaOfDelta.encode(timestamps, into: &out)
            choice = .deltaOfDelta
        }
        return choice
    }

    /// Appends `timestamps` encoded with the smallest codec; returns the codec used.
    @discardableResult
    public static func encode(
        _ timestamps: [Int64], options: CodecOptions = .default, into out: inout [UInt8]
    ) -> TimestampCodec {
        timestamps.withUnsafeBufferPointer { encode($0, options: options, into: &out) }
    }

    /// Appends `timestamps` encoded with this codec.
    public func encode(
        _ timestamps: UnsafeBufferPointer<Int64>, options: CodecOptions = .default, into out: inout [UInt8]
    ) {
        switch self {
        case .deltaOfDelta:
            DeltaOfDelta.encode(timestamps, into: &out)
        case .frameOfReference:
            TimestampFrameOfReference.encode(
                timestamps, plan: TimestampFrameOfReference.plan(timestamps, options: options), into: &out)
        case .grid:
            GridTimestamps.encode(timestamps, plan: GridTimestamps.plan(timestamps, options: options), into: &out)
        }
    }

    /// Appends `timestamps` encoded with this codec.
    public func encode(_ timestamps: [Int64], options: CodecOptions = .default, into out: inout [UInt8]) {
        timestamps.withUnsafeBufferPointer { encode($0, options: options, into: &out) }
    }

    // MARK: - Decode

    /// The codec and value count of an encoded block, read from its header.
    public static func header(_ block: UnsafeRawBufferPointer) throws(CodecError) -> (codec: TimestampCodec, count: Int) {
        var reader = ByteReader(block, codec: family)
        let (byte, count) = try BlockHeader.read(&reader, limit: Int.max)
        guard let codec = TimestampCodec(rawValue: byte) else {
            throw CodecError(.unknownCodec, codec: family, offset: 0, "unknown timestamp codec 0x\(String(byte, radix: 16))")
        }
        return (codec, count)
    }

    /// Decodes a whole block into `output`, whose size is the limit on the
    /// block's count; returns the number of timestamps written.
    public static func decode(
        _ block: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) -> Int {
        var reader = ByteReader(block, codec: family)
        let (byte, count) = try BlockHeader.read(&reader, limit: output.count)
        guard let codec = TimestampCodec(rawValue: byte) else {
            throw CodecError(.unknownCodec, codec: family, offset: 0, "unknown timestamp codec 0x\(String(byte, radix: 16))")
        }
        reader.codec = codec.name
        guard count > 0, let dst = output.baseAddress else {
            try reader.expectEnd()
            return 0
        }
        switch codec {
        case .deltaOfDelta: try DeltaOfDelta.decode(&reader, count: count, into: dst)
        case .frameOfReference: try TimestampFrameOfReference.decode(&reader, count: count, into: dst)
        case .grid: try GridTimestamps.decode(&reader, count: count, into: dst)
        }
        try reader.expectEnd()
        return count
    }

    /// Decodes a whole block; throws `limitExceeded` if it holds more than `maxCount` timestamps.
    public static func decode(_ block: [UInt8], maxCount: Int) throws(CodecError) -> [Int64] {
        try block.withBytes { (raw) throws(CodecError) -> [Int64] in
            let (_, count) = try header(raw)
            guard count <= maxCount else {
                throw CodecError(.limitExceeded, codec: family, offset: 1, "\(count) timestamps exceed the limit \(maxCount)")
            }
            return try BlockHeader.makeArray(count: count) { (buffer) throws(CodecError) in
                _ = try decode(raw, into: buffer)
            }
        }
    }
}
