// Presence of one series over its device's shared timestamp column: which
// rows of a block hold a value of the series. FORMAT.md, "Presence (0x40)".
//
//   block := 0x40 rows:varint kind:u8 body
//   kind 0, absent list : count:varint (gap:varint)*     rows without a value
//   kind 1, runs        : runs:varint (length:varint)*   alternating present/absent, starting present (lengths >= 1, the first may be 0)
//   kind 2, bitmap      : ceil(rows / 8) bytes, bit i (LSB-first) set if row i has a value
//   gaps: row - previous row - 1, previous starting at -1

/// Which rows of a block a series has values in; the encoder picks the smallest of three forms.
///
/// ```swift
/// var block: [UInt8] = []
/// PresenceCodec.encode(present: [true, true, false, true], into: &block)
/// let rows = try PresenceCodec.decode(block, rows: 4)   // [0, 1, 3]
/// ```
public enum PresenceCodec {
    /// The codec byte.
    public static let codecByte: UInt8 = 0x40
    static let name = "presence"

    /// Appends the presence of `present.count` rows.
    public static func encode(present: [Bool], into out: inout [UInt8]) {
        let rows = present.count
        var absent: [Int] = []
        var runs: [Int] = []
        var current = true
        var run = 0
        for (i, p) in present.enumerated() {
            if !p { absent.append(i) }
            if p == current {
                run += 1
            } else {
                runs.append(run)
                current = p
                run = 1
            }
        }
        runs.append(run)
        var absentBody: [UInt8] = []
        Varint.append(UInt64(absent.count), to: &absentBody)
        var previous = -1
        for a in absent {
            Varint.append(UInt64(a - previous - 1), to: &absentBody)
            previous = a
        }
        var runBody: [UInt8] = []
        Varint.append(UInt64(runs.count), to: &runBody)
        for r in runs { Varint.append(UInt64(r), to: &runBody) }
        let bitmapSize = (rows + 7) / 8
        BlockHeader.write(codec: codecByte, count: rows, into: &out)
        if absentBody.count <= runBody.count && absentBody.count <= bitmapSize {
            out.append(0)
            out.append(contentsOf: absentBody)
        } else if runBody.count <= bitmapSize {
            out.append(1)
            out.append(contentsOf: runBody)
        } else {
            out.append(2)
            var bitmap = [UInt8](repeating: 0, count: bitmapSize)
            for (i, p) in present.enumerated() where p { bitmap[i >> 3] |= 1 << UInt8(i & 7) }
            out.append(contentsOf: bitmap)
        }
    }

    /// The rows (ascending) that have a value; `rows` must match the block's row count.
    public static func decode(_ block: UnsafeRawBufferPointer, rows: Int) throws(CodecError) -> [Int32] {
        var r = ByteReader(block, codec: name)
        let (byte, count) = try BlockHeader.read(&r, limit: rows)
        guard byte == codecByte else {
            throw CodecError(.unknownCodec, codec: name, offset: 0, "unknown presence codec 0x\(String(byte, radix: 16))")
        }
        guard count == rows else { throw CodecError(.malformed, codec: name, offset: 1, "block covers \(count) rows, expected \(rows)") }
        var present: [Int32] = []
        present.reserveCapacity(rows)
        let kind = try r.readByte()
        switch kind {
        case 0:
            let absentCount = try r.readCount("absent rows", limit: rows)
            var next = 0
            var previous = -1
            for _ in 0..<absentCount {
                let row = previous + 1 + (try r.readCount("gap", limit: rows))
                guard row < rows else { throw r.error(.malformed, "absent row \(row) beyond \(rows)") }
                while next < row { present.append(Int32(next)); next += 1 }
                next = row + 1
                previous = row
            }
            while next < rows { present.append(Int32(next)); next += 1 }
        case 1:
            let runCount = try r.readCount("runs", limit: rows + 1)
            var row = 0
            var isPresent = true
            for j in 0..<runCount {
                let length = try r.readCount("run length", limit: rows - row)
                guard length > 0 || j == 0 else { throw r.error(.malformed, "empty run") }
                if isPresent { for k in row..<(row + length) { present.append(Int32(k)) } }
                row += length
                isPresent.toggle()
            }
            guard row == rows else { throw r.error(.malformed, "runs cover \(row) of \(rows) rows") }
        case 2:
            let bitmap = try r.readBytes((rows + 7) / 8)
            for i in 0..<rows where bitmap[i >> 3] & (1 << UInt8(i & 7)) != 0 { present.append(Int32(i)) }
            if rows & 7 != 0 && bitmap[rows >> 3] >> UInt8(rows & 7) != 0 {
                throw r.error(.malformed, "bitmap padding bits set")
            }
        default:
            throw r.error(.malformed, "unknown presence kind \(kind)")
        }
        try r.expectEnd()
        return present
    }

    /// Decodes a block held in an array.
    public static func decode(_ block: [UInt8], rows: Int) throws(CodecError) -> [Int32] {
        try block.withBytes { (raw) throws(CodecError) in try decode(raw, rows: rows) }
    }
}
