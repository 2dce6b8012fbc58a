import StrataCodecs

// The manifest: the store's durable state in one small file, replaced
// atomically (write MANIFEST.tmp, fsync, rename, fsync the directory) by
// every commit. FORMAT.md, "Manifest".
//
//   manifest  := "SMAN" version:u16le(2) flags:u16le(0) body crc32c:u32le
//   body      := resolution:u8 partitionDuration:varint nextFileNumber:varint
//                walStart:varint walLast:varint catalogLength:varint catalogSeries:varint
//                newestTime:svarint
//                files:varint file*  tombstones:varint tombstone*
//                sources:varint (source:text position:text)*
//                retainedFrom:svarint tiers:varint tier* stale:varint staleRange*
//   file      := number:varint precedence:varint flags:u8 rangeFirst:svarint rangeSpan:varint
//                size:varint points:varint series:varint minTime:svarint timeSpan:varint
//                flags bit 0: mixed file; bit 1: cold re-pack; bit 2: draft (encoded without the
//                entropy stage, to be rewritten once its window is sealed)
//   tombstone := scope:u8 [ids:varint (delta:varint)*] first:svarint span:varint
//                belowPrecedence:varint belowNumber:varint
//                scope 0: every series; scope 1: the listed series ids (ascending, delta coded)
//                belowNumber 0: a deletion, hiding points of files numbered below belowPrecedence
//   tier      := width:varint keep:varint builtThrough:svarint        keep 0: forever
//   staleRange := tier:varint flags:u8 scope:u8 [ids:varint (delta:varint)*] first:svarint span:varint stamp:varint
//                 flags bit 0: made by a deletion
//   crc32c covers every byte before it.

/// A live chunk file as the manifest records it.
struct FileMeta: Equatable, Sendable {
    var number: UInt64
    /// Which file wins when two hold a point for the same series and timestamp:
    /// the one with the larger (precedence, number). A flush's files take their
    /// own number; a compaction's output takes the largest precedence of its inputs.
    var precedence: UInt64
    var mixed: Bool
    var cold: Bool
    /// Encoded for speed (no entropy stage) because it is going to be rewritten:
    /// a flush's file of a partition still receiving data. Compaction rewrites it
    /// at full compression once its window is sealed.
    var draft: Bool = false
    var rangeFirst: Int64
    var rangeLast: Int64
    var summary: ChunkSummary

    var order: Order { Order(precedence: precedence, number: number) }

    /// Whether the file may hold points in `first...last`.
    func overlaps(_ first: Int64, _ last: Int64) -> Bool {
        summary.points > 0 && summary.maxTime >= first && summary.minTime <= last
    }
}

/// Precedence order of files: later wins.
struct Order: Comparable, Hashable, Sendable, CustomStringConvertible {
    var precedence: UInt64
    var number: UInt64
    static func < (a: Order, b: Order) -> Bool { (a.precedence, a.number) < (b.precedence, b.number) }
    var description: String { "\(precedence).\(number)" }
}

/// Points hidden in older files: those of `scope` in `first...last`, in every
/// file whose order is below `below`. A compaction that merges a window into
/// a new file hides the window in the older files it could not remove (mixed
/// files that extend beyond it); retention hides what it drops; deletes hide
/// what they delete. Points are removed physically when a file is rewritten.
struct Tombstone: Equatable, Sendable {
    enum Scope: Equatable, Sendable {
        case all
        /// Ascending series ids.
        case series([SeriesID])
    }

    var scope: Scope
    var first: Int64
    var last: Int64
    var below: Order

    /// A deletion's tombstone (`below.number == 0`) hides points of the files numbered
    /// below `below.precedence`: the files that existed when it was committed, and the
    /// compaction outputs made from them before they saw it (a compaction that read a
    /// version without it and commits after it is refused, so any later output was
    /// merged with it applied). Other tombstones hide points of files ordered below `below`.
    func applies(to file: FileMeta) -> Bool {
        if below.number == 0 { return file.number < below.precedence && file.overlaps(first, last) }
        return file.order < below && file.overlaps(first, last)
    }

    /// A deletion's tombstone (see `applies(to:)`).
    var isDeletion: Bool { below.number == 0 }

    func covers(_ id: SeriesID) -> Bool {
        switch scope {
        case .all: return true
        case .series(let ids):
            var lo = 0, hi = ids.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ids[mid] < id { lo = mid + 1 } else { hi = mid }
            }
            return lo < ids.count && ids[lo] == id
        }
    }
}

/// A downsampling tier's definition and progress: rows exist for every bucket
/// below `builtThrough` (a bucket boundary), except where a stale range says
/// raw data changed after they were built.
struct TierState: Equatable, Sendable {
    /// Bucket width in timestamp units.
    var width: Int64
    /// How long the tier's rows are kept (nil: forever).
    var keep: Int64?
    var builtThrough: Int64 = .min
}

