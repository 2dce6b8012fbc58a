// The entropy stage: a static, order-0 rANS coder over "hybrid" tokens.
//
// rANS is Jarek Duda's asymmetric numeral systems ("Asymmetric numeral
// systems: entropy coding combining speed of Huffman coding with compression
// rate of arithmetic coding", arXiv:1311.2540, 2013); the byte-wise
// renormalising 32-bit variant follows the description in Fabian Giesen's
// "Interleaved entropy coders" (arXiv:1402.3392, 2014). The hybrid token
// split (small values as literal tokens, larger ones as a bucket token plus
// raw low bits) follows the idea of JPEG XL's HybridUint and DEFLATE's
// length codes. Written here from those descriptions. Layout: FORMAT.md,
// "Entropy stage".
//
// Why our own coder: blocks are small (24 to 1024 values); zstd's frame and
// table headers cost more than the data on such blocks, while a static table
// of a dozen frequencies costs a few bytes.

package enum EntropyCoder {
    static let codec = "entropy"
    /// Values below this are coded as literal tokens.
    static let literalLimit: UInt64 = 16
    /// Largest token: 16 + 2 * (63 - 4) + 1.
    static let maxToken = 135
    static let stateLow: UInt32 = 1 << 23
    static let maxPrecision = 12
    /// From this many values on, two interleaved states (value i uses state i mod 2),
    /// which nearly doubles decoding speed for 4 more bytes (Giesen 2014).
    static let interleaveFrom = 64

    @inline(__always)
    static func stateCount(_ n: Int) -> Int { n >= interleaveFrom ? 2 : 1 }

    /// Token for `u` and the number of raw low bits that follow it.
    @inline(__always)
    static func token(_ u: UInt64) -> (token: Int, extraBits: Int) {
        if u < literalLimit { return (Int(u), 0) }
        let n = 63 &- u.leadingZeroBitCount  // position of the top bit, >= 4
        let b = Int((u &>> UInt64(n &- 1)) & 1)
        return (16 &+ 2 &* (n &- 4) &+ b, n &- 1)
    }

    /// Inverse of `token`: the value's high part and the raw bit count.
    @inline(__always)
    static func tokenBase(_ token: Int) -> (base: UInt64, extraBits: Int) {
        if token < 16 { return (UInt64(token), 0) }
        let k = token &- 16
        let n = 4 &+ (k &>> 1)
        let b = UInt64(k & 1)
        return ((1 &<< UInt64(n)) | (b &<< UInt64(n &- 1)), n &- 1)
    }

    /// Estimated encoded size in bytes (entropy plus table and framing), for choosing codecs.
    static func estimateSize(_ values: UnsafeBufferPointer<UInt64>) -> Int {
        var counts = [Int](repeating: 0, count: maxToken &+ 1)
        var extra = 0
        for u in values {
            let t = token(u)
            counts[t.token] &+= 1
            extra &+= t.extraBits
        }
        return counts.withUnsafeBufferPointer { estimateSize(counts: $0, total: values.count, extraBits: extra) }
    }

    static func estimateSize(counts: UnsafeBufferPointer<Int>, total: Int, extraBits: Int) -> Int {
        guard total > 0 else { return 3 }
        var bits = Double(extraBits)
        var symbols = 0
        let n = Double(total)
        for c in counts where c > 0 {
            symbols &+= 1
            bits += Double(c) * CodecMath.log2(n / Double(c))
        }
        if symbols == 1 { return 3 &+ Int((bits / 8).rounded(.up)) }
        // Framing: precision, symbol count, two stream lengths, the 4-byte final states,
        // about two bytes per table entry, and a little quantisation loss.
        return 6 &+ 4 &* stateCount(total) &+ 2 &* symbols &+ Int((bits * 1.01 / 8).rounded(.up))
    }

    // MARK: - Encode

    /// Appends the entropy-coded form of `values` (count known to the reader).
    static func encode(_ values: UnsafeBufferPointer<UInt64>, into out: inout [UInt8]) {
        let n = values.count
        var counts = [Int](repeating: 0, count: maxToken &+ 1)
        var tokens = [UInt8](repeating: 0, count: n)
        var raw = BitWriter(capacityBits: n &* 4)
        for i in 0..<n {
            let t = token(values[i])
            tokens[i] = UInt8(t.token)
            counts[t.token] &+= 1
            raw.write(values[i], width: t.extraBits)
        }
        let used = counts.indices.filter { counts[$0] > 0 }
        if used.count <= 1 {
            // One symbol (or none): no rANS stream at all.
            out.append(0)
            Varint.append(UInt64(used.first ?? 0), to: &out)
            appendRaw(raw, into: &out)
            return
        }
        // Precision: about log2(n) + 1 bits, at least enough for every symbol, at most 12.
        var precision = BitPacking.width(of: UInt64(n)) &+ 1
        precision = max(precision, BitPacking.width(of: UInt64(used.count)) &+ 1)
        precision = min(max(precision, 2), maxPrecision)
        let freqs = normalize(counts: counts, used: used, total: n, precision: precision)
        out.append(UInt8(precision))
        Varint.append(UInt64(used.count), to: &out)
        var previous = -1
        for (j, s) in used.enumerated() {
            Varint.append(UInt64(s &- previous &- 1), to: &out)
            if j < used.count &- 1 { Varint.append(UInt64(freqs[s] &- 1), to: &out) }
            previous = s
        }
        // Per symbol: the renormalisation bound and the division by the frequency
        // as a multiplication by its reciprocal (Giesen's rans_byte: exact for
        // 32-bit states), so encoding needs no integer division.
        var symbols = [EncodeSymbol](repeating: EncodeSymbol(), count: maxToken &+ 1)
        var running: UInt32 = 0
        let p = UInt32(precision)
        for s in used {
            symbols[s] = EncodeSymbol(start: running, freq: UInt32(freqs[s]), precision: p)
            running &+= UInt32(freqs[s])
        }
        // rANS encodes backwards; the bytes are reversed at the end so that the
        // decoder reads forwards: the final states first (state 0, then state 1,
        // each little-endian), then the renormalisation bytes.
        let states = stateCount(n)
        var x: (UInt32, UInt32) = (stateLow, stateLow)
        let stream = [UInt8](unsafeUninitializedCapacity: n &* 4 &+ 16) { buffer, written in
            var top = buffer.count  // bytes are written downwards from the end
            symbols.withUnsafeBufferPointer { table in
                tokens.withUnsafeBufferPointer { tokens in
                    var i = n &- 1
                    while i >= 0 {
                        let sym = table[Int(tokens[i])]
                        var state = states == 2 && i & 1 == 1 ? x.1 : x.0
                        while state >= sym.xMax {
                            top &-= 1
                            buffer[top] = UInt8(truncatingIfNeeded: state)
                            state &>>= 8
                        }
                        let q = UInt32(truncatingIfNeeded: (UInt64(state) &* UInt64(sym.reciprocal)) &>> 32) &>> sym.shift
                        state = state &+ sym.bias &+ q &* sym.complement
                        if states == 2 && i & 1 == 1 { x.1 = state } else { x.0 = state }
                        i &-= 1
                    }
                }
            }
            // The final states go in front: state 0 first, each little-endian.
            for state in states == 2 ? [x.1, x.0] : [x.0] {
                for k in (0..<4).reversed() {
                    top &-= 1
                    buffer[top] = UInt8(truncatingIfNeeded: state &>> UInt32(8 &* k))
                }
            }
            // Move the bytes to the front.
            let length = buffer.count &- top
            if top > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: buffer.baseAddress! + top, byteCount: length) }
            written = length
        }
        Varint.append(UInt64(stream.count), to: &out)
        out.append(contentsOf: stream)
        appendRaw(raw, into: &out)
    }

    /// A symbol's encoding constants (after Giesen's RansEncSymbol).
    struct EncodeSymbol {
        var xMax: UInt32 = 0
        var reciprocal: UInt32 = 0
        var shift: UInt32 = 0
        var bias: UInt32 = 0
        var complement: UInt32 = 0

        init() {}

        init(start: UInt32, freq: UInt32, precision: UInt32) {
            xMax = ((EntropyCoder.stateLow &>> precision) &<< 8) &* freq
            complement = (1 &<< precision) &- freq
            if freq < 2 {
                // x / 1: q = x - 1 with the all-ones reciprocal, and the bias makes up the rest.
                reciprocal = .max
                shift = 0
                bias = start &+ (1 &<< precision) &- 1
            } else {
                var s: UInt32 = 0
                while freq > (1 &<< s) { s &+= 1 }
                reciprocal = UInt32(truncatingIfNeeded: ((UInt64(1) &<< UInt64(s &+ 31)) &+ UInt64(freq) &- 1) / UInt64(freq))
                shift = s &- 1
                bias = start
            }
        }
    }

    private static func appendRaw(_ raw: BitWriter, into out: inout [UInt8]) {
        Varint.append(UInt64((raw.bitCount &+ 7) / 8), to: &out)
        raw.finish(into: &out)
    }

    /// Scales counts to frequencies summing to 2^precision, each at least 1.
    static func normalize(counts: [Int], used: [Int], total: Int, precision: Int) -> [Int] {
        let m = 1 << precision
        var freqs = [Int](repeating: 0, count: counts.count)
        var sum = 0
        var largest = used[0]
        for s in used {
            let f = max(1, Int((Double(counts[s]) * Double(m) / Double(total)).rounded()))
            freqs[s] = f
            sum &+= f
            if counts[s] > counts[largest] { largest = s }
        }
        // Settle the difference on the largest symbols, never below 1.
        while sum != m {
            if sum < m {
                freqs[largest] &+= m &- sum
                sum = m
            } else {
                var best = -1
                for s in used where freqs[s] > 1 && (best < 0 || freqs[s] > freqs[best]) { best = s }
                let take = min(sum &- m, freqs[best] &- 1)
                freqs[best] &-= take
                sum &-= take
            }
        }
        return freqs
    }

    // MARK: - Decode

    /// Decodes `count` values written by `encode` into `dst`.
    static func decode(
        _ reader: inout ByteReader, count: Int, into dst: UnsafeMutablePointer<UInt64>
    ) throws(CodecError) {
        let precision = Int(try reader.readByte())
        if precision == 0 {
            let symbolOffset = reader.offset
            let s = try reader.readVarint()
            guard s <= UInt64(maxToken) else {
                throw CodecError(.malformed, codec: codec, offset: symbolOffset, "token \(s) out of range")
            }
            let rawLength = try reader.readCount("raw bit bytes", limit: reader.remaining)
            let rawStart = reader.offset
            var raw = BitReader(try reader.readBytes(rawLength))
            let (base, extra) = tokenBase(Int(s))
            for i in 0..<count { dst[i] = base | raw.readWide(extra) }
            try raw.expectEnd(codec: codec, start: rawStart)
            return
        }
        guard precision <= maxPrecision else {
            throw reader.error(.malformed, "rANS precision \(precision) above \(maxPrecision)")
        }
        let m = 1 << precision
        let symbolCount = try reader.readCount("symbol count", limit: maxToken &+ 1)
        guard symbolCount >= 2 else { throw reader.error(.malformed, "rANS table needs at least 2 symbols") }
        // Per token: frequency, cumulative frequency, and the value's base and raw
        // bit count; per slot, the token (a byte). Built per block on the stack
        // (only the tokens present are filled: a slot never names another).
        struct Token {
            var frequency: UInt32
            var cumulative: UInt32
            var base: UInt64
            var extra: Int
        }
        try withUnsafeTemporaryAllocation(of: Token.self, capacity: maxToken &+ 1) { (tokens) throws(CodecError) in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: m) { (slots) throws(CodecError) in
                var symbol = -1
                var sum = 0
                for j in 0..<symbolCount {
                    let gap = try reader.readCount("symbol gap", limit: maxToken)
                    symbol = symbol &+ gap &+ 1
                    guard symbol <= maxToken else { throw reader.error(.malformed, "token \(symbol) out of range") }
                    let f: Int
                    if j < symbolCount &- 1 {
                        f = try reader.readCount("frequency", limit: m &- 1) &+ 1
                        guard sum &+ f < m else { throw reader.error(.malformed, "frequencies exceed \(m)") }
                    } else {
                        f = m &- sum
                    }
                    let (base, extra) = tokenBase(symbol)
                    tokens.initializeElement(at: symbol, to: Token(frequency: UInt32(f), cumulative: UInt32(sum), base: base, extra: extra))
                    UnsafeMutableBufferPointer(rebasing: slots[sum..<(sum &+ f)]).initialize(repeating: UInt8(symbol))
                    sum &+= f
                }
                let streamLength = try reader.readCount("rANS stream length", limit: reader.remaining)
                let streamStart = reader.offset
                let stream = try reader.readBytes(streamLength)
                let rawLength = try reader.readCount("raw bit bytes", limit: reader.remaining)
                let rawStart = reader.offset
                var raw = BitReader(try reader.readBytes(rawLength))
                let states = stateCount(count)
                guard streamLength >= 4 &* states else {
                    throw CodecError(.malformed, codec: codec, offset: streamStart, "rANS stream shorter than its states")
                }
                func state(at o: Int) throws(CodecError) -> UInt32 {
                    let v = UInt32(stream[o]) | UInt32(stream[o &+ 1]) &<< 8 | UInt32(stream[o &+ 2]) &<< 16 | UInt32(stream[o &+ 3]) &<< 24
                    guard v >= stateLow, v < stateLow &<< 8 else {
                        throw CodecError(.malformed, codec: codec, offset: streamStart &+ o, "rANS state \(v) out of range")
                    }
                    return v
                }
                var x = try state(at: 0)
                var y = states == 2 ? try state(at: 4) : stateLow
                let mask = UInt32(m &- 1)
                let p = UInt32(precision)
                var pos = 4 &* states
                let bytes = stream.baseAddress!
                let tokenTable = tokens.baseAddress!, slotBase = slots.baseAddress!
                @inline(__always)
                func step(_ x: inout UInt32) throws(CodecError) -> Token {
                    let slot = x & mask
                    let e = tokenTable[Int(slotBase[Int(slot)])]
                    x = e.frequency &* (x &>> p) &+ slot &- e.cumulative
                    while x < stateLow {
                        guard pos < streamLength else {
                            throw CodecError(.truncated, codec: codec, offset: streamStart &+ pos, "rANS stream ends early")
                        }
                        x = (x &<< 8) | UInt32(bytes.load(fromByteOffset: pos, as: UInt8.self))
                        pos &+= 1
                    }
                    return e
                }
                var i = 0
                if states == 2 {
                    // The two states' chains are independent: their steps overlap in the CPU.
                    while i &+ 1 < count {
                        let a = try step(&x)
                        let b = try step(&y)
                        dst[i] = a.extra == 0 ? a.base : a.base | raw.readWide(a.extra)
                        dst[i &+ 1] = b.extra == 0 ? b.base : b.base | raw.readWide(b.extra)
                        i &+= 2
                    }
                }
                while i < count {
                    let e = try step(&x)
                    dst[i] = e.extra == 0 ? e.base : e.base | raw.readWide(e.extra)
                    i &+= 1
                }
                guard x == stateLow, y == stateLow, pos == streamLength else {
                    throw CodecError(.malformed, codec: codec, offset: streamStart &+ pos, "rANS stream does not end in its initial states")
                }
                try raw.expectEnd(codec: codec, start: rawStart)
            }
        }
    }
}
