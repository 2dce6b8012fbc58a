// What each fuzz target does with its input. Decoders must never trap on
// any bytes; encoders must round-trip whatever values the bytes spell.
import StrataCodecs
@_spi(Fuzzing) import Strata

/// Largest count a fuzz input may declare; keeps memory bounded.
let limit = 1 << 16

@inline(__always)
func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// Decodes `[prefix] + input` as a timestamp block: one codec per target.
public func decodeTimestamps(prefix: UInt8, _ data: UnsafePointer<UInt8>, _ size: Int) {
    _ = try? TimestampCodec.decode([prefix] + bytes(data, size), maxCount: limit)
}

/// Decodes `[prefix] + input` as a value block.
public func decodeValues(prefix: UInt8, _ data: UnsafePointer<UInt8>, _ size: Int) {
    _ = try? ValueCodec.decode([prefix] + bytes(data, size), maxCount: limit)
}

public func decodeQuality(_ data: UnsafePointer<UInt8>, _ size: Int) {
    _ = try? QualityCodec.decode([QualityCodec.runLength] + bytes(data, size), maxCount: limit)
}

/// First two bytes: the declared original size; the rest: the compressed block.
public func decompress(_ method: ByteCompression, _ data: UnsafePointer<UInt8>, _ size: Int) {
    guard size >= 2 else { return }
    let original = Int(data[0]) | Int(data[1]) << 8
    _ = try? method.decompress(Array(UnsafeBufferPointer(start: data + 2, count: size - 2)), originalSize: original, limit: limit)
}

/// The input, 8 bytes at a time, as timestamps: every codec must give them back.
public func roundTripTimestamps(_ data: UnsafePointer<UInt8>, _ size: Int) {
    let n = size / 8
    let ts = (0..<n).map { i in Int64(bitPattern: UnsafeRawPointer(data + 8 * i).loadUnaligned(as: UInt64.self)) }
    for codec in TimestampCodec.allCases {
        for options in [CodecOptions.default, .bitPackedOnly] {
            var block: [UInt8] = []
            codec.encode(ts, options: options, into: &block)
            guard let back = try? TimestampCodec.decode(block, maxCount: n), back == ts else {
                fatalError("\(codec) failed to round-trip \(ts)")
            }
        }
    }
    var chosen: [UInt8] = []
    TimestampCodec.encode(ts, into: &chosen)
    guard (try? TimestampCodec.decode(chosen, maxCount: n)) == ts else { fatalError("choice failed to round-trip \(ts)") }
}

/// The input, 8 bytes at a time, as value bit patterns; the first byte also
/// steers half of the inputs towards short decimals, the codecs' common case.
public func roundTripValues(_ data: UnsafePointer<UInt8>, _ size: Int) {
    let n = size / 8
    var values = (0..<n).map { i in Double(bitPattern: UnsafeRawPointer(data + 8 * i).loadUnaligned(as: UInt64.self)) }
    if size > 0 && data[0] & 1 == 1 {
        // Decimals with 0...6 places built from the low bits, plus whatever specials remain.
        values = values.map { v in
            let b = v.bitPattern
            let places = Int(b % 7)
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            return b & 0x80 == 0 ? Double(Int64(bitPattern: b >> 8) % 10_000_000) / scale : v
        }
    }
    let bits = values.map(\.bitPattern)
    for codec in ValueCodec.allCases {
        for options in [CodecOptions.default, .bitPackedOnly] {
            var block: [UInt8] = []
            codec.encode(values, options: options, into: &block)
            guard let back = try? ValueCodec.decode(block, maxCount: n), back.map(\.bitPattern) == bits else {
                fatalError("\(codec) failed to round-trip \(bits)")
            }
        }
    }
    var chosen: [UInt8] = [], gorilla: [UInt8] = []
    ValueCodec.encode(values, into: &chosen)
    ValueCodec.gorilla.encode(values, into: &gorilla)
    guard chosen.count <= gorilla.count else { fatalError("choice larger than Gorilla for \(bits)") }
    guard (try? ValueCodec.decode(chosen, maxCount: n))?.map(\.bitPattern) == bits else { fatalError("choice failed to round-trip \(bits)") }
}

public func decodePresence(_ data: UnsafePointer<UInt8>, _ size: Int) {
    // First byte: the row count the caller expects (1...256); the rest: the block after its codec byte.
    guard size >= 1 else { return }
    _ = try? PresenceCodec.decode([PresenceCodec.codecByte] + Array(UnsafeBufferPointer(start: data + 1, count: size - 1)), rows: Int(data[0]) + 1)
}

/// Which engine file parser a target feeds.
public enum EngineFile { case walSegment, chunkFile, manifest, catalog }

public func engine(_ kind: EngineFile, _ data: UnsafePointer<UInt8>, _ size: Int) {
    let input = bytes(data, size)
    switch kind {
    case .walSegment: try? FuzzingEntryPoints.walSegment(input)
    case .chunkFile: try? FuzzingEntryPoints.chunkFile(input)
    case .manifest: try? FuzzingEntryPoints.manifest(input)
    case .catalog: try? FuzzingEntryPoints.catalog(input)
    }
}