/// Buckets of a tier whose rows no longer match the raw data (late points or a
/// deletion landed in them) and are rebuilt. `stamp` orders them: the builder
/// clears the ranges it saw, not ones that arrived while it worked.
struct StaleRange: Equatable, Sendable {
    var tier: Int
    var scope: Tombstone.Scope
    var first: Int64
    var last: Int64
    var stamp: UInt64
    /// Made by a deletion (its whole buckets are emptied even where raw data is gone).
    var deletion = false
}

struct Manifest: Equatable, Sendable {
    var resolution: TimestampResolution
    var partitionDuration: Int64
    var nextFileNumber: UInt64 = 1
    /// The first WAL segment still needed, and the last one known to exist.
    var walStart: UInt64 = 1
    var walLast: UInt64 = 0
    var catalogLength = FileHeader.size  // an empty catalog: its header
    var catalogSeries = 0
    /// The largest timestamp flushed so far (Int64.min when none).
    var newestTime: Int64 = .min
    var files: [FileMeta] = []
    var tombstones: [Tombstone] = []
    var sources: [String: String] = [:]
    /// Retention: points before this are dropped (Int64.min: none).
    var retainedFrom: Int64 = .min
    /// Downsampling tiers, finest first.
    var tiers: [TierState] = []
    var stale: [StaleRange] = []

    static let fileHeader = FileHeader(magic: Array("SMAN".utf8), version: 2, kind: "manifest")

    func encode() -> [UInt8] {
        var out = Self.fileHeader.bytes()
        out.append(resolution.rawValue)
        out.appendVarint(UInt64(partitionDuration))
        out.appendVarint(nextFileNumber)
        out.appendVarint(walStart)
        out.appendVarint(walLast)
        out.appendVarint(catalogLength)
        out.appendVarint(catalogSeries)
        out.appendSignedVarint(newestTime)
        out.appendVarint(files.count)
        for f in files {
            out.appendVarint(f.number)
            out.appendVarint(f.precedence)
            out.append((f.mixed ? 1 : 0) | (f.cold ? 2 : 0) | (f.draft ? 4 : 0))
            out.appendSignedVarint(f.rangeFirst)
            out.appendVarint(UInt64(bitPattern: f.rangeLast &- f.rangeFirst))
            out.appendVarint(f.summary.size)
            out.appendVarint(f.summary.points)
            out.appendVarint(f.summary.series)
            out.appendSignedVarint(f.summary.minTime)
            out.appendVarint(UInt64(bitPattern: f.summary.maxTime &- f.summary.minTime))
        }
        out.appendVarint(tombstones.count)
        for t in tombstones {
            Self.appendScope(t.scope, to: &out)
            out.appendSignedVarint(t.first)
            out.appendVarint(UInt64(bitPattern: t.last &- t.first))
            out.appendVarint(t.below.precedence)
            out.appendVarint(t.below.number)
        }
        out.appendVarint(sources.count)
        for (source, position) in sources.sorted(by: { bytesPrecede($0.key, $1.key) }) {
            out.appendString(source)
            out.appendString(position)
        }
        out.appendSignedVarint(retainedFrom)
        out.appendVarint(tiers.count)
        for t in tiers {
            out.appendVarint(UInt64(t.width))
            out.appendVarint(UInt64(t.keep ?? 0))
            out.appendSignedVarint(t.builtThrough)
        }
        out.appendVarint(stale.count)
        for r in stale {
            out.appendVarint(r.tier)
            out.append(r.deletion ? 1 : 0)
            Self.appendScope(r.scope, to: &out)
            out.appendSignedVarint(r.first)
            out.appendVarint(UInt64(bitPattern: r.last &- r.first))
            out.appendVarint(r.stamp)
        }
        out.appendUInt32LE(CRC32C.checksum(out))
        return out
    }

    private static func appendScope(_ scope: Tombstone.Scope, to out: inout [UInt8]) {
        switch scope {
        case .all:
            out.append(0)
        case .series(let ids):
            out.append(1)
            out.appendVarint(ids.count)
            var previous: SeriesID = 0
            for id in ids {
                out.appendVarint(UInt64(id - previous))
                previous = id
            }
        }
    }

    private static func readScope(_ r: inout ByteReader) throws(CodecError) -> Tombstone.Scope {
        switch try r.readByte() {
        case 0:
            return .all
        case 1:
            let n = try r.readCount("tombstone series", limit: r.remaining)
            var ids: [SeriesID] = []
            var id: UInt64 = 0
            for i in 0..<n {
                let delta = try r.readVarint()
                guard i == 0 || delta > 0 else { throw r.error(.malformed, "tombstone series not ascending") }
                id &+= delta
                guard id <= UInt64(SeriesID.max) else { throw r.error(.malformed, "series id \(id)") }
                ids.append(SeriesID(id))
            }
            return .series(ids)
        case let other:
            throw r.error(.malformed, "unknown tombstone scope \(other)")
        }
    }

    static func decode(_ bytes: [UInt8]) throws(StrataError) -> Manifest {
        let file = FileNames.manifest
        guard bytes.count >= FileHeader.size + 4 else {
            throw StrataError(.corruption, "manifest of \(bytes.count) bytes is too short", file: file, offset: 0)
        }
        guard try fileHeader.check(bytes, file: file) == 0 else { throw StrataError(.corruption, "reserved header bytes set", file: file, offset: 6) }
        let stored = LittleEndian.u32(bytes, bytes.count - 4)
        guard CRC32C.checksum(Array(bytes[0..<(bytes.count - 4)])) == stored else {
            throw StrataError(.corruption, "manifest checksum mismatch", file: file, offset: bytes.count - 4)
        }
        return try decoding(Array(bytes[FileHeader.size..<(bytes.count - 4)]), codec: "manifest", file: file, base: FileHeader.size) {
            (r) throws(CodecError) -> Manifest in
            guard let resolution = TimestampResolution(rawValue: try r.readByte()) else { throw r.error(.malformed, "unknown resolution") }
            let duration = try r.readVarint()
            guard duration > 0, duration <= UInt64(Int64.max) else { throw r.error(.malformed, "partition duration \(duration)") }
            var m = Manifest(resolution: resolution, partitionDuration: Int64(duration))
            m.nextFileNumber = try r.readVarint()
            m.walStart = try r.readVarint()
            m.walLast = try r.readVarint()
            m.catalogLength = try r.readCount("catalog length", limit: Int.max)
            m.catalogSeries = try r.readCount("catalog series", limit: Int(SeriesID.max))
            m.newestTime = try r.readSignedVarint()
            let count = try r.readCount("files", limit: r.remaining)
            var numbers = Set<UInt64>()
            for _ in 0..<count {
                let number = try r.readVarint()
                let precedence = try r.readVarint()
                let flags = try r.readByte()
                guard flags & ~7 == 0 else { throw r.error(.malformed, "unknown file flags \(flags)") }
                let rangeFirst = try r.readSignedVarint()
                let rangeLast = advanced(rangeFirst, by: try r.readVarint())
                let size = try r.readCount("size", limit: Int.max)
                let points = try r.readCount("points", limit: Int.max)
                let series = try r.readCount("series", limit: Int.max)
                let minTime = try r.readSignedVarint()
                guard let rangeLast, let maxTime = advanced(minTime, by: try r.readVarint()) else {
                    throw r.error(.malformed, "file \(number) has a range past the end of time")
                }
                guard number < m.nextFileNumber, precedence <= number else {
                    throw r.error(.malformed, "file \(number) (precedence \(precedence)) is not below the next file number \(m.nextFileNumber)")
                }
                guard numbers.insert(number).inserted else { throw r.error(.malformed, "file \(number) is listed twice") }
                m.files.append(FileMeta(number: number, precedence: precedence, mixed: flags & 1 != 0, cold: flags & 2 != 0, draft: flags & 4 != 0,
                                        rangeFirst: rangeFirst, rangeLast: rangeLast,
                                        summary: ChunkSummary(size: size, points: points, series: series, minTime: minTime, maxTime: maxTime)))
            }
            let tombstones = try r.readCount("tombstones", limit: r.remaining)
            for _ in 0..<tombstones {
                let scope = try readScope(&r)
                let first = try r.readSignedVarint()
                guard let last = advanced(first, by: try r.readVarint()) else { throw r.error(.malformed, "tombstone range past the end of time") }
                let below = Order(precedence: try r.readVarint(), number: try r.readVarint())
                m.tombstones.append(Tombstone(scope: scope, first: first, last: last, below: below))
            }
            let sources = try r.readCount("sources", limit: r.remaining)
            for _ in 0..<sources {
                let source = try r.readText()
                m.sources[source] = try r.readText()
            }
            m.retainedFrom = try r.readSignedVarint()
            let tiers = try r.readCount("tiers", limit: 64)
            for _ in 0..<tiers {
                let width = try r.readVarint()
                let keep = try r.readVarint()
                guard width > 0, width <= UInt64(Int64.max), keep <= UInt64(Int64.max) else { throw r.error(.malformed, "tier width \(width) keep \(keep)") }
                m.tiers.append(TierState(width: Int64(width), keep: keep == 0 ? nil : Int64(keep), builtThrough: try r.readSignedVarint()))
            }
            let stale = try r.readCount("stale ranges", limit: r.remaining)
            for _ in 0..<stale {
                let tier = try r.readCount("tier", limit: max(0, m.tiers.count - 1))
                guard tier < m.tiers.count else { throw r.error(.malformed, "stale range of tier \(tier); there are \(m.tiers.count)") }
                let flags = try r.readByte()
                guard flags & ~1 == 0 else { throw r.error(.malformed, "unknown stale range flags \(flags)") }
                let scope = try readScope(&r)
                let first = try r.readSignedVarint()
                guard let last = advanced(first, by: try r.readVarint()) else { throw r.error(.malformed, "stale range past the end of time") }
                m.stale.append(StaleRange(tier: tier, scope: scope, first: first, last: last, stamp: try r.readVarint(), deletion: flags & 1 != 0))
            }
            try r.expectEnd()
            return m
        }
    }
}
